"""A seeded, bounded fuzzer: random-but-plausible HTTP/1.1 at a real run() stack.

Fails on any 5xx the app did not choose, any connection closed or reset without a
response it owed, and any response out of request order. Each request names the
status it wants (``/status/N``), so order is visible in the answers.

    STATUSKIT_FUZZ_REQUESTS=20000 STATUSKIT_FUZZ_SEED=7 python3 -m pytest tests/fuzz

Two classes from issue 26 at a size for CI (larger with STATUSKIT_FUZZ_PENDING, the
connections, and STATUSKIT_FUZZ_FLOOD, the requests): heads sent while the response
before them is pending, and a pipelined flood read only once it is all sent.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from statuskit.check.lint import lint_response
from support.rawhttp import RawConnection, RawResponse

REQUESTS = int(os.environ.get("STATUSKIT_FUZZ_REQUESTS", "400"))
SEED = int(os.environ.get("STATUSKIT_FUZZ_SEED", "12"))
# Statuses the app answers as asked; the guard leaves them alone.
# (No 201: the test app sends no Location, which httplint rightly marks BAD.)
CHOSEN = [200, 202, 203, 400, 403, 404, 409, 410, 422, 500, 503]
METHODS = ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"]
EXTRA_FIELDS = [
    "If-None-Match: \"x\"", "If-Match: *", "If-Modified-Since: Sun, 06 Nov 1994 08:49:37 GMT",
    "Range: bytes=0-1", "Accept: application/json", "Upgrade: websocket\r\nConnection: Upgrade",
    "Upgrade: h2c\r\nConnection: Upgrade, HTTP2-Settings", "Connection: keep-alive",
    "X-Long: " + "v" * 3000, "Cookie: a=b; c=d",
]


@dataclass
class Planned:
    data: bytes
    status: int
    method: str
    target: str
    fields: list[tuple[str, str]]

    @property
    def head(self) -> bool:
        return self.method == "HEAD"


def _plan(rng: random.Random) -> Planned:
    method = rng.choice(METHODS)
    status = rng.choice(CHOSEN)
    query = rng.choice(["", "?a=1", "?q=%20x&b", "?" + "k" * rng.randint(1, 500)])
    fields = ["Host: fuzz", *rng.sample(EXTRA_FIELDS, rng.randint(0, 3))]
    body = b""
    if method in ("POST", "PUT", "PATCH") and rng.random() < 0.7:
        body = bytes(rng.getrandbits(8) for _ in range(rng.choice([1, 100, 5000])))
        if rng.random() < 0.3:
            fields.append("Transfer-Encoding: chunked")
            cut = rng.randint(0, len(body))
            parts = [body[:cut], body[cut:]]
            body = b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in parts if p) + b"0\r\n\r\n"
        else:
            fields.append(f"Content-Length: {len(body)}")
    target = f"/status/{status}{query}"
    head = f"{method} {target} HTTP/1.1\r\n" + "".join(f + "\r\n" for f in fields)
    pairs = [tuple(line.split(": ", 1)) for f in fields for line in f.split("\r\n")]
    return Planned(head.encode() + b"\r\n" + body, status, method, target,
                   [(k, v) for k, v in pairs])


def _lint(port: int, plan: Planned, answer: RawResponse) -> None:
    """httplint's error-level notes on the answer, judged against its request."""
    notes = lint_response(plan.method, f"http://127.0.0.1:{port}{plan.target}", plan.fields,
                          answer.status, answer.reason, answer.headers, answer.body,
                          levels=("bad",))
    assert not notes, (plan.method, plan.target, answer.status, notes)


