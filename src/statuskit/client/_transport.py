"""The retrying transports' engine, for httpx and httpx2 alike (same API, two
package names): each library's public transport classes hold one of these.

Redirects stay with the client's ``follow_redirects``, which already does what RFC
9110 asks (303 → GET, 307/308 keep method and content, 305 never followed).
When it follows one, the hop comes back through the transport carrying the first
request's extensions: the engine continues the same exchange (attempt cap,
deadline, history), refuses https → http unless allowed, and takes credentials
off a hop to another origin.

The response handed back reads its body through ``SyncBody`` / ``AsyncBody``:
an error while reading it carries the exchange's history, and a GET that can be
resumed (see ``_resume``) asks for the rest instead of failing. Over the
library's own response stream the body takes that layer's place rather than
adding one (``Library.ResponseStream``).
"""

from __future__ import annotations

import contextlib
import importlib
import ssl
import time
import warnings
from collections.abc import AsyncIterator, Awaitable, Callable, Collection, Iterator
from typing import Any, ClassVar

import anyio

from statuskit.client import _resume
from statuskit.client._budget import OwnBudgets, RetryBudget
from statuskit.client._core import (
    ATTEMPTS,
    DRAIN_LIMIT,
    REDIRECTS,
    REMOVE_ON_REDIRECT,
    Attempt,
    Exchange,
    Failure,
    FirstTry,
    Observers,
    Redirects,
    RetryEvent,
    TooLong,
    mark,
    scoped_policy,
)
from statuskit.client._errors import InsecureRedirect, ResumeFailed, RetryAfterTooLong
from statuskit.client._flavours import build
from statuskit.client._policy import Retry, RetryPolicy

__all__ = ["CHAIN", "POLICY", "AsyncEngine", "AsyncTransport", "Library", "SyncEngine",
           "SyncTransport"]

POLICY = "statuskit_policy"  # request.extensions key: this request's own RetryPolicy
CHAIN = "statuskit_exchange"  # request.extensions key: the exchange a redirect hop continues

Rewind = Callable[[], None]


class Library:
    """The parts of httpx (or httpx2) the engine uses, looked up once."""

    def __init__(self, module: Any) -> None:
        self.name: str = module.__name__
        self.module = module
        self.Request = module.Request
        self.TransportError: type[Exception] = module.TransportError
        self.TimeoutException: type[Exception] = module.TimeoutException
        self.permanent = (module.UnsupportedProtocol, module.LocalProtocolError)
        self.not_sent = (module.ConnectError, module.ConnectTimeout, module.PoolTimeout)
        self.ByteStream = module.ByteStream
        self.SyncByteStream = module.SyncByteStream
        self.AsyncByteStream = module.AsyncByteStream
        # A broken body does not change the answer the status gave; it is dropped
        # with its connection. (StreamError: a stream already read or closed.)
        self.body_errors = (module.HTTPError, module.StreamError)
        try:
            self.MultipartStream: Any = importlib.import_module(
                f"{self.name}._multipart").MultipartStream
        except (ImportError, AttributeError):  # pragma: no cover - a future layout
            self.MultipartStream = None
        # The library's own response streams read the connection's stream inside a
        # context manager that maps its errors: a generator and a context manager
        # per response. A body over one reads the connection's stream itself and
        # maps an error only when one is raised (``mapped``). None: another layout.
        default = _module(f"{self.name}._transports.default")
        self.ResponseStream: Any = getattr(default, "ResponseStream", None)
        self.AsyncResponseStream: Any = getattr(default, "AsyncResponseStream", None)
        self.map_errors: Any = getattr(default, "map_httpcore_exceptions", None)
        if self.map_errors is None:
            self.ResponseStream = self.AsyncResponseStream = None
        self.SyncBody: Any = type("SyncBody", (SyncBody, module.SyncByteStream), {})
        self.AsyncBody: Any = type("AsyncBody", (AsyncBody, module.AsyncByteStream), {})

    def read_error(self, error: Exception, raw: bool) -> Exception:
        """The library's error for ``error``, raised while a body read ``raw`` (the
        connection's stream) or the library's stream; raises what is no
        TransportError, as the library's stream would have."""
        if isinstance(error, self.TransportError):
            return error
        if raw:
            try:
                with self.map_errors():
                    raise error
            except self.TransportError as mapped:
                return mapped
        raise error

    def failure(self, error: BaseException) -> Failure:
        if isinstance(error, self.permanent) or _certificate_failed(error):
            return Failure.PERMANENT
        if isinstance(error, self.not_sent):
            # Nothing reached the server: the connection itself failed, or never came.
            return Failure.NOT_SENT
        return Failure.MAYBE_SENT


