"""What both protocol classes share: the wire's own answers, the header deadline and
the response hygiene uvicorn leaves to the app."""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Callable, Coroutine, Iterable
from types import FunctionType, ModuleType
from typing import TYPE_CHECKING, Any, TypeVar

from statuskit.codes import UnknownCode, lookup
from statuskit.defaults import (
    HEADER_TIMEOUT,
    MAX_HEADER_SIZE,
    MAX_PENDING_REQUESTS,
    MAX_TARGET_LENGTH,
    SEND_TIMEOUT,
)
from statuskit.guard._answers import DETAILS, problem_response
from statuskit.server._date import date_per_response
from statuskit.server._linger import DISCARD_LIMIT, LINGER_TIMEOUT
from statuskit.server._send_timeout import SendWatch, abort_stalled

logger = logging.getLogger("statuskit.server")

T = TypeVar("T")

# RFC 9112 §2.3: the HTTP/1 versions these protocols speak on the wire.
WIRE_VERSIONS = frozenset({"1.0", "1.1"})

WIRE_DETAILS = {
    **DETAILS,
    400: "The request could not be parsed as HTTP/1.1.",
    408: "The request header section was not received in time.",
    431: "The request header section is larger than this server accepts.",
    501: "The server does not implement what the request asks for.",
}


def status_line(status: int) -> bytes:
    try:
        phrase = lookup(status).phrase
    except UnknownCode:
        phrase = ""
    return f"HTTP/1.1 {status} {phrase}\r\n".encode("ascii")


def wire_response(
    status: int, default_headers: list[tuple[bytes, bytes]], *, head: bool = False
) -> bytes:
    """A complete problem response that ends the connection (RFC 9112 §9.6)."""
    headers, body = problem_response(status, WIRE_DETAILS.get(status), close=True)
    out = [status_line(status)]
    for name, value in (*default_headers, *headers):
        out += [name, b": ", value, b"\r\n"]
    out.append(b"\r\n")
    if not head:
        out.append(body)
    return b"".join(out)


def later_http1_minor(version: bytes) -> bool:
    # RFC 9110 §6.2: HTTP/1.2 and later minors are processed as HTTP/1.1.
    return len(version) == 3 and version[:2] == b"1." and version[2:] in b"23456789"


class WireState:
    """What the wire tracks per connection, kept in one object on the protocol.

    uvicorn's protocol instances carry 28 attributes; CPython 3.11 keeps at most 30
    in an instance's fast shared-key layout, and one more sends every attribute access
    of uvicorn's own hot path to the slow dictionary path (about 8 % of throughput).
    """

    __slots__ = ("backlog", "body_left", "deadline", "deferred", "discarding", "head_data",
                 "host", "hosts", "idle_deadline", "in_head", "message_head", "plain",
                 "raw_left", "running", "send_watch", "tail", "timer", "upgrade", "verdict")

    def __init__(self) -> None:
        self.in_head = True  # between requests: the next header section is awaited
        self.deadline = 0.0
        # httptools only: when an idle keep-alive connection closes (uvicorn's
        # timeout_keep_alive after the last response); none before the first.
        self.idle_deadline = math.inf
        self.timer: asyncio.TimerHandle | None = None
        self.send_watch = SendWatch(0.0)  # the write buffer's progress, for send_timeout
        # httptools only: the parser is between messages or inside a head, whatever
        # the connection's state (a response may be pending), and the bytes of that
        # head from its first one: its size, its verdict, its request-line.
        self.message_head = True
        self.head_data = b""
        self.verdict: int | None = None
        self.running: Any = None  # httptools only: the cycle whose app runs now
        # httptools only: content still to feed of a request with a Content-Length, so
        # that the parser is given whole messages and stops between two of them.
        self.body_left = 0
        # httptools only: the last bytes fed when they may begin a CRLF CRLF that the
        # next read ends (a message boundary split across reads).
        self.tail = b""
        # httptools only: bytes read past the last message the parser was given,
        # held unparsed while max_pending_requests are unanswered (reading paused).
        self.backlog = b""
        self.discarding = False  # the unread content of an answered request is dropped
        # httptools only: a refusal waiting for the responses to earlier pipelined
        # requests (RFC 9112 §9.3.2), as (status, head request).
        self.deferred: tuple[int, bool] | None = None
        self.upgrade = False  # this request is a WebSocket opening handshake
        # httptools only: content still due for an Upgrade request served as HTTP.
        self.raw_left = 0
        # httptools only, noted by on_header for the head being parsed: its Host fields
        # (how many, the last one's value), and whether it has no framing or
        # Connection field (then its questions are few).
        self.hosts = 0
        self.host = b""
        self.plain = True


