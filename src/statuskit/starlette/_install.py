"""``install(app)``: the status-code contract for an existing Starlette or FastAPI app."""

from __future__ import annotations

import inspect
import logging
import sys
from typing import Any, TypeVar

from starlette.applications import Starlette
from starlette.exceptions import HTTPException

from statuskit.defaults import MAX_BODY_SIZE
from statuskit.guard import GUARD_SETTINGS_STATE, Guard
from statuskit.starlette._contract import Contract
from statuskit.starlette._problems import http_exception, validation_failed
from statuskit.starlette._routes import RouteTable
from statuskit.types import ASGIApp

__all__ = ["install"]

logger = logging.getLogger("statuskit.starlette")

App = TypeVar("App", bound=Starlette)
_MARK = "_statuskit_contract"


def install(app: App, *, options_status: int = 204, **guard_settings: Any) -> App:
    """Give ``app`` the contract, from its own route table, and return it.

    HEAD for every GET route, an Allow that is the union of every route on the path,
    OPTIONS answered with ``options_status`` (204, the seed's rule, or 200) and Allow,
    405 with that Allow, 501 for a method no route implements, every error the app
    raises as problem+json, and a ``Guard`` in front built with ``guard_settings``.
    Call it once, after the routes are declared and before the app serves; the app
    keeps working as the same object (``uvicorn module:app`` serves it).
    """
    if getattr(app.build_middleware_stack, _MARK, False):
        raise RuntimeError("statuskit.starlette.install() was already called on this app")
    if app.middleware_stack is not None:
        raise RuntimeError("install() must run before the app serves its first request")
    if options_status not in (200, 204):
        raise ValueError("options_status is 204 (the seed's rule) or 200")
    inspect.signature(Guard).bind(app, **guard_settings)  # unknown settings fail here
    _take_exception_handlers(app)
    build_original = app.build_middleware_stack

    def build_middleware_stack() -> ASGIApp:
        settings = dict(guard_settings)
        own_limit = getattr(app, "max_body_size", None)  # Starlette 1.x and later
        if own_limit is not None:
            # One 413 decision: the guard's, from Content-Length before the app reads,
            # at the smaller of the two limits. Starlette's would answer plain text.
            limit = settings.get("max_body_size", MAX_BODY_SIZE)
            settings["max_body_size"] = own_limit if limit is None else min(limit, own_limit)
            app.max_body_size = None
        try:
            stack = build_original()
        finally:
            if own_limit is not None:
                app.max_body_size = own_limit
        stack = _without_server_error_page(app, stack)
        contract = Contract(stack, RouteTable.of(app), options_status=options_status)
        return Guard(contract, **settings)

    setattr(build_middleware_stack, _MARK, True)
    # statuskit.server.config() reads this: the app carries its Guard, serve it as it is.
    setattr(app.state, GUARD_SETTINGS_STATE, dict(guard_settings))
    # An instance attribute: Starlette builds its stack lazily on the first request,
    # so middleware and routes the app adds after install() are still part of it.
    app.build_middleware_stack = build_middleware_stack  # type: ignore[method-assign]
    return app


def _take_exception_handlers(app: Starlette) -> None:
    handlers = app.exception_handlers
    if _is_default(handlers.get(HTTPException)):
        handlers[HTTPException] = http_exception
    else:
        logger.info("keeping the app's own HTTPException handler")
    exceptions = sys.modules.get("fastapi.exceptions")
    if exceptions is not None:
        invalid = exceptions.RequestValidationError
        if _is_default(handlers.get(invalid)):
            handlers[invalid] = validation_failed
        else:
            logger.info("keeping the app's own RequestValidationError handler")


def _is_default(handler: Any) -> bool:
    # None (Starlette's built-in) or the one FastAPI registers for every app.
    return handler is None or getattr(handler, "__module__", "") == "fastapi.exception_handlers"


def _without_server_error_page(app: Starlette, stack: ASGIApp) -> ASGIApp:
    # Starlette's outermost ServerErrorMiddleware answers an exception with a text page
    # (a traceback in debug mode) and re-raises; the guard's 500 is problem+json with
    # an error id and no internals. An app with its own 500 handler keeps it.
    if any(key in (500, Exception) for key in app.exception_handlers):
        return stack
    from starlette.middleware.errors import ServerErrorMiddleware

    if isinstance(stack, ServerErrorMiddleware):
        return stack.app
    return stack
