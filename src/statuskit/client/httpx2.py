"""The transports for httpx2, the maintained continuation of httpx (same API, new
package name): ``httpx2.Client(transport=RetryTransport())``. Everything else in
``statuskit.client`` (``raise_for_status``, ``attempts_of``, the errors, the
policy) takes httpx2's objects as it takes httpx's."""

from __future__ import annotations

import httpx2

from statuskit.client._transport import AsyncTransport, Library, SyncTransport

__all__ = ["AsyncRetryTransport", "RetryTransport"]


class RetryTransport(SyncTransport, httpx2.BaseTransport):
    """``httpx2.Client(transport=RetryTransport(verify=..., limits=...))``: the
    options of ``statuskit.client.RetryTransport``, on httpx2."""

    library = Library(httpx2)


class AsyncRetryTransport(AsyncTransport, httpx2.AsyncBaseTransport):
    """``httpx2.AsyncClient(transport=AsyncRetryTransport(...))``."""

    library = RetryTransport.library
