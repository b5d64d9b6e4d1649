"""How operation probes reach a server: over the network or into an ASGI app in
process, with one request budget for the whole run.

Over the network one exchange goes on a bare socket (a declared length with
``Expect: 100-continue``); in process there is no connection, so that probe
asks ``wire`` first and reports itself not applicable.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import quote, urljoin, urlsplit

import httpx2

from statuskit.check.bounded import exchange_bounded
from statuskit.check.raw import RawExchange, raw_exchange
from statuskit.check.record import Exchange
from statuskit.check.target import Target

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
    client: httpx2.AsyncClient
    base: str  # scheme and authority (and any mount path) the document's paths hang off
    budget: RequestBudget
    wire: bool  # True over a socket; False in process
    timeout: float = 5.0
    target: Target | None = None  # where bare-socket probes connect (over the network)
    query: str = ""  # the checked URL's query (a token, say): it goes with every probe

    def url(self, path: str, query: Iterable[tuple[str, str]] = ()) -> str:
        parts = urlsplit(self.base)
        target = parts.path.rstrip("/") + path
        url = urljoin(self.base, target)
        pairs = [f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in query]
        if self.query:
            pairs.append(self.query)
        return url + ("?" + "&".join(pairs) if pairs else "")

    async def send(self, method: str, url: str, *, headers: dict[str, str] | None = None,
                   content: bytes = b"", force: bool = False) -> Exchange:
        """One exchange through the client; httpx errors propagate to the probe."""
        self.budget.take(force=force)
        # In process no server drops content from a HEAD answer (RFC 9110 §9.3.2 is the
        # server's duty; uvicorn and h11 perform it), so it is dropped here as they would.
        body = b"" if method == "HEAD" and not self.wire else None
        return await exchange_bounded(self.client, method, url, headers=headers or {},
                                      content=content or None, body=body)

    async def declared_length(self, method: str, target: str, fields: list[tuple[str, str]],
                              length: int, wait: float) -> RawExchange:
        """Send only a header section declaring ``length`` bytes with
        ``Expect: 100-continue`` and read the first answer: a final status and its
        content, or the ``100 Continue`` that invites content this probe never sends."""
        self.budget.take()
        if self.target is None:
            raise RuntimeError("a bare-socket probe needs a network target")
        lines = [f"{method} {target} HTTP/1.1", f"Host: {self.target.authority}",
                 "User-Agent: statuskit-check", *(f"{k}: {v}" for k, v in fields),
                 f"Content-Length: {length}", "Expect: 100-continue"]
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        return await raw_exchange(self.target, head, timeout=wait, wait_for_interim=wait,
                                  stop_at_interim=True)
