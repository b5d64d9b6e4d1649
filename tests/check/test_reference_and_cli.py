"""The checker passes the reference API; the command line around it."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path

import pytest

from statuskit.check import Options, Outcome, check_server, load_plan
from statuskit.check.embedded import reference_server
from statuskit.check.plan import PlanError, plan_from_document
from statuskit.check.runner import check_names
from statuskit.codes import seed_codes

HERE = Path(__file__).parent


def test_reference_api_passes_every_seed_code_and_message_check() -> None:
    with reference_server() as url:
        verdicts = asyncio.run(check_server(url))
    assert sorted({v.code for v in verdicts}) == sorted({c.code for c in seed_codes()} | {200})
    assert {v.name for v in verdicts} >= set(check_names())
    failed = [(v.name, v.reason) for v in verdicts if v.outcome is Outcome.FAIL]
    assert failed == []
    skipped = {v.code for v in verdicts if v.outcome is Outcome.SKIPPED}
    assert skipped == {408, 429, 503}  # the opt-in probes
    assert all(v.status is not None for v in verdicts if v.outcome is Outcome.PASS)


def test_opt_in_probes_pass_on_the_reference_api() -> None:
    with reference_server(header_timeout=1.0) as url, \
            reference_server(rate_limit="20/second", max_concurrency=8) as limited:
        options = Options(only={408, 429, 503}, include_slow=True, include_load=True,
                          load_base=limited)
        verdicts = asyncio.run(check_server(url, options))
    assert {v.code: v.outcome for v in verdicts} == {
        408: Outcome.PASS, 429: Outcome.PASS, 503: Outcome.PASS}


def test_toml_plan_drives_resource_probes() -> None:
    plan = load_plan(str(HERE / "example_plan.toml"))
    with reference_server() as url:
        verdicts = asyncio.run(check_server(url, Options(only={201, 306, 409, 412},
                                                         plan=plan)))
    got = {v.code: v.outcome for v in verdicts}
    assert got == {201: Outcome.PASS, 306: Outcome.NOT_APPLICABLE, 409: Outcome.PASS,
                   412: Outcome.PASS}


def test_plan_step_naming_an_unknown_step_fails_the_probe() -> None:
    plan = plan_from_document({"version": 1, "probes": {"412": {"steps": [
        {"method": "PUT", "path": "{ghost.location}", "expect": [412]}]}}})
    with reference_server() as url:
        (verdict,) = asyncio.run(check_server(url, Options(only={412}, plan=plan)))
    assert verdict.outcome is Outcome.FAIL
    assert "ghost" in verdict.reason


@pytest.mark.parametrize("document", [
    {"version": 2, "probes": {}},
    {"version": 1, "probes": {"abc": {}}},
    {"version": 1, "probes": {"201": {"steps": [{"expect": "201"}]}}},
    {"version": 1, "probes": {"201": {}}},
])
def test_malformed_plan_is_a_plan_error(document: object) -> None:
    with pytest.raises(PlanError):
        plan_from_document(document)


def _statuskit(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "statuskit", *args], capture_output=True,
                          text=True, timeout=60)


def test_cli_check_with_no_url_passes_and_writes_reports(tmp_path: Path) -> None:
    result = _statuskit("check", "--json", str(tmp_path / "r.json"),
                        "--html", str(tmp_path / "r.html"))
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads((tmp_path / "r.json").read_text())
    assert (report["summary"]["fail"], report["summary"]["warn"], report["findings"]) == (0, 0, [])
    assert report["summary"]["checks"]["pass"] == 38 + len(check_names())
    assert report["profile"] == "seed"  # the reference promises the seed's contract
    assert "<table" in (tmp_path / "r.html").read_text()


def test_cli_check_of_a_wrong_server_exits_1() -> None:
    from support.apps import plain_app
    from support.servers import serve

    with serve(plain_app, http="httptools") as port:
        result = _statuskit("check", f"http://127.0.0.1:{port}/", "--only", "501")
    assert result.returncode == 1  # 501 is RFC 9110 §9.1's SHOULD: fails the rfc profile
    assert "fail" in result.stdout


def test_cli_check_with_a_missing_plan_is_exit_2() -> None:
    result = _statuskit("check", "--plan", "/nonexistent/plan.toml")
    assert result.returncode == 2
    assert "statuskit:" in result.stderr


def test_slow_probe_says_what_it_waits_for() -> None:
    waits: list[tuple[str, str]] = []
    with reference_server(header_timeout=1.0) as url:
        (verdict,) = asyncio.run(check_server(
            url, Options(only={408}, include_slow=True), waiting=lambda *w: waits.append(w)))
    assert verdict.outcome is Outcome.PASS
    assert waits and waits[0][0] == "408"
    assert "header section that never ends" in waits[0][1] and "20 s" in waits[0][1]


def test_load_probes_without_a_plan_step_say_so() -> None:
    from support.apps import plain_app
    from support.servers import serve

    with serve(plain_app) as port:
        verdicts = asyncio.run(check_server(f"http://127.0.0.1:{port}/",
                                            Options(only={429, 503}, include_load=True)))
    assert {v.code: v.outcome for v in verdicts} == {429: Outcome.NOT_APPLICABLE,
                                                     503: Outcome.NOT_APPLICABLE}
    assert all("give a plan step" in v.reason and "burst" in v.reason for v in verdicts)


def test_plan_steps_described_by_size_send_that_many_bytes() -> None:
    # The reference index describes its 413 and 414 requests by size (content_size,
    # target_size) instead of spelling them out; run as plan probes they must still
    # reach the server's limits.
    document = {"version": 1, "probes": {
        "413": {"steps": [{"method": "POST", "path": "/notes",
                           "headers": {"Content-Type": "application/json"},
                           "json": {"title": "big"}, "content_size": 2 * 1024 * 1024,
                           "expect": [413]}]},
        "414": {"steps": [{"method": "GET", "path": "/notes", "target_size": 70000,
                           "expect": [414]}]}}}
    plan = plan_from_document(document)
    with reference_server() as url:
        import httpx

        from statuskit.check.exchange import Context
        from statuskit.check.runner import run_plan_probe
        from statuskit.check.target import parse_target

        async def both() -> list[Outcome]:
            async with httpx.AsyncClient() as client:
                ctx = Context(parse_target(url), Options(), client, plan)
                return [(await run_plan_probe(ctx, plan.probes[c])).outcome for c in (413, 414)]

        assert asyncio.run(both()) == [Outcome.PASS, Outcome.PASS]


@pytest.mark.parametrize("size", [-1, "big", True, 10**9])
def test_plan_size_that_is_not_a_byte_count_is_a_plan_error(size: object) -> None:
    with pytest.raises(PlanError, match="content_size"):
        plan_from_document({"version": 1, "probes": {"413": {"steps": [
            {"method": "POST", "path": "/", "content_size": size}]}}})
