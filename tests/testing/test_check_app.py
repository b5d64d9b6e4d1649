"""``statuskit.testing.check_app``: the same probes in process, no sockets."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from openapi.fastapi_app import create_app
from openapi.harness import outcomes
from statuskit.check.openapi import OpenAPIError, OpenAPIOptions, OpenAPIRun, check_openapi
from statuskit.check.profile import Level
from statuskit.check.verdict import Outcome
from statuskit.testing import WIRE_LEVEL, Report, check_app, check_app_async
from support.servers import serve


@pytest.fixture(scope="module")
def report() -> Report:
    return check_app(create_app(), allow_writes=True)


def _verdict(report: Report, operation: str, name: str) -> Any:
    (found,) = [v for v in report.verdicts if v.operation == operation and v.name == name]
    return found


def test_in_process_agrees_with_loopback_on_every_shared_check(report: Report) -> None:
    with serve(create_app()) as port:
        wire = asyncio.run(check_openapi(f"http://127.0.0.1:{port}/", None,
                                         OpenAPIOptions(allow_writes=True)))
    assert isinstance(wire, OpenAPIRun)
    in_process = outcomes([v for v in report.verdicts if v.operation])
    over_wire = outcomes(wire.verdicts)
    assert set(in_process) == set(over_wire)
    # 413 is asked differently (a real 1 MiB + 1 body here, a declared 1 TB there);
    # the FastAPI service fails both, and every other check must agree exactly.
    assert in_process == over_wire


def test_no_socket_is_connected_or_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("check_app used the network")

    for method in ("connect", "connect_ex", "bind"):
        monkeypatch.setattr(socket.socket, method, refuse)
    result = check_app(create_app(), allow_writes=True)
    assert result.source == "http://testserver/openapi.json"
    assert _verdict(result, "POST /notes", "201").outcome is Outcome.PASS


def test_wire_level_codes_are_not_applicable_with_the_loopback_command(report: Report) -> None:
    wire = {v.code: v for v in report.verdicts if v.name == "wire"}
    assert set(wire) == set(WIRE_LEVEL) == {505, 501, 414, 417, 408}
    for verdict in wire.values():
        assert verdict.outcome is Outcome.NOT_APPLICABLE
        assert "statuskit check URL --openapi" in verdict.reason


def test_413_in_process_sends_a_real_body_past_the_default_limit(report: Report) -> None:
    verdict = _verdict(report, "POST /notes", "413")
    assert (verdict.outcome, verdict.status) == (Outcome.FAIL, 422)
    assert "1048577-byte body" in verdict.probe
    assert "more bytes" in verdict.evidence[0].request  # the content, cut for reading


def test_the_fails_a_fastapi_team_sees_under_the_rfc_profile(report: Report) -> None:
    failing = sorted({(v.operation.split(" ")[0], v.name) for v in report.failures})
    # ("PUT", "chain-stale"): the value phase's chain meets the same ignored If-Match.
    assert failing == [("DELETE", "405"), ("GET", "304"), ("GET", "412"),
                       ("HEAD", "head-parity"), ("PATCH", "405"), ("POST", "405"),
                       ("PUT", "405"), ("PUT", "412-write"), ("PUT", "chain-stale")]
    assert all(v.level in (Level.MUST, Level.SHOULD) for v in report.failures)
    warned = {v.name for v in report.verdicts
              if v.outcome is Outcome.FAIL and v not in report.failures}
    assert {"options", "400", "415", "413", "406", "documented"} <= warned


def test_assert_ok_names_each_finding_with_its_evidence(report: Report) -> None:
    with pytest.raises(AssertionError) as raised:
        report.assert_ok()
    text = str(raised.value)
    instances = sum(len(f.instances) for f in report.failing)
    assert text.startswith(f"{len(report.failing)} HTTP contract findings, {instances} "
                           "instances (profile rfc)")
    assert "HEAD answered 405, not as GET [MUST, RFC 9110 §9.1, §9.3.2: " in text
    assert "  head-parity HEAD /notes: HEAD answers as GET did (200) (GET answered 200)" in text
    assert "  again: curl -i --head 'http://testserver/notes'" in text
    assert "    HEAD /notes HTTP/1.1" in text  # the request as sent
    assert "    HTTP/1.1 405 Method Not Allowed" in text  # and what came back


def test_an_app_that_raises_is_judged_as_its_500_not_raised_into_the_test() -> None:
    app = FastAPI()

    @app.get("/boom/{n}")
    def boom(n: int) -> None:
        raise RuntimeError("internal detail")

    result = check_app(app)
    verdict = _verdict(result, "GET /boom/{n}", "404")
    assert (verdict.outcome, verdict.status) == (Outcome.FAIL, 500)
    assert "internal detail" not in verdict.reason


async def _things(request: Request) -> JSONResponse:
    return JSONResponse({"detail": "no such thing"}, status_code=404)


THINGS_DOCUMENT = {"openapi": "3.1.0", "info": {"title": "things", "version": "1"},
                   "paths": {"/things/{n}": {"get": {
                       "parameters": [{"name": "n", "in": "path", "required": True,
                                       "schema": {"type": "integer"}}],
                       "responses": {"200": {"description": "a thing"},
                                     "404": {"description": "none"}}}}}}


def test_a_document_can_be_given_when_the_app_serves_none() -> None:
    app = Starlette(routes=[Route("/things/{n:int}", _things)])
    with pytest.raises(OpenAPIError, match="serves no OpenAPI document"):
        check_app(app)
    result = check_app(app, openapi=THINGS_DOCUMENT)
    assert result.source == "the document given"
    assert _verdict(result, "GET /things/{n}", "404").outcome is Outcome.PASS
    assert _verdict(result, "GET /things/{n}", "documented").outcome is Outcome.PASS


def test_check_app_inside_an_event_loop_points_to_the_async_form() -> None:
    async def inside() -> Report:
        with pytest.raises(RuntimeError, match="await check_app_async"):
            check_app(create_app())
        return await check_app_async(create_app())

    result = asyncio.run(inside())
    assert _verdict(result, "HEAD /notes", "head-parity").outcome is Outcome.FAIL


def test_credentials_given_as_headers_reach_the_secured_route() -> None:
    result = check_app(create_app(), headers={"Authorization": "Bearer probe-token"})
    # With the token the GET answers 200, so the validators are looked for...
    assert _verdict(result, "GET /admin/stats", "304").reason == \
        "the GET advertises no validator (ETag, Last-Modified)"
    # ...and the 401 probe still goes without it.
    assert _verdict(result, "GET /admin/stats", "401").outcome is Outcome.PASS


def _evidence_text(report: Report) -> Iterator[str]:
    for verdict in report.verdicts:
        for evidence in verdict.evidence:
            yield evidence.request


def test_credentials_are_redacted_in_evidence() -> None:
    result = check_app(create_app(), headers={"Authorization": "Bearer probe-token"})
    requests = list(_evidence_text(result))
    assert any("authorization: [redacted]" in r.lower() for r in requests)
    assert not any("probe-token" in r for r in requests)


def _value_verdicts(report: Report) -> list[tuple[str, str, str, int | None]]:
    return sorted((v.operation, v.name, v.reason, v.status) for v in report.verdicts
                  if v.name.startswith("values"))


def test_the_value_phase_in_process_gives_the_same_verdicts_every_run() -> None:
    # A project's test must not pass on one run and fail on the next: a fixed seed.
    from check_values.fastapi_tasks import create_app as create_faulty_app

    first = check_app(create_faulty_app(faults=True))
    second = check_app(create_faulty_app(faults=True))
    found = _value_verdicts(first)
    assert found == _value_verdicts(second)
    assert any(v.status == 500 for v in first.verdicts if v.name.startswith("values"))


def test_values_false_leaves_the_value_phase_out() -> None:
    from check_values.fastapi_tasks import create_app as create_faulty_app

    report = check_app(create_faulty_app(faults=True), values=False)
    assert _value_verdicts(report) == []
    assert [v for v in report.verdicts if v.name == "documented"]
