"""A 413 for content the client is still sending reaches it (RFC 9112 §9.6): under plain
uvicorn (no lingering close of its own) the guard reads and drops what the client sends
before it closes, so the close is a FIN after the answer, not a reset that destroys it."""

from __future__ import annotations

import socket

from support.rawhttp import RawConnection

PROBLEM = "application/problem+json"
BODY = 8 * 1024 * 1024  # past what the socket buffers on both sides hold


def _send_all_then_read(port: int, head: bytes, body_size: int) -> tuple[bool, bytes]:
    """Send the head and the whole body in one go (as requests and httpx do without
    Expect), then read to the end: (whether every byte was sent, what came back)."""
    with RawConnection(port, timeout=10) as conn:
        conn.sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 64 * 1024)
        sent_all = True
        try:
            conn.send(head + b"x" * body_size)
        except OSError:
            sent_all = False
        received = b""
        try:
            while chunk := conn.sock.recv(65536):
                received += chunk
        except OSError:
            pass
    return sent_all, received


def test_a_413_from_the_declared_length_reaches_a_client_still_sending(guarded) -> None:
    port = guarded(max_body_size=1024 * 1024)
    head = b"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: %d\r\n\r\n" % BODY
    sent_all, received = _send_all_then_read(port, head, BODY)
    assert received.startswith(b"HTTP/1.1 413 "), received[:200]
    assert b"\r\ncontent-type: application/problem+json\r\n" in received.lower()
    assert b"connection: close" in received.lower()
    assert sent_all  # nothing reset the connection under the client


def test_a_413_for_a_chunked_body_past_the_limit_reaches_a_client_still_sending(
        guarded) -> None:
    port = guarded(max_body_size=1024 * 1024)
    head = b"POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
    chunk = b"%x\r\n%s\r\n" % (65536, b"x" * 65536)
    with RawConnection(port, timeout=10) as conn:
        conn.sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 64 * 1024)
        sent_all = True
        try:
            conn.send(head + chunk * 128 + b"0\r\n\r\n")  # 8 MiB in chunks
        except OSError:
            sent_all = False
        response = conn.read_response()
    assert response.status == 413
    assert response.header("content-type") == PROBLEM
    assert response.json()["status"] == 413
    assert sent_all


def test_a_413_with_expect_100_continue_reads_nothing_and_sends_no_100(guarded) -> None:
    port = guarded(max_body_size=1024)
    head = (b"POST /echo HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\n"
            b"Content-Length: %d\r\n\r\n" % BODY)
    with RawConnection(port, timeout=5) as conn:
        conn.send(head)  # and wait, as a client that asked for 100-continue does
        response = conn.read_response()
    assert response.status == 413
    assert response.interim == []
    assert response.header("connection") == "close"
