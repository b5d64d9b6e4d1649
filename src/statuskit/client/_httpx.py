"""httpx transports that act on status codes the way the table says.

Redirects stay with httpx's ``follow_redirects``, which already does what RFC
9110 asks (303 → GET, 307/308 keep method and content, 305 never followed).
When httpx follows one, the hop comes back through the transport carrying the
first request's extensions: the transport continues the same exchange (attempt
cap, deadline, history), refuses https → http unless allowed, and takes
credentials off a hop to another origin. Retrying lives here, in the
transport, so every request a client sends gets it.
"""

from __future__ import annotations

import asyncio
import ssl
import time
import warnings
from collections.abc import Awaitable, Callable, Collection
from typing import Any

import httpx

from statuskit.client._budget import RetryBudget, budget_for
from statuskit.client._core import (
    ATTEMPTS,
    DRAIN_LIMIT,
    REMOVE_ON_REDIRECT,
    Exchange,
    Failure,
    Redirects,
    RetryEvent,
    TooLong,
    scoped_policy,
)
from statuskit.client._errors import InsecureRedirect, RetryAfterTooLong
from statuskit.client._policy import Retry, RetryPolicy

__all__ = ["POLICY", "AsyncRetryTransport", "HTTPXInsecureRedirect",
           "HTTPXRetryAfterTooLong", "RetryTransport"]

POLICY = "statuskit_policy"  # request.extensions key: this request's own RetryPolicy
_CHAIN = "statuskit_exchange"  # request.extensions key: the exchange a redirect hop continues


class HTTPXRetryAfterTooLong(RetryAfterTooLong, httpx.HTTPStatusError):
    """``RetryAfterTooLong`` that ``except httpx.HTTPError`` also catches."""

    def __init__(self, retry_after: float, request: httpx.Request, response: httpx.Response,
                 reason: str, attempts: list[Any]) -> None:
        RetryAfterTooLong.__init__(self, retry_after, response, reason, attempts)
        self._request = request


class HTTPXInsecureRedirect(InsecureRedirect, httpx.RequestError):
    """``InsecureRedirect`` that ``except httpx.HTTPError`` also catches."""

    def __init__(self, message: str, request: httpx.Request, previous: str,
                 attempts: list[Any]) -> None:
        InsecureRedirect.__init__(self, message, url=previous, location=str(request.url),
                                  attempts=attempts)
        self._request = request


def _failure(error: httpx.TransportError) -> Failure:
    if isinstance(error, httpx.UnsupportedProtocol | httpx.LocalProtocolError) \
            or _certificate_failed(error):
        return Failure.PERMANENT
    if isinstance(error, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout):
        # Nothing reached the server: the connection itself failed, or never came.
        return Failure.NOT_SENT
    return Failure.MAYBE_SENT


def _certificate_failed(error: BaseException) -> bool:
    # A certificate that fails verification fails again: repeating only hides it.
    seen: BaseException | None = error
    for _ in range(8):
        if seen is None:
            return False
        if isinstance(seen, ssl.SSLCertVerificationError):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _rewinder(request: httpx.Request) -> Callable[[], None] | None:
    """How to send the body again: a no-op for bytes in memory, a seek for a
    seekable file; None when it cannot be (a generator, a pipe)."""
    stream = request.stream
    if isinstance(stream, httpx.ByteStream):
        return _nothing
    source = getattr(stream, "_stream", None)  # what IteratorByteStream reads from
    seekable = getattr(source, "seekable", None)
    if isinstance(stream, httpx.SyncByteStream) and seekable is not None and seekable():
        start = source.tell()  # type: ignore[union-attr]
        return lambda: source.seek(start)  # type: ignore[union-attr]
    return None


def _nothing() -> None:
    return None


