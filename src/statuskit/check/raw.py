"""HTTP/1.1 over a bare socket (TLS for https), for what HTTP libraries will not
send or will not show: other versions, unknown methods, a declared length with
no content, slow headers, an Expect handshake, framing the RFC forbids, and
content a server sends where none may go (httpx drops it; the bytes do not lie).

A server may be hostile too: what one answer can make the checker hold is bounded
(``CHECK_READ_LIMIT`` of header sections and framing lines, ``CHECK_MAX_BODY`` of
content, past which the content is cut and the connection closed), and the whole
exchange by its timeout, however slowly the bytes trickle in.
"""

from __future__ import annotations

import asyncio
import ssl
from dataclasses import dataclass, field

from statuskit.check.target import Target, open_stream
from statuskit.defaults import CHECK_MAX_BODY, CHECK_READ_LIMIT, MiB

__all__ = ["RawExchange", "raw_exchange"]

_READ_LIMIT = CHECK_READ_LIMIT
_HEADS_TOO_LONG = (f"the answer's header section (with any 1xx before it) is over "
                   f"{_READ_LIMIT // MiB} MiB")
_READ_SIZE = 65536  # one read of content: what a cut leaves unread stays in the kernel
# RFC 9112 §7.1: chunk-size = 1*HEXDIG; int() would take "0x10", "+5", "1_0" and spaces.
_HEXDIGITS = frozenset(b"0123456789abcdefABCDEF")
_FOLLOW_UP_WAIT = 2.0  # seconds to wait for the answer to the follow-up HEAD


@dataclass
class RawExchange:
    """What came back on the wire; ``status`` 0 when nothing did."""

    status: int = 0
    reason: str = ""
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    interim: list[int] = field(default_factory=list)  # 1xx seen before the final answer
    closed: bool = False  # the server closed the connection after answering
    error: str = ""
    heads: list[bytes] = field(default_factory=list)  # each status line + fields, as received
    sent: bytes = b""  # the request as it went out (head, and content if any)
    stray: bytes = b""  # bytes after an answer that may carry no content
    version: str = ""  # of the final answer's status line: "HTTP/1.1", "HTTP/1.0"
    follow_up: bytes = b""  # a second request sent on the connection after the answer
    # Whether the server answered that second request: True (a status line came),
    # False (it closed the connection instead), None (neither, or none was sent).
    reused: bool | None = None
    timed_out: bool = False  # the answer did not come (or finish) within the timeout
    cause: str = ""  # what went wrong in words that hold at any timeout: "no answer"
    # The content was cut after this many bytes (CHECK_MAX_BODY), the rest unread and
    # the connection closed by the checker; 0: the content was read to its end.
    cut: int = 0

    @property
    def content_complete(self) -> bool:
        """Whether ``body`` is all the content of the answer: not cut, and nothing went
        wrong after the status line (a timeout or a close mid-content)."""
        return not self.cut and not (self.status and self.error)

    def header(self, name: str) -> str | None:
        name = name.lower()
        values = [v for k, v in self.headers if k == name]
        return ", ".join(values) if values else None


class _NotHTTP(Exception):
    """The bytes that came back are not an HTTP/1.x status line."""


class _NoStatusLine(_NotHTTP):
    """Content and a close with no status line at all, as an HTTP/0.9 answer."""


async def _read_head(reader: asyncio.StreamReader, heads: list[bytes],
                     versions: list[str] | None = None) -> tuple[int, str, list[tuple[str, str]]]:
    try:
        raw = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError as exc:
        if exc.partial and not exc.partial.startswith(b"HTTP/"):
            raise _NoStatusLine(exc.partial[:60]) from None
        raise
    status_line, *lines = raw.decode("latin-1").split("\r\n")
    version, _, rest = status_line.partition(" ")
    status_text, _, reason = rest.partition(" ")
    if not version.startswith("HTTP/1.") or not (status_text.isdigit()
                                                  and len(status_text) == 3):
        raise _NotHTTP(raw[:60])
    heads.append(raw)
    if versions is not None:
        versions.append(version)
    headers = []
    for line in lines:
        if line:
            name, _, value = line.partition(":")
            headers.append((name.strip().lower(), value.strip()))
    return int(status_text), reason, headers


