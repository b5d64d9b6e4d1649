"""check's httpx readers, bounded: at most CHECK_MAX_BODY of one answer's content.

A hostile or broken server can answer with endless content (a 100 GB Content-Length,
chunks without end, bytes until the close). The bare-socket reader (``raw``) stops
at the cap; so does every request check makes through httpx: the answer is streamed
and reading stops at the cap, the connection closed with the rest unread. What was
cut is said in the exchange (``body_complete`` False, a note in its evidence), so
that no rule about the whole content judges a part of it.
"""

from __future__ import annotations

from collections.abc import Mapping

import httpx2

from statuskit.check.record import Exchange
from statuskit.defaults import CHECK_MAX_BODY

__all__ = ["cut_note", "exchange_bounded", "read_capped", "request_bounded"]


def cut_note(limit: int) -> str:
    return (f"the content was cut at {limit} bytes, the most check reads of one answer: "
            "rules on the whole content not judged")


async def read_capped(response: httpx2.Response, limit: int = CHECK_MAX_BODY,
                      ) -> tuple[bytes, bool]:
    """At most ``limit`` bytes of a streamed answer's content (decoded as httpx decodes
    it), and whether there was more."""
    body = bytearray()
    async for chunk in response.aiter_bytes():
        room = limit - len(body)
        if len(chunk) > room:
            body += chunk[:room]
            return bytes(body), True
        body += chunk
    return bytes(body), False


async def request_bounded(client: httpx2.AsyncClient, method: str, url: str, *,
                          headers: Mapping[str, str] | None = None,
                          content: bytes | None = None,
                          limit: int = CHECK_MAX_BODY) -> tuple[httpx2.Response, bytes, bool]:
    """One exchange through ``client``: the answer, at most ``limit`` bytes of its
    content, and whether the content went on past them. httpx errors propagate."""
    request = client.build_request(method, url, headers=headers, content=content)
    response = await client.send(request, stream=True)
    try:
        body, cut = await read_capped(response, limit)
    finally:
        await response.aclose()
    return response, body, cut


async def exchange_bounded(client: httpx2.AsyncClient, method: str, url: str, *,
                           headers: Mapping[str, str] | None = None,
                           content: bytes | None = None,
                           body: bytes | None = None) -> Exchange:
    """``request_bounded`` as an Exchange; ``body`` replaces the content read (a HEAD
    answered in process, whose content no server dropped)."""
    response, read, cut = await request_bounded(client, method, url, headers=headers,
                                                content=content)
    seen = Exchange.from_httpx(response, body=read if body is None else body, content=read,
                               note=cut_note(CHECK_MAX_BODY) if cut else "")
    if cut:
        seen.body_complete, seen.cut = False, len(read)
    return seen
