"""Generic probes: a deliberately wrong server fails each; a guarded one passes."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from statuskit.check import Options, Outcome, Verdict, check_server
from statuskit.guard import Guard
from statuskit.server import httptools_protocol
from support.servers import serve

GENERIC = {204, 304, 404, 405, 406, 412, 413, 414, 416, 417, 501, 505}


async def always_200(scope: Any, receive: Any, send: Any) -> None:
    """Answers 200 with a body to everything, the way a careless app does."""
    if scope["type"] != "http":
        return
    body = b'{"ok": true}'
    await send({"type": "http.response.start", "status": 200, "headers": [
        (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
        (b"etag", b'"v1"'), (b"accept-ranges", b"bytes")]})
    await send({"type": "http.response.body", "body": body})


ALLOW = b"GET, HEAD, OPTIONS, POST"  # POST so that the 413 probe has content to refuse


async def careful(scope: Any, receive: Any, send: Any) -> None:
    """A tiny app that keeps the contract for the generic probes' paths."""
    if scope["type"] != "http":
        return
    method, path = scope["method"], scope["path"]
    fields = dict(scope["headers"])
    body = b"0123456789"
    base = [(b"etag", b'"v1"'), (b"accept-ranges", b"bytes")]

    async def answer(status: int, headers: list[tuple[bytes, bytes]], content: bytes = b"") -> None:
        if content:
            headers = [*headers, (b"content-length", str(len(content)).encode())]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": content})

    problem = [(b"content-type", b"application/problem+json")]
    if path != "/":
        await answer(404, problem, b'{"status": 404}')
    elif method == "OPTIONS":
        await answer(204, [(b"allow", ALLOW)])
    elif method == "POST":
        await answer(201, [(b"location", b"/1")])
    elif method not in ("GET", "HEAD"):
        await answer(405, [*problem, (b"allow", ALLOW)], b'{"status": 405}')
    elif b"application/x-statuskit-unobtainable" in fields.get(b"accept", b""):
        await answer(406, problem, b'{"status": 406}')
    elif fields.get(b"if-none-match") == b'"v1"':
        await answer(304, base)
    elif b"if-match" in fields:
        await answer(412, problem, b'{"status": 412}')
    elif fields.get(b"range") == b"bytes=0-0":
        await answer(206, [*base, (b"content-range", b"bytes 0-0/10")], b"0")
    elif fields.get(b"range", b"").startswith(b"bytes=1"):
        await answer(416, [*problem, (b"content-range", b"bytes */10")], b'{"status": 416}')
    else:
        await answer(200, [*base, (b"content-type", b"text/plain")], body)


def run(port: int, **options: Any) -> dict[int, Verdict]:
    verdicts = asyncio.run(check_server(f"http://127.0.0.1:{port}/",
                                        Options(only=GENERIC, timeout=3, **options)))
    return {v.code: v for v in verdicts}


@pytest.fixture(scope="module")
def wrong() -> dict[int, Verdict]:
    # Stock uvicorn with httptools, no guard: how Python services ship today.
    with serve(always_200, http="httptools") as port:
        return run(port)


@pytest.fixture(scope="module")
def right() -> dict[int, Verdict]:
    with serve(Guard(careful, max_body_size=1024), http=httptools_protocol()) as port:
        return run(port)


@pytest.mark.parametrize("code", sorted(GENERIC))
def test_wrong_server_fails_the_generic_probe(wrong: dict[int, Verdict], code: int) -> None:
    verdict = wrong[code]
    assert verdict.outcome is Outcome.FAIL, (code, verdict)
    assert verdict.reason


@pytest.mark.parametrize("code", sorted(GENERIC))
def test_careful_server_passes_the_generic_probe(right: dict[int, Verdict], code: int) -> None:
    verdict = right[code]
    assert verdict.outcome is Outcome.PASS, (code, verdict)
    assert verdict.status == code


def test_stock_uvicorn_answers_http_3_with_400(wrong: dict[int, Verdict]) -> None:
    assert wrong[505].status == 400


