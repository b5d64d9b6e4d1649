"""uvicorn's httptools protocol with the wire's verdicts: 505 501 414 431 400 408."""

from __future__ import annotations

import asyncio
from typing import Any

import httptools
from uvicorn.protocols.http import httptools_impl

from statuskit.http import is_token
from statuskit.server._date import date_per_response
from statuskit.server._linger import LingeringTransport, closes_on_unread_body
from statuskit.server._rules import (
    ASTERISK_OPTIONS,
    HeadFields,
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
    WIRE_VERSIONS,
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


class _Refused(Exception):
    """Raised inside a parser callback to stop parsing with a verdict."""


_Stock = httptools_impl.HttpToolsProtocol


class StatusHttpToolsCycle(CycleHygiene, httptools_impl.RequestResponseCycle):
    stock_send = httptools_impl.RequestResponseCycle.send


_hygienic_headers_complete = with_cycle_class(
    _Stock.on_headers_complete, httptools_impl, StatusHttpToolsCycle
)


def _new_parser(protocol: Any) -> httptools.HttpRequestParser:
    parser = httptools.HttpRequestParser(protocol)
    parser.set_dangerous_leniencies(lenient_data_after_close=True)
    return parser


_KNOWN_METHODS: dict[bytes, bool] = {}

# Host values that passed (RFC 9112 §3.2), for every connection of the process: the
# verdict depends on the value alone, so a later request with the same Host starts
# without the full questions. Bounded, so that clients cannot grow it.
PASSED_HOSTS_LIMIT = 64
_PASSED_HOSTS: set[bytes] = set()


def _parser_knows(method: bytes) -> bool:
    """Whether llhttp parses ``method`` at all: a method it does not know is 501, any
    other request-line fault 400 (RFC 9110 §9.1, RFC 9112 §3)."""
    known = _KNOWN_METHODS.get(method)
    if known is None:
        class _Sink:
            pass

        try:
            httptools.HttpRequestParser(_Sink()).feed_data(method + b" / HTTP/1.1\r\n")
            known = True
        except httptools.HttpParserError:
            known = False
        if len(_KNOWN_METHODS) < 256:
            _KNOWN_METHODS[method] = known
    return known


# The fields on_header notes for on_headers_complete: Host (RFC 9112 §3.2), framing
# (RFC 9112 §6), Connection options (RFC 9112 §9.3; Proxy-Connection as its old
# spelling) and Expect (RFC 9110 §10.1.1).
_NOTABLE_FIELDS = frozenset({b"host", b"content-length", b"transfer-encoding", b"connection",
                             b"proxy-connection", b"expect"})

# RFC 9112 §2.1: a header section ends with an empty line, and so does chunked content
# (last-chunk, trailer section, CRLF); llhttp takes CRLF only, never a bare LF.
_SECTION_END = b"\r\n\r\n"


class StatusHttpToolsProtocol(WireSettings, HeadDeadline, httptools_impl.HttpToolsProtocol):
    """``uvicorn.Config(http=StatusHttpToolsProtocol)``; tune with :func:`httptools_protocol`."""

    transport: LingeringTransport  # type: ignore[assignment]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._wire = WireState()

    # -- connection ---------------------------------------------------------------

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
        wire = self._wire
        if self.transport.lingering or wire.deferred is not None:
            return  # closing, or the parser already failed: nothing more is a request
        if wire.backlog:
            # Reading was resumed (an app awaiting its content does that) while earlier
            # bytes wait for answers: they stay first, and reading stops again.
            wire.backlog += data
            self.flow.pause_reading()
            return
        # The common read: one whole head between two messages, nothing before it to
        # drop or after it to hold, and room for one more pending request. _feed would
        # cut it nowhere; it goes to the parser at once (the tests inline: a call each
        # is a frame per request).
        running = wire.running
        if (wire.message_head and not wire.head_data and not wire.raw_left and not wire.tail
                and data.find(_SECTION_END) == len(data) - 4
                and data[0] > 13  # not CR or LF (empty lines first) nor another control
                # nothing pending (a pipelined read takes _feed's way, which counts them)
                and (running is None or running.response_complete) and not self.pipeline):
            wire.head_data = data
            try:
                self.parser.feed_data(data)
            except (httptools.HttpParserError, httptools.HttpParserUpgrade) as error:
                if not self._parse_failed(error, data, b""):
                    return
            if wire.message_head and len(wire.head_data) > self.max_header_size \
                    and not self.transport.is_closing() and wire.deferred is None:
                self._refuse_in_order(431, data.startswith(b"HEAD "))
            return
        self._feed(data)

    def _feed(self, data: bytes) -> None:
        """Give ``data`` to the parser a message at a time, so that the wire knows where
        each request's head begins: its size counts from its first byte whatever the
        connection's state (RFC 6585 §5), and no more than ``max_pending_requests``
        requests are parsed before their answers (the rest waits unparsed, reading
        paused: RFC 9112 §9.3.2 lets a server stop reading pipelined requests)."""
        wire = self._wire
        while data:
            if wire.backlog:
                wire.backlog += data  # a re-parse above stopped at the limit
                return
            if wire.raw_left:
                data = self._take_raw_content(data)
                continue
            if wire.message_head and not wire.head_data:
                # RFC 9112 §2.2: empty lines before a request-line are ignored.
                data = data.lstrip(b"\r\n")
                if not data:
                    return
                if self._pending() >= self.max_pending_requests:
                    wire.backlog = data
                    self.flow.pause_reading()
                    return
            cut = self._message_cut(data)
            if cut < len(data):
                piece, data = data[:cut], data[cut:]
            else:
                piece, data = data, b""
            if wire.message_head:
                wire.head_data = wire.head_data + piece if wire.head_data else piece
            in_content = wire.body_left
            wire.tail = b"" if in_content or piece.endswith(_SECTION_END) else piece[-3:]
            if not self._parse(piece, data):
                return
            if in_content:
                wire.body_left -= len(piece)
            elif wire.message_head and len(wire.head_data) > self.max_header_size:
                # RFC 9110 §15.5.15 / RFC 6585 §5: no end of the head yet, and already
                # too large.
                head = wire.head_data.lstrip(b"\r\n")
                self._refuse_in_order(414 if len(self.url) > self.max_target_length else 431,
                                      head.startswith(b"HEAD "))
                return

    def _message_cut(self, data: bytes) -> int:
        """How much of ``data`` the parser may take without passing a message's end:
        the rest of declared content, else up to the next empty line (which ends a head
        and chunked content alike), counting one split across reads."""
        wire = self._wire
        if wire.body_left:
            return wire.body_left
        if wire.tail:
            found = (wire.tail + data[:3]).find(_SECTION_END)
            if found >= 0:
                return found + 4 - len(wire.tail)
        end = data.find(_SECTION_END)
        return len(data) if end < 0 else end + 4

    def _parse(self, piece: bytes, rest: bytes) -> bool:
        """Feed one piece; False when the parser stopped for good (a refusal, an upgrade)."""
        try:
            self.parser.feed_data(piece)
        except (httptools.HttpParserError, httptools.HttpParserUpgrade) as error:
            return self._parse_failed(error, piece, rest)
        return not self.transport.is_closing() and self._wire.deferred is None

    def _parse_failed(self, error: Exception, piece: bytes, rest: bytes) -> bool:
        """The parser raised on ``piece``: an upgrade, a refusal, or a re-parse (True:
        the rest follows)."""
        if isinstance(error, httptools.HttpParserUpgrade):
            self._after_upgrade(piece[error.args[0]:] + rest)
            return False
        status = self._wire.verdict or self._classify()
        if status == 0:
            return True  # re-parsed as HTTP/1.1; the rest follows
        self._refuse_in_order(status, self._refused_head(error))
        return False

    def _pending(self) -> int:
        """Requests parsed and not yet answered: the one being served and those queued."""
        running = self._wire.running
        busy = running is not None and not running.response_complete
        return len(self.pipeline) + busy

    def _refused_head(self, error: Exception) -> bool:
        """Whether the refused request is HEAD, so that its answer carries no content.
        The parser keeps the method of the message it failed in, unless the method
        itself was the fault."""
        if isinstance(error, httptools.HttpParserInvalidMethodError):
            return False
        try:
            return bool(self.parser.get_method() == b"HEAD")
        except httptools.HttpParserError:
            return False

    # -- parser callbacks -----------------------------------------------------------

    def on_headers_complete(self) -> None:
        state = self.server_state
        if type(state.default_headers) is list:  # uvicorn's tick put a new one in place
            date_per_response(state)  # before the cycle takes it
        wire = self._wire
        parser = self.parser
        url = self.url
        # The common request passes a few byte tests and starts at once; any other goes
        # through every question (_judged_headers_complete).
        # on_header counted the Host fields and noted any framing or Connection field.
        # find(), not ``in``: bytes.__contains__ first tries its operand as an integer
        # and builds a TypeError each time (CPython 3.11).
        if (wire.hosts == 1 and wire.host in _PASSED_HOSTS  # RFC 9112 §3.2: a Host that passed
                # no content (its framing rules and the unread-body decision), and
                # HTTP/1.1: without a Connection option only 1.1 persists (RFC 9112
                # §9.3), and llhttp says so; the version string costs more to build.
                and wire.plain and parser.should_keep_alive()
                and not parser.should_upgrade()  # CONNECT or Upgrade (RFC 9110 §9.3.6, §7.8)
                # RFC 9112 §3: one SP between the parts of the request-line
                and wire.head_data.find(b"  ") < 0
                and url[:1] == b"/" and url.find(b"#") < 0  # RFC 9112 §3.2.1: origin-form
                # RFC 6585 §5 and RFC 9110 §15.5.15: the target is inside the head
                and len(wire.head_data) <= self.fast_head_limit):
            wire.in_head = wire.message_head = wire.upgrade = False
            wire.head_data = b""
            if self.response_hygiene:
                _hygienic_headers_complete(self)
            else:
                _Stock.on_headers_complete(self)
            pipeline = self.pipeline  # _note_started, inline
            if not pipeline or pipeline[0][0] is not self.cycle:
                wire.running = self.cycle
            return
        self._judged_headers_complete(wire.host if wire.hosts == 1 else None)

    def _judged_headers_complete(self, host: bytes | None) -> None:
        wire = self._wire
        parser = self.parser
        version = parser.get_http_version()
        fields = scan_fields(self.headers)
        verdict = self._head_verdict(fields, version)
        if verdict is not None and verdict > 0:
            wire.verdict = verdict
            raise _Refused
        if host is not None and len(_PASSED_HOSTS) < PASSED_HOSTS_LIMIT:
            _PASSED_HOSTS.add(host)
        wire.upgrade = parser.should_upgrade() and is_websocket_handshake(
            parser.get_method(), version.encode(), self.headers)
        wire.in_head = wire.message_head = False
        wire.head_data = b""
        if fields.content_length is not None and not fields.transfer_encodings \
                and not parser.should_upgrade():
            # llhttp took it as 1*DIGIT. (After an Upgrade head it parses nothing more:
            # _after_upgrade takes the content.)
            wire.body_left = int(fields.content_length)
        if self.url[:1] != b"/":
            # RFC 9112 §3.2.2: an absolute-form target is routed by its path and query,
            # an empty path as "/" (RFC 3986 §6.2.3); httptools.parse_url finds no path
            # in "http://host" and uvicorn failed on it.
            self.url = origin_form(self.url)
        if verdict == ASTERISK_OPTIONS:
            self._start_cycle_with(asterisk_options)
        elif self.response_hygiene:
            _hygienic_headers_complete(self)
            self._note_started()
        else:
            _Stock.on_headers_complete(self)
            self._note_started()
        cycle = self.cycle
        if cycle is None or cycle.scope is not self.scope:
            return  # a WebSocket handshake: the upgrade follows
        if may_outgrow(fields, self.discard_limit):
            cycle.send = closes_on_unread_body(cycle, cycle.send)
        if version == "1.0":
            # RFC 9110 §10.1.1: Expect is ignored in HTTP/1.0; no 100 Continue.
            cycle.waiting_for_100_continue = False

    def _start_cycle_with(self, app: Any) -> None:
        own_app = self.app
        self.app = app
        try:
            if self.response_hygiene:
                _hygienic_headers_complete(self)
            else:
                _Stock.on_headers_complete(self)
            self._note_started()
        finally:
            self.app = own_app

    def on_header(self, name: bytes, value: bytes) -> None:
        # uvicorn's, less the trailing OWS llhttp keeps in the value: RFC 9110 §5.5, OWS
        # around a field value is not part of it (h11 drops it too), so a token with a
        # trailing space means the same on both parsers.
        name = name.lower()
        value = value.rstrip(b" \t")
        if name in _NOTABLE_FIELDS:
            wire = self._wire
            if name == b"host":
                wire.host = value
                wire.hosts += 1
            elif name == b"expect":
                if value.lower() == b"100-continue":
                    self.expect_100_continue = True
            else:
                wire.plain = False  # framing or a Connection option: every question
        self.headers.append((name, value))

    def on_body(self, body: bytes) -> None:
        if self._wire.discarding:
            return  # the unread rest of an answered request
        _Stock.on_body(self, body)

    def on_message_complete(self) -> None:
        wire = self._wire
        wire.message_head = True
        # The next head is counted afresh (trailer fields of this one count for nothing).
        wire.hosts = 0
        wire.plain = True
        if wire.discarding:
            wire.discarding = False
            return
        # uvicorn's steps, here rather than a call to them (a frame per request): the
        # request's content is whole, unless the connection switches protocols or the
        # response is already out. wire.upgrade is set only for a handshake llhttp took
        # for an upgrade (should_upgrade()), which is the test uvicorn asks; a switching
        # one has no cycle of its own.
        if wire.upgrade and self.ws_protocol_class is not None:
            return
        cycle = self.cycle
        if cycle.response_complete:
            return
        cycle.more_body = False
        cycle.message_event.set()

    def _note_started(self) -> None:
        """After uvicorn's on_headers_complete: the cycle it made runs now, unless it
        waits behind a pending response (then it is first in the pipeline)."""
        pipeline = self.pipeline
        if not pipeline or pipeline[0][0] is not self.cycle:
            self._wire.running = self.cycle

    def on_response_complete(self) -> None:
        # uvicorn's steps (count, start the next pipelined request, resume reading),
        # less its keep-alive timer armed per response and cancelled by the next read:
        # the head clock, one timer per connection, closes the idle connection instead.
        self.server_state.total_requests += 1
        if self.transport.is_closing():
            return
        wire = self._wire
        if self.pipeline:
            cycle, app = self.pipeline.pop()
            wire.running = cycle
            self._start_asgi_task(cycle, app)
        cycle = wire.running
        if cycle.response_complete:  # else a pipelined request after this one is served
            wire.in_head = True
            now = self.loop.time()
            wire.deadline = now + self.header_timeout
            wire.idle_deadline = now + self.timeout_keep_alive
            if wire.deferred is not None:
                status, head = wire.deferred
                wire.deferred = None
                self._refuse(status, head=head)
                return
            if cycle.more_body:
                # Answered before its content arrived: read the rest (no more than the
                # discard limit, or the response closed the connection) and drop it.
                wire.discarding = True
        if wire.backlog:
            if self._pending() >= self.max_pending_requests:
                return  # reading stays paused
            backlog, wire.backlog = wire.backlog, b""
            self._feed(backlog)
            if wire.backlog or self.transport.is_closing():
                return
        self.flow.resume_reading()

    def shutdown(self) -> None:
        cycle = self.cycle
        if cycle is None or cycle.response_complete:
            self.transport.close_now()  # idle: a lingering close would only delay the exit
        else:
            cycle.keep_alive = False

    def timeout_keep_alive_handler(self) -> None:
        if not self.transport.is_closing():
            self.transport.close_now()

    def _should_upgrade(self) -> bool:
        # RFC 9110 §7.8: only a valid WebSocket handshake switches; any other Upgrade is
        # ignored and the request served as plain HTTP.
        return self._wire.upgrade and self.ws_protocol_class is not None

    def handle_websocket_upgrade(self) -> None:
        self._stop_head_clock()
        lingering = self.transport
        self.transport = lingering.real  # type: ignore[assignment]
        _Stock.handle_websocket_upgrade(self)

    def _after_upgrade(self, rest: bytes) -> None:
        """The parser stopped at an Upgrade (or CONNECT) once the message ended."""
        if self._should_upgrade():
            self.handle_websocket_upgrade()
            return
        # Not switching: llhttp took the content for upgraded bytes; hand it to the
        # request here, and what follows is the next request, for a fresh parser.
        self.parser = _new_parser(self)
        length = 0
        for name, value in self.headers:
            if name == b"content-length":
                length = int(value)
        if length:
            self.cycle.more_body = True
            self._wire.raw_left = length
        wire = self._wire
        wire.message_head = True
        wire.hosts = 0
        wire.plain = True
        if rest:
            self._feed(rest)

    def _take_raw_content(self, data: bytes) -> bytes:
        """Content of an Upgrade request served as plain HTTP; returns what follows it."""
        wire = self._wire
        content = data[:wire.raw_left]
        wire.raw_left -= len(content)
        cycle = self.cycle
        if not cycle.response_complete:
            cycle.body += content
            if not wire.raw_left:
                cycle.more_body = False
            cycle.message_event.set()
        return data[len(content):]

    def _request_begun(self) -> bool:
        return bool(self._wire.head_data.strip(b"\r\n"))

    # -- verdicts -------------------------------------------------------------------

    def _head_verdict(self, fields: HeadFields, version: str) -> int | None:
        """The wire's questions about a complete head, in the order RFC 9112 reads it."""
        wire = self._wire
        url = self.url
        if len(url) > self.max_target_length:
            return 414  # RFC 9110 §15.5.15
        if version not in WIRE_VERSIONS:
            # RFC 9110 §15.6.6: HTTP/0.9 and an HTTP/2.0 request line on HTTP/1 are not spoken here.
            return 505
        if len(wire.head_data) > self.max_header_size:
            end = wire.head_data.lstrip(b"\r\n").find(b"\r\n\r\n")
            if end < 0 or end + 4 > self.max_header_size:
                return 431  # RFC 6585 §5
        method = self.parser.get_method()
        if not self._single_spaced():
            return 400  # RFC 9112 §3: one SP between the parts of the request-line
        return (target_verdict(method, url) or host_verdict(fields, version.encode())
                or transfer_coding_verdict(fields)
                or self._upgrade_verdict(method, version, fields))

    def _upgrade_verdict(self, method: bytes, version: str, fields: HeadFields) -> int | None:
        if not self.parser.should_upgrade():
            return None
        if is_websocket_handshake(method, version.encode(), self.headers):
            return None
        if fields.transfer_encodings:
            # Served as plain HTTP, its content would have to be parsed; llhttp takes
            # everything after an Upgrade head as upgraded bytes and offers no way back
            # into chunked parsing. Known limit of this parser (h11 serves it).
            return 400
        return None

    def _single_spaced(self) -> bool:
        # RFC 9112 §3: one SP between the parts of the request-line. Asked only when
        # the head holds a double space somewhere.
        line = self._wire.head_data.lstrip(b"\r\n").split(b"\r\n", 1)[0]
        return line.find(b"  ") < 0

    def _refuse_in_order(self, status: int, head: bool) -> None:
        """Refuse now, or after the responses to the requests before this one."""
        wire = self._wire
        if status == 0:
            return  # re-parsed as HTTP/1.1
        logger.info("refused a request on the wire: %d", status)
        cycle = self.cycle
        if cycle is not None and cycle.more_body and not cycle.response_complete:
            # The fault is in the content of the latest request: the refusal answers it.
            if self.pipeline and self.pipeline[0][0] is cycle:
                self.pipeline.popleft()  # never started; the ones before it go first
            elif cycle.response_started:
                cycle.keep_alive = False  # too late for a 400: close after its answer
                return
            else:
                cycle.disconnected = True  # its app hears a disconnect, sends nothing
                cycle.message_event.set()
        running = wire.running
        if (running is not None and not running.response_complete
                and not running.disconnected) or self.pipeline:
            wire.deferred = (status, head)  # RFC 9112 §9.3.2: responses in request order
            return
        self._refuse(status, head=head)

    def send_400_response(self, msg: str) -> None:
        self._refuse_in_order(self._wire.verdict or self._classify(), False)

    def _failed_line(self) -> bytes:
        """The request-line the parser failed on (empty when it failed in content)."""
        return self._wire.head_data.lstrip(b"\r\n").split(b"\r\n", 1)[0]

    def _classify(self) -> int:
        line = self._failed_line()
        parts = line.split(b" ")
        if not self.url:
            # The parser stopped at the method or the target: a method token it does not
            # know is 501, anything else 400 (RFC 9110 §9.1).
            method = parts[0]
            if len(parts) == 3 and is_token(method.decode("latin-1")) \
                    and not _parser_knows(method):
                return 501
            return 400
        if len(parts) == 3 and parts[2][:5] == b"HTTP/":
            version = parts[2][5:]
            if later_http1_minor(version):
                return 0 if self._reparse_as_http11(line) else 400
            if len(version) == 3 and version[:1].isdigit() and version[1:2] == b"." \
                    and version[2:].isdigit() and version not in (b"1.0", b"1.1"):
                return 505  # RFC 9110 §15.6.6: a well-formed version we do not speak
        if self._wire.message_head and self._reparse_tidied_framing():
            return 0
        return 400

    def _reparse_tidied_framing(self) -> bool:
        """RFC 9110 §5.6.1: llhttp refuses ``chunked,`` (an empty list member after
        chunked) and an empty Transfer-Encoding line beside another; parse the head
        again with the list as it reads without them. Asked only once llhttp failed."""
        wire = self._wire
        data = wire.head_data.lstrip(b"\r\n")
        end = data.find(_SECTION_END)
        # Only whole lines are tidied: a line still arriving is left as it is.
        head = data[:end] if end >= 0 else data[:max(0, data.rfind(b"\r\n"))]
        request_line, *lines = head.split(b"\r\n")
        tidied = tidied_transfer_encoding(lines)
        if tidied is None:
            return False
        self.parser = _new_parser(self)
        wire.head_data = b""
        wire.in_head = wire.message_head = True
        wire.hosts = 0
        wire.plain = True
        self._feed(b"\r\n".join([request_line, *tidied]) + data[len(head):])
        return True

    def _reparse_as_http11(self, line: bytes) -> bool:
        """RFC 9110 §6.2: serve HTTP/1.2 (and later minors) as HTTP/1.1."""
        wire = self._wire
        data = wire.head_data.lstrip(b"\r\n")
        if not data.startswith(line):
            return False
        self.parser = _new_parser(self)
        wire.head_data = b""
        wire.in_head = wire.message_head = True
        wire.hosts = 0
        wire.plain = True
        self._feed(line[:-3] + b"1.1" + data[len(line):])
        return True


def httptools_protocol(**settings: Any) -> type[StatusHttpToolsProtocol]:
    """A protocol class with these settings (see :func:`statuskit.server.protocol_class`),
    for ``uvicorn.Config(http=...)``."""
    return protocol_class(StatusHttpToolsProtocol, **settings)
