"""Stateful chains over a FastAPI app on uvicorn: the created resource is reached
through the document's OpenAPI link alone, written with a stale ETag, deleted and
looked for again; every planted fault found, the clean app clean, nothing left."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from check_values.chain_app import create_app
from check_values.harness import Checked, checked
from statuskit.check.verdict import Outcome


@pytest.fixture(scope="module")
def faulty() -> Iterator[tuple[Checked, object]]:
    app = create_app(faults=True)
    with checked(app, only={"values"}) as run:
        yield run, app


@pytest.fixture(scope="module")
def clean() -> Iterator[tuple[Checked, object]]:
    app = create_app(faults=False)
    with checked(app, only={"values"}) as run:
        yield run, app


def _chain(run: Checked) -> dict[str, Outcome]:
    return {v.name: v.outcome for v in run.run.verdicts if v.name.startswith("chain")}


def test_the_link_alone_leads_to_the_created_resource(clean: tuple[Checked, object]) -> None:
    run, _ = clean
    get = next(v for v in run.run.verdicts if v.name == "chain-get")
    assert get.operation == "GET /documents/{doc_id}" and get.status == 200
    assert get.outcome is Outcome.PASS


def test_the_clean_app_passes_every_chain_check(clean: tuple[Checked, object]) -> None:
    run, _ = clean
    assert _chain(run) == {"chain-get": Outcome.PASS, "chain-stale": Outcome.PASS,
                           "chain-gone": Outcome.PASS}
    stale = next(v for v in run.run.verdicts if v.name == "chain-stale")
    assert stale.status == 412
    assert run.from_values() == []


def test_a_write_with_a_stale_etag_is_found(faulty: tuple[Checked, object]) -> None:
    run, _ = faulty
    # The same defect as the 412 probe's made-up tag: one finding, the chain an instance.
    finding = next(f for f in run.findings if f.rule.id == "if-match-412")
    assert finding.cause == "answered 200, expected 412"
    assert finding.rule.cite == "RFC 9110 §13.1.1"
    (stale,) = [i for i in finding.instances if i.check == "chain-stale"]
    assert stale.operation == "PUT /documents/{doc_id}" and stale.status == 200
    assert "a tag the resource had before a write" in stale.detail


def test_a_delete_that_keeps_the_resource_is_found(faulty: tuple[Checked, object]) -> None:
    run, _ = faulty
    finding = next(f for f in run.findings if f.rule.id == "deleted-gone")
    assert finding.cause == "GET /documents/{doc_id}: 200 after its DELETE"
    assert finding.reproducer is not None
    assert finding.reproducer.command.startswith("curl -i 'http://127.0.0.1:")


def test_everything_the_values_created_is_deleted(clean: tuple[Checked, object]) -> None:
    run, app = clean
    # The random POSTs too: each one's id is read through the link and DELETEd.
    assert app.state.docs == {}  # type: ignore[attr-defined]
    assert any(n.startswith("value phase clean-up: deleted") for n in run.run.notes)
    assert not any("left on the server" in n for n in run.run.notes)
