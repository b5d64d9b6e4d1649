"""``Guard``: the transport-level status codes, in front of any ASGI app.

Checks run in RFC 9110 order and all of them before the app's first
``receive()``, so a server never sends ``100 Continue`` for a request that is
about to be refused (RFC 9110 §10.1.1).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import secrets
from collections.abc import Callable, Collection, Iterable
from typing import Any, NamedTuple

from statuskit.defaults import BODY_TIMEOUT, MAX_BODY_SIZE, MAX_TARGET_LENGTH
from statuskit.guard._answers import send_problem
from statuskit.guard._exchange import Exchange
from statuskit.types import ASGIApp, Receive, Scope, Send

__all__ = ["Guard", "Quota"]


logger = logging.getLogger("statuskit.guard")

# ASGI names the protocols "1.0", "1.1", "2" and "3" ("1" is Granian's HTTP/1). A server
# handing "2.0" or "3.0" is reporting an HTTP/1 request line with that version, which is
# not HTTP/2 or HTTP/3 at all (RFC 9113 §3, RFC 9114 §3): RFC 9110 §15.6.6 505.
SPOKEN_VERSIONS = frozenset({"1.0", "1.1", "1", "2", "3"})


class Quota(NamedTuple):
    """A per-request body limit from the ``quota`` hook.

    ``retry_after`` set means the limit is temporary (a quota that refills): the
    413 then carries Retry-After (RFC 9110 §15.5.14).
    """

    limit: int
    retry_after: float | None = None


class _RequestHeaders(NamedTuple):
    content_length: int | None
    chunked: bool
    expect: bytes | None
    request_timeout: bytes | None


_NO_FIELDS = _RequestHeaders(None, False, None, None)


class _Malformed(ValueError):
    pass


def _default_key(scope: Scope) -> str:
    client = scope.get("client")
    return str(client[0]) if client else "unknown"


class Guard:
    """ASGI middleware answering the transport-level codes for any ASGI app.

    Settings (all keyword-only; every default is one a production service can keep):

    ``extension_methods``
        Methods to accept beyond the IANA HTTP Method Registry; any other method is 501.
    ``max_target_length`` (8192)
        Longest request target (path + ``?`` + query, as sent) before 414.
    ``require_length`` (None: no request needs one)
        Where a request must declare its body length or be answered 411: a collection
        of methods (``{"POST", "PUT"}``) or a predicate ``(method, path) -> bool``.
    ``max_body_size`` (1 MiB; None: unlimited)
        Largest request body; refused from Content-Length before the app reads, and
        counted as a chunked body streams.
    ``quota``
        ``(scope) -> Quota | None``: a per-request body limit; a ``Quota`` with
        ``retry_after`` marks a temporary limit and its 413 carries Retry-After.
    ``rate_limit`` (None), ``rate_limit_storage`` ("memory://"), ``rate_limit_key``,
    ``rate_limit_strategy`` ("fixed-window")
        429 through the ``limits`` library (imported only when ``rate_limit`` is set),
        e.g. ``"10/second"``; ``redis://host:port`` shares the allowance between
        processes; the key defaults to the client address.
    ``max_concurrency`` (None), ``busy_retry_after`` (1 s)
        503 once this many requests are in flight (counted in ``in_flight`` while set).
    ``maintenance`` (False), ``maintenance_retry_after`` (60 s)
        503 for every request while set; settable at runtime (``guard.maintenance = True``).
    ``timeout_param`` ("timeout"), ``timeout_header`` ("request-timeout"),
    ``max_client_timeout`` (300 s)
        504 only when the client asked for a timeout (seconds) and the app had not
        started its response in time; the app is then cancelled. None disables a source.
    ``body_timeout`` (30 s; None: no limit)
        408 with ``Connection: close`` when a request body the app awaits stalls this long.
    ``check_content_length`` (True)
        Keep the app's Content-Length true: content that disagrees with it aborts the
        connection instead of desynchronising it (RFC 9112 §6.3). uvicorn's protocols
        enforce the same rule, so ``statuskit.server.run()`` leaves it to them.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        extension_methods: Iterable[str] = (),
        max_target_length: int = MAX_TARGET_LENGTH,
        require_length: Collection[str] | Callable[[str, str], bool] | None = None,
        max_body_size: int | None = MAX_BODY_SIZE,
        quota: Callable[[Scope], Quota | None] | None = None,
        rate_limit: str | None = None,
        rate_limit_storage: str = "memory://",
        rate_limit_key: Callable[[Scope], str] | None = None,
        rate_limit_strategy: str = "fixed-window",
        max_concurrency: int | None = None,
        busy_retry_after: float = 1.0,
        maintenance: bool = False,
        maintenance_retry_after: float = 60.0,
        timeout_param: str | None = "timeout",
        timeout_header: str | None = "request-timeout",
        max_client_timeout: float = 300.0,
        body_timeout: float | None = BODY_TIMEOUT,
        check_content_length: bool = True,
    ) -> None:
        from statuskit.http.methods import REGISTERED_METHODS

        self.app = app
        self.methods = frozenset(REGISTERED_METHODS) | frozenset(extension_methods)
        self.max_target_length = max_target_length
        self._length_methods: frozenset[str] = frozenset()
        self._length_predicate: Callable[[str, str], bool] | None = None
        if callable(require_length):
            self._length_predicate = require_length
        elif require_length is not None:
            self._length_methods = frozenset(require_length)
        self._any_length_rule = bool(self._length_methods) or self._length_predicate is not None
        self.max_body_size = max_body_size
        self.quota = quota
        self.rate_limit: Any = None
        if rate_limit is not None:
            from statuskit.guard._ratelimit import RateLimit

            self.rate_limit = RateLimit(
                rate_limit, storage=rate_limit_storage, strategy=rate_limit_strategy
            )
        self.rate_limit_key = rate_limit_key or _default_key
        self.max_concurrency = max_concurrency
        self.busy_retry_after = busy_retry_after
        self.maintenance = maintenance
        self.maintenance_retry_after = maintenance_retry_after
        self._timeout_param = (timeout_param.encode("ascii") + b"=") if timeout_param else None
        self._timeout_header = timeout_header.lower().encode("ascii") if timeout_header else None
        self.max_client_timeout = max_client_timeout
        self.body_timeout = body_timeout
        self.check_content_length = check_content_length
        self.in_flight = 0
        interesting = {b"content-length", b"transfer-encoding", b"expect"}
        if self._timeout_header is not None:
            interesting.add(self._timeout_header)
        self._interesting = frozenset(interesting)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            # Lifespan and WebSocket scopes pass through untouched.
            await self.app(scope, receive, send)
            return
        method: str = scope["method"]
        head = method == "HEAD"

        # RFC 9110 §15.6.6: a major version this server does not speak.
        version: str = scope.get("http_version", "1.1")
        if version not in SPOKEN_VERSIONS and not _later_minor_of_http1(version):
            await send_problem(send, 505, head=head)
            return
        # RFC 9110 §9.1: an unrecognised method is 501; a malformed one is 400.
        if method not in self.methods:
            await self._unknown_method(method, send, head)
            return
        # RFC 9110 §15.5.15: a target longer than this server is willing to interpret.
        raw_path = scope.get("raw_path")
        query: bytes = scope["query_string"]
        target = len(raw_path) if raw_path is not None else len(scope["path"].encode("utf-8"))
        if query:
            target += len(query) + 1  # the "?" and the query, as sent
        if target > self.max_target_length:
            await send_problem(send, 414, head=head)
            return

        fields = _NO_FIELDS
        interesting = self._interesting
        for name, _ in scope["headers"]:
            if name in interesting:
                # Body framing, an expectation or a Request-Timeout: read them properly.
                try:
                    fields = self._request_headers(scope)
                except _Malformed as exc:
                    await send_problem(send, 400, head=head, detail=str(exc))
                    return
                break

        if fields is _NO_FIELDS:
            # The common case: no body framing, no expectation, no Request-Timeout.
            if self._any_length_rule and self._requires_length(method, scope):
                await send_problem(send, 411, head=head)  # RFC 9110 §15.5.12
                return
            body_limit: int | None = self.max_body_size
            body_retry_after: float | None = None
        else:
            # RFC 9110 §10.1.1: any expectation other than 100-continue is 417, and
            # Expect is ignored altogether in an HTTP/1.0 request.
            if fields.expect is not None and version != "1.0" \
                    and not _only_100_continue(fields.expect):
                await send_problem(send, 417, head=head)
                return
            # RFC 9110 §15.5.12: 411 where this service requires the length up front.
            if fields.content_length is None and not fields.chunked \
                    and self._any_length_rule and self._requires_length(method, scope):
                await send_problem(send, 411, head=head)
                return
            body_limit, body_retry_after = self._body_limit(scope, fields)
            # RFC 9110 §15.5.14: refused from the declared length, before any 100 Continue.
            if body_limit is not None and fields.content_length is not None \
                    and fields.content_length > body_limit:
                await send_problem(send, 413, head=head, retry_after=body_retry_after, close=True)
                return

        # RFC 9110 §15.6.4: a maintenance window, always with Retry-After.
        if self.maintenance:
            await send_problem(send, 503, head=head, retry_after=self.maintenance_retry_after)
            return
        # RFC 6585 §4: too many requests from this key; Retry-After from the window reset.
        if self.rate_limit is not None:
            wait = await self.rate_limit.retry_after(self.rate_limit_key(scope))
            if wait is not None:
                await send_problem(send, 429, head=head, retry_after=wait)
                return
        # RFC 9110 §15.6.4: load shedding once max_concurrency requests are in flight.
        if self.max_concurrency is not None and self.in_flight >= self.max_concurrency:
            await send_problem(send, 503, head=head, retry_after=self.busy_retry_after)
            return

        client_timeout = None
        timeout_param = self._timeout_param
        if (timeout_param is not None and timeout_param in query) \
                or fields.request_timeout is not None:
            try:
                client_timeout = self._client_timeout(scope, fields)
            except _Malformed as exc:
                await send_problem(send, 400, head=head, detail=str(exc))
                return

        exchange = Exchange(send, head, self.check_content_length)
        # No body to stall on (RFC 9112 §6.3): hand the app the server's receive. HTTP/2
        # and HTTP/3 frame a body without Content-Length, so there only a declared 0 is.
        if fields is _NO_FIELDS:
            wrap_receive = version[0] != "1"
        else:
            wrap_receive = fields.chunked or bool(fields.content_length) or (
                fields.content_length is None and version[0] != "1"
            )
        if wrap_receive:
            exchange.watch_body(
                receive,
                # A declared length is enforced by the server's framing; only a body whose
                # length is not declared needs counting as it streams.
                body_limit if fields.content_length is None else None,
                body_retry_after,
                self.body_timeout,
            )
        app_receive = exchange.receive if wrap_receive else receive
        counted = self.max_concurrency is not None  # in_flight matters only for shedding
        if counted:
            self.in_flight += 1
        try:
            if client_timeout is None:
                try:
                    await self.app(scope, app_receive, exchange.send)
                except Exception as exc:
                    await self._app_failed(exc, scope, exchange)
                    return
                if not exchange.started:
                    await self._no_response(scope, exchange)
            else:
                await self._run_with_deadline(scope, app_receive, exchange, client_timeout)
        finally:
            if counted:
                self.in_flight -= 1

    # -- running the app ------------------------------------------------------------

    async def _run(self, scope: Scope, receive: Receive, exchange: Exchange) -> None:
        try:
            await self.app(scope, receive, exchange.send)
        except Exception as exc:
            await self._app_failed(exc, scope, exchange)
            return
        if not exchange.started:
            await self._no_response(scope, exchange)

    async def _no_response(self, scope: Scope, exchange: Exchange) -> None:
        logger.error("app returned without starting a response to %s %s; answered 500",
                     scope["method"], scope.get("path"))
        await exchange.answer(500)

    async def _app_failed(self, exc: Exception, scope: Scope, exchange: Exchange) -> None:
        if exchange.answered:
            # The guard already answered (408, 413, 504); the app noticing is no news.
            logger.debug("app raised after the guard answered: %r", exc)
            return
        error_id = secrets.token_hex(8)
        logger.error("error id %s: app raised on %s %s", error_id, scope["method"],
                     scope.get("path"), exc_info=exc)
        if exchange.started:
            # The head is out: the only honest signal left is an aborted connection.
            raise exc
        # RFC 9110 §15.6.1: a generic 500; the id ties the client's report to the log line.
        await exchange.answer(
            500,
            detail=f"The server failed to handle the request; quote error id {error_id}.",
            error_id=error_id,
        )

    async def _run_with_deadline(
        self, scope: Scope, receive: Receive, exchange: Exchange, timeout: float
    ) -> None:
        task = asyncio.ensure_future(self._run(scope, receive, exchange))
        try:
            done, _ = await asyncio.wait((task,), timeout=timeout)
        except asyncio.CancelledError:
            task.cancel()
            raise
        if done:
            task.result()
            return
        if exchange.started:
            # The response is on its way: the client's deadline was met in time.
            await task
            return
        # RFC 9110 §15.6.5 and the seed's ServerTimeout: the client's timeout ran out.
        exchange.answered = True
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        exchange.answered = False
        await exchange.answer(504)

    # -- the questions, one each ----------------------------------------------------

    async def _unknown_method(self, method: str, send: Send, head: bool) -> None:
        from statuskit.http import is_token

        if is_token(method):
            await send_problem(send, 501, head=head)
        else:
            # RFC 9110 §9.1: a method is a token; anything else is a malformed request.
            await send_problem(send, 400, head=head, detail="The request method is not a token.")

    def _request_headers(self, scope: Scope) -> _RequestHeaders:
        headers: list[tuple[bytes, bytes]] = scope["headers"]
        fields = dict(headers)
        content_length = None
        raw_length = fields.get(b"content-length")
        if raw_length is not None:
            content_length = _content_length(headers)
        chunked = False
        coding = fields.get(b"transfer-encoding")
        if coding is not None:
            chunked = coding.rsplit(b",", 1)[-1].strip().lower() == b"chunked"
        expect = fields.get(b"expect")
        if expect is not None:
            expect = b",".join(v for n, v in headers if n == b"expect")
        request_timeout = (
            fields.get(self._timeout_header) if self._timeout_header is not None else None
        )
        return _RequestHeaders(content_length, chunked, expect, request_timeout)

    def _requires_length(self, method: str, scope: Scope) -> bool:
        if method in self._length_methods:
            return True
        predicate = self._length_predicate
        return predicate is not None and predicate(method, scope["path"])

    def _body_limit(
        self, scope: Scope, fields: _RequestHeaders
    ) -> tuple[int | None, float | None]:
        limit = self.max_body_size
        if self.quota is None or (fields.content_length is None and not fields.chunked):
            return limit, None
        granted = self.quota(scope)
        if granted is None:
            return limit, None
        if limit is None or granted.limit < limit:
            return granted.limit, granted.retry_after
        return limit, None

    def _client_timeout(self, scope: Scope, fields: _RequestHeaders) -> float | None:
        timeout: float | None = None
        if fields.request_timeout is not None:
            timeout = _seconds(fields.request_timeout, "Request-Timeout")
        param = self._timeout_param
        query: bytes = scope["query_string"]
        if param is not None and param in query:
            for pair in query.split(b"&"):
                if pair.startswith(param):
                    value = _seconds(pair[len(param):], param[:-1].decode())
                    timeout = value if timeout is None else min(timeout, value)
        if timeout is None:
            return None
        return min(timeout, self.max_client_timeout)