class _Shared:
    """What the sync and async transports decide alike."""

    def __init__(self, policy: RetryPolicy | None, budget: RetryBudget | None,
                 on_retry: Callable[[RetryEvent], None] | None,
                 allow_insecure_redirects: bool,
                 remove_headers_on_redirect: Collection[str]) -> None:
        self.policy = policy or RetryPolicy()
        self.budget = budget
        self.on_retry = on_retry
        self.redirects = Redirects(allow_insecure_redirects,
                                   frozenset(remove_headers_on_redirect))
        self._budgets: dict[tuple[bytes, bytes], RetryBudget] = {}

    def start(self, request: httpx.Request) -> tuple[Exchange, Callable[[], None] | None]:
        rewind = _rewinder(request)
        chain = request.extensions.get(_CHAIN)
        if isinstance(chain, Exchange) and chain.continues(str(request.url)):
            previous = chain.url
            refusal = chain.follow(str(request.url), request.method, request.headers,
                                   self.redirects)
            chain.replayable = rewind is not None
            if refusal is not None:
                raise chain.mark(HTTPXInsecureRedirect(refusal, request, previous,
                                                       chain.attempts))
            return chain, rewind
        policy = request.extensions.get(POLICY) or scoped_policy() or self.policy
        exchange = Exchange(policy, self._budget_of(request.url), request.method,
                            request.url, request.headers, rewind is not None, self.on_retry)
        return exchange, rewind

    def _budget_of(self, url: httpx.URL) -> RetryBudget:
        if self.budget is not None:
            return self.budget
        # The process-wide budget of this origin, looked up once per transport.
        key = (url.raw_scheme, url.netloc)
        budget = self._budgets.get(key)
        if budget is None:
            port = url.port or (443 if url.scheme == "https" else 80)
            budget = self._budgets[key] = budget_for(f"{url.scheme}://{url.host}:{port}")
        return budget

    @staticmethod
    def after_error(exchange: Exchange, error: httpx.TransportError) -> Retry | None:
        retry = exchange.after_error(error, _failure(error),
                                     timeout=isinstance(error, httpx.TimeoutException))
        if retry is None:
            exchange.mark(error)
        return retry

    @staticmethod
    def after_response(exchange: Exchange, request: httpx.Request,
                       response: httpx.Response) -> Retry | TooLong | None:
        step = exchange.after_response(response.status_code, response.headers)
        if step is None:
            response.extensions = {**response.extensions, ATTEMPTS: exchange.attempts}
            if exchange.next_url is not None:
                # httpx builds a followed hop with these extensions: it continues here.
                request.extensions = {**request.extensions, _CHAIN: exchange}
        return step

    @staticmethod
    def too_long(exchange: Exchange, request: httpx.Request, response: httpx.Response,
                 step: TooLong) -> HTTPXRetryAfterTooLong:
        response.extensions = {**response.extensions, ATTEMPTS: exchange.attempts}
        error = HTTPXRetryAfterTooLong(step.retry_after, request, response, step.reason,
                                       exchange.attempts)
        exchange.mark(error)
        return error


def _transport_options(transport: object, options: dict[str, Any]) -> None:
    if transport is not None and options:
        warnings.warn(f"RetryTransport: {', '.join(sorted(options))} ignored: they configure "
                      "the inner transport it builds, and one was given; set them on that "
                      "transport instead", UserWarning, stacklevel=3)