def _module(name: str) -> Any:
    try:
        return importlib.import_module(name)
    except ImportError:  # pragma: no cover - a future layout
        return None


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


def _nothing() -> None:
    return None


def _rewinder(library: Library, request: Any) -> Rewind | None:
    """How to send the body again: a no-op for bytes in memory and for multipart
    whose files can be read again (httpx seeks each to 0 itself), a seek for a
    seekable file; None when it cannot be (a generator, a pipe)."""
    stream = request.stream
    if isinstance(stream, library.ByteStream):
        return _nothing
    if library.MultipartStream is not None and isinstance(stream, library.MultipartStream):
        return _nothing if all(_rereadable(field) for field in stream.fields) else None
    source = getattr(stream, "_stream", None)  # what IteratorByteStream reads from
    seekable = getattr(source, "seekable", None)
    if isinstance(stream, library.SyncByteStream) and seekable is not None and seekable():
        start = source.tell()  # type: ignore[union-attr]
        return lambda: source.seek(start)  # type: ignore[union-attr]
    return None


def _rereadable(field: Any) -> bool:
    file = getattr(field, "file", None)
    if file is None or isinstance(file, bytes | str):  # a data field, or a file's bytes
        return True
    seekable = getattr(file, "seekable", None)
    try:
        return bool(seekable is not None and seekable())
    except (OSError, ValueError):  # a closed file
        return False


def _warn_options(transport: object, options: dict[str, Any]) -> None:
    if transport is not None and options:
        warnings.warn(f"RetryTransport: {', '.join(sorted(options))} ignored: they configure "
                      "the inner transport it builds, and one was given; set them on that "
                      "transport instead", UserWarning, stacklevel=4)


class SyncTransport:
    """The public sync transport of a library (mixed in before its BaseTransport)."""

    library: ClassVar[Library]

    def __init__(self, transport: Any = None, policy: RetryPolicy | None = None, *,
                 budget: RetryBudget | None = None,
                 sleep: Callable[[float], None] = time.sleep,
                 on_retry: Callable[[RetryEvent], None] | None = None,
                 on_attempt: Callable[[Attempt], None] | None = None,
                 allow_insecure_redirects: bool = False,
                 remove_headers_on_redirect: Collection[str] = REMOVE_ON_REDIRECT,
                 resume: bool = True, **transport_options: Any) -> None:
        _warn_options(transport, transport_options)
        self.transport = transport or self.library.module.HTTPTransport(**transport_options)
        self.engine = SyncEngine(self.library, self.transport, policy, budget, sleep,
                                 Observers(on_retry, on_attempt),
                                 Redirects(allow_insecure_redirects,
                                           frozenset(remove_headers_on_redirect)), resume)
        if type(self).handle_request is SyncTransport.handle_request:
            # The client calls the engine straight away: one call less per request
            # (a subclass that overrides handle_request keeps its own).
            self.handle_request = self.engine.handle  # type: ignore[method-assign]

    @property
    def policy(self) -> RetryPolicy:
        return self.engine.policy

    def handle_request(self, request: Any) -> Any:
        return self.engine.handle(request)

    def close(self) -> None:
        self.transport.close()


