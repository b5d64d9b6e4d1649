"""408 for a body that arrives too slowly: an overall deadline and a minimum rate.

A per-read timeout alone lets a client keep a request open for ever by sending one
byte just inside it (issue 12, item 5). RFC 9110 §15.5.9: the server answers 408
and closes the connection (RFC 9112 §9.6) when it will wait no longer.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
import time
from typing import Any

from statuskit.defaults import BODY_DEADLINE, BODY_RATE_GRACE, BODY_TIMEOUT, MIN_BODY_RATE
from statuskit.guard import Guard
from support.apps import plain_app
from support.rawhttp import RawConnection, RawResponse, get

PROBLEM = "application/problem+json"


def _trickle(port: int, *, length: int, piece: bytes, every: float, stop: threading.Event
             ) -> RawResponse | None:
    """POST /echo declaring ``length`` bytes, then ``piece`` every ``every`` seconds
    until the server answers; the answer (None if the connection only closed)."""
    with RawConnection(port, timeout=30) as conn:
        conn.send(b"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: %d\r\n\r\n" % length)
        sent = 0
        while not stop.is_set() and sent + len(piece) < length:
            if _answered(conn, every):
                break
            try:
                conn.send(piece)
            except OSError:
                break
            sent += len(piece)
        conn.sock.settimeout(30)
        try:
            return conn.read_response()
        except OSError:
            return None


def _answered(conn: RawConnection, wait: float) -> bool:
    """Whether the server answered within ``wait``; what it sent stays readable.

    Stock uvicorn closes at once after a ``Connection: close`` answer, so a piece the
    client sent meanwhile draws a reset (no lingering close, RFC 9112 §9.6: the wire
    layer's part); what arrived before it is kept."""
    conn.sock.settimeout(wait)
    try:
        while chunk := conn.sock.recv(65536):
            conn.buffer += chunk
    except (TimeoutError, ConnectionResetError):
        pass
    conn.sock.settimeout(30)
    return bool(conn.buffer)


def _assert_408_and_closed(conn: RawConnection, response: RawResponse) -> None:
    assert response.status == 408
    assert response.header("connection") == "close"  # RFC 9112 §9.6
    assert response.header("content-type") == PROBLEM
    assert response.json()["title"] == "Request Timeout"
    assert conn.is_closed()


def test_body_under_the_minimum_rate_is_408_with_connection_close(guarded):
    # The per-read timeout never fires (a byte every 0.2 s); the rate does: after the
    # 0.5 s grace the client has had 0.5 + n/100 s for n bytes, far more than it used.
    port = guarded(body_timeout=5, min_body_rate=100, body_rate_grace=0.5, body_deadline=None)
    with RawConnection(port, timeout=10) as conn:
        conn.send(b"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 1000\r\n\r\n")
        for _ in range(100):  # at most 20 s; the guard answers after about 0.5 s
            if _answered(conn, 0.2):
                break
            conn.send(b"x")
        response = conn.read_response()
        _assert_408_and_closed(conn, response)


def test_body_past_the_deadline_is_408_however_steady(guarded):
    # 50 bytes every 0.1 s is 500 bytes/s, well over the minimum rate; the deadline
    # of 0.6 s of waiting for the whole 100,000 bytes still runs out.
    port = guarded(body_timeout=5, min_body_rate=10, body_rate_grace=5, body_deadline=0.6)
    with RawConnection(port, timeout=10) as conn:
        conn.send(b"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 100000\r\n\r\n")
        for _ in range(200):
            if _answered(conn, 0.1):
                break
            conn.send(b"y" * 50)
        response = conn.read_response()
        _assert_408_and_closed(conn, response)


def test_steady_body_over_the_grace_period_is_served(guarded):
    # 200 bytes every 0.1 s is about 2,000 bytes/s against a minimum of 50 bytes/s.
    port = guarded(min_body_rate=50, body_rate_grace=0.3, body_deadline=30)
    with RawConnection(port, timeout=10) as conn:
        conn.send(b"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 2000\r\n\r\n")
        for _ in range(10):
            time.sleep(0.1)
            conn.send(b"z" * 200)
        response = conn.read_response()
    assert response.status == 200
    assert response.body == b"2000"


def test_slow_senders_release_their_slots_and_others_are_served(guarded):
    # Issue 12 item 5: with max_concurrency 4, a dozen clients trickling one byte at a
    # time used to hold every slot for as long as they liked, and every other client
    # got 503. Now each is cut off with 408 and its slot comes back.
    port = guarded(max_concurrency=4, min_body_rate=100, body_rate_grace=0.3,
                   body_deadline=2)
    stop = threading.Event()
    with concurrent.futures.ThreadPoolExecutor(12) as pool:

        def attacker() -> list[int | None]:
            statuses = []
            while not stop.is_set():
                answer = _trickle(port, length=10_000, piece=b"a", every=0.05, stop=stop)
                statuses.append(answer.status if answer is not None else None)
            return statuses

        attackers = [pool.submit(attacker) for _ in range(12)]
        served = 0
        shed = 0
        deadline = time.monotonic() + 60
        while served < 5 and time.monotonic() < deadline:
            status = get(port, "/").status
            served += status == 200
            shed += status == 503
            time.sleep(0.05)
        stop.set()
        answers = [status for future in attackers for status in future.result()]
    assert served == 5
    # Every attacker request that was let in got 408; the rest were shed with 503.
    assert 408 in answers
    assert set(answers) <= {408, 503}
    # Every slot came back.
    deadline = time.monotonic() + 10
    while guarded.guard.in_flight and time.monotonic() < deadline:
        time.sleep(0.05)
    assert guarded.guard.in_flight == 0


async def _streams_while_listening(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """Reads the whole body, then streams for a while and listens for a disconnect
    meanwhile, as Starlette's StreamingResponse does."""
    size = 0
    while True:
        message = await receive()
        size += len(message.get("body", b""))
        if not message.get("more_body", False):
            break
    listener = asyncio.ensure_future(receive())
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"text/plain")]})
    for _ in range(6):
        await asyncio.sleep(0.2)
        await send({"type": "http.response.body", "body": b".", "more_body": True})
    if listener.done():
        listener.result()  # what the listener raised ends the response, as a task group would
    listener.cancel()
    await send({"type": "http.response.body", "body": str(size).encode(), "more_body": False})


def test_the_body_clock_stops_once_the_body_is_complete(guarded):
    # Listening for a disconnect after the last byte is not waiting for content: a
    # response that streams past the deadline must not be aborted by it.
    port = guarded(app=_streams_while_listening, body_deadline=0.3, min_body_rate=1000,
                   body_rate_grace=0.2, body_timeout=0.3)
    response = get(port, "/", method="POST", body=b"b" * 100)
    assert response.status == 200
    assert response.body == b"......100"


def test_body_pacing_defaults_are_the_named_limits():
    pace = Guard(plain_app).body_pace
    assert pace == (BODY_TIMEOUT, BODY_DEADLINE, MIN_BODY_RATE, BODY_RATE_GRACE)
