"""uvicorn's h11 protocol with the wire's verdicts: 505 501 414 431 400 408."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import h11
from h11._receivebuffer import ReceiveBuffer
from uvicorn.protocols.http import h11_impl

from statuskit.defaults import MAX_HEADER_SIZE, MAX_TARGET_LENGTH
from statuskit.http.methods import REGISTERED_METHODS
from statuskit.server._date import date_per_response
from statuskit.server._linger import LingeringTransport, closes_on_unread_body
from statuskit.server._rules import (
    ASTERISK_OPTIONS,
    host_verdict,
    is_websocket_handshake,
    may_outgrow,
    origin_form,
    scan_fields,
    target_verdict,
    tidied_transfer_encoding,
    transfer_coding_verdict,
)
from statuskit.server._wire import (
    CycleHygiene,
    HeadDeadline,
    WireSettings,
    WireState,
    asterisk_options,
    later_http1_minor,
    logger,
    protocol_class,
    with_cycle_class,
)


class _HeadKeepingBuffer(ReceiveBuffer):
    """h11's receive buffer, keeping the lines of the last head it handed out, so that
    a refusal h11 raises while building the event can still be judged by the wire."""

    head_lines: list[bytearray] | None = None
    # A request head is awaited (not content, not a chunked trailer section).
    awaiting_head = True

    def maybe_extract_lines(self) -> list[bytearray] | None:
        lines = super().maybe_extract_lines()
        if lines and self.awaiting_head:
            # h11 takes one Transfer-Encoding line of exactly "chunked" and refuses the
            # rest with 501 before the wire is asked; the list it means is read here.
            tidied = tidied_transfer_encoding(lines[1:])  # type: ignore[arg-type]
            if tidied is not None:
                lines[1:] = tidied  # type: ignore[assignment]
        self.head_lines = lines
        return lines

    def drop_empty_lines(self) -> None:
        """RFC 9112 §2.2: empty lines before a request-line are ignored (h11 refuses
        them with 400, and they may sit behind a pipelined request)."""
        data = self._data
        if data[:1] == b"\r" or data[:1] == b"\n":
            self._extract(len(data) - len(data.lstrip(b"\r\n")))


class _CheckedConnection(h11.Connection):
    """h11 parses; this names what it lets through but the wire does not accept."""

    max_target_length = MAX_TARGET_LENGTH
    max_header_size = MAX_HEADER_SIZE
    methods: frozenset[bytes] = frozenset()
    verdict: int = 400
    head_request: bool = False
    # The last request was ``OPTIONS *``, which the wire answers itself.
    asterisk: bool = False

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._receive_buffer = _HeadKeepingBuffer()

    def receive_data(self, data: bytes) -> None:
        super().receive_data(data)
        buffer: _HeadKeepingBuffer = self._receive_buffer  # type: ignore[assignment]
        if buffer.awaiting_head:
            buffer.drop_empty_lines()

    def start_next_cycle(self) -> None:
        super().start_next_cycle()
        buffer: _HeadKeepingBuffer = self._receive_buffer  # type: ignore[assignment]
        buffer.awaiting_head = True
        # A pipelined request read while the last response was pending starts here.
        buffer.drop_empty_lines()

    def next_event(self) -> Any:
        try:
            event = super().next_event()
        except h11.RemoteProtocolError as exc:
            self.head_request = self._refused_head()
            self.verdict = self._refusal_verdict(exc.error_status_hint)
            raise
        if type(event) is h11.Request:
            self._receive_buffer.awaiting_head = False  # type: ignore[attr-defined]
            self.head_request = event.method == b"HEAD"
            verdict = self._request_verdict(event)
            self.asterisk = verdict == ASTERISK_OPTIONS
            if verdict is not None and verdict > 0:
                self._reject(verdict)
            if event.target[:1] != b"/" and b"://" in event.target:
                # RFC 9112 §3.2.2: accepted, and routed by its path as llhttp routes it;
                # h11 hands the whole URL on, and the app would see it as the path.
                event = h11.Request(method=event.method, headers=event.headers.raw_items(),
                                    target=origin_form(event.target),
                                    http_version=event.http_version)
        return event

    def _refused_head(self) -> bool:
        """Whether the request h11 refused is HEAD, so that its 400 carries no content
        (RFC 9110 §9.3.2): judged by the lines h11 took (a Host or Content-Length it
        refused), else the bytes it could not take (a malformed line)."""
        lines = self._receive_buffer.head_lines  # type: ignore[attr-defined]
        first = bytes(lines[0]) if lines else bytes(self._receive_buffer).lstrip(b"\r\n")
        return first.startswith(b"HEAD ")

    def _request_verdict(self, event: h11.Request) -> int | None:
        """The wire's questions about a complete head, in the order RFC 9112 reads it."""
        if event.http_version not in (b"1.0", b"1.1") and not later_http1_minor(
            event.http_version
        ):
            return 505  # RFC 9110 §15.6.6
        if event.method not in self.methods:
            return 501  # RFC 9110 §9.1: h11 already insists on a token
        if len(event.target) > self.max_target_length:
            return 414  # RFC 9110 §15.5.15
        # h11 bounds only an incomplete head; a complete one arriving at once is
        # measured here (request line + fields, RFC 6585 §5).
        size = len(event.method) + len(event.target) + 12
        for name, value in event.headers.raw_items():
            size += len(name) + len(value) + 4
        if size > self.max_header_size:
            return 431
        fields = scan_fields(event.headers)  # h11 iterates with lower-case names
        return (target_verdict(event.method, event.target)
                or host_verdict(fields, event.http_version)
                or transfer_coding_verdict(fields))

    def _refusal_verdict(self, hint: int) -> int:
        """The wire's status for a request h11 refused while parsing it."""
        if hint == 501:
            return self._transfer_coding_refusal()
        if hint == 431:
            return self._unfinished_head_refusal()
        return hint

    def _transfer_coding_refusal(self) -> int:
        # h11 refuses every Transfer-Encoding but a lone "chunked" with 501, before the
        # wire's rule is asked. RFC 9112 §6.3 item 4: chunked not final (or applied
        # twice) leaves the length unknown, 400; §6.1 (RFC 9110 §15.6.2): a coding not
        # implemented here, chunked last, 501. The rule tells which.
        lines = self._receive_buffer.head_lines  # type: ignore[attr-defined]
        if not lines:
            return 501
        self.head_request = lines[0].startswith(b"HEAD ")
        headers = []
        for line in lines[1:]:
            name, _, value = bytes(line).partition(b":")
            headers.append((name.strip(b" \t").lower(), value.strip(b" \t")))
        return transfer_coding_verdict(scan_fields(headers)) or 501

    def _unfinished_head_refusal(self) -> int:
        # h11 gives up on a head past its size before the head ends: 431, unless the
        # target alone is already past its own limit (RFC 9110 §15.5.15: 414), as
        # the httptools protocol answers.
        data = self.trailing_data[0].lstrip(b"\r\n")
        self.head_request = data.startswith(b"HEAD ")
        line = data.split(b"\r\n", 1)[0]
        parts = line.split(b" ", 2)
        if len(parts) > 1 and len(parts[1]) > self.max_target_length:
            return 414
        return 431

    def _reject(self, status: int) -> None:
        self.verdict = status
        raise h11.RemoteProtocolError(f"refused with {status}", error_status_hint=status)