def _no_content(status: int, head_request: bool) -> bool:
    # RFC 9112 §6.3 rule 1: these answers end at the empty line after the fields.
    return head_request or status in (204, 304) or 100 <= status < 200


def _chunk_size(line: bytes) -> int:
    """RFC 9112 §7.1: chunk-size [ chunk-ext ] CRLF; the size's digits are not
    converted past what the body may hold (a 1 MiB hex number is just "too big")."""
    digits = line.split(b";", 1)[0].rstrip(b"\r\n").rstrip(b" \t")  # BWS before ext
    if not digits or not _HEXDIGITS.issuperset(digits):
        raise ValueError(f"chunk-size {digits[:20]!r} is not hex digits")
    digits = digits.lstrip(b"0") or b"0"
    return int(digits, 16) if len(digits) <= 15 else 1 << 60


async def _read_chunked(reader: asyncio.StreamReader, exchange: RawExchange) -> None:
    body = bytearray()
    what = "a chunk-size line"
    try:
        while size := _chunk_size(await reader.readuntil(b"\r\n")):
            room = CHECK_MAX_BODY - len(body)
            if size > room:
                body += await reader.readexactly(room)
                exchange.body, exchange.cut = bytes(body), len(body)
                return
            body += await reader.readexactly(size)
            if await reader.readexactly(2) != b"\r\n":
                raise ValueError("a chunk's data is not followed by CRLF")
        what, trailers = "a trailer line", 0
        while (line := await reader.readuntil(b"\r\n")) != b"\r\n":
            trailers += len(line)
            if trailers > _READ_LIMIT:
                raise ValueError(f"the trailer section is over {_READ_LIMIT // MiB} MiB")
    except asyncio.LimitOverrunError:
        raise ValueError(f"{what} over {_READ_LIMIT // MiB} MiB") from None
    exchange.body = bytes(body)


def _declared_length(value: str | None) -> int | None:
    """RFC 9110 §8.6: Content-Length = 1*DIGIT; a number past any body this
    checker reads is not converted (a 4,000-digit one is just "too long")."""
    if value is None or not (value.isascii() and value.isdigit()):
        return None
    digits = value.lstrip("0") or "0"
    return int(digits) if len(digits) <= 18 else 1 << 62


async def _read_content(reader: asyncio.StreamReader, exchange: RawExchange,
                        length: int | None) -> None:
    """``length`` bytes of content, or to the close (None): never more than
    CHECK_MAX_BODY kept; past it ``exchange.cut`` says where it stopped."""
    if length is not None:
        # Bounded by the limit, the buffer may hold it all: one read, one copy.
        try:
            exchange.body = await reader.readexactly(min(length, CHECK_MAX_BODY))
        except asyncio.IncompleteReadError as exc:
            raise asyncio.IncompleteReadError(exc.partial, length) from None
        exchange.cut = len(exchange.body) if length > CHECK_MAX_BODY else 0
        return
    body = bytearray()
    while len(body) < CHECK_MAX_BODY:
        chunk = await reader.read(min(CHECK_MAX_BODY - len(body), _READ_SIZE))
        if not chunk:
            exchange.body, exchange.closed = bytes(body), True
            return
        body += chunk
    exchange.body = bytes(body)
    # Exactly the limit and then the close is content read whole; a byte more is not.
    if await reader.read(1):
        exchange.cut = len(body)
    else:
        exchange.closed = True


async def _read_body(reader: asyncio.StreamReader, exchange: RawExchange,
                     head_request: bool) -> None:
    if _no_content(exchange.status, head_request):
        return
    if "chunked" in (exchange.header("transfer-encoding") or "").lower():
        await _read_chunked(reader, exchange)
    else:
        await _read_content(reader, exchange, _declared_length(
            exchange.header("content-length")))


async def _read_final(reader: asyncio.StreamReader, exchange: RawExchange,
                      head_request: bool) -> None:
    held = sum(map(len, exchange.heads))
    while True:
        versions: list[str] = []
        status, reason, headers = await _read_head(reader, exchange.heads, versions)
        held += len(exchange.heads[-1])
        if held > _READ_LIMIT:  # endless 1xx answers, each one small
            raise asyncio.LimitOverrunError("header sections past the read limit", held)
        if 100 <= status < 200 and status != 101:
            exchange.interim.append(status)
            continue
        exchange.status, exchange.reason, exchange.headers = status, reason, headers
        exchange.version = versions[0]
        break
    if status != 101:
        await _read_body(reader, exchange, head_request)


