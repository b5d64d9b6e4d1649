"""The id a create returned, read one way for every user of it: the operation probes,
the value phase's chains and the clean-up. A Location carries the id percent-encoded
as one path segment (RFC 3986 §3.3), a body carries it as it is; both lead to the same
item, and everything the run created is deleted."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from check_values.encoded_id_app import create_app
from check_values.harness import Checked, checked
from statuskit.check.verdict import Outcome


@pytest.fixture(scope="module")
def run() -> Iterator[tuple[Checked, object]]:
    app = create_app()
    with checked(app) as done:
        yield done, app


def test_the_chain_reaches_what_it_created_by_its_encoded_location(
        run: tuple[Checked, object]) -> None:
    checked_run, _ = run
    get = next(v for v in checked_run.run.verdicts if v.name == "chain-get")
    assert get.outcome is Outcome.PASS and get.status == 200
    assert get.operation == "GET /things/{thing_id}"
    gone = next(v for v in checked_run.run.verdicts if v.name == "chain-gone")
    assert gone.outcome is Outcome.PASS and gone.status == 404


def test_the_probes_reach_the_created_thing(run: tuple[Checked, object]) -> None:
    checked_run, _ = run
    created = [v for v in checked_run.run.verdicts if v.code == 201 and v.name != "chain"]
    assert created and all(v.outcome is Outcome.PASS for v in created)
    assert not [f for f in checked_run.findings if f.rule.id in ("created-there",
                                                                "deleted-gone")]


def test_nothing_the_run_created_is_left(run: tuple[Checked, object]) -> None:
    checked_run, app = run
    assert app.state.things == {}  # type: ignore[attr-defined]
    notes = checked_run.run.notes
    assert any(n.startswith("value phase clean-up: deleted") for n in notes)
    assert not any("left" in n for n in notes), notes
