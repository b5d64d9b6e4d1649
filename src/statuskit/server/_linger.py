"""How a connection ends and what happens to content nobody read.

Closing a socket that still has unread request bytes makes the kernel send RST,
which can destroy a response the client has not read yet. RFC 9112 §9.6 asks for a
staged close: shut the sending side, keep reading (and discarding) for a while,
then close. And a final answer sent before the request's content was read leaves
that content on the connection: it is read and discarded when it is small enough,
else the response says ``Connection: close`` (RFC 9110 §15.5.14, RFC 9112 §9.6).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any

from statuskit.defaults import SEND_TIMEOUT, KiB
from statuskit.server._send_timeout import SendWatch, abort_stalled

# Unread request content the connection reads and throws away to stay open for the
# next request; past this the response closes the connection instead. Go's net/http
# keeps 256 KiB for the same decision.
DISCARD_LIMIT = 256 * KiB

# Seconds a closing connection keeps reading (and discarding) after its last
# response, so that late request bytes do not turn the close into a reset.
LINGER_TIMEOUT = 2.0


def _closing() -> bool:
    return True


def _dropped(data: Any) -> None:
    return None


class LingeringTransport:
    """The transport as uvicorn's code sees it, whose ``close()`` lingers.

    What uvicorn calls per request or per connection (write, is_closing, the flow
    control's pause/resume, get_extra_info) is the real transport's own bound method,
    so the common path costs nothing; the rest of the interface is passed on to the real
    one when called. ``close()`` half-closes, reads until the client closes or ``linger_timeout``
    passes, and only then closes. A close waits for the write buffer to drain; one whose
    buffer makes no progress for ``send_timeout`` seconds (a client that stopped reading)
    is aborted instead.
    """

    __slots__ = ("get_extra_info", "is_closing", "linger_timeout", "lingering", "loop",
                 "pause_reading", "real", "resume_reading", "send_timeout", "send_watch",
                 "timer", "watch_timer", "write")

    def __init__(self, real: asyncio.Transport, loop: asyncio.AbstractEventLoop,
                 linger_timeout: float = LINGER_TIMEOUT,
                 send_timeout: float = SEND_TIMEOUT) -> None:
        self.real = real
        self.loop = loop
        self.linger_timeout = linger_timeout
        self.send_timeout = send_timeout
        self.send_watch: SendWatch | None = None
        self.watch_timer: asyncio.TimerHandle | None = None
        self.lingering = False
        self.timer: asyncio.TimerHandle | None = None
        self.write = real.write
        self.is_closing = real.is_closing
        self.pause_reading = real.pause_reading
        self.resume_reading = real.resume_reading
        self.get_extra_info = real.get_extra_info

    # The rest of asyncio.Transport's interface, each passed to the real transport.
    # Methods, not a __getattr__: a class with one sends every attribute read on its
    # instances (write and is_closing too, several a request) through a slower hook
    # that the interpreter cannot specialise.

    def abort(self) -> None:
        self.real.abort()

    def can_write_eof(self) -> bool:
        return self.real.can_write_eof()

    def get_protocol(self) -> asyncio.BaseProtocol:
        return self.real.get_protocol()

    def get_write_buffer_limits(self) -> tuple[int, int]:
        return self.real.get_write_buffer_limits()

    def get_write_buffer_size(self) -> int:
        return self.real.get_write_buffer_size()

    def is_reading(self) -> bool:
        return self.real.is_reading()

    def set_protocol(self, protocol: asyncio.BaseProtocol) -> None:
        self.real.set_protocol(protocol)

    def set_write_buffer_limits(self, high: int | None = None, low: int | None = None) -> None:
        self.real.set_write_buffer_limits(high, low)

    def write_eof(self) -> None:
        self.real.write_eof()

    def writelines(self, list_of_data: Any) -> None:
        if not self.lingering:
            self.real.writelines(list_of_data)

    def close(self) -> None:
        real = self.real
        if self.lingering or real.is_closing():
            return
        self.lingering = True
        # Whatever runs after the close sees a closing transport and writes nothing.
        self.is_closing = _closing
        self.write = _dropped
        self._watch_send()
        if not real.can_write_eof() or self.linger_timeout <= 0:
            real.close()
            return
        real.write_eof()  # FIN after the buffered response: the client reads it all
        real.resume_reading()
        self.timer = self.loop.call_later(self.linger_timeout, real.close)

    def close_now(self) -> None:
        """Close without lingering: for an idle connection (keep-alive timeout, server
        shutdown), where no request bytes are owed an answer."""
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None
        self._watch_send()
        self.real.close()

    def _watch_send(self) -> None:
        """Abort the closing connection if what it still has to send stalls."""
        if self.send_watch is None and self.real.get_write_buffer_size():
            self.send_watch = SendWatch(self.loop.time())
            self.watch_timer = self.loop.call_later(self.send_timeout / 2, self._check_send)

    def _check_send(self) -> None:
        watch = self.send_watch
        if watch is None:
            return
        if watch.stalled(self.real, self.loop.time(), self.send_timeout):
            self.watch_timer = None
            abort_stalled(self.real, self.send_timeout)
            return
        self.watch_timer = self.loop.call_later(self.send_timeout / 2, self._check_send)

    def connection_lost(self) -> None:
        for timer in (self.timer, self.watch_timer):
            if timer is not None:
                timer.cancel()
        self.timer = self.watch_timer = None


Send = Callable[[Any], Coroutine[Any, Any, None]]


def closes_on_unread_body(cycle: Any, stock_send: Send) -> Send:
    """``send`` for a cycle whose request content may outgrow what the connection
    discards: when the final response starts before the content was read, the
    response says ``Connection: close`` (RFC 9112 §9.6) instead of keeping the
    connection open to read an unbounded remainder."""

    def send(message: Any) -> Coroutine[Any, Any, None]:
        if not cycle.response_started and message["type"] == "http.response.start" \
                and cycle.more_body:
            cycle.keep_alive = False
            headers = list(message.get("headers", ()))
            if not any(name.lower() == b"connection" and b"close" in value.lower()
                       for name, value in headers):
                headers.append((b"connection", b"close"))
            message = {**message, "headers": headers}
        return stock_send(message)

    return send


__all__ = [
    "DISCARD_LIMIT",
    "LINGER_TIMEOUT",
    "LingeringTransport",
    "closes_on_unread_body",
]