class AsyncTransport:
    """The public async transport of a library. Waits with ``anyio.sleep``, so it
    runs under asyncio and trio alike."""

    library: ClassVar[Library]

    def __init__(self, transport: Any = None, policy: RetryPolicy | None = None, *,
                 budget: RetryBudget | None = None,
                 sleep: Callable[[float], Awaitable[None]] = anyio.sleep,
                 on_retry: Callable[[RetryEvent], None] | None = None,
                 on_attempt: Callable[[Attempt], None] | None = None,
                 allow_insecure_redirects: bool = False,
                 remove_headers_on_redirect: Collection[str] = REMOVE_ON_REDIRECT,
                 resume: bool = True, **transport_options: Any) -> None:
        _warn_options(transport, transport_options)
        self.transport = transport or self.library.module.AsyncHTTPTransport(
            **transport_options)
        self.engine = AsyncEngine(self.library, self.transport, policy, budget, sleep,
                                  Observers(on_retry, on_attempt),
                                  Redirects(allow_insecure_redirects,
                                            frozenset(remove_headers_on_redirect)), resume)
        if type(self).handle_async_request is AsyncTransport.handle_async_request:
            self.handle_async_request = self.engine.handle  # type: ignore[method-assign]

    @property
    def policy(self) -> RetryPolicy:
        return self.engine.policy

    async def handle_async_request(self, request: Any) -> Any:
        return await self.engine.handle(request)

    async def aclose(self) -> None:
        await self.transport.aclose()


class _Engine:
    """What the sync and async engines decide alike.

    Most requests succeed at the first try, so that path makes no ``Exchange``:
    it records the one attempt, refills the origin's budget only where one is
    short, and wraps the body only when it is streamed. Anything else (an error,
    a status to judge, a redirect hop) goes through an exchange, which a body that
    breaks also makes, then, to resume."""

    def __init__(self, library: Library, policy: RetryPolicy | None,
                 budget: RetryBudget | None, observers: Observers, redirects: Redirects,
                 resume: bool) -> None:
        self.library = library
        self.policy = policy or RetryPolicy()
        self.budget = budget
        self.observers = observers
        self.redirects = redirects
        self.resume_bodies = resume
        # This transport's own budgets, one per origin: a noisy client spends its own.
        self.own_budgets = OwnBudgets(self.policy.max_attempts) if budget is None else None

    def policy_of(self, request: Any) -> RetryPolicy:
        policy: RetryPolicy | None = request.extensions.get(POLICY) or scoped_policy()
        return policy or self.policy

    def continued(self, request: Any) -> tuple[Exchange, Rewind | None]:
        """The exchange a request carrying CHAIN goes on with (a redirect hop), or
        a new one when it is not the hop that exchange handed back."""
        rewind = _rewinder(self.library, request)
        chain = request.extensions.get(CHAIN)
        if isinstance(chain, Exchange) and chain.continues(str(request.url)):
            previous = chain.url
            refusal = chain.follow(str(request.url), request.method, request.headers,
                                   self.redirects)
            chain.replayable = rewind is not None
            if refusal is not None:
                raise chain.mark(build(InsecureRedirect, self.library.name, request, refusal,
                                       url=previous, location=str(request.url),
                                       attempts=chain.attempts))
            return chain, rewind
        return self.exchange(request, self.policy_of(request), rewind is not None), rewind

    def exchange(self, request: Any, policy: RetryPolicy, replayable: bool,
                 started: float | None = None, attempts: list[Attempt] | None = None,
                 ) -> Exchange:
        return Exchange(policy, self._budget_of(request.url), request.method, request.url,
                        request.headers, replayable, self.observers, started=started,
                        attempts=attempts)

    def _budget_of(self, url: Any) -> RetryBudget:
        if self.own_budgets is None:
            assert self.budget is not None
            return self.budget
        return self.own_budgets.of((url.scheme, url.host, url.port))

    def refill(self, url: Any) -> None:
        """A first try's success given back to the origin's budget, where it is short."""
        own = self.own_budgets
        if own is None:
            assert self.budget is not None
            self.budget.record_success()
        elif not own.all_full:
            own.record_success((url.scheme, url.host, url.port))

    def after_error(self, exchange: Exchange, error: Exception) -> Retry | None:
        retry = exchange.after_error(error, self.library.failure(error))
        if retry is None:
            exchange.mark(error)
        return retry

    def hand_back(self, exchange: Exchange, request: Any, response: Any,
                  body: type[_Body]) -> None:
        """Ready ``response`` to go to the caller: its history, the hop it may
        continue, and a body that carries the history (and resumes) when it breaks."""
        response.extensions[ATTEMPTS] = exchange.attempts  # the response's own dict
        if exchange.next_url is not None:
            # httpx builds a followed hop with these extensions: it continues here.
            request.extensions = {**request.extensions, CHAIN: exchange}
        if not isinstance(response.stream, self.library.ByteStream):  # in memory: no break
            response.stream = _wrapped(body, self, request, response, exchange)

    def too_long(self, exchange: Exchange, request: Any, response: Any,
                 step: TooLong) -> BaseException:
        response.extensions = {**response.extensions, ATTEMPTS: exchange.attempts}
        error = build(RetryAfterTooLong, self.library.name, request, step.retry_after,
                      response, step.reason, exchange.attempts)
        return exchange.mark(error)

    def resumption(self, body: _Body) -> Any:
        """The request for the rest of ``body``'s representation."""
        request = body.request
        assert body.resumable is not None
        extensions = {k: v for k, v in request.extensions.items() if k != CHAIN}
        headers = _resume.resumption_headers(request.headers, body.resumable, body.received)
        return self.library.Request("GET", request.url, headers=headers, extensions=extensions)

    def cut_short(self, body: _Body, missing: int) -> Exception:
        """The error of a part whose last chunk came ``missing`` bytes early: a
        break like any, so the rest is asked for again."""
        error: Exception = self.library.module.RemoteProtocolError(
            f"the part ended {missing} bytes short of its Content-Range", request=body.request)
        return error


