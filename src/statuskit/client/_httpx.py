"""httpx transports that act on status codes the way the table says.

Redirects stay with httpx's ``follow_redirects``, which already does what RFC
9110 asks (303 → GET, 307/308 keep method and content, 305 never followed);
the transport only refuses https → http unless allowed. Retrying lives here, in
the transport, so every request a client sends gets it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

import httpx

from statuskit.client._budget import RetryBudget, budget_for
from statuskit.client._core import Exchange, RetryEvent, check_redirect
from statuskit.client._policy import Retry, RetryPolicy

__all__ = ["AsyncRetryTransport", "RetryTransport"]

ATTEMPTS = "statuskit_attempts"  # response.extensions key holding the attempt history


def _replayable(request: httpx.Request) -> bool:
    # Bytes already in memory can be sent again; a generator cannot.
    return isinstance(request.stream, httpx.ByteStream)


def _sent(error: httpx.TransportError) -> bool:
    # Nothing reached the server if the connection itself failed.
    return not isinstance(error, httpx.ConnectError | httpx.ConnectTimeout)


class _Settings:
    def __init__(self, policy: RetryPolicy | None, budget: RetryBudget | None,
                 on_retry: Callable[[RetryEvent], None] | None,
                 allow_insecure_redirects: bool) -> None:
        self.policy = policy or RetryPolicy()
        self.budget = budget
        self.on_retry = on_retry
        self.allow_insecure_redirects = allow_insecure_redirects
        self._budgets: dict[tuple[bytes, bytes], RetryBudget] = {}

    def exchange(self, request: httpx.Request) -> Exchange:
        url = request.url
        budget = self.budget
        if budget is None:
            # The process-wide budget of this origin, looked up once per transport.
            key = (url.raw_scheme, url.netloc)
            budget = self._budgets.get(key)
            if budget is None:
                port = url.port or (443 if url.scheme == "https" else 80)
                budget = self._budgets[key] = budget_for(f"{url.scheme}://{url.host}:{port}")
        return Exchange(self.policy, budget, request.method, url, request.headers,
                        _replayable(request), self.on_retry)

    def after_error(self, exchange: Exchange, error: httpx.TransportError) -> Retry | None:
        return exchange.after_error(error, sent=_sent(error),
                                    timeout=isinstance(error, httpx.TimeoutException))

    def after_response(self, exchange: Exchange, request: httpx.Request,
                       response: httpx.Response) -> Retry | None:
        """The retry to make, or None with the attempt history put on the response."""
        if 300 <= response.status_code < 400:
            check_redirect(str(request.url), response.status_code,
                           response.headers.get("location"), self.allow_insecure_redirects)
        retry = exchange.after_response(response.status_code, response.headers, response)
        if retry is None:
            response.extensions = {**response.extensions, ATTEMPTS: exchange.attempts}
        return retry


class RetryTransport(httpx.BaseTransport):
    """``httpx.Client(transport=RetryTransport())``; wraps any inner transport."""

    def __init__(self, transport: httpx.BaseTransport | None = None,
                 policy: RetryPolicy | None = None, *, budget: RetryBudget | None = None,
                 sleep: Callable[[float], None] = time.sleep,
                 on_retry: Callable[[RetryEvent], None] | None = None,
                 allow_insecure_redirects: bool = False) -> None:
        self.transport = transport or httpx.HTTPTransport()
        self.settings = _Settings(policy, budget, on_retry, allow_insecure_redirects)
        self.sleep = sleep

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        settings = self.settings
        exchange = settings.exchange(request)
        while True:
            try:
                response = self.transport.handle_request(request)
            except httpx.TransportError as error:
                retry = settings.after_error(exchange, error)
                if retry is None:
                    raise
                self.sleep(retry.after)
                continue
            retry = settings.after_response(exchange, request, response)
            if retry is None:
                return response
            response.read()
            response.close()
            self.sleep(retry.after)

    def close(self) -> None:
        self.transport.close()


class AsyncRetryTransport(httpx.AsyncBaseTransport):
    """``httpx.AsyncClient(transport=AsyncRetryTransport())``; wraps any inner one."""

    def __init__(self, transport: httpx.AsyncBaseTransport | None = None,
                 policy: RetryPolicy | None = None, *, budget: RetryBudget | None = None,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
                 on_retry: Callable[[RetryEvent], None] | None = None,
                 allow_insecure_redirects: bool = False) -> None:
        self.transport = transport or httpx.AsyncHTTPTransport()
        self.settings = _Settings(policy, budget, on_retry, allow_insecure_redirects)
        self.sleep = sleep

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        settings = self.settings
        exchange = settings.exchange(request)
        while True:
            try:
                response = await self.transport.handle_async_request(request)
            except httpx.TransportError as error:
                retry = settings.after_error(exchange, error)
                if retry is None:
                    raise
                await self.sleep(retry.after)
                continue
            retry = settings.after_response(exchange, request, response)
            if retry is None:
                return response
            await response.aread()
            await response.aclose()
            await self.sleep(retry.after)

    async def aclose(self) -> None:
        await self.transport.aclose()
