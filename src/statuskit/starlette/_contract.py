"""The method contract in front of a Starlette app's middleware stack, kept by the guard.

``Contract`` is the ``Guard`` with the app's route table: the guard's checks, then
these decisions, in one layer, so a request pays for one frame, one exchange and one
send wrapper. Decided before the app runs, and only for the methods that need it, so
a GET or POST to a route that takes it costs one set lookup:

* a method no route anywhere implements: 501 (RFC 9110 §15.6.2);
* OPTIONS: 204 (or 200) with the Allow of every route on the path (§9.3.7, the seed);
  ``OPTIONS *``, about the server in general, with every method some route implements;
* HEAD on a path whose routes declare GET but not HEAD: the GET route runs, and the
  guard in front sends its header section without content (§9.3.2).

The rest (405's Allow, problem+json) happens in the app's exception handlers, which
read the same route table.
"""

from __future__ import annotations

import weakref
from collections.abc import Awaitable
from typing import Any

from statuskit.guard import Guard
from statuskit.guard._exchange import Exchange as GuardExchange
from statuskit.guard._middleware import Refusal
from statuskit.problem import problem_body, problem_headers
from statuskit.starlette._routes import (
    ANY_METHOD,
    RouteTable,
    note_app_root,
    route_path,
)
from statuskit.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["EDIT_KEY", "EXCHANGE_KEY", "Contract", "Exchange", "contract_of", "exchange_edit",
           "exchange_of"]

_weak = weakref.ref
# Where a request's Exchange waits for the helpers (preconditions, ranges, negotiation).
EXCHANGE_KEY = "statuskit.exchange"
# And its ResponseEdit, once made, for chosen() to read in one lookup.
EDIT_KEY = "statuskit.edit"
_PREFLIGHT_FIELD = b"access-control-request-method"
# RFC 9110 §9.1: every general-purpose server supports GET and HEAD; never 501 for them.
_ALWAYS_SUPPORTED = frozenset({"GET", "HEAD", "OPTIONS"})


class Exchange(GuardExchange):
    """One request under the contract: the guard's exchange, with what the helpers ask
    of its response (its ``edit``, applied in the guard's one send wrapper)."""

    __slots__ = ("__weakref__", "contract", "scope")

    # Set by the contract before the app runs: the request's scope and its contract.
    scope: Scope
    contract: Contract

    def edit_refusal(self, message: Message) -> Any:
        # The app's own body-limit 413, in its words, made a problem document.
        if self.contract.problems and _LIMIT_SCOPE_KEY in self.scope:
            return LimitAnswer(self.contract.limit_detail)
        return None


# Starlette's RequestBodyLimitMiddleware (which FastAPI's limits use too) marks the
# scope with the limit while a request is inside it, and answers its 413 itself, in
# plain text (FastAPI: {"detail": ...}), bypassing the app's exception handlers when
# the declared length is past the limit.
_LIMIT_SCOPE_KEY = "starlette.max_body_size"


class LimitAnswer:
    """The app's own body-limit 413 as a problem document (RFC 9110 §15.5.14)."""

    __slots__ = ("body", "sent")

    takes_content = True  # the app's content is replaced

    def __init__(self, detail: str) -> None:
        self.body = problem_body(413, detail)
        self.sent = False  # the problem's content went out; the app's is dropped

    def edited(self, message: Message) -> Message:
        kept = [(n, v) for n, v in message.get("headers", ())
                if n.lower() not in (b"content-type", b"content-length")]
        return {"type": message["type"], "status": 413,
                "headers": problem_headers(self.body) + kept}

    def take(self, message: Message, send: Send) -> Awaitable[None]:
        if self.sent:
            return _nothing()  # the rest of the app's content
        self.sent = True
        return send({"type": "http.response.body", "body": self.body, "more_body": False})


async def _nothing() -> None:
    return None


def exchange_of(scope: Scope) -> Exchange | None:
    ref: weakref.ref[Exchange] | None = scope.get(EXCHANGE_KEY)
    return None if ref is None else ref()


def exchange_edit(scope: Scope) -> Any:
    """The request's ResponseEdit, if a helper or a declaration made one."""
    # exchange_of, inlined: every helper and chosen() asks this once or twice a request.
    ref: weakref.ref[Exchange] | None = scope.get(EXCHANGE_KEY)
    exchange = None if ref is None else ref()
    return exchange.edit if exchange is not None else None