async def _send_after_interim(reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                              exchange: RawExchange, body: bytes, wait: float,
                              head_request: bool, stop_at_interim: bool) -> bool:
    """As an ``Expect: 100-continue`` client: the content goes only after a 1xx
    (or after ``wait`` seconds of silence); a final answer ends the request. With
    ``stop_at_interim`` a 1xx ends it too, the content unsent. True: nothing more
    is to be read."""
    first = None
    versions: list[str] = []
    try:
        async with asyncio.timeout(wait):
            first = await _read_head(reader, exchange.heads, versions)
    except TimeoutError:
        pass
    if first is not None and not 100 <= first[0] < 200:
        exchange.status, exchange.reason, exchange.headers = first
        exchange.version = versions[0]
        await _read_body(reader, exchange, head_request)
        return False
    if first is not None:
        exchange.interim.append(first[0])
        if stop_at_interim:
            return True
    writer.write(body)
    exchange.sent += body
    await writer.drain()
    return False


def _follow_up_head(target: Target) -> bytes:
    return (f"HEAD {target.target} HTTP/1.1\r\nHost: {target.authority}\r\n"
            "User-Agent: statuskit-check\r\n\r\n").encode("latin-1")


async def _second_request(reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                          exchange: RawExchange, target: Target, wait: float) -> None:
    """Send a HEAD on the connection the answer came on and see what becomes of it:
    answered (the connection was kept), or the connection closed (it was not).
    What it does, not when, is the verdict: an idle close later changes nothing."""
    exchange.follow_up = _follow_up_head(target)
    data = b""
    try:
        writer.write(exchange.follow_up)
        await writer.drain()
        async with asyncio.timeout(wait):
            while (chunk := await reader.read(65536)):
                data += chunk
                if (at := data.find(b"HTTP/1.")) >= 0 and b"\r\n" in data[at:]:
                    exchange.reused = True
                    exchange.heads.append(data[at:data.index(b"\r\n", at) + 2])
                    return
                if len(data) > _READ_LIMIT:
                    return  # a stream of bytes that is no answer: it tells nothing
        exchange.reused, exchange.closed = False, True
    except TimeoutError:
        pass
    except (OSError, ssl.SSLError):
        exchange.reused, exchange.closed = False, True


async def _after_answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                        exchange: RawExchange, target: Target, head_request: bool,
                        close_wait: float, reuse_wait: float) -> None:
    """Whether the server closed, and any bytes it sent where none may go.

    After an answer that can carry no content, a follow-up HEAD on the same
    connection makes the check exact: whatever precedes the follow-up's status
    line is content the server should not have sent. With ``reuse_wait`` the
    follow-up asks whether the connection is still taking requests."""
    if exchange.closed or exchange.cut or exchange.status == 101:
        return  # after a cut the connection is the checker's to close, unread
    if reuse_wait > 0:
        await _second_request(reader, writer, exchange, target, reuse_wait)
        return
    follow_up = _no_content(exchange.status, head_request)
    if not (follow_up or close_wait > 0):
        return
    if follow_up:
        exchange.follow_up = _follow_up_head(target)
        try:
            writer.write(exchange.follow_up)
            await writer.drain()
        except (OSError, ssl.SSLError):
            pass
    data = b""
    try:
        async with asyncio.timeout(_FOLLOW_UP_WAIT if follow_up else close_wait):
            while True:
                chunk = await reader.read(65536)
                if not chunk:
                    exchange.closed = True
                    break
                data += chunk
                if follow_up and (at := data.find(b"HTTP/1.")) >= 0:
                    data = data[:at]
                    break
                if not follow_up or len(data) > _READ_LIMIT:
                    break  # unsolicited bytes after a framed answer, or more than enough
    except TimeoutError:
        pass
    except (OSError, ssl.SSLError):
        exchange.closed = True
    if follow_up:
        exchange.stray = data


