"""What bounds the value phase: reads only unless writes are allowed, --max-requests,
and --seed, which sends the same values again."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from check_values.fastapi_tasks import create_app
from check_values.harness import SEED, checked
from statuskit.check.openapi import OpenAPIOptions, OpenAPIRun, check_openapi
from statuskit.check.verdict import Outcome
from support.servers import serve

Sent = list[tuple[str, str, bytes]]


def _recording(app: Any, sent: Sent) -> Any:
    async def recorder(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return await app(scope, receive, send)
        body = b""

        async def replay() -> dict[str, Any]:
            nonlocal body
            message: dict[str, Any] = await receive()
            body += message.get("body", b"")
            return message

        try:
            await app(scope, replay, send)
        finally:
            target = scope["path"] + "?" + scope["query_string"].decode()
            sent.append((scope["method"], target, body))
        return None

    return recorder


def _values_only(port: int, **options: Any) -> OpenAPIRun:
    # only={"values"}: no operation probe, so every request is the value phase's.
    settings = {"seed": SEED, "examples": 5, "only": {"values"}, **options}
    run = asyncio.run(check_openapi(f"http://127.0.0.1:{port}/", None,
                                    OpenAPIOptions(**settings)))
    assert isinstance(run, OpenAPIRun)
    return run


@pytest.fixture
def recorded() -> Iterator[tuple[int, Sent]]:
    sent: Sent = []
    with serve(_recording(create_app(faults=False), sent)) as port:
        yield port, sent


def test_the_same_seed_sends_the_same_values(recorded: tuple[int, Sent]) -> None:
    port, sent = recorded
    _values_only(port)
    # Operations run a few at a time, so the order interleaves: the values do not.
    first = sorted(s for s in sent if s[1] != "/openapi.json?")
    sent.clear()
    _values_only(port)
    again = sorted(s for s in sent if s[1] != "/openapi.json?")
    sent.clear()
    _values_only(port, seed=SEED + 1)
    other = sorted(s for s in sent if s[1] != "/openapi.json?")
    assert len(first) > 20 and first == again
    assert other != first


def test_reads_only_sends_no_write_and_says_so(recorded: tuple[int, Sent]) -> None:
    port, sent = recorded
    run = _values_only(port)
    assert {method for method, _, _ in sent} == {"GET"}
    skipped = {v.operation for v in run.verdicts
               if v.name == "values" and v.outcome is Outcome.SKIPPED}
    assert skipped == {"POST /tasks", "DELETE /tasks/{task_id}"}


def test_max_requests_bounds_the_phase(recorded: tuple[int, Sent]) -> None:
    port, sent = recorded
    run = _values_only(port, max_requests=12)
    assert run.requests == 12
    assert len([s for s in sent if s[1] != "/openapi.json?"]) == 12
    assert any(v.reason.startswith("--max-requests reached") for v in run.verdicts
               if v.name == "values")


_WITHOUT_EXTRA = ("import sys; sys.modules['hypothesis_jsonschema'] = None; "
                  "from statuskit.cli import main; sys.exit(main(sys.argv[1:]))")


def test_values_asked_for_without_the_fuzz_extra_is_one_line_and_exit_2() -> None:
    done = subprocess.run([sys.executable, "-c", _WITHOUT_EXTRA, "check",
                           "http://127.0.0.1:9/", "--openapi", "--only", "values"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.splitlines() == [
        "statuskit: the value phase of --openapi needs hypothesis and hypothesis-jsonschema: "
        "pip install 'statuskit[fuzz]'"]


def test_openapi_without_the_fuzz_extra_runs_the_probes_and_notes_the_skipped_phase(
        tmp_path: Path) -> None:
    report = tmp_path / "report.json"
    with serve(create_app(faults=True)) as port:
        done = subprocess.run([sys.executable, "-c", _WITHOUT_EXTRA, "check",
                               f"http://127.0.0.1:{port}/", "--openapi", "--json", str(report)],
                              capture_output=True, text=True, timeout=120)
    assert "Traceback" not in done.stderr
    assert done.returncode in (0, 1)  # the probes' own verdict, not a setup failure
    shown = json.loads(report.read_text())
    assert "value phase skipped: the value phase of --openapi needs hypothesis" in done.stdout
    assert not [v for v in shown["verdicts"] if v["name"].startswith("values")]
    assert [v for v in shown["verdicts"] if v["name"] == "documented"]


def test_no_values_runs_without_the_extra_and_without_the_phase() -> None:
    with checked(create_app(faults=True), values=False, examples=0) as run:
        assert not [v for v in run.run.verdicts if v.name.startswith("values")]
        assert not any("value phase" in n for n in run.run.notes)


def test_a_value_finding_carries_its_values_and_curl_line_into_json() -> None:
    with checked(create_app(faults=True), only={"values"}) as run:
        found = [f.to_dict() for f in run.findings if f.rule.id == "value-5xx"]
    shown = json.dumps(found)
    assert "page=1001" in shown and "curl -i" in shown


def test_the_cli_runs_the_phase_alone_and_prints_its_seed_and_curl_line() -> None:
    with serve(create_app(faults=True)) as port:
        done = subprocess.run(
            [sys.executable, "-m", "statuskit", "check", f"http://127.0.0.1:{port}/",
             "--openapi", "--only", "values", "--seed", "7"],
            capture_output=True, text=True, timeout=120, env={**os.environ, "COLUMNS": "200"})
    out = done.stdout
    assert done.returncode == 0, out + done.stderr  # the phase's rules are the seed's: warn
    assert "--seed 7 sends the same values" in out
    assert "GET /search: 500 for values its schema allows" in out
    assert f"curl -i 'http://127.0.0.1:{port}/search?page=1001'" in out