def contract_of(scope: Scope) -> Contract | None:
    exchange = exchange_of(scope)
    return exchange.contract if exchange is not None else None


class Contract(Guard):
    """The guard with the app's method contract, from its route table: one ASGI layer
    (one frame, one exchange, one send wrapper per request) for both."""

    exchange_type = Exchange
    _exchange_type: type[Exchange]  # the guard's instance copy of exchange_type

    def __init__(self, app: ASGIApp, table: RouteTable, *, options_status: int = 204,
                 methods: bool = True, bodies: str = "problem", **guard_settings: Any) -> None:
        if options_status not in (200, 204):
            raise ValueError("options_status is 204 (the seed's rule) or 200")
        super().__init__(app, **guard_settings)
        self.table = table
        self.options_status = options_status
        self.method_contract = methods  # install(methods=False): the app's own answers
        self.problems = bodies != "app"  # install(bodies="app"): the app's own bodies
        # What detail the app's own 413 carries (its own words where "compatible").
        self.limit_detail = "Content Too Large" if bodies == "compatible" else \
            "The request content is larger than this resource accepts."
        # Methods some route declares, less the two this layer decides itself.
        self.routed = table.implemented - {"HEAD", "OPTIONS"}
        # Routes that declare their representation contract (statuskit.starlette.
        # representation), kept here before the app routes the request.
        self.declared = tuple(table.declared) or None
        # The same routes by the first segment of their path, so a request tries the
        # few that can match it (a FastAPI app lists /openapi.json, /docs, ... first).
        self.by_segment, self.unsegmented = _by_first_segment(self.declared or ())

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # The guard's __call__ with this layer's entry in its common run, not a call
        # away: one frame per request for both layers (the head's checks are the
        # guard's own methods, so only this outline is repeated here).
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
        exchange = self._exchange_type(send, method == "HEAD", self.check_content_length)
        if terms is not None or self._max_concurrency is not None:
            await self._run(scope, receive, exchange, terms)  # it enters by _enter()
            return
        exchange.contract = self
        try:
            if method in self.routed or not self.method_contract:
                exchange.scope = scope
                # A weak reference: the exchange holds the scope, so a strong one would
                # make every request a reference cycle, its scope and all it holds (the
                # Request, the response) left for the garbage collector instead of freed
                # as the request ends (2-3 % of a FastAPI GET). This frame keeps the
                # exchange alive while the request runs.
                scope[EXCHANGE_KEY] = _weak(exchange)
                if "app_root_path" in scope:  # below an outer app's Mount
                    note_app_root(scope)
                if self.declared is None:
                    await self.app(scope, receive, exchange.send)
                else:
                    # _run_declared and route_path, inlined: a request to a declared
                    # route pays for no call of the lookup's own (one frame less).
                    path: str = scope["path"]
                    root: str = scope.get("root_path", "")
                    if root and path.startswith(root):
                        rest = path[len(root):]  # route_path's rule, see there
                        if not rest or rest[0] == "/":
                            path = rest
                    for route in self.by_segment.get(path[1:].partition("/")[0],
                                                     self.unsegmented):
                        match = route.regex.match(path)
                        if match is not None and (method in route.methods
                                                  or route.methods is ANY_METHOD):
                            if route.declaration is not None:
                                await route.serve(self.app, scope, receive, exchange, match)
                            else:
                                await self.app(scope, receive, exchange.send)
                            break
                    else:
                        await self.app(scope, receive, exchange.send)
            else:
                await self._decide(scope, receive, exchange)
        except Exception as exc:
            await self._app_failed(exc, scope, exchange)
            return
        if not exchange.started:
            await self._no_response(scope, exchange)

    def _enter(self, scope: Scope, receive: Receive,  # type: ignore[override]
               exchange: Exchange) -> Awaitable[None]:
        # The entry of a run the guard watches (content, a client timeout, a count):
        # what __call__ does in its common run. A plain function handing back the
        # app's awaitable: a GET or POST to a route that takes it costs no coroutine
        # frame of this layer's own.
        exchange.contract = self
        if scope["method"] in self.routed or not self.method_contract:
            exchange.scope = scope
            scope[EXCHANGE_KEY] = _weak(exchange)  # weak: see __call__
            if "app_root_path" in scope:
                note_app_root(scope)
            if self.declared is not None:
                return self._run_declared(scope, receive, exchange)
            return self.app(scope, receive, exchange.send)
        return self._decide(scope, receive, exchange)

    def _run_declared(self, scope: Scope, receive: Receive, exchange: Exchange
                      ) -> Awaitable[None]:
        """The route the router would give the request, found here: a declared one
        keeps its contract first (it may answer the request itself), in the one
        coroutine that then runs the app; any other request costs no frame. (Repeated
        inline in ``__call__``'s common run: keep the two alike.)"""
        path = route_path(scope)
        method = scope["method"]
        for route in self.by_segment.get(path[1:].partition("/")[0], self.unsegmented):
            match = route.regex.match(path)
            if match is not None and (method in route.methods or route.methods is ANY_METHOD):
                if route.declaration is not None:
                    served: Awaitable[None] = route.serve(self.app, scope, receive, exchange,
                                                          match)
                    return served
                break
        return self.app(scope, receive, exchange.send)

    async def _decide(self, scope: Scope, receive: Receive, exchange: Exchange) -> None:
        method: str = scope["method"]
        send = exchange.send
        if method == "OPTIONS" and scope["path"] == "*" and not _preflight(scope):
            # RFC 9110 §9.3.7: the asterisk-form asks about the server in general.
            await self._options(self.table.implemented, send)
            return
        declared = self.table.allowed(route_path(scope))
        opaque = declared is ANY_METHOD
        if method == "HEAD" and declared is not None and not opaque \
                and "HEAD" not in declared and "GET" in declared:
            # RFC 9110 §9.3.2: HEAD is GET without content; the GET route answers, and
            # the exchange (made for a HEAD) sends its header section without content.
            await self._pass(dict(scope, method="GET"), receive, exchange)
            return
        if method == "OPTIONS" and declared is not None and not opaque \
                and "OPTIONS" not in declared and not _preflight(scope):
            await self._options(declared, send)
            return
        if method not in _ALWAYS_SUPPORTED and not opaque and not self.table.opaque:
            # RFC 9110 §15.6.2: no route anywhere implements it.
            await _send_problem(send, 501, f"The method {method} is not implemented here.",
                                head=False)
            return
        await self._pass(scope, receive, exchange)

    async def _pass(self, scope: Scope, receive: Receive, exchange: Exchange) -> None:
        exchange.scope = scope
        scope[EXCHANGE_KEY] = _weak(exchange)
        if "app_root_path" in scope:
            note_app_root(scope)
        if self.declared is not None:
            await self._run_declared(scope, receive, exchange)
            return
        await self.app(scope, receive, exchange.send)

    async def _options(self, declared: frozenset[str], send: Send) -> None:
        from statuskit.starlette._problems import allow_value

        # RFC 9110 §9.3.7 and the seed: OPTIONS answers with Allow; 204 has no content
        # and no Content-Length (§8.6), a 200 says it has none.
        headers = [(b"allow", allow_value(declared).encode("ascii"))]
        if self.options_status == 200:
            headers.append((b"content-length", b"0"))
        await send({"type": "http.response.start", "status": self.options_status,
                    "headers": headers})
        await send({"type": "http.response.body", "body": b"", "more_body": False})


def _by_first_segment(routes: tuple[Any, ...]
                      ) -> tuple[dict[str, tuple[Any, ...]], tuple[Any, ...]]:
    """Per literal first path segment, the routes a request whose path starts with it
    can match, in route order (those whose first segment is a parameter, or that have
    no path, in every list); and the list for any other segment."""
    def candidates(segment: str | None) -> tuple[Any, ...]:
        kept = [r for r in routes if r.segment is None or r.segment == segment]
        while kept and kept[-1].declaration is None:
            kept.pop()  # the app's router answers for what follows the last declared
        return tuple(kept)

    segments = {r.segment for r in routes if r.segment is not None}
    return {segment: candidates(segment) for segment in segments}, candidates(None)


def _preflight(scope: Scope) -> bool:
    # A CORS preflight is an OPTIONS request for the app's CORS middleware to answer.
    return any(name == _PREFLIGHT_FIELD for name, _ in scope["headers"])


async def _send_problem(send: Send, status: int, detail: str, *, head: bool) -> None:
    body = problem_body(status, detail)
    await send({"type": "http.response.start", "status": status,
                "headers": problem_headers(body)})
    await send({"type": "http.response.body", "body": b"" if head else body,
                "more_body": False})