def _describe(exc: BaseException, exchange: RawExchange, timeout: float) -> str:
    if isinstance(exc, TimeoutError):
        if exchange.interim:
            return (f"sent {exchange.interim[0]} and then no final answer within "
                    f"{timeout:g} s")
        if exchange.status:
            return f"the content of the {exchange.status} did not finish within {timeout:g} s"
        return f"no answer within {timeout:g} s"
    if isinstance(exc, _NoStatusLine):
        return f"answered with no status line, as HTTP/0.9 would: {exc.args[0]!r}"
    if isinstance(exc, _NotHTTP):
        return f"the answer is not HTTP/1.x: {exc.args[0]!r}"
    if isinstance(exc, asyncio.IncompleteReadError):
        if exchange.status:
            return (f"the connection closed mid-content ({len(exc.partial)} of "
                    f"{exc.expected} bytes)")
        if exc.partial:
            return f"the connection closed mid-answer after {len(exc.partial)} bytes"
        return "the server closed the connection without answering"
    if isinstance(exc, asyncio.LimitOverrunError):
        return _HEADS_TOO_LONG
    if isinstance(exc, ConnectionResetError):
        return "the server reset the connection without answering"
    if isinstance(exc, ssl.SSLError):
        return f"TLS failed: {exc.reason or exc}"
    if isinstance(exc, ValueError):
        return f"the answer's framing is malformed ({exc})"
    return f"{type(exc).__name__}: {exc}".rstrip(": ")


def _cause(exc: BaseException, exchange: RawExchange) -> str:
    """``_describe`` without the particulars (bytes, counts, seconds)."""
    if isinstance(exc, _NoStatusLine):
        return "answered with no status line, as HTTP/0.9 would"
    if isinstance(exc, _NotHTTP):
        return "the answer is not HTTP/1.x"
    if isinstance(exc, asyncio.IncompleteReadError) and (exchange.status or exc.partial):
        return "the connection closed mid-answer"
    if isinstance(exc, asyncio.LimitOverrunError):
        return _HEADS_TOO_LONG
    if isinstance(exc, ssl.SSLError):
        return "TLS failed"
    if isinstance(exc, ValueError):
        return "the answer's framing is malformed"
    return "no answer"  # silence, a close or a reset before any answer


async def raw_exchange(
    target: Target,
    head: bytes,
    *,
    body: bytes = b"",
    timeout: float = 5.0,
    wait_for_interim: float | None = None,
    head_request: bool = False,
    close_wait: float = 0.0,
    reuse_wait: float = 0.0,
    stop_at_interim: bool = False,
) -> RawExchange:
    """Send ``head`` (request line and fields, ``{host}`` filled in) and read the
    answer on a connection of its own. With ``wait_for_interim`` the body goes
    only after a 1xx arrives (or after that many seconds), as an
    ``Expect: 100-continue`` client does; ``stop_at_interim`` ends the exchange at
    that 1xx instead. ``close_wait`` is how long to wait for the server to close
    after answering; ``reuse_wait`` how long a second request on the connection
    waits for an answer or a close (``RawExchange.reused``)."""
    exchange = RawExchange()
    exchange.sent = head.replace(b"{host}", target.authority.encode("latin-1"))
    writer: asyncio.StreamWriter | None = None
    try:
        async with asyncio.timeout(timeout):
            reader, writer = await open_stream(target, timeout, _READ_LIMIT)
            if wait_for_interim is None:
                # Head and content in one write: whether the server has read the content
                # before it answers must not depend on how the segments fell (a server
                # that answers before reading it may close instead of reading on).
                exchange.sent += body
            writer.write(exchange.sent)
            await writer.drain()
            stopped = False
            if wait_for_interim is not None:
                stopped = await _send_after_interim(reader, writer, exchange, body,
                                                    wait_for_interim, head_request,
                                                    stop_at_interim)
            if stopped:
                return exchange
            if not exchange.status:
                await _read_final(reader, exchange, head_request)
        await _after_answer(reader, writer, exchange, target, head_request, close_wait,
                            reuse_wait)
    except (TimeoutError, OSError, ssl.SSLError, asyncio.IncompleteReadError,
            asyncio.LimitOverrunError, ValueError, _NotHTTP) as exc:
        if not exchange.error:
            exchange.error = _describe(exc, exchange, timeout)
        exchange.timed_out = isinstance(exc, TimeoutError)
        exchange.cause = exchange.cause or _cause(exc, exchange)
        if isinstance(exc, (asyncio.IncompleteReadError, ConnectionResetError)) \
                and not exchange.status:
            exchange.closed = True
    finally:
        if writer is not None:
            writer.close()
    return exchange