class RetryTransport(httpx.BaseTransport):
    """``httpx.Client(transport=RetryTransport(verify=..., limits=..., http2=...))``;
    keyword arguments httpx.HTTPTransport takes build the inner transport (httpx
    ignores the Client's own ``verify``/``limits``/``http2`` once a transport is
    given), or wrap any inner transport."""

    def __init__(self, transport: httpx.BaseTransport | None = None,
                 policy: RetryPolicy | None = None, *, budget: RetryBudget | None = None,
                 sleep: Callable[[float], None] = time.sleep,
                 on_retry: Callable[[RetryEvent], None] | None = None,
                 allow_insecure_redirects: bool = False,
                 remove_headers_on_redirect: Collection[str] = REMOVE_ON_REDIRECT,
                 **transport_options: Any) -> None:
        _transport_options(transport, transport_options)
        self.transport = transport or httpx.HTTPTransport(**transport_options)
        self.shared = _Shared(policy, budget, on_retry, allow_insecure_redirects,
                              remove_headers_on_redirect)
        self.sleep = sleep

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        shared = self.shared
        exchange, rewind = shared.start(request)
        while True:
            try:
                response = self.transport.handle_request(request)
            except httpx.TransportError as error:
                retry = shared.after_error(exchange, error)
                if retry is None:
                    raise
                self._again(retry, rewind)
                continue
            step = shared.after_response(exchange, request, response)
            if step is None:
                return response
            if isinstance(step, TooLong):
                _read_and_close(response)
                raise shared.too_long(exchange, request, response, step)
            _drain(response)
            self._again(step, rewind)

    def _again(self, retry: Retry, rewind: Callable[[], None] | None) -> None:
        self.sleep(retry.after)
        if rewind is not None:
            rewind()

    def close(self) -> None:
        self.transport.close()


class AsyncRetryTransport(httpx.AsyncBaseTransport):
    """``httpx.AsyncClient(transport=AsyncRetryTransport(...))``; the same options."""

    def __init__(self, transport: httpx.AsyncBaseTransport | None = None,
                 policy: RetryPolicy | None = None, *, budget: RetryBudget | None = None,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
                 on_retry: Callable[[RetryEvent], None] | None = None,
                 allow_insecure_redirects: bool = False,
                 remove_headers_on_redirect: Collection[str] = REMOVE_ON_REDIRECT,
                 **transport_options: Any) -> None:
        _transport_options(transport, transport_options)
        self.transport = transport or httpx.AsyncHTTPTransport(**transport_options)
        self.shared = _Shared(policy, budget, on_retry, allow_insecure_redirects,
                              remove_headers_on_redirect)
        self.sleep = sleep

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        shared = self.shared
        exchange, rewind = shared.start(request)
        while True:
            try:
                response = await self.transport.handle_async_request(request)
            except httpx.TransportError as error:
                retry = shared.after_error(exchange, error)
                if retry is None:
                    raise
                await self._again(retry, rewind)
                continue
            step = shared.after_response(exchange, request, response)
            if step is None:
                return response
            if isinstance(step, TooLong):
                await _aread_and_close(response)
                raise shared.too_long(exchange, request, response, step)
            await _adrain(response)
            await self._again(step, rewind)

    async def _again(self, retry: Retry, rewind: Callable[[], None] | None) -> None:
        await self.sleep(retry.after)
        if rewind is not None:
            rewind()

    async def aclose(self) -> None:
        await self.transport.aclose()


# A broken body does not change the answer the status gave; it is dropped with its
# connection. (httpx.StreamError: a stream already read or closed.)
_BODY_ERRORS = (httpx.HTTPError, httpx.StreamError)


def _drain(response: httpx.Response) -> None:
    """Read a retried response so its connection can be reused; drop the
    connection instead when the body is large or breaks."""
    try:
        read = 0
        for chunk in response.iter_raw():
            read += len(chunk)
            if read > DRAIN_LIMIT:
                break
    except _BODY_ERRORS:
        pass
    finally:
        response.close()


async def _adrain(response: httpx.Response) -> None:
    try:
        read = 0
        async for chunk in response.aiter_raw():
            read += len(chunk)
            if read > DRAIN_LIMIT:
                break
    except _BODY_ERRORS:
        pass
    finally:
        await response.aclose()


def _read_and_close(response: httpx.Response) -> None:
    """Keep the body for the caller's error, and free the connection on every path."""
    try:
        response.read()
    except _BODY_ERRORS:
        pass
    finally:
        response.close()


async def _aread_and_close(response: httpx.Response) -> None:
    try:
        await response.aread()
    except _BODY_ERRORS:
        pass
    finally:
        await response.aclose()