class StatusH11Cycle(CycleHygiene, h11_impl.RequestResponseCycle):
    stock_send = h11_impl.RequestResponseCycle.send


_Stock = h11_impl.H11Protocol
_hygienic_handle_events = with_cycle_class(_Stock.handle_events, h11_impl, StatusH11Cycle)


class StatusH11Protocol(WireSettings, HeadDeadline, h11_impl.H11Protocol):
    """``uvicorn.Config(http=StatusH11Protocol)``; tune with :func:`h11_protocol`."""

    transport: LingeringTransport  # type: ignore[assignment]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        conn = _CheckedConnection(h11.SERVER, self.max_header_size)
        conn.max_target_length = self.max_target_length
        conn.max_header_size = self.max_header_size
        conn.methods = frozenset(
            m.encode("ascii") for m in (*REGISTERED_METHODS, *self.extension_methods)
        )
        self.conn = conn
        self._wire = WireState()
        self._own_app = self.app

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        lingering = LingeringTransport(transport, self.loop, self.linger_timeout,  # type: ignore[arg-type]
                                       self.send_timeout)
        super().connection_made(lingering)  # type: ignore[arg-type]
        self._start_head_clock()

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_head_clock()
        self.transport.connection_lost()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self.transport.lingering:
            return  # closing: read only to keep the close from turning into a reset
        super().data_received(data)

    def _request_begun(self) -> bool:
        # Bytes of the awaited head are held (empty lines before it are dropped as
        # they come). Asked by the head clock only while no request is being served.
        buffer: _HeadKeepingBuffer = self.conn._receive_buffer  # type: ignore[assignment]
        return buffer.awaiting_head and len(buffer) > 0

    def handle_events(self) -> None:
        date_per_response(self.server_state)  # before a cycle takes the list
        previous = self.cycle
        if self.response_hygiene:
            _hygienic_handle_events(self)
        else:
            _Stock.handle_events(self)
        cycle = self.cycle
        if cycle is not previous and cycle is not None:
            self._wire.in_head = False
            if may_outgrow(scan_fields(self.headers), self.discard_limit):
                cycle.send = closes_on_unread_body(cycle, cycle.send)

    def _should_upgrade(self) -> bool:
        # Called once a Request event is in: the wire's checks have passed. Answer
        # ``OPTIONS *`` here too, where the cycle's app is picked next.
        conn: Any = self.conn
        self.app = asterisk_options if conn.asterisk else self._own_app
        # RFC 9110 §7.8: only a valid WebSocket handshake switches; any other Upgrade is
        # ignored and the request served as plain HTTP.
        if self.ws_protocol_class is None:
            return False
        return is_websocket_handshake(
            self.scope["method"].encode(), self.scope["http_version"].encode(), self.headers)

    def shutdown(self) -> None:
        cycle = self.cycle
        if cycle is None or cycle.response_complete:
            self._close_idle()  # a lingering close would only delay the exit
        else:
            cycle.keep_alive = False

    def timeout_keep_alive_handler(self) -> None:
        if not self.transport.is_closing():
            self._close_idle()

    def _close_idle(self) -> None:
        with contextlib.suppress(h11.LocalProtocolError):
            self.conn.send(h11.ConnectionClosed())
        self.transport.close_now()

    def handle_websocket_upgrade(self, event: h11.Request) -> None:
        self._stop_head_clock()
        lingering = self.transport
        self.transport = lingering.real  # type: ignore[assignment]
        _Stock.handle_websocket_upgrade(self, event)

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


def h11_protocol(**settings: Any) -> type[StatusH11Protocol]:
    """A protocol class with these settings (see :func:`statuskit.server.protocol_class`),
    for ``uvicorn.Config(http=...)``."""
    return protocol_class(StatusH11Protocol, **settings)