def _later_minor_of_http1(version: str) -> bool:
    # RFC 9110 §6.2: a higher minor version of a major version we implement is
    # processed as the highest minor version we know (HTTP/1.2 as HTTP/1.1).
    return len(version) == 3 and version[:2] == "1." and version[2].isdigit()


def _content_length(headers: list[tuple[bytes, bytes]]) -> int:
    # RFC 9110 §8.6: 1*DIGIT; repeated identical values may be folded into one,
    # differing ones make the framing unknowable (RFC 9112 §6.3 step 5).
    values = {v.strip() for n, v in headers if n == b"content-length"}
    for combined in list(values):
        values.discard(combined)
        values.update(part.strip() for part in combined.split(b","))
    if len(values) != 1:
        raise _Malformed("The request carries conflicting Content-Length values.")
    (value,) = values
    if not value.isdigit():
        raise _Malformed("The request's Content-Length is not a number.")
    return int(value)


def _only_100_continue(expect: bytes) -> bool:
    members = [m.strip().lower() for m in expect.split(b",") if m.strip()]
    return all(m == b"100-continue" for m in members)


def _seconds(raw: bytes, name: str) -> float:
    try:
        value = float(raw.decode("ascii"))
    except (UnicodeDecodeError, ValueError):
        value = math.nan
    if not math.isfinite(value) or value < 0:
        raise _Malformed(f"The {name} must be a non-negative number of seconds.")
    return value

