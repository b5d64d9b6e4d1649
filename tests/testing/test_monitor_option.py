"""``pytest --statuskit-monitor`` over a small suite: warnings by default, failures for
the levels of --statuskit-profile, one summary, and nothing without the option."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

SUITE = '''
import asyncio

import httpx
from starlette.applications import Starlette
from starlette.responses import Response
from starlette.routing import Route
from starlette.testclient import TestClient


async def gone(request):
    return Response(status_code=405)  # RFC 9110 §15.5.6: no Allow


async def busy(request):
    return Response(status_code=503, headers={"Retry-After": "later"})


async def fine(request):
    return Response(b"ok", media_type="text/plain")


app = Starlette(routes=[Route("/items/{item_id}", gone, methods=["DELETE"]),
                        Route("/busy", busy), Route("/fine", fine)])


def test_delete_is_refused():
    client = TestClient(app)
    assert client.delete("/items/1").status_code == 405
    assert client.app is app


def test_delete_again_through_httpx():
    async def main():
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            return (await client.delete("/items/2")).status_code

    assert asyncio.run(main()) == 405


def test_busy():
    assert TestClient(app).get("/busy").status_code == 503


def test_fine():
    assert TestClient(app).get("/fine").text == "ok"
'''


@pytest.fixture
def suite(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makepyfile(test_service=SUITE)
    # The project's own "warnings are errors": findings stay warnings all the same.
    pytester.makeini("[pytest]\nfilterwarnings =\n    error\n")
    return pytester


def test_findings_are_warnings_by_default(suite: pytest.Pytester) -> None:
    result = suite.runpytest("--statuskit-monitor", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=4, warnings=3)
    result.stdout.fnmatch_lines([
        "*StatuskitWarning: MUST allow-on-405 [[]RFC 9110 §15.5.6[]]: 405 without Allow",
        "*= statuskit monitor =*",
        "4 exchanges judged; 2 findings on (rule, route) in 2 rules",
        "by rule (exchanges): allow-on-405 2, retry-after-grammar 1",
        "warn MUST allow-on-405: 405 without Allow on DELETE /items/{item_id} x2; first in "
        "test_service.py::test_delete_is_refused",
    ])


def test_a_profile_fails_each_test_that_draws_a_finding_it_enforces(
        suite: pytest.Pytester) -> None:
    result = suite.runpytest("--statuskit-monitor", "--statuskit-profile", "must",
                             "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, failed=3)
    result.stdout.fnmatch_lines(["*StatuskitFailure: 1 HTTP contract finding(s) at levels "
                                 "profile must enforces:*"])


def test_a_test_fails_for_its_finding_whatever_ran_before(suite: pytest.Pytester) -> None:
    result = suite.runpytest("--statuskit-monitor", "--statuskit-profile", "must",
                             "-p", "no:cacheprovider", "-k", "httpx")
    result.assert_outcomes(failed=1, deselected=3)


def test_the_findings_go_to_a_json_file(suite: pytest.Pytester, tmp_path: Path) -> None:
    path = tmp_path / "monitor.json"
    suite.runpytest("--statuskit-monitor", f"--statuskit-monitor-json={path}",
                    "-p", "no:cacheprovider").assert_outcomes(passed=4, warnings=3)
    report = json.loads(path.read_text())
    assert report["exchanges"] == 4 and report["errors"] == 0
    by_key = {(s["rule"]["id"], s["route"]): s for s in report["sightings"]}
    gone = by_key[("allow-on-405", "DELETE /items/{item_id}")]
    assert gone["count"] == 2 and gone["status"] == 405
    assert gone["tests"] == ["test_service.py::test_delete_is_refused",
                             "test_service.py::test_delete_again_through_httpx"]
    assert by_key[("retry-after-grammar", "GET /busy")]["detail"] == "'later'"


def test_without_the_option_nothing_is_wrapped(suite: pytest.Pytester) -> None:
    result = suite.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=4)
    assert "statuskit monitor" not in result.stdout.str()


HTTPX2_SUITE = '''
import asyncio

import httpx2
from starlette.applications import Starlette
from starlette.responses import Response
from starlette.routing import Route


async def gone(request):
    return Response(status_code=405)  # RFC 9110 §15.5.6: no Allow


app = Starlette(routes=[Route("/items/{item_id}", gone, methods=["DELETE"])])


def test_delete_through_httpx2():
    async def main():
        transport = httpx2.ASGITransport(app=app)
        async with httpx2.AsyncClient(transport=transport, base_url="http://t") as client:
            return (await client.delete("/items/3")).status_code

    assert asyncio.run(main()) == 405
'''


def test_an_app_driven_through_httpx2_is_watched(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_service=HTTPX2_SUITE)
    result = pytester.runpytest("--statuskit-monitor", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, warnings=1)
    result.stdout.fnmatch_lines([
        "1 exchanges judged; 1 findings on (rule, route) in 1 rules",
        "warn MUST allow-on-405: 405 without Allow on DELETE /items/{item_id} x1; first in "
        "test_service.py::test_delete_through_httpx2",
    ])
