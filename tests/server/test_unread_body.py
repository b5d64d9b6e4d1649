"""Issue 12 item 1: content the app never read is not parsed as the next request.

After a final answer sent before the request content was read, the connection reads
and discards the rest up to ``DISCARD_LIMIT``; past it (or for chunked content) the
response says ``Connection: close`` and the connection closes without a reset
(RFC 9112 §9.6, RFC 9110 §15.5.14)."""

from __future__ import annotations

import contextlib
import threading

import pytest

from statuskit.server import DISCARD_LIMIT
from support.rawhttp import RawConnection
from support.servers import wait_for_port

GET_NEXT = b"GET /next HTTP/1.1\r\nHost: t\r\n\r\n"


def _head(target: str, length: int, method: str = "PUT") -> bytes:
    return f"{method} {target} HTTP/1.1\r\nHost: t\r\nContent-Length: {length}\r\n\r\n".encode()


def test_unread_body_arriving_late_is_discarded_and_next_request_served(stack):
    port = stack()
    size = 70_000
    with RawConnection(port) as conn:
        conn.send(_head("/status/413", size) + b"x" * 1000)
        early = conn.read_response()
        assert early.status == 413  # the app answered without reading
        assert early.header("connection") != "close"
        conn.send(b"x" * (size - 1000))  # the rest arrives after the answer
        conn.send(GET_NEXT)
        follow = conn.read_response()
        assert follow.status == 200
        assert follow.body == b"ok"
        assert conn.pending(0.2) == b""  # one request, one response


def test_unread_body_bytes_never_become_an_unsolicited_431(stack):
    # 70 KB of body arriving after the answer used to be taken for a 16 KiB+ head.
    port = stack()
    with RawConnection(port) as conn:
        conn.send(_head("/status/401", 70_000))
        assert conn.read_response().status == 401
        conn.send(b"y" * 70_000)
        assert conn.pending(0.3) == b""
        conn.send(GET_NEXT)
        assert conn.read_response().status == 200


def test_unread_body_past_discard_limit_closes_without_reset(stack):
    port = stack()
    size = DISCARD_LIMIT * 4
    with RawConnection(port) as conn:
        conn.send(_head("/status/415", size) + b"z" * 5000)
        early = conn.read_response()
        assert early.status == 415
        assert early.header("connection") == "close"
        # The client is still sending; the server must not answer it with RST.
        conn.send(b"z" * 200_000)
        assert conn.is_closed()


def test_unread_chunked_body_closes_the_connection(stack):
    port = stack()
    with RawConnection(port) as conn:
        conn.send(b"POST /status/405 HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
                  b"5\r\nhello\r\n")
        early = conn.read_response()
        assert early.status == 405
        assert early.header("connection") == "close"
        assert conn.is_closed()


def test_read_body_keeps_the_connection_open(stack):
    port = stack()
    with RawConnection(port) as conn:
        conn.send(_head("/echo", DISCARD_LIMIT * 2, method="POST") + b"e" * DISCARD_LIMIT * 2)
        answer = conn.read_response()
        assert answer.status == 200
        assert answer.body == str(DISCARD_LIMIT * 2).encode()
        assert answer.header("connection") is None
        conn.send(GET_NEXT)
        assert conn.read_response().status == 200


def test_guard_413_on_declared_length_then_whole_body_sent_at_once(stack):
    # The client writes head and 4 MiB without waiting; the guard answers 413 on the
    # Content-Length alone. The answer must arrive whole, then an orderly close.
    port = stack()
    size = 4 * 1024 * 1024
    with RawConnection(port, timeout=10) as conn:
        sender = threading.Thread(
            target=lambda: _send_quietly(conn, _head("/echo", size, "POST") + b"q" * size))
        sender.start()
        answer = conn.read_response()
        sender.join(10)
        assert answer.status == 413
        assert answer.header("content-type") == "application/problem+json"
        assert answer.json()["status"] == 413
        assert answer.header("connection") == "close"
        assert conn.is_closed(5)


def _send_quietly(conn: RawConnection, data: bytes) -> None:
    with contextlib.suppress(OSError):
        conn.send(data)



@pytest.mark.parametrize("parser", ["httptools", "h11"])
def test_idle_connection_does_not_hold_up_shutdown(parser):
    # Lingering is for closes that may leave request bytes unread; an idle keep-alive
    # connection closes at once, or shutdown would wait out the (here 120 s) linger.
    import uvicorn

    from statuskit.server import config
    from support.apps import plain_app
    from support.servers import free_port

    port = free_port()
    server = uvicorn.Server(config(plain_app, port=port, parser=parser, linger_timeout=120.0,
                                   uvicorn_options={"log_level": "critical", "lifespan": "off"}))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    wait_for_port(port)
    with RawConnection(port) as conn:
        conn.send(GET_NEXT)
        assert conn.read_response().status == 200
        server.should_exit = True
        thread.join(30)
        assert not thread.is_alive()
        assert conn.is_closed(5)
