"""``run()``: Guard + statuskit's protocol + uvicorn.Server in one call."""

from __future__ import annotations

import copy
import logging
import re
from typing import Any, Literal

import uvicorn

from statuskit.defaults import (
    HEADER_TIMEOUT,
    MAX_HEADER_SIZE,
    MAX_PENDING_REQUESTS,
    MAX_TARGET_LENGTH,
    SEND_TIMEOUT,
    MiB,
)
from statuskit.guard import GUARD_SETTINGS_STATE, Guard
from statuskit.http.methods import REGISTERED_METHODS
from statuskit.server._h11 import h11_protocol
from statuskit.server._httptools import httptools_protocol
from statuskit.server._linger import DISCARD_LIMIT, LINGER_TIMEOUT
from statuskit.server._workers import bind, serve_workers

# The largest WebSocket message a connection assembles; a larger one closes the
# connection with 1009 "message too big" (RFC 6455 §7.4.1). uvicorn's own default is
# 16 MiB, which with its queue of 32 lets one client pin 512 MiB.
WS_MAX_MESSAGE_SIZE = MiB

# Received WebSocket messages waiting for the app before the connection stops
# reading: with the size above, at most 8 MiB buffered per connection.
WS_MAX_QUEUE = 8

# What all the WebSocket connections of one server may hold together (bytes read and
# not yet a whole message, messages the app has not taken, bytes written and not yet
# taken by the client); past it the one holding the most is closed (server/_websocket.py).
WS_MAX_TOTAL = 64 * MiB


class EscapeControls(logging.Filter):
    """Control characters in logged values become visible escapes, so that a target
    like ``/a%0d%0aFAKE`` (decoded into the scope's path) cannot forge log lines."""

    _CONTROLS = re.compile(r"[\x00-\x1f\x7f]")

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(self._escaped(arg) for arg in record.args)
        return True

    def _escaped(self, value: Any) -> Any:
        if isinstance(value, str) and self._CONTROLS.search(value):
            return self._CONTROLS.sub(lambda m: f"\\x{ord(m.group()):02x}", value)
        return value


def _escape_logged_controls() -> None:
    for name in ("uvicorn.access", "uvicorn.error", "statuskit.guard", "statuskit.server"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, EscapeControls) for f in logger.filters):
            logger.addFilter(EscapeControls())


def config(
    app: Any,
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    header_timeout: float = HEADER_TIMEOUT,
    max_header_size: int = MAX_HEADER_SIZE,
    parser: Literal["httptools", "h11"] = "httptools",
    discard_limit: int = DISCARD_LIMIT,
    linger_timeout: float = LINGER_TIMEOUT,
    max_pending_requests: int = MAX_PENDING_REQUESTS,
    send_timeout: float = SEND_TIMEOUT,
    ws_max_message_size: int = WS_MAX_MESSAGE_SIZE,
    ws_max_queue: int = WS_MAX_QUEUE,
    ws_max_total: int = WS_MAX_TOTAL,
    loop: Literal["auto", "uvloop", "asyncio"] = "auto",
    uvicorn_options: dict[str, Any] | None = None,
    **guard_settings: Any,
) -> uvicorn.Config:
    """The uvicorn configuration ``run()`` uses: ``app`` behind a Guard, on statuskit's protocol.

    An app that is already a ``Guard`` is served as it is (a copy of it: the caller's
    Guard is left unchanged).

    ``max_target_length`` and ``extension_methods`` go to both the guard and the protocol,
    so the wire and the guard agree on 414 and 501. ``loop="auto"`` runs on uvloop where
    it is installed (statuskit depends on it where it builds), else on asyncio.
    """
    served, guard = _guarded(app, guard_settings)
    factory = h11_protocol if parser == "h11" else httptools_protocol
    protocol: type = factory(
        header_timeout=header_timeout,
        max_target_length=guard.max_target_length,
        max_header_size=max_header_size,
        extension_methods=guard.methods - REGISTERED_METHODS,
        # The Guard in front keeps the response rules; checking them twice costs ~8 %.
        response_hygiene=False,
        discard_limit=discard_limit,
        linger_timeout=linger_timeout,
        max_pending_requests=max_pending_requests,
        send_timeout=send_timeout,
    )
    options = {"ws_max_size": ws_max_message_size, "ws_max_queue": ws_max_queue,
               "ws": _websocket_protocol(ws_max_total), "loop": loop,
               **(uvicorn_options or {})}
    built = uvicorn.Config(served, host=host, port=port, http=protocol, **options)
    _escape_logged_controls()
    return built


def _websocket_protocol(max_total: int) -> Any:
    """Ours where uvicorn would pick websockets' sans-I/O implementation, else its choice."""
    try:
        from statuskit.server._websocket import websocket_protocol
    except ImportError:  # no websockets installed: uvicorn falls back to wsproto or none
        return "auto"
    return websocket_protocol(max_total=max_total)


def _guarded(app: Any, guard_settings: dict[str, Any]) -> tuple[Any, Guard]:
    """The app to serve, and the Guard whose limits the wire must share (414, 501).

    A Guard is put in front that leaves Content-Length to uvicorn's cycles, which keep
    it true themselves (checking twice costs); an app that already has one is served
    as it is."""
    inside = _settings_of_guard_inside(app)
    if inside is not None:
        if guard_settings:
            raise TypeError("guard settings go to statuskit.starlette.install(), which put "
                            "the app's Guard in place")
        return app, Guard(app, **inside)  # read for its limits only; it serves nothing
    if isinstance(app, Guard):
        if guard_settings:
            raise TypeError("guard settings go to the Guard the app already has")
        guard = copy.copy(app)
        guard.check_content_length = False
        return guard, guard
    settings = {"max_target_length": MAX_TARGET_LENGTH, "check_content_length": False,
                **guard_settings}
    guard = Guard(app, **settings)
    return guard, guard


def _settings_of_guard_inside(app: Any) -> dict[str, Any] | None:
    state = getattr(app, "state", None)
    settings = getattr(state, GUARD_SETTINGS_STATE, None) if state is not None else None
    return dict(settings) if isinstance(settings, dict) else None


def run(
    app: Any,
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    header_timeout: float = HEADER_TIMEOUT,
    workers: int = 1,
    factory: bool = False,
    **settings: Any,
) -> None:
    """Serve ``app`` with every wire and transport code; blocks until shut down.

    ``workers=N`` forks N processes that share the port. Each gets its own Guard, so
    ``max_concurrency`` holds per worker, and a rate limit holds across them only with
    ``rate_limit_storage="redis://..."``. With ``factory=True``, ``app`` is a function
    that each worker calls to build its own app: use it for an app that opens
    connections (a database, an HTTP client), which must not cross a fork.

    Other keywords: ``max_header_size``, ``parser`` ("httptools" or "h11"),
    ``discard_limit``, ``linger_timeout``, ``max_pending_requests``, ``send_timeout``,
    ``ws_max_message_size``, ``ws_max_queue``, ``ws_max_total``,
    ``loop`` ("auto", "uvloop" or "asyncio"), ``uvicorn_options`` (passed to
    ``uvicorn.Config``) and any Guard setting.
    """
    if workers < 1:
        raise ValueError(f"workers must be 1 or more, not {workers}")

    def build() -> uvicorn.Config:
        return config(app() if factory else app, host=host, port=port,
                      header_timeout=header_timeout, **settings)

    if workers == 1:
        uvicorn.Server(build()).run()
        return
    sock = bind(host, port)
    try:
        serve_workers(build, sock, workers)
    finally:
        sock.close()
