"""HTTP/1.1 over a bare socket, for what HTTP libraries will not send: other
versions, unknown methods, a declared length with no content, slow headers, an
Expect handshake, a WebSocket upgrade."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from urllib.parse import urlsplit

__all__ = ["RawExchange", "raw_exchange"]


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
    sent: bytes = b""  # the request head as it went out

    def header(self, name: str) -> str | None:
        name = name.lower()
        values = [v for k, v in self.headers if k == name]
        return ", ".join(values) if values else None


def _address(url: str) -> tuple[str, int, str]:
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return parts.hostname or "127.0.0.1", port, parts.netloc


async def _read_head(reader: asyncio.StreamReader,
                     heads: list[bytes]) -> tuple[int, str, list[tuple[str, str]]]:
    raw = await reader.readuntil(b"\r\n\r\n")
    heads.append(raw)
    status_line, *lines = raw.decode("latin-1").split("\r\n")
    _, status, *reason = status_line.split(" ", 2)
    headers = []
    for line in lines:
        if line:
            name, _, value = line.partition(":")
            headers.append((name.strip().lower(), value.strip()))
    return int(status), (reason[0] if reason else ""), headers


async def _read_body(reader: asyncio.StreamReader, exchange: RawExchange, head: bool) -> None:
    if head or exchange.status in (204, 304) or 100 <= exchange.status < 200:
        return
    length = exchange.header("content-length")
    if exchange.header("transfer-encoding") == "chunked":
        chunks = []
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            if size == 0:
                await reader.readuntil(b"\r\n")
                break
            chunks.append(await reader.readexactly(size))
            await reader.readexactly(2)
        exchange.body = b"".join(chunks)
    elif length is not None and length.isdigit():
        exchange.body = await reader.readexactly(int(length))
    else:
        exchange.body = await reader.read()


async def raw_exchange(
    url: str,
    head: bytes,
    *,
    body: bytes = b"",
    timeout: float = 5.0,
    wait_for_interim: float | None = None,
    head_request: bool = False,
) -> RawExchange:
    """Send ``head`` (request line and fields, ``{host}`` filled in) and read the
    answer. With ``wait_for_interim`` the body goes only after a 1xx arrives (or
    after that many seconds), as an ``Expect: 100-continue`` client does."""
    host, port, netloc = _address(url)
    exchange = RawExchange()
    try:
        async with asyncio.timeout(timeout):
            reader, writer = await asyncio.open_connection(host, port, limit=1 << 20)
            try:
                exchange.sent = head.replace(b"{host}", netloc.encode())
                writer.write(exchange.sent)
                await writer.drain()
                if wait_for_interim is not None:
                    first = None
                    try:
                        async with asyncio.timeout(wait_for_interim):
                            first = await _read_head(reader, exchange.heads)
                    except TimeoutError:
                        pass
                    if first is not None and not 100 <= first[0] < 200:
                        # The final answer came instead of a 100: nothing more is sent.
                        exchange.status, exchange.reason, exchange.headers = first
                        await _read_body(reader, exchange, head_request)
                    else:
                        if first is not None:
                            exchange.interim.append(first[0])
                        writer.write(body)
                        await writer.drain()
                elif body:
                    writer.write(body)
                    await writer.drain()
                if not exchange.status:
                    while True:
                        status, reason, headers = await _read_head(reader, exchange.heads)
                        if 100 <= status < 200 and status != 101:
                            exchange.interim.append(status)
                            continue
                        exchange.status, exchange.reason, exchange.headers = (
                            status, reason, headers)
                        break
                    if status != 101:
                        await _read_body(reader, exchange, head_request)
                try:
                    async with asyncio.timeout(0.3):
                        exchange.closed = await reader.read(1) == b""
                except TimeoutError:
                    exchange.closed = False
            finally:
                writer.close()
    except TimeoutError:
        exchange.error = f"no complete answer within {timeout:g} s"
    except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError) as exc:
        if not exchange.status:
            exchange.error = f"{type(exc).__name__}: {exc}".strip(": ")
    return exchange
