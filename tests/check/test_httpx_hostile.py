"""A hostile server against check's httpx readers: the OpenAPI document fetch, the
documented operations' probes, a plan's steps. Each reads at most CHECK_MAX_BODY of
one answer's content and says so (an error for a document, a note and a reason for a
probe's answer), so what the checker holds stays bounded and no rule about whole
content judges a part of it. (The bare-socket reader: test_raw_hostile.py.)"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from statuskit.check import Options, check_server
from statuskit.check.openapi import OpenAPIError, OpenAPIOptions, OpenAPIRun, check_openapi
from statuskit.check.plan import plan_from_document
from statuskit.defaults import CHECK_MAX_BODY, MiB
from support.cli_memory import run_statuskit
from support.hostile import hostile_server

PIECE = b"[1," * 21845  # 64 KiB of a JSON array that never ends
HUGE = b"Content-Length: 107374182400\r\n"  # 100 GB declared
CUT = f"content cut at {CHECK_MAX_BODY} bytes: not judged on the content"
DOCUMENT = {"openapi": "3.1.0", "info": {"title": "endless", "version": "1"}, "paths": {
    "/items": {"get": {"responses": {"200": {"description": "the items", "content": {
        "application/json": {"schema": {"type": "array", "items": {"type": "integer"}}}}}}}}}}


def _endless(conn: socket.socket, done: threading.Event, at_most: int) -> None:
    sent = 0
    while sent < at_most and not done.is_set():
        conn.sendall(PIECE)
        sent += len(PIECE)


def _serving(at_most: int = 64 * MiB) -> Iterator[int]:
    """Every GET but of / (a plain 200) answered 200 with JSON of 100 GB declared and
    ``at_most`` bytes sent; a HEAD gets the head alone."""

    def answer(conn: socket.socket, head: bytes, done: threading.Event) -> None:
        if head.startswith(b"GET / "):
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}")
            return
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n" + HUGE + b"\r\n")
        if not head.startswith(b"HEAD"):
            _endless(conn, done, at_most)

    with hostile_server(answer) as port:
        yield port


@pytest.fixture
def endless() -> Iterator[int]:
    yield from _serving()


def test_an_endless_document_is_an_error_that_says_it_was_cut(endless: int) -> None:
    url = f"http://127.0.0.1:{endless}/"
    with pytest.raises(OpenAPIError) as caught:
        asyncio.run(check_openapi(url, url + "openapi.json",
                                  OpenAPIOptions(values=False, timeout=20)))
    assert str(caught.value) == (
        f"{url}openapi.json: the document goes on past {CHECK_MAX_BODY} bytes, the most "
        "check reads of one answer; save it and give the file")


def test_an_operation_answer_past_the_cap_is_cut_and_not_judged_on_its_content(
        endless: int, tmp_path: Path) -> None:
    document = tmp_path / "openapi.json"
    document.write_text(json.dumps(DOCUMENT))
    run = asyncio.run(check_openapi(f"http://127.0.0.1:{endless}/", str(document),
                                    OpenAPIOptions(values=False, timeout=20,
                                                   max_requests=40)))
    assert isinstance(run, OpenAPIRun)
    gets = [v for v in run.verdicts if v.operation == "GET /items" and v.status == 200
            and v.evidence and v.evidence[0].body_length == CHECK_MAX_BODY]
    assert gets, [(v.name, v.status, v.reason) for v in run.verdicts]
    for verdict in gets:
        assert verdict.reason.endswith(CUT), verdict.reason
        assert "cut at" in verdict.evidence[0].note
    # A part of a JSON array is not JSON: no finding may rest on it.
    assert not [v for v in run.verdicts for p in v.problems
                if p.rule.id in ("response-schema", "response-media")]


def test_a_plan_step_past_the_cap_is_cut(endless: int) -> None:
    plan = plan_from_document({"version": 1, "probes": {"200": {"steps": [
        {"method": "GET", "path": "/items", "expect": [200]}]}}})
    verdicts = asyncio.run(check_server(f"http://127.0.0.1:{endless}/",
                                        Options(only={200}, plan=plan, timeout=20)))
    (verdict,) = [v for v in verdicts if v.name == "200"]  # the plan's step
    assert verdict.status == 200 and verdict.outcome.value == "pass"
    assert verdict.reason.endswith(CUT), verdict.reason
    assert verdict.evidence[0].body_length == CHECK_MAX_BODY


@pytest.fixture
def endless_256() -> Iterator[int]:
    yield from _serving(at_most=256 * MiB)


def test_check_openapi_of_256_mib_answers_holds_bounded_memory(
        endless_256: int, tmp_path: Path) -> None:
    document = tmp_path / "openapi.json"
    document.write_text(json.dumps(DOCUMENT))
    code, rss_kib, out, err = run_statuskit(
        ["check", f"http://127.0.0.1:{endless_256}/", "--openapi", str(document),
         "--only", "head-parity", "--no-values", "--timeout", "20", "--json",
         str(tmp_path / "report.json")], tmp_path)
    assert code in (0, 1), out + err
    # Far below the 256 MiB an unbounded reader holds of each answer here.
    assert rss_kib < 160 * 1024, rss_kib
    verdicts = json.loads((tmp_path / "report.json").read_text())["verdicts"]
    assert any(v["operation"] == "GET /items" for v in verdicts)