class SyncEngine(_Engine):
    def __init__(self, library: Library, transport: Any, policy: RetryPolicy | None,
                 budget: RetryBudget | None, sleep: Callable[[float], None],
                 observers: Observers, redirects: Redirects, resume: bool) -> None:
        super().__init__(library, policy, budget, observers, redirects, resume)
        self.transport = transport
        self.sleep = sleep

    def handle(self, request: Any) -> Any:
        if CHAIN in request.extensions:
            return self._exchange(request, *self.continued(request), None)
        # The first try's own work, inline: most requests need no more.
        library = self.library
        rewind = _nothing if isinstance(request.stream, library.ByteStream) \
            else _rewinder(library, request)
        policy = request.extensions.get(POLICY) or scoped_policy() or self.policy
        started = time.monotonic()
        try:
            response = self.transport.handle_request(request)
        except library.TransportError as error:
            exchange = self.exchange(request, policy, rewind is not None, started)
            retry = self.after_error(exchange, error)
            if retry is None:
                raise
            self._again(retry, rewind)
            return self._exchange(request, exchange, rewind, None)
        status = response.status_code
        if status >= 400 or status in REDIRECTS:
            exchange = self.exchange(request, policy, rewind is not None, started)
            return self._exchange(request, exchange, rewind, response)
        # What ``hand_back`` does, without an exchange and with a history built
        # only when read; inline, as it runs for nearly every request.
        try:
            if self.own_budgets is None or not self.own_budgets.all_full:
                self.refill(request.url)
            # No __init__ (no frame): the class call, then the fields. (Cheaper than
            # object.__new__(cls), a builtin taking *args.)
            history = FirstTry()
            history.request, history.status, history.policy = request, status, policy
            history.elapsed, history.started = time.monotonic() - started, started
            history.replayable = rewind is not None
            if self.observers.on_attempt is not None:
                self.observers.on_attempt(history[0])
            response.extensions[ATTEMPTS] = history  # the response's own dict
            stream = response.stream
            if not isinstance(stream, library.ByteStream):  # in memory: no break
                body = response.stream = library.SyncBody()
                body.engine, body.request, body._origin = self, request, history
                body.status, body.headers, body.stream = status, response.headers, stream
                body.source = stream._httpcore_stream \
                    if stream.__class__ is library.ResponseStream else stream
        except BaseException:
            response.close()  # a hook raised: the response goes nowhere
            raise
        return response

    def _exchange(self, request: Any, exchange: Exchange, rewind: Rewind | None,
                  response: Any) -> Any:
        """Judge ``response`` (None: send first) and go on until one is handed back."""
        while True:
            if response is None:
                response = self._send(exchange, request, rewind)
            try:
                step = exchange.after_response(response.status_code, response.headers)
                if step is None:
                    self.hand_back(exchange, request, response, self.library.SyncBody)
                    return response
            except BaseException:
                response.close()  # a hook raised: the response goes nowhere
                raise
            if isinstance(step, TooLong):
                _read_and_close(self.library, response)
                raise self.too_long(exchange, request, response, step)
            _drain(self.library, response)
            self._again(step, rewind)
            response = None

    def _send(self, exchange: Exchange, request: Any, rewind: Rewind | None) -> Any:
        while True:
            try:
                return self.transport.handle_request(request)
            except self.library.TransportError as error:
                retry = self.after_error(exchange, error)
                if retry is None:
                    raise
                self._again(retry, rewind)

    def _again(self, retry: Retry, rewind: Rewind | None) -> None:
        self.sleep(retry.after)
        if rewind is not None:
            rewind()

    def resume(self, body: SyncBody, error: Exception) -> _resume.Continue:
        """Switch ``body`` to the rest of its representation (what to skip of the
        new stream and how long it is), or raise why there is none."""
        retry = self.after_error(body.exchange, error)
        if retry is None:
            raise error
        while True:
            self.sleep(retry.after)
            try:
                response = self.transport.handle_request(self.resumption(body))
            except self.library.TransportError as failed:
                retry = self.after_error(body.exchange, failed)
                if retry is None:
                    raise
                continue
            try:
                outcome = body.outcome(response)
            except BaseException:
                response.close()
                raise
            if isinstance(outcome, Retry):
                _drain(self.library, response)
                retry = outcome
                continue
            if isinstance(outcome, _resume.Refuse):
                response.close()
                raise body.refusal(outcome.reason) from error
            return body.take(response, outcome)


