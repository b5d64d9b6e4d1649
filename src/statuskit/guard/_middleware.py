"""``Guard``: the transport-level status codes, in front of any ASGI app.

Checks run in RFC 9110 order and all of them before the app's first
``receive()``, so a server never sends ``100 Continue`` for a request that is
about to be refused (RFC 9110 §10.1.1). Each question is one method: the head
(``_read_head``: 505, 501, 414, 411, and ``_content_terms`` when the request has
framing, an expectation or a timeout: 400, 417, 411, 413),
the load (``_check_load``: 503, 429, 503), then the run (in ``__call__`` itself:
504, 408, 413, 500). A WebSocket handshake meets the same questions (``_websocket``).
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Awaitable, Callable, Collection, Iterable
from operator import itemgetter
from typing import Any, NamedTuple

import anyio

from statuskit.defaults import (
    BODY_DEADLINE,
    BODY_RATE_GRACE,
    BODY_TIMEOUT,
    MAX_BODY_SIZE,
    MAX_TARGET_LENGTH,
    MAX_WEBSOCKET_MESSAGE_SIZE,
    MAX_WEBSOCKETS,
    MIN_BODY_RATE,
    REFUSED_BODY_DRAIN_LIMIT,
)
from statuskit.guard._answers import send_problem
from statuskit.guard._exchange import BodyPace, Exchange, drain
from statuskit.guard._fields import (
    NO_FIELDS,
    Malformed,
    RequestFields,
    only_100_continue,
    read_fields,
    seconds,
)
from statuskit.guard._websocket import WebSocketSession, refuse_handshake
from statuskit.types import ASGIApp, RawHeaders, Receive, Scope, Send

__all__ = ["Guard", "Quota"]


logger = logging.getLogger("statuskit.guard")

# ASGI names the protocols "1.0", "1.1", "2" and "3" ("1" is Granian's HTTP/1). A server
# handing "2.0" or "3.0" is reporting an HTTP/1 request line with that version, which is
# not HTTP/2 or HTTP/3 at all (RFC 9113 §3, RFC 9114 §3): RFC 9110 §15.6.6 505.
SPOKEN_VERSIONS = frozenset({"1.0", "1.1", "1", "2", "3"})


# The name under which an app's ``state`` records the settings of a Guard already inside
# it (statuskit.starlette.install() puts one there), so that ``statuskit.server.config()``
# serves such an app as it is instead of checking every request twice.
GUARD_SETTINGS_STATE = "statuskit_guard_settings"


class Quota(NamedTuple):
    """A per-request body limit from the ``quota`` hook.

    ``retry_after`` set means the limit is temporary (a quota that refills): the
    413 then carries Retry-After (RFC 9110 §15.5.14).
    """

    limit: int
    retry_after: float | None = None


class Refusal(Exception):
    """A check's verdict that the guard answers in the app's place.

    Raised, so the common path (every check passes) pays for no verdict object."""

    def __init__(
        self, status: int, detail: str | None = None, *,
        retry_after: float | None = None, close: bool = False, drain: bool = False,
    ) -> None:
        super().__init__(status, detail)
        self.status = status
        self.detail = detail
        self.retry_after = retry_after
        self.close = close
        self.drain = drain  # content the client is sending unasked: drop it before closing


class _Terms(NamedTuple):
    """What the run needs from a head that passed with content or a client timeout."""

    fields: RequestFields
    body_limit: int | None
    body_retry_after: float | None
    client_timeout: float | None
    has_body: bool  # RFC 9112 §6.3: else the app gets the server's own receive


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
    ``body_timeout`` (30 s), ``body_deadline`` (120 s), ``min_body_rate`` (500 bytes/s),
    ``body_rate_grace`` (10 s); None switches one off
        408 with ``Connection: close`` when the request body the app awaits stalls for
        ``body_timeout``, takes more than ``body_deadline`` of waiting in all, or falls
        under ``min_body_rate`` on average: after n bytes the client has had
        ``body_rate_grace + n / min_body_rate`` seconds. The app then receives
        ``http.disconnect``, and its ``max_concurrency`` slot is free once it returns.
    ``max_websockets`` (1000), ``max_websocket_message_size`` (1 MiB); None: no limit
        A WebSocket handshake is a GET and meets the same checks (414, 417, 413, 503,
        429, ``max_concurrency``); past ``max_websockets`` open connections it gets 503
        with Retry-After (``busy_retry_after``). Refusals are HTTP responses where the
        server offers ``websocket.http.response``, else close code 1013 (temporary) or
        a close before accepting. A message past the size closes the socket with 1009.
    ``check_content_length`` (True)
        Keep the app's Content-Length true: content that disagrees with it aborts the
        connection instead of desynchronising it (RFC 9112 §6.3). uvicorn's protocols
        enforce the same rule, so ``statuskit.server.run()`` leaves it to them.
    ``reraise`` (False)
        After the 500 has gone out, raise the app's exception on to the server and
        whatever wraps the guard (error reporters, a test client), as Starlette's
        ``ServerErrorMiddleware`` does; the error id is added to it as a note.
        ``statuskit.starlette.install()`` sets it.
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
        body_deadline: float | None = BODY_DEADLINE,
        min_body_rate: float | None = MIN_BODY_RATE,
        body_rate_grace: float = BODY_RATE_GRACE,
        max_websockets: int | None = MAX_WEBSOCKETS,
        max_websocket_message_size: int | None = MAX_WEBSOCKET_MESSAGE_SIZE,
        check_content_length: bool = True,
        reraise: bool = False,
    ) -> None:
        from statuskit.codes import preload
        from statuskit.http.methods import REGISTERED_METHODS

        preload()  # the first problem document reads no file on the event loop
        self.app = app
        self.methods = frozenset(REGISTERED_METHODS) | frozenset(extension_methods)
        self.max_target_length = max_target_length
        self._requires_length = _length_rule(require_length)
        self.max_body_size = max_body_size
        self.quota = quota
        self._maintenance = maintenance
        self._max_concurrency = max_concurrency
        self._rate_limit: Any = None
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
        self.body_pace = BodyPace(body_timeout, body_deadline, min_body_rate, body_rate_grace)
        self.max_websockets = max_websockets
        self.max_websocket_message_size = max_websocket_message_size
        self.check_content_length = check_content_length
        self.reraise = reraise
        self.in_flight = 0
        self.open_websockets = 0
        interesting = {b"content-length", b"transfer-encoding", b"expect"}
        if self._timeout_header is not None:
            interesting.add(self._timeout_header)
        self._interesting = frozenset(interesting)
        self._plain_http1 = self._timeout_param is None and self._requires_length is None
        # Read from the instance, where CPython 3.11 specialises the lookup (not from
        # the class); a layer built on the guard sets its own after this.
        self._exchange_type = self.exchange_type

    # The three load settings, settable at runtime; a request asks one flag of them.
    @property
    def maintenance(self) -> bool:
        return self._maintenance

    @maintenance.setter
    def maintenance(self, on: bool) -> None:
        self._maintenance = on
        self._load_changed()

    @property
    def max_concurrency(self) -> int | None:
        return self._max_concurrency

    @max_concurrency.setter
    def max_concurrency(self, limit: int | None) -> None:
        self._max_concurrency = limit
        self._load_changed()

    @property
    def rate_limit(self) -> Any:
        return self._rate_limit

    @rate_limit.setter
    def rate_limit(self, limit: Any) -> None:
        self._rate_limit = limit
        self._load_changed()

    def _load_changed(self) -> None:
        self._load_checked = bool(self._maintenance) or self._rate_limit is not None \
            or self._max_concurrency is not None

    # What a request's exchange is made of, and how the app is entered with it: a layer
    # built on the guard (statuskit.starlette's contract) keeps its own per-request state
    # on the same object and edits the response inside the same send, so a request pays
    # for one exchange and one send wrapper, not one per layer. Such a layer also has a
    # ``__call__`` of its own, the head's part of this one with its entry in place of the
    # common run's: one frame per request for both.
    exchange_type: type[Exchange] = Exchange

    def _enter(self, scope: Scope, receive: Receive, exchange: Exchange) -> Awaitable[None]:
        return self.app(scope, receive, exchange.send)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._not_http(scope, receive, send)
            return
        method: str = scope["method"]
        try:
            terms = self._read_head(scope, method)
            if self._load_checked:  # maintenance, a rate limit or load shedding
                await self._check_load(scope)
        except Refusal as refusal:
            await self._refuse(refusal, receive, send, method)
            return
        # The run, in this frame: one coroutine fewer per request than a _serve() of its own.
        exchange = self._exchange_type(send, method == "HEAD", self.check_content_length)
        if terms is None and self._max_concurrency is None:
            # The common case: nothing to watch, no clock and no count to keep.
            try:
                await self.app(scope, receive, exchange.send)
            except Exception as exc:
                await self._app_failed(exc, scope, exchange)
                return
            if not exchange.started:
                await self._no_response(scope, exchange)
            return
        await self._run(scope, receive, exchange, terms)

    async def _refuse(self, refusal: Refusal, receive: Receive, send: Send, method: str
                      ) -> None:
        if refusal.drain:
            await drain(receive)
        await send_problem(send, refusal.status, head=method == "HEAD", detail=refusal.detail,
                           retry_after=refusal.retry_after, close=refusal.close)

    async def _run(self, scope: Scope, receive: Receive, exchange: Exchange,
                   terms: _Terms | None) -> None:
        """The run with content or a client timeout to watch, or a count to keep."""
        timeout = None
        if terms is not None:  # content to watch or a client timeout to keep
            if terms.has_body:
                receive = self._watch_body(receive, exchange, terms)
            timeout = terms.client_timeout
        counted = self._max_concurrency is not None  # in_flight matters only for shedding
        if counted:
            self.in_flight += 1
        try:
            try:
                if timeout is None:
                    await self._enter(scope, receive, exchange)
                else:
                    await self._run_with_deadline(scope, receive, exchange, timeout)
            except Exception as exc:
                await self._app_failed(exc, scope, exchange)
                return
            if not exchange.started:
                await self._no_response(scope, exchange)
        finally:
            if counted:
                self.in_flight -= 1

    # -- the head: RFC 9110 order, before the app's first receive() ---------------

    def _read_head(self, scope: Scope, method: str) -> _Terms | None:
        """The head's checks; None when the request has no content and no client
        timeout (the common case: the run has nothing to watch)."""
        # RFC 9110 §15.6.6: a major version this server does not speak.
        version: str = scope.get("http_version", "1.1")
        other_version = version not in _HTTP1  # the common versions ask one question
        if other_version and version not in SPOKEN_VERSIONS \
                and not _later_minor_of_http1(version):
            raise Refusal(505)
        # RFC 9110 §9.1: an unrecognised method is 501; a malformed one is 400.
        if method not in self.methods:
            raise _unknown_method(method)
        # RFC 9110 §15.5.15: a target longer than this server is willing to interpret;
        # the target as sent is the path and, when there is one, "?" and the query.
        raw_path = scope.get("raw_path")
        query: bytes = scope["query_string"]
        target = len(raw_path) if raw_path is not None else len(scope["path"].encode("utf-8"))
        if (target + len(query) + 1 if query else target) > self.max_target_length:
            raise Refusal(414)
        # The content's terms, in the same frame (a call fewer on every request).
        headers = scope["headers"]
        # The names compared in C, not a loop here: a browser sends a dozen fields.
        if not self._interesting.isdisjoint(map(_field_name, headers)):
            # Body framing, an expectation or a Request-Timeout: read them properly.
            return self._content_terms(scope, method, version, _read_fields(
                headers, self._timeout_header))
        if self._plain_http1 and not other_version:
            # No client timeout to read and no length to require (decided once, at
            # construction): an HTTP/1 request without framing fields has no body.
            return None
        param = self._timeout_param
        # bytes.find, not ``in``: ``in`` first tries its operand as an integer and pays
        # for the TypeError on every request (0.2 µs).
        if (other_version and version[0] != "1") \
                or (param is not None and query and query.find(param) >= 0):
            return self._content_terms(scope, method, version, NO_FIELDS)
        # The common case: no body (RFC 9112 §6.3), no expectation, no client timeout.
        requires_length = self._requires_length
        if requires_length is not None and requires_length(method, scope["path"]):
            raise Refusal(411)  # RFC 9110 §15.5.12
        return None

    def _content_terms(
        self, scope: Scope, method: str, version: str, fields: RequestFields
    ) -> _Terms:
        # RFC 9110 §10.1.1: any expectation other than 100-continue is 417, and
        # Expect is ignored altogether in an HTTP/1.0 request.
        if fields.expect is not None and version != "1.0" and not only_100_continue(fields.expect):
            raise Refusal(417)
        # RFC 9110 §15.5.12: 411 where this service requires the length up front.
        requires_length = self._requires_length
        if fields.content_length is None and not fields.chunked \
                and requires_length is not None and requires_length(method, scope["path"]):
            raise Refusal(411)
        body_limit, body_retry_after = self._body_limit(scope, fields)
        # RFC 9110 §15.5.14: refused from the declared length, before any 100 Continue;
        # the connection closes since the body will not be read. A client that did not
        # ask for 100-continue is sending it anyway: drop it first, where it can all be.
        length = fields.content_length
        if body_limit is not None and length is not None and length > body_limit:
            raise Refusal(413, retry_after=body_retry_after, close=True,
                          drain=fields.expect is None and version[0] == "1"
                          and length <= REFUSED_BODY_DRAIN_LIMIT)
        try:
            client_timeout = self._client_timeout(scope, fields)
        except Malformed as exc:
            raise Refusal(400, str(exc)) from None
        return _Terms(fields, body_limit, body_retry_after, client_timeout,
                      _has_body(fields, version))

    def _body_limit(
        self, scope: Scope, fields: RequestFields
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

    def _client_timeout(self, scope: Scope, fields: RequestFields) -> float | None:
        timeout: float | None = None
        if fields.request_timeout is not None:
            timeout = seconds(fields.request_timeout, "Request-Timeout")
        param = self._timeout_param
        query: bytes = scope["query_string"]
        if param is not None and query.find(param) >= 0:
            for pair in query.split(b"&"):
                if pair.startswith(param):
                    value = seconds(pair[len(param):], param[:-1].decode())
                    timeout = value if timeout is None else min(timeout, value)
        if timeout is None:
            return None
        return min(timeout, self.max_client_timeout)

    # -- the load: may this server take one more? ---------------------------------

    async def _check_load(self, scope: Scope) -> None:
        # RFC 9110 §15.6.4: a maintenance window, always with Retry-After.
        if self.maintenance:
            raise Refusal(503, retry_after=self.maintenance_retry_after)
        # RFC 6585 §4: too many requests from this key; Retry-After from the window reset.
        if self.rate_limit is not None:
            wait = await self.rate_limit.retry_after(self.rate_limit_key(scope))
            if wait is not None:
                raise Refusal(429, retry_after=wait)
        # RFC 9110 §15.6.4: load shedding once max_concurrency requests are in flight.
        if self.max_concurrency is not None and self.in_flight >= self.max_concurrency:
            raise Refusal(503, retry_after=self.busy_retry_after)

    # -- the run ----------------------------------------------------------------------

    def _watch_body(self, receive: Receive, exchange: Exchange, terms: _Terms) -> Receive:
        """The exchange's receive, which enforces 413 and 408 on the body."""
        # A declared length is enforced by the server's framing; only a body whose
        # length is not declared needs counting as it streams.
        body_limit = terms.body_limit if terms.fields.content_length is None else None
        exchange.watch_body(receive, body_limit, terms.body_retry_after, self.body_pace)
        return exchange.receive

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
        if exchange.started:
            # The head is out (the app's own 500 handler, or a failure mid-response):
            # the only honest signal left is an aborted connection. With reraise the
            # server logs the traceback; a record of it here would keep the request's
            # frames alive for as long as a log handler keeps records.
            logger.error("error id %s: app raised on %s %s", error_id, scope["method"],
                         scope.get("path"), exc_info=None if self.reraise else exc)
            raise exc
        # The log line first: by the time a client can quote the id, the log holds it.
        if self.reraise:
            # Whoever catches it (the server's log, a reporter) shows the traceback.
            logger.error("error id %s: app raised %s on %s %s; raised on", error_id,
                         type(exc).__name__, scope["method"], scope.get("path"))
        else:
            logger.error("error id %s: app raised on %s %s", error_id, scope["method"],
                         scope.get("path"), exc_info=exc)
        # RFC 9110 §15.6.1: a generic 500; the id ties the client's report to the log line.
        await exchange.answer(
            500,
            detail=f"The server failed to handle the request; quote error id {error_id}.",
            error_id=error_id,
        )
        if self.reraise:
            exc.add_note(f"statuskit answered 500 with error id {error_id}")
            raise exc

    async def _run_with_deadline(
        self, scope: Scope, receive: Receive, exchange: Exchange, timeout: float
    ) -> None:
        # A cancel scope, not an asyncio task: the app may run on trio (issue 23). Once
        # the app starts its response in time the deadline is lifted (Exchange.send);
        # past it, what the app still sends is not heard.
        deadline = anyio.current_time() + timeout
        exchange.deadline_scope = None
        exchange.deadline = deadline
        try:
            with anyio.CancelScope(deadline=deadline) as cancel:
                exchange.deadline_scope = cancel
                await self._enter(scope, receive, exchange)
        except Exception as exc:
            if exchange.started or anyio.current_time() < deadline:
                raise  # the caller's _app_failed answers it
            logger.debug("app raised while cancelled at the client's timeout: %r", exc)
        finally:
            exchange.deadline_scope = None
        if exchange.started:
            return  # finished, its response on its way (the deadline was met), or refused
        if exchange.deadline is not None and anyio.current_time() < deadline:
            return  # the app returned in time without answering: the caller's 500
        # RFC 9110 §15.6.5 and the seed's ServerTimeout: the client's timeout ran out.
        exchange.deadline = None
        exchange.answered = False
        await exchange.answer(504)

    # -- WebSocket: the handshake is a request like any other ------------------------

    async def _not_http(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            await self._websocket(scope, receive, send)
        else:
            await self.app(scope, receive, send)  # lifespan passes through

    async def _websocket(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            # RFC 6455 §4.1: the handshake is a GET, so it meets the GET's questions.
            self._read_head(scope, "GET")
            if scope.get("http_version") == "1.0":
                raise Refusal(400, "A WebSocket handshake needs HTTP/1.1 or later "
                                   "(RFC 6455 §4.1).")
            await self._check_load(scope)
            self._check_websockets()
        except Refusal as refusal:
            await refuse_handshake(scope, receive, send, refusal.status,
                                   detail=refusal.detail, retry_after=refusal.retry_after)
            return
        limit = self.max_websocket_message_size
        if limit is not None:
            session = WebSocketSession(receive, send, limit)
            receive, send = session.receive, session.send
        self.open_websockets += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.open_websockets -= 1

    def _check_websockets(self) -> None:
        # RFC 9110 §15.6.4: an open WebSocket holds memory for as long as it lives, so
        # their number is capped apart from max_concurrency (which long-lived sockets
        # would otherwise exhaust); past the cap, 503 with Retry-After.
        if self.max_websockets is not None and self.open_websockets >= self.max_websockets:
            raise Refusal(503, "This server has as many WebSocket connections open as it "
                               "serves; try again later.", retry_after=self.busy_retry_after)


def _length_rule(
    require_length: Collection[str] | Callable[[str, str], bool] | None,
) -> Callable[[str, str], bool] | None:
    """``(method, path) -> bool``: where a request must declare its length (RFC 9110
    §15.5.12), built once so that a request asks one function, or none at all."""
    if require_length is None or callable(require_length):
        return require_length
    methods = frozenset(require_length)
    if not methods:
        return None

    def in_methods(method: str, path: str) -> bool:
        return method in methods

    return in_methods


def _read_fields(headers: RawHeaders, timeout_header: bytes | None) -> RequestFields:
    try:
        return read_fields(headers, timeout_header)
    except Malformed as exc:
        raise Refusal(400, str(exc)) from None  # RFC 9110 §15.5.1


def _unknown_method(method: str) -> Refusal:
    from statuskit.http import is_token

    # RFC 9110 §9.1: a method is a token; anything else is a malformed request.
    if is_token(method):
        return Refusal(501)
    return Refusal(400, "The request method is not a token.")


def _has_body(fields: RequestFields, version: str) -> bool:
    # RFC 9112 §6.3: an HTTP/1 request has a body only when framed by chunked or a
    # non-zero Content-Length. HTTP/2 and HTTP/3 frame a body without either, so
    # there only a declared 0 says there is none.
    if fields.chunked or fields.content_length:
        return True
    return fields.content_length is None and version[0] != "1"


def _later_minor_of_http1(version: str) -> bool:
    # RFC 9110 §6.2: a higher minor version of a major version we implement is
    # processed as the highest minor version we know (HTTP/1.2 as HTTP/1.1). The
    # minor is one DIGIT, ASCII only (RFC 5234 §B.1), never "١" or "²".
    return len(version) == 3 and version[:2] == "1." and version[2] in _ASCII_DIGITS


_ASCII_DIGITS = frozenset("0123456789")
_HTTP1 = frozenset({"1.1", "1.0", "1"})
_field_name = itemgetter(0)
