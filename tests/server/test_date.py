"""The Date of a response is the moment it was made, never before a Last-Modified the
handler just set (RFC 9110 §6.6.1, §8.8.2.1: an origin server MUST NOT send a
Last-Modified later than its Date).

uvicorn formats Date once a second on its tick, and each cycle keeps the list it
found when its request arrived: a handler that changed a resource a second later
answered with a Date before the change.
"""

from __future__ import annotations

import asyncio
import time
from email.utils import formatdate, parsedate_to_datetime
from typing import Any

from support.rawhttp import RawConnection


async def changed_now(scope: Any, receive: Any, send: Any) -> None:
    """Waits ``?after=S`` seconds (a slow write), then reports a change made now."""
    query = scope["query_string"].decode()
    await asyncio.sleep(float(query.partition("=")[2] or 0))
    body = b"changed"
    await send({"type": "http.response.start", "status": 200, "headers": [
        (b"content-type", b"text/plain"), (b"content-length", str(len(body)).encode()),
        (b"last-modified", formatdate(time.time(), usegmt=True).encode())]})
    await send({"type": "http.response.body", "body": body})


def _dates(answer: Any) -> tuple[float, float]:
    date, modified = answer.header("date"), answer.header("last-modified")
    assert date is not None and modified is not None
    return (parsedate_to_datetime(date).timestamp(),
            parsedate_to_datetime(modified).timestamp())


def test_date_of_a_slow_response_is_not_before_its_last_modified(stack):
    port = stack(app=changed_now)
    with RawConnection(port, timeout=10) as conn:
        conn.send(b"GET /?after=1.3 HTTP/1.1\r\nHost: t\r\n\r\n")
        answer = conn.read_response()
    assert (answer.status, answer.body) == (200, b"changed")
    date, modified = _dates(answer)
    assert date >= modified, (answer.header("date"), answer.header("last-modified"))


def test_date_is_current_across_second_boundaries(stack):
    # Quick responses for a little over a second: one of them starts just after a
    # second begins, before uvicorn's tick has formatted the new Date.
    port = stack(app=changed_now)
    late = []
    with RawConnection(port, timeout=10) as conn:
        until = time.monotonic() + 1.3
        while time.monotonic() < until:
            conn.send(b"GET / HTTP/1.1\r\nHost: t\r\n\r\n")
            answer = conn.read_response()
            assert answer.status == 200
            date, modified = _dates(answer)
            if date < modified:
                late.append((answer.header("date"), answer.header("last-modified")))
    assert not late, late[:3]


def test_date_is_sent_once_per_response(stack):
    with RawConnection(stack(app=changed_now)) as conn:
        conn.send(b"GET / HTTP/1.1\r\nHost: t\r\n\r\n" * 2)
        answers = [conn.read_response() for _ in range(2)]
    assert all([n for n, _ in a.headers].count("date") == 1 for a in answers)


def test_a_refusal_on_the_wire_carries_the_current_date(stack):
    # Refusals for a little over a second after uvicorn's tick has put a fresh plain
    # list in place: the wire's own answers must date themselves like any response
    # (RFC 9110 §6.6.1), not carry the Date formatted at the tick.
    port = stack(app=changed_now)
    with RawConnection(port) as conn:  # a Date is made and kept
        conn.send(b"GET / HTTP/1.1\r\nHost: t\r\n\r\n")
        conn.read_response()
    time.sleep(1.2)
    stale = []
    until = time.monotonic() + 1.3
    while time.monotonic() < until:
        before = int(time.time())
        with RawConnection(port) as conn:
            conn.send(b"GET / HTTP/3.0\r\nHost: t\r\n\r\n")
            refused = conn.read_response()
        assert refused.status == 505
        assert [n for n, _ in refused.headers].count("date") == 1
        if _date(refused) < before:
            stale.append((refused.header("date"), before))
        time.sleep(0.05)
    assert not stale, stale[:3]


def _date(answer: Any) -> float:
    date = answer.header("date")
    assert date is not None
    return parsedate_to_datetime(date).timestamp()
