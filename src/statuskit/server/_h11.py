"""uvicorn's h11 protocol with the wire's verdicts: 505 501 414 431 400 408."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import Any

import h11
from uvicorn.protocols.http import h11_impl

from statuskit.defaults import HEADER_TIMEOUT, MAX_HEADER_SIZE, MAX_TARGET_LENGTH
from statuskit.server._wire import (
    CycleHygiene,
    HeadDeadline,
    WireState,
    later_http1_minor,
    logger,
    with_cycle_class,
)


class _CheckedConnection(h11.Connection):
    """h11 parses; this names what it lets through but the wire does not accept."""

    max_target_length = MAX_TARGET_LENGTH
    max_header_size = MAX_HEADER_SIZE
    methods: frozenset[bytes] = frozenset()

    def next_event(self) -> Any:
        try:
            event = super().next_event()
        except h11.RemoteProtocolError as exc:
            self.verdict = exc.error_status_hint
            raise
        if type(event) is h11.Request:
            self.head_request = event.method == b"HEAD"
            if event.http_version not in (b"1.0", b"1.1") and not later_http1_minor(
                event.http_version
            ):
                self._reject(505)  # RFC 9110 §15.6.6
            if event.method not in self.methods:
                self._reject(501)  # RFC 9110 §9.1: h11 already insists on a token
            if len(event.target) > self.max_target_length:
                self._reject(414)  # RFC 9110 §15.5.15
            # h11 bounds only an incomplete head; a complete one arriving at once is
            # measured here (request line + fields, RFC 6585 §5).
            size = len(event.method) + len(event.target) + 12
            for name, value in event.headers.raw_items():
                size += len(name) + len(value) + 4
            if size > self.max_header_size:
                self._reject(431)
        return event

    def _reject(self, status: int) -> None:
        self.verdict = status
        raise h11.RemoteProtocolError(f"refused with {status}", error_status_hint=status)

    verdict: int = 400
    head_request: bool = False


class StatusH11Cycle(CycleHygiene, h11_impl.RequestResponseCycle):
    stock_send = h11_impl.RequestResponseCycle.send


_Stock = h11_impl.H11Protocol
_hygienic_handle_events = with_cycle_class(_Stock.handle_events, h11_impl, StatusH11Cycle)


class StatusH11Protocol(HeadDeadline, h11_impl.H11Protocol):
    """``uvicorn.Config(http=StatusH11Protocol)``; tune with :func:`h11_protocol`."""

    # As on the httptools protocol: off when a Guard in front keeps the same rules.
    response_hygiene: bool = True

    max_target_length: int = MAX_TARGET_LENGTH
    max_header_size: int = MAX_HEADER_SIZE
    extension_methods: frozenset[str] = frozenset()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from statuskit.http.methods import REGISTERED_METHODS

        conn = _CheckedConnection(h11.SERVER, self.max_header_size)
        conn.max_target_length = self.max_target_length
        conn.max_header_size = self.max_header_size
        conn.methods = frozenset(
            m.encode("ascii") for m in (*REGISTERED_METHODS, *self.extension_methods)
        )
        self.conn = conn
        self._wire = WireState()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)  # type: ignore[arg-type]
        self._start_head_clock()

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_head_clock()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        wire = self._wire
        if wire.in_head and not wire.message_started and data.strip(b"\r\n"):
            wire.message_started = True
        super().data_received(data)

    def handle_events(self) -> None:
        previous = self.cycle
        if self.response_hygiene:
            _hygienic_handle_events(self)
        else:
            _Stock.handle_events(self)
        if self.cycle is not previous and self.cycle is not None:
            self._wire.in_head = False
            self._wire.message_started = False

    def on_response_complete(self) -> None:
        wire = self._wire
        wire.in_head = True
        wire.deadline = self.loop.time() + self.header_timeout
        super().on_response_complete()

    def send_400_response(self, msg: str) -> None:
        conn = self.conn
        verdict = getattr(conn, "verdict", 400)
        logger.info("refused a request on the wire: %d", verdict)
        self._refuse(verdict, head=getattr(conn, "head_request", False))


def h11_protocol(
    *,
    header_timeout: float = HEADER_TIMEOUT,
    max_target_length: int = MAX_TARGET_LENGTH,
    max_header_size: int = MAX_HEADER_SIZE,
    extension_methods: Iterable[str] = (),
) -> type[StatusH11Protocol]:
    """A protocol class with these limits, for ``uvicorn.Config(http=...)``."""
    return type(
        "StatusH11Protocol",
        (StatusH11Protocol,),
        {
            "header_timeout": header_timeout,
            "max_target_length": max_target_length,
            "max_header_size": max_header_size,
            "extension_methods": frozenset(extension_methods),
        },
    )
