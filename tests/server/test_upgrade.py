"""Issue 12 item 4 (wire part): only a valid WebSocket opening handshake leaves HTTP;
any other request carrying Upgrade is served as plain HTTP with the Upgrade ignored
(RFC 9110 §7.8), so the guard and the app see it. WebSocket messages are bounded."""

from __future__ import annotations

import asyncio
import base64
from typing import Any

import pytest
import websockets

from support.apps import plain_app
from support.rawhttp import RawConnection, request

PROBLEM = "application/problem+json"
KEY = base64.b64encode(b"0123456789abcdef").decode()
UPGRADE = f"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n" \
          f"Sec-WebSocket-Key: {KEY}\r\n"


async def ws_or_plain(scope: Any, receive: Any, send: Any) -> None:
    if scope["type"] != "websocket":
        await plain_app(scope, receive, send)
        return
    await receive()  # websocket.connect
    await send({"type": "websocket.accept"})
    while True:
        message = await receive()
        if message["type"] != "websocket.receive":
            return
        await send({"type": "websocket.send", "bytes": message.get("bytes"),
                    "text": message.get("text")})


def _ask(port: int, head: str, body: bytes = b"", *, head_request: bool = False) -> Any:
    return request(port, head.encode() + b"\r\n" + body, head_request=head_request)


def test_valid_handshake_switches(stack):
    port = stack(app=ws_or_plain)
    with RawConnection(port) as conn:
        conn.send(f"GET /ws HTTP/1.1\r\nHost: t\r\n{UPGRADE}\r\n".encode())
        assert conn.read_head()[1] == 101


def test_valid_handshake_after_a_served_request_switches(stack):
    # The httptools protocol's fast path for a Host that already passed still sees it.
    with RawConnection(stack(app=ws_or_plain)) as conn:
        conn.send(b"GET / HTTP/1.1\r\nHost: t\r\n\r\n")
        assert conn.read_response().status == 200
        conn.send(f"GET /ws HTTP/1.1\r\nHost: t\r\n{UPGRADE}\r\n".encode())
        assert conn.read_head()[1] == 101


def test_head_with_upgrade_is_plain_http_without_content(stack):
    port = stack(app=ws_or_plain)
    with RawConnection(port) as conn:
        conn.send(f"HEAD /x HTTP/1.1\r\nHost: t\r\n{UPGRADE}\r\n".encode())
        answer = conn.read_response(head_request=True)
        assert answer.status == 200
        assert answer.header("upgrade") is None
        assert conn.pending(0.3) == b""


def test_upgrade_without_key_is_plain_http(stack):
    port = stack(app=ws_or_plain)
    answer = _ask(port, "GET /x HTTP/1.1\r\nHost: t\r\nUpgrade: websocket\r\n"
                        "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n")
    assert (answer.status, answer.body) == (200, b"ok")


def test_upgrade_with_huge_declared_length_meets_the_guard(stack):
    port = stack(app=ws_or_plain)
    with RawConnection(port) as conn:
        conn.send(f"POST /echo HTTP/1.1\r\nHost: t\r\n{UPGRADE}"
                  f"Content-Length: 1073741824\r\n\r\n".encode())
        answer = conn.read_response()
        assert answer.status == 413
        assert answer.header("content-type") == PROBLEM
        assert answer.header("connection") == "close"
        assert conn.is_closed()


def test_post_with_upgrade_and_body_is_answered_and_connection_continues(stack):
    port = stack(app=ws_or_plain)
    with RawConnection(port) as conn:
        conn.send(f"POST /echo HTTP/1.1\r\nHost: t\r\n{UPGRADE}Content-Length: 5\r\n\r\n"
                  "hello".encode() + b"GET /next HTTP/1.1\r\nHost: t\r\n\r\n")
        answer = conn.read_response()
        assert (answer.status, answer.body) == (200, b"5")
        assert conn.read_response().status == 200


def test_handshake_on_http_1_0_is_plain_http(stack):
    port = stack(app=ws_or_plain)
    answer = _ask(port, f"GET /x HTTP/1.0\r\nHost: t\r\n{UPGRADE}")
    assert (answer.status, answer.body) == (200, b"ok")


def test_handshake_with_unknown_expectation_gets_the_guards_417(stack):
    port = stack(app=ws_or_plain)
    answer = _ask(port, f"GET /x HTTP/1.1\r\nHost: t\r\n{UPGRADE}Expect: foo\r\n")
    assert answer.status == 417
    assert answer.header("content-type") == PROBLEM


def test_handshake_without_host_is_400(stack):
    port = stack(app=ws_or_plain)
    answer = _ask(port, f"GET /x HTTP/1.1\r\n{UPGRADE}")
    assert answer.status == 400
    assert answer.header("content-type") == PROBLEM


@pytest.mark.parametrize("size", [1024 * 1024 + 1])
def test_websocket_message_over_the_limit_closes_with_1009(stack, size):
    port = stack(app=ws_or_plain)

    async def talk() -> int | None:
        async with websockets.connect(f"ws://127.0.0.1:{port}/ws", max_size=None) as ws:
            await ws.send(b"s" * 1000)
            assert await ws.recv() == b"s" * 1000
            await ws.send(b"b" * size)
            try:
                await asyncio.wait_for(ws.recv(), 5)
            except websockets.ConnectionClosed as closed:
                return closed.rcvd.code if closed.rcvd else None
        return None

    assert asyncio.run(talk()) == 1009  # RFC 6455 §7.4.1: message too big
