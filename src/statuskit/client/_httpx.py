"""httpx transports that act on status codes the way the table says
(``statuskit.client.httpx2`` has the same for httpx2; the engine is shared)."""

from __future__ import annotations

import httpx

from statuskit.client._transport import AsyncTransport, Library, SyncTransport

__all__ = ["AsyncRetryTransport", "RetryTransport"]


class RetryTransport(SyncTransport, httpx.BaseTransport):
    """``httpx.Client(transport=RetryTransport(verify=..., limits=..., http2=...))``;
    keyword arguments httpx.HTTPTransport takes build the inner transport (httpx
    ignores the Client's own ``verify``/``limits``/``http2`` once a transport is
    given), or wrap any inner transport. ``resume=False``: a GET whose body
    breaks is not resumed with Range."""

    library = Library(httpx)


class AsyncRetryTransport(AsyncTransport, httpx.AsyncBaseTransport):
    """``httpx.AsyncClient(transport=AsyncRetryTransport(...))``; the same options.
    Waits with ``anyio.sleep``: asyncio and trio alike."""

    library = RetryTransport.library