def test_stock_uvicorn_invites_the_body_of_a_request_it_cannot_take(
        wrong: dict[int, Verdict]) -> None:
    # The app never refuses the 1 TB POST, so the answer is not 413.
    assert "expected 413" in wrong[413].reason


def test_every_verdict_came_from_a_response(right: dict[int, Verdict]) -> None:
    for verdict in right.values():
        assert verdict.status is not None


def test_json_and_html_reports_are_written(right: dict[int, Verdict], tmp_path: Any) -> None:
    from statuskit.check.report import RunInfo, to_html, to_json

    verdicts = sorted(right.values(), key=lambda v: v.code)
    info = RunInfo("http://x/", 1.5)
    document = json.loads(to_json(verdicts, info))
    assert document["summary"]["checks"]["pass"] == len(GENERIC)
    assert (document["summary"]["fail"], document["findings"]) == (0, [])
    assert [v["code"] for v in document["verdicts"]] == sorted(GENERIC)
    assert all(v["evidence"][0]["response"].startswith("HTTP/1.1 ") for v in document["verdicts"])
    page = to_html(verdicts, info)
    assert page.startswith("<!doctype html>")
    assert f"<h2>Passes ({len(GENERIC)})</h2>" in page and "<h2>Failures" not in page
    assert "<h2>Findings (0)</h2><p>None.</p>" in page


def test_lint_notes_the_probe_caused_are_not_shown(right: dict[int, Verdict]) -> None:
    # httplint flags the 64 KiB target and restates 414/505 as notes: the probe's doing.
    for code in (414, 505):
        assert not any("URI" in n.summary or "version" in n.summary.lower()
                       for n in right[code].lint), right[code].lint


def test_probes_go_to_a_url_that_answers_get_and_say_so() -> None:
    # A URL that only takes POST (FastAPI's /items, say): GET-based probes go to /, which
    # answers GET, and each probe names where it went; without such a URL they are n/a.
    with serve(Guard(careful, max_body_size=1024), http=httptools_protocol()) as port:
        verdicts = asyncio.run(check_server(f"http://127.0.0.1:{port}/items",
                                            Options(only={406, 417, 505}, timeout=3)))
    for verdict in verdicts:
        assert verdict.outcome is Outcome.PASS, verdict
        assert "to / (GET /items did not answer 2xx)" in verdict.probe
        assert verdict.evidence[0].request.split(" ")[1] == "/"


def test_probes_with_no_url_answering_get_are_not_applicable() -> None:
    async def only_post(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 405,
                    "headers": [(b"allow", b"POST"), (b"content-length", b"0")]})
        await send({"type": "http.response.body", "body": b""})

    with serve(only_post) as port:
        verdicts = asyncio.run(check_server(f"http://127.0.0.1:{port}/items",
                                            Options(only={406, 417, 505, 414}, timeout=3)))
    for verdict in verdicts:
        assert verdict.outcome is Outcome.NOT_APPLICABLE, verdict
        assert "GET /items answered 405" in verdict.reason


def test_options_405_and_413_at_a_url_whose_get_is_404_are_not_applicable() -> None:
    # A stock FastAPI service: GET / is 404 and so is every request to it. OPTIONS, 405
    # and 413 ask about a resource's methods and content: there is none here.
    from openapi.fastapi_app import create_app
    from support.rawhttp import get

    with serve(create_app(), http="h11") as port:  # httptools refuses BREW itself
        assert get(port, "/").status == 404 and get(port, "/", method="DELETE").status == 404
        verdicts = asyncio.run(check_server(f"http://127.0.0.1:{port}/",
                                            Options(only={204, 405, 413, 501}, timeout=3)))
    by_code = {v.code: v for v in verdicts}
    for code in (204, 405, 413):
        assert by_code[code].outcome is Outcome.NOT_APPLICABLE, by_code[code]
        assert by_code[code].evidence == []  # nothing was sent for it
    assert "GET / answered 404" in by_code[204].reason
    # An unknown method gets 501 whatever the target (RFC 9110 §9.1): still asked.
    assert (by_code[501].outcome, by_code[501].status) == (Outcome.FAIL, 404)
