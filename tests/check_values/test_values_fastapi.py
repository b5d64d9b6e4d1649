"""The value phase over a FastAPI app on uvicorn: four planted value faults, each found,
shrunk to its minimal input and replayed by its curl line; the same app without them
draws no finding from the phase."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest

from check_values.fastapi_tasks import create_app
from check_values.harness import VALUE_RULES, Checked, checked, needs_curl, replay
from statuskit.check.verdict import Outcome


@pytest.fixture(scope="module")
def faulty() -> Iterator[Checked]:
    with checked(create_app(faults=True)) as run:
        yield run


@pytest.fixture(scope="module")
def clean() -> Iterator[Checked]:
    with checked(create_app(faults=False)) as run:
        yield run


@needs_curl
def test_a_500_past_a_value_is_shrunk_to_the_first_page_past_1000(faulty: Checked) -> None:
    finding = faulty.finding("value-5xx", "GET /search: 500 for values its schema allows")
    (instance,) = finding.instances
    # hypothesis drew some page past 1000 and shrank it to the smallest that fails.
    assert instance.detail == "page=1001" and instance.status == 500
    assert finding.reproducer is not None
    assert finding.reproducer.command == \
        f"curl -i 'http://127.0.0.1:{faulty.port}/search?page=1001'"
    status, _ = replay(finding)
    assert status == 500


@needs_curl
def test_an_unvalidated_field_is_found_by_a_value_past_its_bounds(faulty: Checked) -> None:
    finding = faulty.finding("invalid-accepted",
                             "POST /tasks: 201 for a value of body/priority its schema forbids")
    # One defect (priority is never checked), one finding: each bound is an instance.
    details = [i.detail for i in finding.instances]
    assert details[:2] == ["priority: 0 (below its minimum 1.0)",
                           "priority: 6 (above its maximum 5.0)"]
    assert all(i.status == 201 for i in finding.instances)
    status, body = replay(finding)
    assert status == 201 and json.loads(body)["priority"] in (0, 6)


@needs_curl
def test_a_500_for_latin_1_bytes_is_replayed_byte_for_byte(faulty: Checked) -> None:
    finding = faulty.finding("value-5xx", "POST /tasks: 500 for a body not in UTF-8")
    assert finding.instances[0].detail == "title in Latin-1 bytes, not UTF-8"
    assert finding.reproducer is not None
    # é as the one byte 0xE9: printf sends it; a shell word would send UTF-8's two.
    assert finding.reproducer.command.startswith("printf '{\"title\": \"statuskit-\\351\"}' |")
    status, _ = replay(finding)
    assert status == 500


@needs_curl
def test_a_response_breaking_its_schema_is_found_at_the_bound(faulty: Checked) -> None:
    finding = faulty.finding("response-schema",
                             "GET /stats: a 200 breaks its declared schema at mean (type)")
    assert finding.instances[0].probe == \
        "boundary values: query parameter window: 30 (at its maximum 30)"
    status, body = replay(finding)
    assert status == 200 and json.loads(body) == {"window": 30, "mean": None}


def test_no_finding_of_the_phase_names_what_was_not_planted(faulty: Checked) -> None:
    causes = {(f.rule.id, f.cause) for f in faulty.from_values() if f.rule.id in VALUE_RULES}
    assert causes == {
        ("value-5xx", "GET /search: 500 for values its schema allows"),
        ("value-5xx", "POST /tasks: 500 for a body not in UTF-8"),
        ("value-5xx", "POST /tasks: 500 for a body in a charset it is not in"),
        ("invalid-accepted", "POST /tasks: 201 for a value of body/priority its schema forbids"),
        ("invalid-accepted", "POST /tasks: 201 for a value of body/done its schema forbids"),
        ("invalid-accepted", "POST /tasks: 201 for a value of body its schema forbids"),
        ("response-schema", "GET /stats: a 200 breaks its declared schema at mean (type)"),
    }


def test_the_clean_app_draws_no_finding_from_the_phase(clean: Checked) -> None:
    assert clean.from_values() == []
    values = [v for v in clean.run.verdicts if v.name.startswith("values")]
    # The phase ran on every operation: a clean verdict is one that asked.
    assert {v.operation for v in values if v.outcome is Outcome.PASS} == {
        "GET /tasks", "POST /tasks", "GET /tasks/{task_id}", "DELETE /tasks/{task_id}",
        "GET /search", "GET /stats"}
    assert all(v.outcome is Outcome.PASS for v in values)


def test_everything_the_values_created_is_deleted(clean: Checked) -> None:
    cleaned = [n for n in clean.run.notes if n.startswith("clean-up")]
    assert cleaned and "left on the server" not in " ".join(clean.run.notes)


def test_the_seed_is_reported_so_a_run_can_be_repeated(clean: Checked) -> None:
    assert any("--seed 20261207 sends the same values" in n for n in clean.run.notes)


def test_no_value_writes_to_an_item_the_run_did_not_create(clean: Checked) -> None:
    # DELETE /tasks/{task_id} got its values with the id of a task the run created
    # first: tasks 0 and 1, there before the run, are untouched (0 is the minimal id).
    seen = httpx.get(f"http://127.0.0.1:{clean.port}/tasks/0", timeout=5)
    assert seen.status_code == 200
    assert seen.json() == {"id": 0, "title": "zeroth", "priority": 1, "done": True}
    seen = httpx.get(f"http://127.0.0.1:{clean.port}/tasks/1", timeout=5)
    assert seen.json() == {"id": 1, "title": "first", "priority": 3, "done": False}
    delete = [v for v in clean.run.verdicts if v.operation == "DELETE /tasks/{task_id}"
              and v.name.startswith("values")]
    assert delete and all(v.outcome is Outcome.PASS for v in delete)