async def asterisk_options(scope: Any, receive: Any, send: Any) -> None:
    """``OPTIONS *`` asks about the server, not a resource (RFC 9110 §9.3.7): a
    success without content. No Allow: the methods are each resource's to list."""
    await send({"type": "http.response.start", "status": 204, "headers": []})
    await send({"type": "http.response.body", "body": b"", "more_body": False})


class HeadDeadline:
    """Slowloris defence: a header section must be complete ``header_timeout`` seconds
    after the connection opened or the previous response ended.

    If bytes of a request arrived, the client gets 408 and the connection closes
    (RFC 9110 §15.5.9). If none did, the connection is idle and simply closes
    (RFC 9112 §9.5): an unsolicited 408 there could cross a request in flight. Where
    the protocol sets ``idle_deadline`` (httptools), the same clock also closes an idle
    keep-alive connection after uvicorn's ``timeout_keep_alive``.

    The same clock aborts a connection whose client stopped reading (send_timeout).

    One timer per connection re-arms itself only when it fires, so the per-request
    cost is a clock read, not a timer. It never sleeps longer than the shorter of the
    two timeouts (or half the send timeout), so a deadline set after a response is
    never passed by much.
    """

    header_timeout: float = HEADER_TIMEOUT
    send_timeout: float = SEND_TIMEOUT
    timeout_keep_alive: int  # uvicorn's own, from its Config
    transport: asyncio.Transport
    loop: asyncio.AbstractEventLoop
    server_state: Any
    cycle: Any
    _wire: WireState

    def _start_head_clock(self) -> None:
        wire = self._wire
        now = self.loop.time()
        wire.deadline = now + self.header_timeout
        wire.send_watch.since = now
        wire.timer = self.loop.call_later(self._tick(), self._check_head)

    def _stop_head_clock(self) -> None:
        wire = self._wire
        if wire.timer is not None:
            wire.timer.cancel()
            wire.timer = None

    def _tick(self) -> float:
        """The longest the clock sleeps."""
        keep_alive = self.timeout_keep_alive
        tick = min(self.header_timeout, self.send_timeout / 2)
        return min(tick, keep_alive) if keep_alive > 0 else tick

    def resume_writing(self) -> None:
        # The transport's buffer fell below its low-water mark: the client took bytes.
        # Sampled sizes alone miss it, since the app refills the buffer to the same
        # high-water size between two looks (nginx counts from the last write taken).
        self._wire.send_watch.progressed(self.loop.time())
        super().resume_writing()  # type: ignore[misc]

    def _check_head(self) -> None:
        wire = self._wire
        wire.timer = None
        if self.transport.is_closing():
            return  # the closing transport watches its own buffer
        now = self.loop.time()
        if wire.send_watch.stalled(self.transport, now, self.send_timeout):
            abort_stalled(self.transport, self.send_timeout)
            return
        busy = self.cycle is not None and not self.cycle.response_complete
        if busy or not wire.in_head:
            wait = self._tick()
        elif self._request_begun():
            if now >= wire.deadline:
                logger.info("header section incomplete after %.1f s; 408", self.header_timeout)
                self._refuse(408)
                return
            wait = wire.deadline - now
        elif now >= wire.idle_deadline:
            self.timeout_keep_alive_handler()
            return
        elif now >= wire.deadline:
            self.transport.close()
            return
        else:
            wait = min(wire.deadline, wire.idle_deadline) - now
        wire.timer = self.loop.call_later(min(wait, self._tick()), self._check_head)

    if TYPE_CHECKING:
        def timeout_keep_alive_handler(self) -> None: ...

    def _request_begun(self) -> bool:
        """Whether bytes of the awaited head have arrived (each parser knows)."""
        raise NotImplementedError

    def _refuse(self, status: int, *, head: bool = False) -> None:
        """Answer what the app never sees, then close."""
        if not self.transport.is_closing():
            # A refusal can come before any head completes: date the list here too
            # (RFC 9110 §6.6.1), not only as a cycle takes it.
            date_per_response(self.server_state)
            defaults = self.server_state.default_headers
            self.transport.write(wire_response(status, defaults, head=head))
            self.transport.close()


