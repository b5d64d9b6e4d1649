"""``install(app)``: the status-code contract for an existing Starlette or FastAPI app."""

from __future__ import annotations

import inspect
import logging
import sys
from collections.abc import Awaitable
from typing import Any, TypeVar

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware.exceptions import ExceptionMiddleware
from starlette.requests import Request

from statuskit.codes import preload
from statuskit.guard import GUARD_SETTINGS_STATE, Guard
from statuskit.starlette._contract import Contract
from statuskit.starlette._problems import (
    BODY_STYLES,
    Style,
    http_exception_handler,
    validation_handler,
)
from statuskit.starlette._routes import RouteTable
from statuskit.types import ASGIApp, Message, Receive, Scope, Send

try:  # Starlette's own test for an async handler, so LeanExceptions decides as it does
    from starlette._utils import is_async_callable
except ImportError:  # a Starlette that renamed its private helper: the same question asked here
    import functools as _functools

    def is_async_callable(obj: Any) -> bool:  # type: ignore[no-redef]
        while isinstance(obj, _functools.partial):
            obj = obj.func
        return inspect.iscoroutinefunction(obj) or (
            callable(obj) and inspect.iscoroutinefunction(type(obj).__call__))

__all__ = ["install"]

logger = logging.getLogger("statuskit.starlette")

App = TypeVar("App", bound=Starlette)
_MARK = "_statuskit_contract"
# The Guard's defaults that install() does not impose on an app that never asked:
# a body limit (the app's own limits stay in force, per route, router and mount) and
# the client's timeout (an app's own ``?timeout=`` is its business), unless passed.
_NOT_IMPOSED = {"max_body_size": None}
_CLIENT_TIMEOUT_OFF = {"timeout_param": None, "timeout_header": None}


def install(app: App, *, methods: bool = True, statuses: bool = True,
            bodies: str = "problem", server_errors: bool = True,
            client_timeout: bool = False, options_status: int = 204,
            **guard_settings: Any) -> App:
    """Give ``app`` the contract, from its own route table, and return it.

    Each change is a switch, for adopting one at a time:

    ``methods``: HEAD for every GET route, OPTIONS answered with ``options_status``
    (204, the seed's rule, or 200) and Allow, 405 with the Allow of every route on the
    path, 501 for a method no route implements. ``statuses``: RFC 9110's 400 / 404 /
    415 / 422 for what FastAPI answers 422. ``bodies``: ``"problem"`` (RFC 9457
    documents), ``"compatible"`` (problem documents whose ``detail`` is what the app
    would have sent) or ``"app"`` (the app's own bodies). ``server_errors``: the
    guard's problem+json 500 (an error id, no internals) in place of Starlette's text
    or debug page. ``client_timeout``: the guard's 504 for ``?timeout=`` and
    ``Request-Timeout`` (off: the app's own parameters are left alone).

    A ``Guard`` goes in front with ``guard_settings``; it adds no body limit unless
    ``max_body_size=`` is passed (the app's own limits answer, as problem+json), and
    raises the app's exception on after its 500, as Starlette does. Call it once,
    after the routes are declared and before the app serves; the app keeps working as
    the same object (``uvicorn module:app`` serves it).
    """
    if getattr(app.build_middleware_stack, _MARK, False):
        raise RuntimeError("statuskit.starlette.install() was already called on this app")
    if app.middleware_stack is not None:
        raise RuntimeError("install() must run before the app serves its first request")
    if options_status not in (200, 204):
        raise ValueError("options_status is 204 (the seed's rule) or 200")
    if bodies not in BODY_STYLES:
        raise ValueError(f"bodies is one of {', '.join(BODY_STYLES)}, not {bodies!r}")
    settings = _guard_settings(guard_settings, client_timeout)
    inspect.signature(Guard).bind(app, **settings)  # unknown settings fail here
    # The first problem document would otherwise read catalogue.toml on the event loop.
    preload()
    _take_exception_handlers(app, Style(statuses=statuses, bodies=bodies))
    build_original = app.build_middleware_stack

    def build_middleware_stack() -> ASGIApp:
        stack = build_original()
        if server_errors:
            stack = _without_server_error_page(app, stack)
        _lighten_exception_layer(stack)
        table = RouteTable.of(app)
        # A method the app's own routes take is one this server implements, registered
        # with IANA or not (RFC 9110 §16.1): the guard's 501 is for the others.
        own = table.implemented.union(settings.get("extension_methods", ()))
        # The guard and the method contract in one layer: one exchange and one send
        # wrapper per request.
        return Contract(stack, table, options_status=options_status, methods=methods,
                        bodies=bodies, **{**settings, "extension_methods": own})

    setattr(build_middleware_stack, _MARK, True)
    # statuskit.server.config() reads this: the app carries its Guard, serve it as it is.
    setattr(app.state, GUARD_SETTINGS_STATE, dict(settings))
    # An instance attribute: Starlette builds its stack lazily on the first request,
    # so middleware and routes the app adds after install() are still part of it.
    app.build_middleware_stack = build_middleware_stack  # type: ignore[method-assign]
    _document(app, methods=methods, statuses=statuses, bodies=bodies, settings=settings)
    return app