class AsyncEngine(_Engine):
    def __init__(self, library: Library, transport: Any, policy: RetryPolicy | None,
                 budget: RetryBudget | None, sleep: Callable[[float], Awaitable[None]],
                 observers: Observers, redirects: Redirects, resume: bool) -> None:
        super().__init__(library, policy, budget, observers, redirects, resume)
        self.transport = transport
        self.sleep = sleep

    async def handle(self, request: Any) -> Any:
        if CHAIN in request.extensions:
            return await self._exchange(request, *self.continued(request), None)
        # The first try's own work, inline: most requests need no more.
        library = self.library
        rewind = _nothing if isinstance(request.stream, library.ByteStream) \
            else _rewinder(library, request)
        policy = request.extensions.get(POLICY) or scoped_policy() or self.policy
        started = time.monotonic()
        try:
            response = await self.transport.handle_async_request(request)
        except library.TransportError as error:
            exchange = self.exchange(request, policy, rewind is not None, started)
            retry = self.after_error(exchange, error)
            if retry is None:
                raise
            await self._again(retry, rewind)
            return await self._exchange(request, exchange, rewind, None)
        status = response.status_code
        if status >= 400 or status in REDIRECTS:
            exchange = self.exchange(request, policy, rewind is not None, started)
            return await self._exchange(request, exchange, rewind, response)
        try:  # as SyncEngine.handle
            if self.own_budgets is None or not self.own_budgets.all_full:
                self.refill(request.url)
            history = FirstTry()
            history.request, history.status, history.policy = request, status, policy
            history.elapsed, history.started = time.monotonic() - started, started
            history.replayable = rewind is not None
            if self.observers.on_attempt is not None:
                self.observers.on_attempt(history[0])
            response.extensions[ATTEMPTS] = history
            stream = response.stream
            if not isinstance(stream, library.ByteStream):
                body = response.stream = library.AsyncBody()
                body.engine, body.request, body._origin = self, request, history
                body.status, body.headers, body.stream = status, response.headers, stream
                body.source = stream._httpcore_stream \
                    if stream.__class__ is library.AsyncResponseStream else stream
        except BaseException:
            await response.aclose()  # a hook raised: the response goes nowhere
            raise
        return response

    async def _exchange(self, request: Any, exchange: Exchange, rewind: Rewind | None,
                        response: Any) -> Any:
        while True:
            if response is None:
                response = await self._send(exchange, request, rewind)
            try:
                step = exchange.after_response(response.status_code, response.headers)
                if step is None:
                    self.hand_back(exchange, request, response, self.library.AsyncBody)
                    return response
            except BaseException:
                await response.aclose()
                raise
            if isinstance(step, TooLong):
                await _aread_and_close(self.library, response)
                raise self.too_long(exchange, request, response, step)
            await _adrain(self.library, response)
            await self._again(step, rewind)
            response = None

    async def _send(self, exchange: Exchange, request: Any, rewind: Rewind | None) -> Any:
        while True:
            try:
                return await self.transport.handle_async_request(request)
            except self.library.TransportError as error:
                retry = self.after_error(exchange, error)
                if retry is None:
                    raise
                await self._again(retry, rewind)

    async def _again(self, retry: Retry, rewind: Rewind | None) -> None:
        await self.sleep(retry.after)
        if rewind is not None:
            rewind()

    async def resume(self, body: AsyncBody, error: Exception) -> _resume.Continue:
        retry = self.after_error(body.exchange, error)
        if retry is None:
            raise error
        while True:
            await self.sleep(retry.after)
            try:
                response = await self.transport.handle_async_request(self.resumption(body))
            except self.library.TransportError as failed:
                retry = self.after_error(body.exchange, failed)
                if retry is None:
                    raise
                continue
            try:
                outcome = body.outcome(response)
            except BaseException:
                await response.aclose()
                raise
            if isinstance(outcome, Retry):
                await _adrain(self.library, response)
                retry = outcome
                continue
            if isinstance(outcome, _resume.Refuse):
                await response.aclose()
                raise body.refusal(outcome.reason) from error
            return body.take(response, outcome)