def _send_in_pieces(conn: RawConnection, data: bytes, rng: random.Random) -> None:
    if rng.random() < 0.8:
        conn.send(data)
        return
    at = 0
    while at < len(data):
        step = rng.randint(1, max(1, len(data) // 3))
        conn.send(data[at:at + step])
        at += step


def _run_connection(port: int, rng: random.Random, plans: list[Planned]) -> int:
    """Send ``plans`` on one connection (pipelined or one by one); returns answers read."""
    pipelined = rng.random() < 0.4
    with RawConnection(port, timeout=10) as conn:
        if pipelined:
            _send_in_pieces(conn, b"".join(p.data for p in plans), rng)
        for index, plan in enumerate(plans):
            if not pipelined:
                _send_in_pieces(conn, plan.data, rng)
            try:
                answer = conn.read_response(head_request=plan.head)
            except (TimeoutError, ConnectionError) as exc:
                raise AssertionError(f"request {index} of {plans!r}: no response ({exc})") from exc
            assert answer.status == plan.status or (
                answer.status in (400, 413, 416, 412, 304, 417) and answer.status < 500
            ), (index, answer.status, plan)
            _lint(port, plan, answer)
            if answer.status >= 500:
                assert answer.status == plan.status, (answer, plan)  # chosen by the app
            if answer.header("connection") == "close":
                assert conn.is_closed(5), "bytes after a response that closed the connection"
                return index + 1
    return len(plans)


@pytest.mark.parametrize("parser", ["httptools", "h11"])
def test_fuzzed_requests_each_get_their_one_answer_in_order(parser):
    import uvicorn

    from statuskit.server import config
    from support.apps import plain_app
    from support.servers import free_port, running

    rng = random.Random(f"{SEED}-{parser}")
    port = free_port()
    server = uvicorn.Server(config(plain_app, port=port, parser=parser,
                                   uvicorn_options={"log_level": "critical", "lifespan": "off"}))
    sent = answered = 0
    started = time.monotonic()
    with running(server):
        while sent < REQUESTS:
            plans = [_plan(rng) for _ in range(rng.randint(1, 6))]
            sent += len(plans)
            answered += _run_connection(port, rng, plans)
    elapsed = time.monotonic() - started
    print(f"fuzz[{parser}] seed={SEED}: {sent} requests, {answered} answered in {elapsed:.1f} s")
    assert answered > 0


# -- issue 26: heads while a response is pending, and a pipelined flood ------------------

PENDING_CONNECTIONS = int(os.environ.get("STATUSKIT_FUZZ_PENDING", "40"))
FLOOD_REQUESTS = int(os.environ.get("STATUSKIT_FUZZ_FLOOD", "1500"))
MiB = 1 << 20


async def _pausing_app(scope: Any, receive: Any, send: Any) -> None:
    """plain_app, after ``?pause=MS`` milliseconds: a response that stays pending."""
    from support.apps import plain_app

    query = scope.get("query_string", b"")
    if query.startswith(b"pause="):
        await asyncio.sleep(int(query[6:]) / 1000)
    await plain_app(scope, receive, send)


def _rss() -> int:
    """This process's resident set now (the server runs in a thread of it)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


@contextlib.contextmanager
def _fuzz_server(parser: str) -> Iterator[int]:
    import uvicorn

    from statuskit.server import config
    from support.servers import free_port, running

    port = free_port()
    server = uvicorn.Server(config(_pausing_app, port=port, parser=parser,
                                   uvicorn_options={"log_level": "critical",
                                                    "lifespan": "off"}))
    with running(server):
        yield port


def _tiny(rng: random.Random) -> Planned:
    """A short GET or HEAD with a status of its own choosing, as a flood sends them."""
    status = rng.choice(CHOSEN)
    method = "HEAD" if rng.random() < 0.2 else "GET"
    fields = ["Host: fuzz", *rng.sample(EXTRA_FIELDS[:5], rng.randint(0, 1))]
    target = f"/status/{status}"
    head = f"{method} {target} HTTP/1.1\r\n" + "".join(f + "\r\n" for f in fields) + "\r\n"
    pairs = [tuple(f.split(": ", 1)) for f in fields]
    return Planned(head.encode(), status, method, target, [(k, v) for k, v in pairs])


def _answered_in_order(port: int, conn: RawConnection, plans: list[Planned]) -> list[int]:
    statuses = []
    for index, plan in enumerate(plans):
        try:
            answer = conn.read_response(head_request=plan.head)
        except (TimeoutError, ConnectionError) as exc:
            raise AssertionError(f"request {index} ({plan.target}): no response ({exc})") from exc
        assert answer.status == plan.status, (index, answer.status, plan)
        if not plan.head:
            assert answer.body == b"some content", (index, answer.body[:100])
        assert answer.header("connection") is None, (index, answer.headers)
        _lint(port, plan, answer)
        statuses.append(answer.status)
    return statuses


@pytest.mark.parametrize("parser", ["httptools", "h11"])
def test_heads_arriving_while_a_response_is_pending_are_each_answered(parser):
    # H1's shape: the connection's first request keeps its app waiting while the next
    # heads arrive (in pieces, now and then past the head limit). Each is answered,
    # in order, once; a head past 16 KiB gets 431 after the pending answer, then close.
    rng = random.Random(f"{SEED}-pending-{parser}")
    filler = b"X-Filler: " + b"f" * 1000 + b"\r\n"
    with _fuzz_server(parser) as port:
        before = _rss()
        for _ in range(PENDING_CONNECTIONS):
            pause = rng.randint(5, 60)
            first = Planned(f"GET /status/200?pause={pause} HTTP/1.1\r\nHost: f\r\n\r\n".encode(),
                            200, "GET", f"/status/200?pause={pause}", [("Host", "f")])
            later = [_tiny(rng) for _ in range(rng.randint(1, 4))]
            oversized = rng.random() < 0.25
            with RawConnection(port, timeout=10) as conn:
                conn.send(first.data)
                for plan in later:
                    _send_in_pieces(conn, plan.data, rng)
                if oversized:
                    conn.send(b"GET /status/200 HTTP/1.1\r\nHost: f\r\n" + filler * 17 + b"\r\n")
                _answered_in_order(port, conn, [first, *later])
                if oversized:
                    refused = conn.read_response()
                    assert refused.status == 431, refused
                    assert refused.header("connection") == "close"
                    assert conn.is_closed(5)
        grown = _rss() - before
    assert grown < 32 * MiB, f"RSS grew by {grown / MiB:.0f} MiB"


@pytest.mark.parametrize("parser", ["httptools", "h11"])
def test_pipelined_flood_read_only_at_the_end_is_answered_whole_and_in_order(parser):
    # H2's shape: ~1,500 tiny pipelined requests sent in pieces split at random bytes
    # (the flood found the h11 head split just before its CRLF), the answers read only
    # once everything is sent. Reading pauses past the pending limit and resumes as
    # answers go out; none is lost, doubled or reordered, and no 5xx is unchosen.
    rng = random.Random(f"{SEED}-flood-{parser}")
    plans = [_tiny(rng) for _ in range(FLOOD_REQUESTS)]
    stream = b"".join(plan.data for plan in plans)
    with _fuzz_server(parser) as port:
        before = _rss()
        with RawConnection(port, timeout=15) as conn:
            at = 0
            while at < len(stream):
                step = rng.randint(1, 512)
                conn.send(stream[at:at + step])
                at += step
                if rng.random() < 0.3:
                    time.sleep(0.002)  # let the server answer between two pieces
            statuses = _answered_in_order(port, conn, plans)
            assert conn.pending(0.2) == b""  # one answer each, nothing more
        grown = _rss() - before
    assert statuses == [plan.status for plan in plans]
    assert grown < 32 * MiB, f"RSS grew by {grown / MiB:.0f} MiB"