def _guard_settings(given: dict[str, Any], client_timeout: bool) -> dict[str, Any]:
    settings = {**_NOT_IMPOSED, "reraise": True}
    if not client_timeout:
        settings.update(_CLIENT_TIMEOUT_OFF)
    settings.update(given)
    return settings


def _take_exception_handlers(app: Starlette, style: Style) -> None:
    handlers = app.exception_handlers
    if _is_default(handlers.get(HTTPException)):
        handlers[HTTPException] = http_exception_handler(style)
    else:
        logger.info("keeping the app's own HTTPException handler")
    exceptions = sys.modules.get("fastapi.exceptions")
    if exceptions is not None:
        invalid = exceptions.RequestValidationError
        if not _is_default(handlers.get(invalid)):
            logger.info("keeping the app's own RequestValidationError handler")
        elif style.statuses or style.bodies != "app":
            handlers[invalid] = validation_handler(style)


def _is_default(handler: Any) -> bool:
    # None (Starlette's built-in) or the one FastAPI registers for every app.
    return handler is None or getattr(handler, "__module__", "") == "fastapi.exception_handlers"


def _without_server_error_page(app: Starlette, stack: ASGIApp) -> ASGIApp:
    # Starlette's outermost ServerErrorMiddleware answers an exception with a text page
    # (a traceback in debug mode) and re-raises; the guard's 500 is problem+json with
    # an error id and no internals, and re-raises the same way. An app with its own
    # 500 handler keeps it.
    if any(key in (500, Exception) for key in app.exception_handlers):
        return stack
    from starlette.middleware.errors import ServerErrorMiddleware

    if isinstance(stack, ServerErrorMiddleware):
        return stack.app
    return stack


def _lighten_exception_layer(stack: ASGIApp) -> None:
    """Starlette's ExceptionMiddleware in the app's stack made a ``LeanExceptions``:
    the same handlers and the same answers, at less per request."""
    layer: Any = stack
    for _ in range(16):  # the layers Starlette and FastAPI put in front, and the app's
        if type(layer) is ExceptionMiddleware:
            if isinstance(getattr(layer, "_exception_handlers", None), dict) \
                    and isinstance(getattr(layer, "_status_handlers", None), dict):
                # In place: whatever holds the layer keeps holding the same object.
                layer.__class__ = LeanExceptions
            return
        layer = getattr(layer, "app", None)
        if layer is None:
            return


class LeanExceptions(ExceptionMiddleware):
    """ExceptionMiddleware for an HTTP request without the per-request objects it
    needs only when the app raises: the ``Request`` its handlers are given is made
    then, and the response start is noted by a plain function, not a coroutine
    per message (a FastAPI GET passes two messages through it). It finds a handler,
    answers and raises by Starlette's rules for its exception handlers (a status
    handler for an HTTPException, else the first class of the exception's MRO; an
    exception with no handler raised on; a handled one after the response started
    a RuntimeError). A WebSocket or lifespan scope goes to Starlette's own code."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        # Read now, as Starlette does: a mounted app's own layer replaces the
        # scope's entry on its way in.
        handlers = scope["starlette.exception_handlers"] = (
            self._exception_handlers, self._status_handlers)
        started = False

        def noting_start(message: Message) -> Awaitable[None]:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            return send(message)

        try:
            await self.app(scope, receive, noting_start)
        except Exception as exc:
            await _answer_exception(exc, handlers, started, scope, receive, send,
                                    noting_start)


async def _answer_exception(exc: Exception, handlers: Any, started: bool, scope: Scope,
                            receive: Receive, send: Send, noting_start: Send) -> None:
    by_class, by_status = handlers
    handler = by_status.get(exc.status_code) if isinstance(exc, HTTPException) else None
    if handler is None:
        handler = next((by_class[cls] for cls in type(exc).__mro__ if cls in by_class),
                       None)
    if handler is None:
        raise exc
    if started:
        # Starlette's words, which its users' tests match.
        raise RuntimeError("Caught handled exception, but response already started.") \
            from exc
    request = Request(scope, receive, send)
    if is_async_callable(handler):
        response = await handler(request, exc)
    else:
        response = await run_in_threadpool(handler, request, exc)
    if response is not None:
        await response(scope, receive, noting_start)
    exc.__traceback__ = None  # a reused exception instance would keep each traceback


def _document(app: Starlette, **switches: Any) -> None:
    """FastAPI's generated OpenAPI document, told what install() answers."""
    if "fastapi" not in sys.modules or not callable(getattr(app, "openapi", None)):
        return
    from statuskit.starlette._openapi import document_contract

    document_contract(app, **switches)