class _Body:
    """The body of a response handed back: reading it is where a break shows. The
    history goes on the error; a resumable GET asks for the rest instead."""

    # Slots: one body is made per streamed response.
    __slots__ = ("_origin", "_resumable", "engine", "headers", "received", "request", "source",
                 "status", "stream")

    # Set at a break, not here (one body is made per streamed response, most never
    # break): ``received``, the bytes handed out, and ``_resumable``.
    received: int
    _resumable: _resume.Resumable | None

    engine: _Engine
    request: Any
    # The status and fields, not the response: it holds this body as its stream,
    # and a cycle would leave every response to the cyclic collector.
    status: int
    headers: Any
    stream: Any  # where the bytes come from now
    # What the first read iterates: ``stream``, or the connection's stream under the
    # library's own response stream (see Library.ResponseStream).
    source: Any
    _origin: Exchange | FirstTry  # the exchange, or the history of a first try's success

    @property
    def exchange(self) -> Exchange:
        """The request's exchange; after a first try's success, made at the break."""
        origin = self._origin
        if not isinstance(origin, Exchange):
            origin = self._origin = self.engine.exchange(
                self.request, origin.policy, origin.replayable, origin.started,
                origin.attempts())
        return origin

    @property
    def attempts(self) -> list[Attempt]:
        origin = self._origin
        return origin.attempts if isinstance(origin, Exchange) else origin.attempts()

    @property
    def resumable(self) -> _resume.Resumable | None:
        try:
            return self._resumable
        except AttributeError:  # the first read, at the first break
            request = self.request
            resumable = self._resumable = _resume.resumable_of(
                request.method, request.headers, self.status, self.headers) \
                if self.engine.resume_bodies else None
            return resumable

    def outcome(self, response: Any) -> Retry | _resume.Judgement:
        """What the answer to a resumption means for this body (and recorded)."""
        status, headers = response.status_code, response.headers
        step = self.exchange.after_response(status, headers)
        if isinstance(step, Retry):
            return step
        if isinstance(step, TooLong):
            return _resume.Refuse(step.reason)
        assert self.resumable is not None
        return _resume.judge(self.resumable, self.received, status, headers)

    def take(self, response: Any, judged: _resume.Continue | _resume.StartOver,
             ) -> _resume.Continue:
        """Read on from ``response``: what to skip of it, and how long it must be."""
        self.stream = response.stream
        if isinstance(judged, _resume.StartOver):
            # Nothing was handed out: the new representation is the response now (its
            # fields, in the same Headers object the caller's response holds).
            self.headers.clear()
            self.headers.update(response.headers.multi_items())
            self.status = response.status_code
            self._resumable = _resume.resumable_of("GET", self.request.headers,
                                                   response.status_code, response.headers)
            return _resume.Continue(0)
        return judged

    def marked(self, error: BaseException) -> BaseException:
        return mark(error, self.attempts)

    def refusal(self, reason: str) -> BaseException:
        exchange = self.exchange
        error = build(ResumeFailed, self.engine.library.name, self.request,
                      f"the body of {exchange.url} broke after {self.received} bytes "
                      f"and was not resumed: {reason}", url=exchange.url,
                      received=self.received, attempts=exchange.attempts)
        return exchange.mark(error)

    def ended(self, part: _Part) -> Exception | None:
        """At the end of a resumed stream: None when the body is whole; the break
        to resume from when the part came short; raises when it cannot be right."""
        if part.skip:
            # The same version sent whole (Range ignored) ended before the bytes
            # already handed out: it is not the same bytes, and what the caller has
            # must not pass for a whole body.
            raise self.refusal(f"the representation sent again ended {part.skip} bytes "
                               "before the bytes already handed out")
        if part.left:
            return self.engine.cut_short(self, part.left)
        return None


