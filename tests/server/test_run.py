"""``statuskit.server.run`` puts the guard and the protocol together."""

from __future__ import annotations

import time
from typing import Any

import pytest
import uvicorn

from statuskit.server import StatusHttpToolsProtocol, config
from support.apps import plain_app
from support.rawhttp import RawConnection, get
from support.servers import free_port, running

QUIET = {"log_level": "critical", "lifespan": "off"}


def test_config_wraps_guard_and_protocol_and_passes_settings():
    port = free_port()
    server = uvicorn.Server(config(plain_app, port=port, header_timeout=0.5, max_body_size=10,
                                   max_target_length=200, uvicorn_options=QUIET))
    with running(server):
        assert issubclass(server.config.http_protocol_class, StatusHttpToolsProtocol)
        assert get(port, "/").status == 200
        assert get(port, "/echo", method="POST", body=b"x" * 11).status == 413  # guard
        assert get(port, "/" + "a" * 300).status == 414  # wire, same limit
        assert get(port, "/", method="PURGE").status == 501  # guard
        assert get(port, "/", version="HTTP/3.0").status == 505  # wire
        with RawConnection(port) as conn:
            started = time.monotonic()
            conn.send(b"GET / HTTP/1.1\r\n")
            assert conn.read_response().status == 408
            assert time.monotonic() - started < 1.5


async def _rule_breaking_app(scope: Any, receive: Any, send: Any) -> None:
    status = {"/interim": 103, "/no-content": 204}[scope["path"]]
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-length", b"5")]})
    await send({"type": "http.response.body", "body": b"hello"})


def test_run_stack_keeps_response_rules_with_protocol_checks_off():
    # run() turns the protocol's own response checks off; the guard must still keep them.
    port = free_port()
    server = uvicorn.Server(config(_rule_breaking_app, port=port, uvicorn_options=QUIET))
    with running(server):
        assert server.config.http_protocol_class.response_hygiene is False
        interim = get(port, "/interim")
        assert interim.status == 500
        assert interim.header("content-type") == "application/problem+json"
        no_content = get(port, "/no-content")
        assert no_content.status == 204
        assert no_content.body == b""
        assert no_content.header("content-length") is None


def test_config_serves_an_already_guarded_app_with_its_own_settings():
    from statuskit.guard import Guard

    guard = Guard(plain_app, max_target_length=300)
    cfg = config(guard, port=free_port())
    assert cfg.app.app is plain_app
    assert cfg.app.max_target_length == 300
    assert cfg.http.max_target_length == 300  # type: ignore[union-attr]


def test_config_leaves_the_callers_guard_unchanged():
    from statuskit.guard import Guard

    guard = Guard(plain_app)
    before = dict(vars(guard))
    cfg = config(guard, port=free_port())
    assert vars(guard) == before
    assert guard.check_content_length is True
    assert cfg.app.check_content_length is False


@pytest.mark.parametrize("parser", ["httptools", "h11"])
def test_both_parsers_get_the_same_settings(parser):
    cfg = config(plain_app, port=free_port(), parser=parser, header_timeout=3.0,
                 max_header_size=4096, max_target_length=500, extension_methods=["FROB"])
    protocol = cfg.http
    assert protocol.header_timeout == 3.0  # type: ignore[union-attr]
    assert protocol.max_header_size == 4096  # type: ignore[union-attr]
    assert protocol.max_target_length == 500  # type: ignore[union-attr]
    assert protocol.extension_methods == frozenset({"FROB"})  # type: ignore[union-attr]
    assert protocol.response_hygiene is False  # type: ignore[union-attr]


def test_config_bounds_websocket_messages_and_queue():
    from statuskit.server import WS_MAX_MESSAGE_SIZE, WS_MAX_QUEUE

    cfg = config(plain_app, port=free_port())
    assert cfg.ws_max_size == WS_MAX_MESSAGE_SIZE <= 1024 * 1024
    assert cfg.ws_max_queue == WS_MAX_QUEUE
    assert config(plain_app, port=free_port(), ws_max_message_size=10).ws_max_size == 10


@pytest.mark.parametrize(("path", "most_content"), [("/lie-long", 0), ("/lie-short", 3)])
def test_run_stack_aborts_content_that_disagrees_with_content_length(path, most_content):
    # config() leaves Content-Length to uvicorn's cycle, which enforces it as the guard
    # would: the connection is aborted, never desynchronised.
    port = free_port()
    server = uvicorn.Server(config(plain_app, port=port, uvicorn_options=QUIET))
    with running(server):
        assert server.config.app.check_content_length is False
        with RawConnection(port) as conn:
            conn.send(f"GET {path} HTTP/1.1\r\nHost: t\r\n\r\n".encode())
            assert conn.read_head()[1] == 200
            assert len(conn.pending(0.3)) <= most_content
            assert conn.is_closed()