class WireSettings:
    """The settings both protocol classes take, with their defaults (class attributes,
    so that a tuned class costs nothing per connection)."""

    header_timeout: float = HEADER_TIMEOUT
    max_target_length: int = MAX_TARGET_LENGTH
    # Request line plus header fields; nginx and h11 sit at 8-16 KiB.
    max_header_size: int = MAX_HEADER_SIZE
    # Methods beyond the IANA registry that the wire passes on instead of 501.
    extension_methods: frozenset[str] = frozenset()
    # Response rules for the app (no 1xx as final, no content on 204/304). Off when a
    # Guard stands in front (as in run()), which keeps the same rules.
    response_hygiene: bool = True
    discard_limit: int = DISCARD_LIMIT
    linger_timeout: float = LINGER_TIMEOUT
    max_pending_requests: int = MAX_PENDING_REQUESTS
    send_timeout: float = SEND_TIMEOUT
    # A head no longer than this is within both limits above (its target is inside it):
    # one comparison on the common path. Kept by every subclass's creation.
    fast_head_limit: int = min(MAX_HEADER_SIZE, MAX_TARGET_LENGTH)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.fast_head_limit = min(cls.max_header_size, cls.max_target_length)


def protocol_class(
    base: type[T],
    *,
    header_timeout: float = HEADER_TIMEOUT,
    max_target_length: int = MAX_TARGET_LENGTH,
    max_header_size: int = MAX_HEADER_SIZE,
    extension_methods: Iterable[str] = (),
    response_hygiene: bool = True,
    discard_limit: int = DISCARD_LIMIT,
    linger_timeout: float = LINGER_TIMEOUT,
    max_pending_requests: int = MAX_PENDING_REQUESTS,
    send_timeout: float = SEND_TIMEOUT,
) -> type[T]:
    """``base`` with these settings, for ``uvicorn.Config(http=...)``."""
    if max_pending_requests < 1:
        raise ValueError(f"max_pending_requests must be 1 or more, not {max_pending_requests}")
    if not send_timeout > 0:
        raise ValueError(f"send_timeout must be more than 0, not {send_timeout}")
    return type(base.__name__, (base,), {
        "header_timeout": header_timeout,
        "max_target_length": max_target_length,
        "max_header_size": max_header_size,
        "extension_methods": frozenset(extension_methods),
        "response_hygiene": response_hygiene,
        "discard_limit": discard_limit,
        "linger_timeout": linger_timeout,
        "max_pending_requests": max_pending_requests,
        "send_timeout": send_timeout,
    })


def with_cycle_class(function: Callable[..., Any], module: ModuleType,
                     cycle_class: type) -> Callable[..., Any]:
    """uvicorn's own ``function``, creating ``cycle_class`` where it names its
    RequestResponseCycle.

    The cycle is then born with the hygiene checks. Assigning ``__class__`` to a live
    cycle instead de-optimises every later attribute access on it (about 1 µs a request).
    """
    if "RequestResponseCycle" not in function.__code__.co_names:
        raise RuntimeError(f"{function.__qualname__} no longer creates RequestResponseCycle")
    namespace = {**vars(module), "RequestResponseCycle": cycle_class}
    return FunctionType(function.__code__, namespace, function.__name__,
                        function.__defaults__, function.__closure__)


class CycleHygiene:
    """Mixed into uvicorn's RequestResponseCycle: the app cannot write a 1xx as a final
    response, nor content on 204/304 (RFC 9110 §15.3.5, §15.4.5, §6.4.1).

    Each protocol names its cycle's own ``send`` as ``stock_send``.
    """

    stock_send: Callable[..., Coroutine[Any, Any, None]]
    _strip: bool = False
    response_started: bool
    scope: Any

    # A plain function handing back uvicorn's coroutine: the checks cost no extra frame.
    def send(self, message: Any) -> Coroutine[Any, Any, None]:
        if not self.response_started:
            if message["type"] == "http.response.start":
                message = self._checked_start(message)
        elif self._strip and message["type"] == "http.response.body":
            message = self._stripped_body(message)
        return type(self).stock_send(self, message)

    async def send_500_response(self) -> None:
        headers, body = problem_response(500, close=True)
        if self.scope["method"] == "HEAD":
            body = b""
        stock_send = type(self).stock_send
        await stock_send(self, {"type": "http.response.start", "status": 500, "headers": headers})
        await stock_send(self, {"type": "http.response.body", "body": body, "more_body": False})

    def _checked_start(self, message: Any) -> Any:
        status = message["status"]
        if not 200 <= status <= 599:
            raise RuntimeError(f"status {status!r} cannot be a final response")
        if status == 204 or status == 304:
            self._strip = True
            headers = message.get("headers", ())
            # RFC 9110 §8.6, RFC 9112 §6.1: no framing fields on a response without content.
            return {**message, "headers": [
                (n, v) for n, v in headers
                if n.lower() not in (b"content-length", b"transfer-encoding")
            ]}
        return message

    def _stripped_body(self, message: Any) -> Any:
        if message.get("body"):
            return {"type": message["type"], "body": b"",
                    "more_body": message.get("more_body", False)}
        return message