class _Part:
    """Where a resumed stream stands: bytes still to skip (what was handed out
    already), and bytes its Content-Range still promises (None: no bound)."""

    __slots__ = ("left", "skip")

    def __init__(self, judged: _resume.Continue) -> None:
        self.skip = judged.skip
        self.left = judged.length

    def cut(self, body: _Body, chunk: bytes) -> bytes:
        """The bytes of ``chunk`` to hand out; raises when the part runs past its
        Content-Range (those bytes are not the part it said it was)."""
        if self.skip:
            skipped = min(self.skip, len(chunk))
            chunk, self.skip = chunk[skipped:], self.skip - skipped
        if self.left is not None and chunk:
            if len(chunk) > self.left:
                raise body.refusal(f"the part runs past its Content-Range ({self.left} bytes "
                                   f"left, {len(chunk)} sent)")
            self.left -= len(chunk)
        return chunk


class SyncBody(_Body):
    __slots__ = ()
    def __iter__(self) -> Iterator[bytes]:
        received = 0  # a local: counted per chunk, kept only at a break
        source = self.source
        try:
            for chunk in source:
                received += len(chunk)
                yield chunk
            return
        except Exception as error:
            broke = self.engine.library.read_error(error, source is not self.stream)
        self.received = received
        yield from self._resumed(broke)

    def _resumed(self, error: Exception) -> Iterator[bytes]:
        errors = self.engine.library.TransportError
        while True:
            if self.resumable is None:
                raise self.marked(error)
            _close_quietly(self.stream)
            assert isinstance(self.engine, SyncEngine)
            part = _Part(self.engine.resume(self, error))
            try:
                for chunk in self.stream:
                    chunk = part.cut(self, chunk)
                    if chunk:
                        self.received += len(chunk)
                        yield chunk
            except errors as broken:
                if isinstance(broken, ResumeFailed):
                    raise  # the part refused (a library error too): no resuming from that
                error = broken
                continue
            short = self.ended(part)
            if short is None:
                return
            error = short

    def close(self) -> None:
        self.stream.close()


