"""The value phase over a Litestar app on uvicorn, checked against the document the
clean app publishes: four planted value faults found, shrunk and replayed; the clean
app draws no finding from the phase."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from check_values.harness import VALUE_RULES, Checked, checked, needs_curl, replay
from check_values.litestar_items import clean_document, create_app
from statuskit.check.verdict import Outcome


@pytest.fixture(scope="module")
def faulty(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Checked]:
    with checked(create_app(faults=True), document=clean_document(),
                 tmp=tmp_path_factory.mktemp("litestar")) as run:
        yield run


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Checked]:
    with checked(create_app(faults=False), document=clean_document(),
                 tmp=tmp_path_factory.mktemp("litestar")) as run:
        yield run


@needs_curl
def test_a_500_past_a_million_is_shrunk_to_the_first_id_past_it(faulty: Checked) -> None:
    finding = faulty.finding("value-5xx",
                             "GET /items/{item_id}: 500 for values its schema allows")
    (instance,) = finding.instances
    assert instance.detail == "item_id=1000001" and instance.status == 500
    status, _ = replay(finding)
    assert status == 500


@needs_curl
def test_an_unchecked_quantity_gets_201_past_its_bounds(faulty: Checked) -> None:
    finding = faulty.finding("invalid-accepted",
                             "POST /items: 201 for a value of body/quantity its schema forbids")
    assert [i.detail for i in finding.instances][:2] == [
        "quantity: -1 (below its minimum 0.0)", "quantity: 100 (above its maximum 99.0)"]
    status, body = replay(finding)
    assert status == 201 and json.loads(body)["quantity"] in (-1, 100)


@needs_curl
def test_latin_1_bytes_get_a_500(faulty: Checked) -> None:
    finding = faulty.finding("value-5xx", "POST /items: 500 for a body not in UTF-8")
    status, _ = replay(finding)
    assert status == 500


@needs_curl
def test_a_total_sent_as_text_breaks_the_report_schema(faulty: Checked) -> None:
    finding = faulty.finding("response-schema",
                             "GET /report: a 200 breaks its declared schema at total (type)")
    status, body = replay(finding)
    report = json.loads(body)
    assert status == 200 and isinstance(report["total"], str) and report["days"] > 30


def test_the_phase_finds_only_what_was_planted(faulty: Checked) -> None:
    causes = {(f.rule.id, f.cause) for f in faulty.from_values() if f.rule.id in VALUE_RULES}
    assert causes == {
        ("value-5xx", "GET /items/{item_id}: 500 for values its schema allows"),
        ("value-5xx", "POST /items: 500 for a body not in UTF-8"),
        ("value-5xx", "POST /items: 500 for a body in a charset it is not in"),
        ("invalid-accepted", "POST /items: 201 for a value of body/quantity its schema forbids"),
        ("response-schema", "GET /report: a 200 breaks its declared schema at total (type)"),
    }


def test_the_clean_app_draws_no_finding_from_the_phase(clean: Checked) -> None:
    assert clean.from_values() == []
    values = [v for v in clean.run.verdicts if v.name.startswith("values")]
    assert {v.operation for v in values if v.outcome is Outcome.PASS} == {
        "GET /items", "POST /items", "GET /items/{item_id}", "GET /report"}
    assert all(v.outcome is Outcome.PASS for v in values)


def test_the_document_file_is_what_was_checked(clean: Checked) -> None:
    assert clean.run.source.endswith("openapi.json")
