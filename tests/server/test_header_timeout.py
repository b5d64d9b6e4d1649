"""408 for slow header sections (slowloris); idle connections close silently."""

from __future__ import annotations

import socket
import time

from support.rawhttp import RawConnection, get

PROBLEM = "application/problem+json"


def test_incomplete_header_section_is_408_then_close(wire):
    port = wire(header_timeout=0.5)
    with RawConnection(port) as conn:
        started = time.monotonic()
        conn.send(b"GET / HTTP/1.1\r\nHost: t\r\nX-Slow: ")
        response = conn.read_response()
        assert 0.4 < time.monotonic() - started < 1.5
        assert response.status == 408
        assert response.header("connection") == "close"
        assert response.header("content-type") == PROBLEM
        assert response.json()["title"] == "Request Timeout"
        assert conn.is_closed()


def test_idle_connection_closes_without_a_response(wire):
    port = wire(header_timeout=0.5)
    with RawConnection(port) as conn:
        assert conn.is_closed(wait=1.5)
        assert conn.buffer == b""


def test_slow_head_after_a_keep_alive_response_is_408(wire):
    port = wire(header_timeout=0.5)
    with RawConnection(port) as conn:
        conn.send(b"GET / HTTP/1.1\r\nHost: t\r\n\r\n")
        assert conn.read_response().status == 200
        conn.send(b"GET / HTTP/1.1\r\nHo")
        assert conn.read_response().status == 408
        assert conn.is_closed()


def test_slow_app_is_not_mistaken_for_a_slow_head(wire):
    port = wire(header_timeout=0.3)
    response = get(port, "/slow")  # the app takes 1 s
    assert response.status == 200
    assert response.body == b"slow"


def test_200_slow_header_connections_get_408_while_others_are_served(httptools_wire):
    # 2 s: opening the 200 connections must not use up the window in which the others
    # are to be served, even on a loaded machine.
    header_timeout = 2.0
    port = httptools_wire(header_timeout=header_timeout)
    slow: list[socket.socket] = []
    try:
        started = time.monotonic()
        for _ in range(200):
            sock = socket.create_connection(("127.0.0.1", port), timeout=5)
            sock.sendall(b"GET / HTTP/1.1\r\nHost: t\r\nX-Slow: drip")
            slow.append(sock)
        served = 0
        while time.monotonic() - started < header_timeout + 0.3 and served < 40:
            response = get(port, "/")
            assert response.status == 200
            served += 1
            time.sleep(0.02)  # spread the normal requests over the whole timeout window
        assert served >= 5
        deadline = started + header_timeout + 1.0
        for sock in slow:
            data = b""
            while not data.endswith(b"}") or b"\r\n\r\n" not in data:
                sock.settimeout(max(0.01, deadline - time.monotonic()))
                chunk = sock.recv(4096)
                if not chunk:
                    break
                data += chunk
            assert data.startswith(b"HTTP/1.1 408 ")
            assert b"connection: close" in data.lower()
            sock.settimeout(max(0.01, deadline - time.monotonic()))
            assert sock.recv(1) == b""
        assert time.monotonic() <= deadline + 0.05
    finally:
        for sock in slow:
            sock.close()


def test_idle_keep_alive_connection_closes_after_timeout_keep_alive(stack):
    # uvicorn's timeout_keep_alive holds behind the wire: an idle connection closes once
    # it has passed since the last response (RFC 9112 §9.5), quietly, well before the
    # header deadline; a request sent before then is served on the same connection.
    port = stack(header_timeout=5.0, uvicorn_options={"timeout_keep_alive": 1.0})
    with RawConnection(port) as conn:
        conn.send(b"GET / HTTP/1.1\r\nHost: t\r\n\r\n")
        assert conn.read_response().status == 200
        time.sleep(0.5)
        conn.send(b"GET / HTTP/1.1\r\nHost: t\r\n\r\n")
        assert conn.read_response().status == 200
        answered = time.monotonic()
        assert conn.is_closed(wait=4.0)
        assert 0.8 < time.monotonic() - answered < 3.0
        assert conn.buffer == b""
