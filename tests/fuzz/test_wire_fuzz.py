"""A seeded, bounded fuzzer: random-but-plausible HTTP/1.1 at a real run() stack.

Fails on any 5xx the app did not choose, any connection closed or reset without a
response it owed, and any response out of request order. Each request names the
status it wants (``/status/N``), so order is visible in the answers.

    STATUSKIT_FUZZ_REQUESTS=20000 STATUSKIT_FUZZ_SEED=7 python3 -m pytest tests/fuzz
"""

from __future__ import annotations

import os
import random
import time
from dataclasses import dataclass

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
