"""HTTP/1.1 over a bare socket (TLS for https), for what HTTP libraries will not
send or will not show: other versions, unknown methods, a declared length with
no content, slow headers, an Expect handshake, framing the RFC forbids, and
content a server sends where none may go (httpx drops it; the bytes do not lie).
"""

from __future__ import annotations

import asyncio
import ssl
from dataclasses import dataclass, field

from statuskit.check.target import Target, open_stream

__all__ = ["RawExchange", "raw_exchange"]

_READ_LIMIT = 1 << 20
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

    def header(self, name: str) -> str | None:
        name = name.lower()
        values = [v for k, v in self.headers if k == name]
        return ", ".join(values) if values else None


class _NotHTTP(Exception):
    """The bytes that came back are not an HTTP/1.x status line."""


class _NoStatusLine(_NotHTTP):
    """Content and a close with no status line at all, as an HTTP/0.9 answer."""


async def _read_head(reader: asyncio.StreamReader,
                     heads: list[bytes]) -> tuple[int, str, list[tuple[str, str]]]:
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
    headers = []
    for line in lines:
        if line:
            name, _, value = line.partition(":")
            headers.append((name.strip().lower(), value.strip()))
    return int(status_text), reason, headers


def _no_content(status: int, head_request: bool) -> bool:
    # RFC 9112 §6.3 rule 1: these answers end at the empty line after the fields.
    return head_request or status in (204, 304) or 100 <= status < 200


async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
    chunks: list[bytes] = []
    while True:
        size = int((await reader.readuntil(b"\r\n")).split(b";")[0].strip(), 16)
        if size == 0:
            while (await reader.readuntil(b"\r\n")) != b"\r\n":
                pass  # trailer fields
            return b"".join(chunks)
        chunks.append(await reader.readexactly(size))
        await reader.readexactly(2)


async def _read_body(reader: asyncio.StreamReader, exchange: RawExchange,
                     head_request: bool) -> None:
    if _no_content(exchange.status, head_request):
        return
    length = exchange.header("content-length")
    if "chunked" in (exchange.header("transfer-encoding") or "").lower():
        exchange.body = await _read_chunked(reader)
    elif length is not None and length.isdigit():
        exchange.body = await reader.readexactly(int(length))
    else:
        exchange.body = await reader.read()
        exchange.closed = True


async def _read_final(reader: asyncio.StreamReader, exchange: RawExchange,
                      head_request: bool) -> None:
    while True:
        status, reason, headers = await _read_head(reader, exchange.heads)
        if 100 <= status < 200 and status != 101:
            exchange.interim.append(status)
            continue
        exchange.status, exchange.reason, exchange.headers = status, reason, headers
        break
    if status != 101:
        await _read_body(reader, exchange, head_request)


async def _send_after_interim(reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                              exchange: RawExchange, body: bytes, wait: float,
                              head_request: bool) -> None:
    """As an ``Expect: 100-continue`` client: the content goes only after a 1xx
    (or after ``wait`` seconds of silence); a final answer ends the request."""
    first = None
    try:
        async with asyncio.timeout(wait):
            first = await _read_head(reader, exchange.heads)
    except TimeoutError:
        pass
    if first is not None and not 100 <= first[0] < 200:
        exchange.status, exchange.reason, exchange.headers = first
        await _read_body(reader, exchange, head_request)
        return
    if first is not None:
        exchange.interim.append(first[0])
    writer.write(body)
    exchange.sent += body
    await writer.drain()


async def _after_answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                        exchange: RawExchange, target: Target, head_request: bool,
                        close_wait: float) -> None:
    """Whether the server closed, and any bytes it sent where none may go.

    After an answer that can carry no content, a follow-up HEAD on the same
    connection makes the check exact: whatever precedes the follow-up's status
    line is content the server should not have sent."""
    follow_up = _no_content(exchange.status, head_request)
    if exchange.closed or exchange.status == 101 or not (follow_up or close_wait > 0):
        return
    if follow_up:
        try:
            writer.write(f"HEAD {target.target} HTTP/1.1\r\nHost: {target.authority}\r\n"
                         f"User-Agent: statuskit-check\r\n\r\n".encode("latin-1"))
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
                if not follow_up:
                    break  # unsolicited bytes after a framed answer
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
        return "the header section of the answer is over 1 MiB"
    if isinstance(exc, ConnectionResetError):
        return "the server reset the connection without answering"
    if isinstance(exc, ssl.SSLError):
        return f"TLS failed: {exc.reason or exc}"
    if isinstance(exc, ValueError):
        return f"the answer's framing is malformed ({exc})"
    return f"{type(exc).__name__}: {exc}".rstrip(": ")


async def raw_exchange(
    target: Target,
    head: bytes,
    *,
    body: bytes = b"",
    timeout: float = 5.0,
    wait_for_interim: float | None = None,
    head_request: bool = False,
    close_wait: float = 0.0,
) -> RawExchange:
    """Send ``head`` (request line and fields, ``{host}`` filled in) and read the
    answer on a connection of its own. With ``wait_for_interim`` the body goes
    only after a 1xx arrives (or after that many seconds), as an
    ``Expect: 100-continue`` client does. ``close_wait`` is how long to wait
    for the server to close after answering."""
    exchange = RawExchange()
    exchange.sent = head.replace(b"{host}", target.authority.encode("latin-1"))
    writer: asyncio.StreamWriter | None = None
    try:
        async with asyncio.timeout(timeout):
            reader, writer = await open_stream(target, timeout, _READ_LIMIT)
            writer.write(exchange.sent)
            await writer.drain()
            if wait_for_interim is not None:
                await _send_after_interim(reader, writer, exchange, body, wait_for_interim,
                                          head_request)
            elif body:
                writer.write(body)
                exchange.sent += body
                await writer.drain()
            if not exchange.status:
                await _read_final(reader, exchange, head_request)
        await _after_answer(reader, writer, exchange, target, head_request, close_wait)
    except (TimeoutError, OSError, ssl.SSLError, asyncio.IncompleteReadError,
            asyncio.LimitOverrunError, ValueError, _NotHTTP) as exc:
        if not exchange.error:
            exchange.error = _describe(exc, exchange, timeout)
        if isinstance(exc, (asyncio.IncompleteReadError, ConnectionResetError)) \
                and not exchange.status:
            exchange.closed = True
    finally:
        if writer is not None:
            writer.close()
    return exchange
