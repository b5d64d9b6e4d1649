"""Servers that answer and then never stop talking: the checker reads a bounded amount
after an answer, ends on time, and still says what the bytes show."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator

import pytest

from statuskit.check import Options, Outcome, check_server
from support.hostile import hostile_server

FLOOD = b"x" * 65536


def _flooding_server(first_answer: bytes) -> Iterator[int]:
    """Answers every request's head with ``first_answer`` (a plain 200 for GET), then
    sends bytes without end until the client goes."""

    def answer(conn: socket.socket, head: bytes, done: threading.Event) -> None:
        if head.startswith((b"POST", b"OPTIONS")):
            conn.sendall(first_answer)
            while not done.is_set():
                conn.sendall(FLOOD)
        else:
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")

    with hostile_server(answer, hold=False, timeout=5) as port:
        yield port


@pytest.fixture
def flood_after_200() -> Iterator[int]:
    yield from _flooding_server(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")


@pytest.fixture
def flood_after_204() -> Iterator[int]:
    yield from _flooding_server(b"HTTP/1.1 204 No Content\r\n\r\n")


def test_a_flood_after_cl_te_ends_the_check_on_time(flood_after_200: int) -> None:
    started = time.monotonic()
    (verdict,) = asyncio.run(check_server(f"http://127.0.0.1:{flood_after_200}/",
                                          Options(only={"cl-te"}, timeout=3)))
    assert time.monotonic() - started < 3  # 1 MiB read and it stops, timeout or not
    # No second answer and no close: nothing says the connection took a request.
    assert verdict.outcome is Outcome.PASS and verdict.status == 200


def test_a_flood_after_a_204_is_content_and_bounded(flood_after_204: int) -> None:
    (verdict,) = asyncio.run(check_server(f"http://127.0.0.1:{flood_after_204}/",
                                          Options(only={204}, timeout=3)))
    assert verdict.outcome is Outcome.FAIL and verdict.status == 204
    (problem,) = [p for p in verdict.problems if p.rule.id == "no-content"]
    sent = int(problem.detail.split()[0])
    assert 1 << 20 < sent <= (1 << 20) + len(FLOOD) * 2  # counted, but not without end
