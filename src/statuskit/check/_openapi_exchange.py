"""How operation probes reach a server: over the network or into an ASGI app in
process, with one request budget for the whole run.

Over the network one exchange goes on a bare socket (a declared length with
``Expect: 100-continue``); in process there is no connection, so that probe
asks ``wire`` first and reports itself not applicable.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import quote, urljoin, urlsplit

import httpx

from statuskit.check.evidence import Evidence
from statuskit.check.raw import RawExchange
from statuskit.check.target import Target, open_stream
from statuskit.check.verdict import Seen

__all__ = ["BudgetSpent", "Exchanger", "RequestBudget"]


class BudgetSpent(Exception):
    """``--max-requests`` is reached: the probe that asked is not sent."""


@dataclass
class RequestBudget:
    limit: int
    used: int = 0

    def take(self, *, force: bool = False) -> None:
        """Count one request; ``force`` sends it even past the limit (a clean-up)."""
        if self.used >= self.limit and not force:
            raise BudgetSpent(f"--max-requests {self.limit} reached before this probe")
        self.used += 1


@dataclass
class Exchanger:
    client: httpx.AsyncClient
    base: str  # scheme and authority (and any mount path) the document's paths hang off
    budget: RequestBudget
    wire: bool  # True over a socket; False in process
    timeout: float = 5.0
    target: Target | None = None  # where bare-socket probes connect (over the network)

    def url(self, path: str, query: Iterable[tuple[str, str]] = ()) -> str:
        parts = urlsplit(self.base)
        target = parts.path.rstrip("/") + path
        url = urljoin(self.base, target)
        pairs = [f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in query]
        return url + ("?" + "&".join(pairs) if pairs else "")

    async def send(self, method: str, url: str, *, headers: dict[str, str] | None = None,
                   content: bytes = b"", force: bool = False) -> Seen:
        """One exchange through the client; httpx errors propagate to the probe."""
        self.budget.take(force=force)
        response = await self.client.request(method, url, headers=headers or {},
                                             content=content or None)
        request = response.request
        body = b"" if method == "HEAD" and not self.wire else response.content
        # In process no server drops content from a HEAD answer (RFC 9110 §9.3.2 is the
        # server's duty; uvicorn and h11 perform it), so it is dropped here as they would.
        return Seen(request.method, str(request.url), list(request.headers.items()),
                    response.status_code, response.reason_phrase,
                    list(response.headers.items()), body,
                    evidence=Evidence.from_httpx(response))

    async def declared_length(self, method: str, target: str, fields: list[tuple[str, str]],
                              length: int, wait: float) -> RawExchange:
        """Send only a header section declaring ``length`` bytes with
        ``Expect: 100-continue`` and read the first answer: a final status, or the
        ``100 Continue`` that invites content this probe never sends."""
        self.budget.take()
        if self.target is None:
            raise RuntimeError("a bare-socket probe needs a network target")
        lines = [f"{method} {target} HTTP/1.1", f"Host: {self.target.authority}",
                 "User-Agent: statuskit-check", *(f"{k}: {v}" for k, v in fields),
                 f"Content-Length: {length}", "Expect: 100-continue"]
        exchange = RawExchange(sent=("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
        try:
            async with asyncio.timeout(wait):
                reader, writer = await open_stream(self.target, wait)
                try:
                    writer.write(exchange.sent)
                    await writer.drain()
                    head = await reader.readuntil(b"\r\n\r\n")
                    exchange.heads.append(head)
                finally:
                    writer.close()
        except TimeoutError:
            exchange.error = f"neither a final answer nor 100 Continue within {wait:g} s"
            return exchange
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError) as exc:
            exchange.error = f"{type(exc).__name__}: {exc}".strip(": ")
            return exchange
        status_line, *rest = head.decode("latin-1").split("\r\n")
        _, status, *reason = [*status_line.split(" ", 2)]
        if not status.isdigit():
            exchange.error = f"not a status line: {status_line!r}"
            return exchange
        code = int(status)
        if 100 <= code < 200:
            exchange.interim.append(code)
            return exchange
        exchange.status, exchange.reason = code, reason[0] if reason else ""
        exchange.headers = [(n.strip().lower(), v.strip()) for n, _, v in
                            (line.partition(":") for line in rest if line)]
        return exchange