class AsyncBody(_Body):
    __slots__ = ()
    async def __aiter__(self) -> AsyncIterator[bytes]:
        received = 0  # a local: counted per chunk, kept only at a break
        source = self.source
        try:
            async for chunk in source:
                received += len(chunk)
                yield chunk
            return
        except Exception as error:
            broke = self.engine.library.read_error(error, source is not self.stream)
        self.received = received
        async for chunk in self._resumed(broke):
            yield chunk

    async def _resumed(self, error: Exception) -> AsyncIterator[bytes]:
        errors = self.engine.library.TransportError
        while True:
            if self.resumable is None:
                raise self.marked(error)
            await _aclose_quietly(self.stream)
            assert isinstance(self.engine, AsyncEngine)
            part = _Part(await self.engine.resume(self, error))
            try:
                async for chunk in self.stream:
                    chunk = part.cut(self, chunk)
                    if chunk:
                        self.received += len(chunk)
                        yield chunk
            except errors as broken:
                if isinstance(broken, ResumeFailed):
                    raise  # the part refused (a library error too): no resuming from that
                error = broken
                continue
            short = self.ended(part)
            if short is None:
                return
            error = short

    async def aclose(self) -> None:
        await self.stream.aclose()


def _wrapped(cls: type[_Body], engine: _Engine, request: Any, response: Any,
             origin: Exchange | FirstTry) -> _Body:
    """``response``'s body, read through ``cls``. (The bodies have no __init__: a
    frame less per streamed response.)"""
    body = cls()
    body.engine, body.request, body._origin = engine, request, origin
    stream = body.stream = response.stream
    body.status, body.headers = response.status_code, response.headers
    library = engine.library
    body.source = stream._httpcore_stream if stream.__class__ in (
        library.ResponseStream, library.AsyncResponseStream) else stream
    return body


def _close_quietly(stream: Any) -> None:
    with contextlib.suppress(Exception):  # the connection under it is already gone
        stream.close()


async def _aclose_quietly(stream: Any) -> None:
    with contextlib.suppress(Exception):  # the connection under it is already gone
        await stream.aclose()


def _drain(library: Library, response: Any) -> None:
    """Read a retried response so its connection can be reused; drop the
    connection instead when the body is large or breaks."""
    try:
        read = 0
        for chunk in response.iter_raw():
            read += len(chunk)
            if read > DRAIN_LIMIT:
                break
    except library.body_errors:
        pass
    finally:
        response.close()


async def _adrain(library: Library, response: Any) -> None:
    try:
        read = 0
        async for chunk in response.aiter_raw():
            read += len(chunk)
            if read > DRAIN_LIMIT:
                break
    except library.body_errors:
        pass
    finally:
        await response.aclose()


def _read_and_close(library: Library, response: Any) -> None:
    """Keep the body for the caller's error, and free the connection on every path."""
    try:
        response.read()
    except library.body_errors:
        pass
    finally:
        response.close()


async def _aread_and_close(library: Library, response: Any) -> None:
    try:
        await response.aread()
    except library.body_errors:
        pass
    finally:
        await response.aclose()
