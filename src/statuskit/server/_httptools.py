"""uvicorn's httptools protocol with the wire's verdicts: 505 501 414 431 400 408."""

from __future__ import annotations

import asyncio
from typing import Any

import httptools
from uvicorn.protocols.http import httptools_impl

from statuskit.defaults import HEADER_TIMEOUT, MAX_HEADER_SIZE, MAX_TARGET_LENGTH
from statuskit.server._wire import (
    WIRE_VERSIONS,
    CycleHygiene,
    HeadDeadline,
    WireState,
    later_http1_minor,
    logger,
    with_cycle_class,
)


class _Refused(Exception):
    """Raised inside a parser callback to stop parsing with a verdict."""


_Stock = httptools_impl.HttpToolsProtocol


class StatusHttpToolsCycle(CycleHygiene, httptools_impl.RequestResponseCycle):
    stock_send = httptools_impl.RequestResponseCycle.send


_hygienic_headers_complete = with_cycle_class(
    _Stock.on_headers_complete, httptools_impl, StatusHttpToolsCycle
)


class StatusHttpToolsProtocol(HeadDeadline, httptools_impl.HttpToolsProtocol):
    """``uvicorn.Config(http=StatusHttpToolsProtocol)``; tune with :func:`httptools_protocol`."""

    max_target_length: int = MAX_TARGET_LENGTH
    # Request line plus header fields; nginx and h11 sit at 8-16 KiB.
    max_header_size: int = MAX_HEADER_SIZE
    # Response rules for the app (no 1xx as final, no content on 204/304). Off when a
    # Guard stands in front (as in run()), which keeps the same rules.
    response_hygiene: bool = True

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._wire = WireState()

    # -- connection ---------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)  # type: ignore[arg-type]
        self._start_head_clock()

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_head_clock()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        wire = self._wire
        if wire.in_head:
            # Kept only while a head is incomplete: to name a parser verdict, and to tell a
            # started request (408) from an idle connection when the head deadline passes.
            wire.head_data = wire.head_data + data if wire.head_data else data
        _Stock.data_received(self, data)
        if wire.in_head and len(wire.head_data) > self.max_header_size \
                and not self.transport.is_closing():
            # RFC 9110 §15.5.15 / RFC 6585 §5: no end of the head yet, and already too large.
            self._refuse(414 if len(self.url) > self.max_target_length else 431)

    # -- parser callbacks -----------------------------------------------------------

    def on_headers_complete(self) -> None:
        wire = self._wire
        if len(self.url) > self.max_target_length:
            wire.verdict = 414  # RFC 9110 §15.5.15
            raise _Refused
        version = self.parser.get_http_version()
        if version not in WIRE_VERSIONS:
            # RFC 9110 §15.6.6: HTTP/0.9 and an HTTP/2.0 request line on HTTP/1 are not spoken here.
            wire.verdict = 505
            raise _Refused
        if len(wire.head_data) > self.max_header_size:
            end = wire.head_data.lstrip(b"\r\n").find(b"\r\n\r\n")
            if end < 0 or end + 4 > self.max_header_size:
                wire.verdict = 431  # RFC 6585 §5
                raise _Refused
        wire.in_head = False
        wire.head_data = b""
        if self.response_hygiene:
            _hygienic_headers_complete(self)
        else:
            _Stock.on_headers_complete(self)
        if version == "1.0":
            cycle = self.cycle
            if cycle is not None and cycle.scope is self.scope:
                # RFC 9110 §10.1.1: Expect is ignored in HTTP/1.0; no 100 Continue.
                cycle.waiting_for_100_continue = False

    def on_response_complete(self) -> None:
        _Stock.on_response_complete(self)
        wire = self._wire
        wire.in_head = True
        wire.deadline = self.loop.time() + self.header_timeout

    def _request_begun(self) -> bool:
        return bool(self._wire.head_data.strip(b"\r\n"))

    # -- verdicts -------------------------------------------------------------------

    def send_400_response(self, msg: str) -> None:
        """uvicorn calls this for every parser error; name the real verdict instead."""
        verdict = self._wire.verdict or self._classify()
        if verdict == 0:
            return  # re-parsed as HTTP/1.1
        head = self._wire.head_data.lstrip(b"\r\n").startswith(b"HEAD ")
        logger.info("refused a request on the wire: %d", verdict)
        self._refuse(verdict, head=head)

    def _classify(self) -> int:
        line = self._wire.head_data.lstrip(b"\r\n").split(b"\r\n", 1)[0]
        parts = line.split(b" ")
        if not self.url:
            # The parser stopped at the method: an unknown token is 501, anything else 400
            # (RFC 9110 §9.1).
            from statuskit.http import is_token

            method = parts[0].decode("latin-1")
            return 501 if len(parts) == 3 and is_token(method) else 400
        if len(parts) == 3 and parts[2][:5] == b"HTTP/":
            version = parts[2][5:]
            if later_http1_minor(version):
                return 0 if self._reparse_as_http11(line) else 400
            if len(version) == 3 and version[:1].isdigit() and version[1:2] == b"." \
                    and version[2:].isdigit() and version not in (b"1.0", b"1.1"):
                return 505  # RFC 9110 §15.6.6: a well-formed version we do not speak
        return 400

    def _reparse_as_http11(self, line: bytes) -> bool:
        """RFC 9110 §6.2: serve HTTP/1.2 (and later minors) as HTTP/1.1."""
        wire = self._wire
        data = wire.head_data.lstrip(b"\r\n")
        if not data.startswith(line):
            return False
        self.parser = httptools.HttpRequestParser(self)
        self.parser.set_dangerous_leniencies(lenient_data_after_close=True)
        wire.head_data = b""
        wire.in_head = True
        self.data_received(line[:-3] + b"1.1" + data[len(line):])
        return True


def httptools_protocol(
    *,
    header_timeout: float = HEADER_TIMEOUT,
    max_target_length: int = MAX_TARGET_LENGTH,
    max_header_size: int = MAX_HEADER_SIZE,
    response_hygiene: bool = True,
) -> type[StatusHttpToolsProtocol]:
    """A protocol class with these limits, for ``uvicorn.Config(http=...)``."""
    return type(
        "StatusHttpToolsProtocol",
        (StatusHttpToolsProtocol,),
        {
            "header_timeout": header_timeout,
            "max_target_length": max_target_length,
            "max_header_size": max_header_size,
            "response_hygiene": response_hygiene,
        },
    )
