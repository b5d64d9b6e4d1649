"""WebSocket handshakes meet the guard's checks; a cap on connections and on message size.

Issue 12 items 4 and 6: the rate limit, maintenance and max_concurrency used to skip
WebSockets, and nothing capped their number or their messages.
"""

from __future__ import annotations

import concurrent.futures
import json
import time
from typing import Any

import pytest
from websockets.exceptions import ConnectionClosedError, InvalidStatus
from websockets.sync.client import connect

from statuskit.guard import Guard
from support.apps import plain_app
from support.rawhttp import get
from support.servers import serve

PROBLEM = "application/problem+json"


class EchoApp:
    """plain_app for HTTP; a WebSocket echo that records what reached it."""

    def __init__(self) -> None:
        self.received: list[int] = []  # sizes of the messages the app was handed

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            await plain_app(scope, receive, send)
            return
        while True:
            message = await receive()
            if message["type"] == "websocket.connect":
                await send({"type": "websocket.accept"})
            elif message["type"] == "websocket.receive":
                data = message.get("bytes") or message.get("text") or ""
                self.received.append(len(data))
                await send({"type": "websocket.send", **{
                    k: v for k, v in message.items() if k in ("bytes", "text") and v is not None
                }})
            else:
                return


def _without_http_response_extension(app: Any) -> Any:
    """The app as a server lacking the websocket.http.response extension would call it."""

    async def stripped(scope: dict[str, Any], receive: Any, send: Any) -> None:
        await app({**scope, "extensions": {}}, receive, send)

    return stripped


def _refused(port: int, path: str = "/ws", **options: Any) -> Any:
    with pytest.raises(InvalidStatus) as refused:
        connect(f"ws://127.0.0.1:{port}{path}", open_timeout=10, **options)
    return refused.value.response


def _assert_problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status
    assert response.headers["Content-Type"] == PROBLEM
    document: dict[str, Any] = json.loads(response.body)
    assert document["status"] == status
    return document


def test_handshake_in_maintenance_is_503_with_retry_after(guarded):
    port = guarded(app=EchoApp(), maintenance=True, maintenance_retry_after=90)
    response = _refused(port)
    _assert_problem(response, 503)
    assert response.headers["Retry-After"] == "90"


def test_handshake_over_the_rate_limit_is_429_with_retry_after(guarded):
    port = guarded(app=EchoApp(), rate_limit="1/minute")
    with connect(f"ws://127.0.0.1:{port}/ws", open_timeout=10) as ws:
        ws.send("one")
        assert ws.recv(timeout=5) == "one"
    response = _refused(port)
    _assert_problem(response, 429)
    assert 1 <= int(response.headers["Retry-After"]) <= 60


def test_handshake_while_requests_fill_max_concurrency_is_503(guarded):
    port = guarded(app=EchoApp(), max_concurrency=1, busy_retry_after=3)
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        slow = pool.submit(get, port, "/slow")  # holds the one slot for a second
        deadline = time.monotonic() + 10
        while guarded.guard.in_flight == 0 and time.monotonic() < deadline:
            time.sleep(0.01)
        response = _refused(port)
        assert slow.result().status == 200
    _assert_problem(response, 503)
    assert response.headers["Retry-After"] == "3"


def test_handshake_with_a_target_past_the_limit_is_414(guarded):
    port = guarded(app=EchoApp(), max_target_length=100)
    response = _refused(port, "/ws?" + "q" * 200)
    _assert_problem(response, 414)


def test_handshake_with_an_unknown_expectation_is_417(guarded):
    # RFC 9110 §10.1.1: the handshake is an HTTP/1.1 request like any other.
    port = guarded(app=EchoApp())
    response = _refused(port, additional_headers={"Expect": "fly"})
    _assert_problem(response, 417)


def test_websockets_past_the_cap_are_503_and_a_freed_place_is_taken(guarded):
    app = EchoApp()
    port = guarded(app=app, max_websockets=2, busy_retry_after=5)
    url = f"ws://127.0.0.1:{port}/ws"
    with connect(url, open_timeout=10) as first, connect(url, open_timeout=10) as second:
        response = _refused(port)
        document = _assert_problem(response, 503)
        assert response.headers["Retry-After"] == "5"
        assert "WebSocket" in document["detail"]
        # The open ones still work, and HTTP requests are not counted against the cap.
        second.send("still here")
        assert second.recv(timeout=5) == "still here"
        assert get(port, "/").status == 200
        first.close()
        _wait_for(lambda: guarded.guard.open_websockets == 1)
        with connect(url, open_timeout=10) as third:
            third.send("third")
            assert third.recv(timeout=5) == "third"


def test_temporary_refusal_without_the_extension_closes_with_1013():
    # A server without websocket.http.response cannot carry a 503 to the client; an
    # accept and an immediate close with 1013 "Try Again Later" can.
    guard = Guard(EchoApp(), maintenance=True)
    with serve(_without_http_response_extension(guard)) as port, \
            connect(f"ws://127.0.0.1:{port}/ws", open_timeout=10) as ws, \
            pytest.raises(ConnectionClosedError) as closed:
        ws.recv(timeout=5)
    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == 1013
    assert closed.value.rcvd.reason == "try again later"


def test_lasting_refusal_without_the_extension_is_a_close_before_accept():
    # 414 is not temporary: closing before the accept, which the server answers 403.
    guard = Guard(EchoApp(), max_target_length=50)
    with serve(_without_http_response_extension(guard)) as port:
        response = _refused(port, "/ws?" + "q" * 100)
    assert response.status_code == 403
    assert response.body == b""


@pytest.mark.parametrize("message", [b"\x00" * 1001, "x" * 1001, "\u20ac" * 334],
                         ids=["bytes", "ascii-text", "multibyte-text-1002-octets"])
def test_message_past_the_size_closes_with_1009_and_never_reaches_the_app(guarded, message):
    app = EchoApp()
    port = guarded(app=app, max_websocket_message_size=1000)
    with connect(f"ws://127.0.0.1:{port}/ws", open_timeout=10, max_size=None) as ws:
        ws.send("fits")
        assert ws.recv(timeout=5) == "fits"
        ws.send(message)
        with pytest.raises(ConnectionClosedError) as closed:
            ws.recv(timeout=5)
    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == 1009  # RFC 6455 §7.4.1
    assert app.received == [4]
    _wait_for(lambda: guarded.guard.open_websockets == 0)


def test_message_at_the_size_is_echoed(guarded):
    app = EchoApp()
    port = guarded(app=app, max_websocket_message_size=1000)
    with connect(f"ws://127.0.0.1:{port}/ws", open_timeout=10) as ws:
        ws.send(b"\x01" * 1000)
        assert ws.recv(timeout=5) == b"\x01" * 1000
        ws.send("\u20ac" * 333)  # 999 octets in UTF-8
        assert ws.recv(timeout=5) == "\u20ac" * 333
    assert app.received == [1000, 333]


def _wait_for(condition: Any, seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.02)

