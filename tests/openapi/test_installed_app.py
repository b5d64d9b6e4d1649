"""statuskit's own ``install()`` app under ``--openapi`` and ``check_app``: the checker
agrees with itself (501 for a method implemented nowhere passes the OpenAPI 405 probe as
it passes the generic one), a secured operation's 401 with a challenge is what its
security requirement describes, and a 413 is read whole."""

from __future__ import annotations

import asyncio
import copy
from collections.abc import Iterator

import pytest

from openapi.fastapi_app import create_app
from statuskit.check import Options, Outcome, check_server
from statuskit.check.openapi import OpenAPIOptions, OpenAPIRun, check_openapi
from statuskit.defaults import MAX_BODY_SIZE
from statuskit.starlette import install
from statuskit.testing import check_app
from support.rawhttp import RawConnection, get
from support.servers import serve

PATHS = ("/notes", "/notes/{note_id}", "/users/{username}", "/users/by-id/{user_id}",
         "/catalog/{category}", "/catalog/prices/{amount}", "/admin/stats")


@pytest.fixture(scope="module")
def port() -> Iterator[int]:
    # A limit of its own: install() adds none to an app that has none (issue 23), and the
    # 413 below needs one.
    with serve(install(create_app(), max_body_size=MAX_BODY_SIZE)) as port:
        yield port


@pytest.fixture(scope="module")
def run(port: int) -> OpenAPIRun:
    found = asyncio.run(check_openapi(f"http://127.0.0.1:{port}/", None,
                                      OpenAPIOptions(allow_writes=True)))
    assert isinstance(found, OpenAPIRun)
    return found


def test_501_for_a_method_no_path_declares_passes_the_405_probe(run: OpenAPIRun,
                                                                port: int) -> None:
    patch = {v.operation: v for v in run.verdicts if v.name == "405"
             and v.operation.startswith("PATCH ")}
    assert set(patch) == {f"PATCH {p}" for p in PATHS}
    for verdict in patch.values():
        # RFC 9110 §15.6.2: a method the server implements for no resource.
        assert (verdict.outcome, verdict.status) == (Outcome.PASS, 501), verdict.reason
        assert "declares PATCH on no path" in verdict.reason
    assert get(port, "/notes", method="PATCH").status == 501  # the oracle


def test_the_generic_405_probe_agrees(port: int) -> None:
    (verdict,) = asyncio.run(check_server(f"http://127.0.0.1:{port}/notes",
                                          Options(only={405}, timeout=3)))
    assert verdict.outcome is Outcome.PASS and verdict.status == 405  # DELETE: declared


def test_501_for_a_method_declared_elsewhere_fails(port: int) -> None:
    document = install(create_app()).openapi()
    declared = copy.deepcopy(document["paths"]["/notes/{note_id}"]["put"])
    document["paths"]["/users/{username}"]["patch"] = declared  # now PATCH exists somewhere
    found = _with_document(port, document)
    (verdict,) = [v for v in found.verdicts if v.operation == "PATCH /notes"]
    assert (verdict.outcome, verdict.status) == (Outcome.FAIL, 501)
    assert [p.rule.id for p in verdict.problems] == ["501-for-implemented"]


def _with_document(port: int, document: dict[str, object]) -> OpenAPIRun:
    import httpx2

    from statuskit.check.openapi import run_operations

    async def go() -> OpenAPIRun:
        async with httpx2.AsyncClient() as client:
            return await run_operations(client, f"http://127.0.0.1:{port}/", document,
                                        OpenAPIOptions(only={405}), wire=True)

    return asyncio.run(go())


def test_a_secured_operations_401_with_a_challenge_is_not_undeclared(run: OpenAPIRun,
                                                                     port: int) -> None:
    answer = get(port, "/admin/stats")
    assert answer.status == 401 and answer.header("www-authenticate")
    (documented,) = [v for v in run.verdicts if v.operation == "GET /admin/stats"
                     and v.name == "documented"]
    assert documented.outcome is Outcome.PASS, documented.reason
    assert "401" in documented.reason  # answered, and counted as declared


def test_the_413_is_read_whole_so_lint_sees_no_false_length(run: OpenAPIRun,
                                                            port: int) -> None:
    (verdict,) = [v for v in run.verdicts if v.operation == "POST /notes" and v.name == "413"]
    with RawConnection(port) as conn:  # the oracle: all of the refusal, then the close
        conn.send(b"POST /notes HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
                  b"Content-Length: 1000000000000\r\nExpect: 100-continue\r\n\r\n")
        refusal = conn.read_response()
    assert refusal.status == 413 and refusal.interim == []
    assert (verdict.outcome, verdict.status) == (Outcome.PASS, 413)
    assert verdict.evidence[0].body_length == int(refusal.header("content-length") or 0) > 0
    assert not [n for n in verdict.lint if "Content-Length" in n.summary], verdict.lint


def test_no_finding_of_the_operation_probes_fails_the_run_but_the_apps_own(
        run: OpenAPIRun) -> None:
    from statuskit.check import DEFAULT_PROFILE, findings

    failing = {f.key for f in findings(run.verdicts)
               if DEFAULT_PROFILE.finding_effect(f).value == "fail"}
    # The app itself keeps no preconditions (no ETag checks): those remain, nothing else.
    assert failing == {("if-match-412", "answered 200, expected 412"),
                       ("if-none-match-304", "answered 200, expected 304")}


def test_check_app_in_process_agrees() -> None:
    report = check_app(install(create_app()), allow_writes=True)
    patch = [v for v in report.verdicts if v.name == "405" and v.operation.startswith("PATCH")]
    assert len(patch) == len(PATHS) and all(v.outcome is Outcome.PASS for v in patch)
    assert {f.key for f in report.failing} == {
        ("if-match-412", "answered 200, expected 412"),
        ("if-none-match-304", "answered 200, expected 304")}
