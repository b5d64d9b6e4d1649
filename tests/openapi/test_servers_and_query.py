"""Where operation probes go: under the document's server (``/`` when it names none,
OpenAPI 3.1 §4.8.1), not under the checked URL's path; and with the URL's query."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from openapi.token_app import TOKEN, create_app
from statuskit.check import Options, Outcome, check_server
from statuskit.check.openapi import OpenAPIOptions, OpenAPIRun, check_openapi
from support import rawhttp
from support.servers import serve


@pytest.fixture(scope="module")
def port() -> Iterator[int]:
    with serve(create_app()) as port:
        yield port


@pytest.fixture(scope="module")
def run(port: int) -> OpenAPIRun:
    found = asyncio.run(check_openapi(f"http://127.0.0.1:{port}/health?token={TOKEN}", None,
                                      OpenAPIOptions()))
    assert isinstance(found, OpenAPIRun)
    return found


def _targets(run: OpenAPIRun) -> list[str]:
    return [e.request.split(" ")[1] for v in run.verdicts for e in v.evidence]


def test_probes_go_to_the_documents_paths_not_under_the_urls(run: OpenAPIRun) -> None:
    targets = _targets(run)
    assert targets and not [t for t in targets if t.startswith("/health/")]
    assert {t.split("?")[0] for t in targets} >= {"/health", "/items"}


def test_every_probe_carries_the_urls_query(run: OpenAPIRun) -> None:
    assert all(f"token={TOKEN}" in t for t in _targets(run))


def test_the_output_says_where_the_paths_went_and_why(run: OpenAPIRun, port: int) -> None:
    assert f"operation paths go under http://127.0.0.1:{port}/: the document names no " \
        "servers, so its server is / (OpenAPI 3.1 §4.8.1); every probe carries the URL's " \
        f"query ?token={TOKEN}" in run.notes


def test_the_404_probe_measures_the_item_not_the_token_check(port: int) -> None:
    # From the root the paths were aimed right, but without the query every probe
    # met the token check: 400, "expected 404".
    run = asyncio.run(check_openapi(f"http://127.0.0.1:{port}/?token={TOKEN}", None,
                                    OpenAPIOptions(only={404})))
    assert isinstance(run, OpenAPIRun)
    (verdict,) = [v for v in run.verdicts if v.operation == "GET /items/{item_id}"
                  and v.name == "404"]
    assert (verdict.outcome, verdict.status) == (Outcome.PASS, 404)
    absent = verdict.evidence[0].request.split(" ")[1]
    assert rawhttp.get(port, absent).status == 404  # the oracle: the same request, raw
    assert rawhttp.get(port, absent.split("?")[0]).status == 400  # what was measured before


def test_generic_probes_to_other_paths_carry_the_query_too(port: int) -> None:
    verdicts = asyncio.run(check_server(f"http://127.0.0.1:{port}/health?token={TOKEN}",
                                        Options(only={404}, timeout=3)))
    (verdict,) = verdicts
    assert (verdict.outcome, verdict.status) == (Outcome.PASS, 404)
    assert verdict.evidence[0].request.split(" ")[1].endswith(f"?token={TOKEN}")
