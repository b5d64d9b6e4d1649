"""The app's route table, read once: which methods each path takes.

Starlette's router answers 405 with the methods of the first route that matched the
path, and FastAPI makes one route per decorator, so neither knows the whole set for a
path. This module reads every route the app has, with its effective path, and answers
two questions: which methods does this path take (Allow, RFC 9110 §10.2.1), and which
methods does the app implement anywhere (501, RFC 9110 §15.6.2).

FastAPI 0.16x keeps the routes of ``include_router`` inside private router objects, so
``app.routes`` does not list them; FastAPI's own OpenAPI generator reads them through
``fastapi.routing.iter_route_contexts``, and so does this module. FastAPI is looked up
in ``sys.modules`` only: an app built without it has no FastAPI routes to read.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable, Iterator
from re import Pattern
from typing import Any

from statuskit.types import Scope

__all__ = ["ANY_METHOD", "APP_ROOT_KEY", "RouteTable", "handler_route_path", "note_app_root",
           "route_path"]


class _AnyMethod(frozenset[str]):
    """The methods of a route that takes any method (an ASGI app, a mount of one)."""

    def __repr__(self) -> str:
        return "ANY_METHOD"


ANY_METHOD: frozenset[str] = _AnyMethod()

# The methods Starlette's HTTPEndpoint looks for a handler of.
_ENDPOINT_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "QUERY")
_ANYTHING = re.compile("")
_NOTHING = re.compile("(?!)")
# What a mounted StaticFiles serves; Starlette's StaticFiles answers 405 to the rest.
_STATIC_METHODS = frozenset({"GET", "HEAD"})


# Where the contract notes the installed app's own root path when an outer app's Mount
# put it below one: the app's router then rewrites the scope's root_path in place.
APP_ROOT_KEY = "statuskit.app_root"


def route_path(scope: Scope) -> str:
    """The path the app's router matches, as the request enters the installed app: the
    path below ``root_path`` (a server's prefix or an outer app's Mount)."""
    return _below(scope["path"], scope.get("root_path", ""))


def note_app_root(scope: Scope) -> None:
    """Keep the root the installed app entered with, for handler_route_path."""
    scope[APP_ROOT_KEY] = scope.get("root_path", "")


def handler_route_path(scope: Scope) -> str:
    """The same path, asked from inside the app after its router ran: the installed
    app's root is then the noted one, or else Starlette's ``app_root_path`` (set by
    the app's own mounts), or the unchanged ``root_path``."""
    root = scope.get(APP_ROOT_KEY)
    if root is None:
        root = scope.get("app_root_path", scope.get("root_path", ""))
    return _below(scope["path"], root)


def _below(path: str, root: str) -> str:
    # Starlette's rule: the root counts only where a segment boundary follows it, and
    # the root itself is "" to the router, which no route pattern matches.
    if not root or not path.startswith(root):
        return path
    rest = path[len(root):]
    return rest if not rest or rest[0] == "/" else path


class _Entry:
    """One route: its path pattern and methods, or the routes below a mount."""

    __slots__ = ("below", "methods", "regex")

    def __init__(self, regex: Pattern[str] | None, methods: frozenset[str],
                 below: RouteTable | None = None) -> None:
        self.regex = regex  # None: matches every path (a host route)
        self.methods = methods
        self.below = below

    def methods_for(self, path: str) -> frozenset[str] | None:
        if self.regex is None:
            return self.methods
        match = self.regex.match(path)
        if match is None:
            return None
        if self.below is None:
            return self.methods
        return self.below.allowed("/" + match.group("path"))


class RouteTable:
    """The routes of one router (and, recursively, of the routers mounted in it)."""

    def __init__(self, routes: Iterable[Any]) -> None:
        self.entries: list[_Entry] = []
        # Routes whose handler declares its representation contract, in route order,
        # with every route before them that could take their requests first (the
        # router gives a request to the first route that matches it).
        self.declared: list[Any] = []
        for route in _readable(routes):
            entry = _entry(route)
            if entry is not None:
                self.entries.append(entry)
            self.declared.append(_declared(route))
        while self.declared and self.declared[-1].declaration is None:
            self.declared.pop()
        self.implemented = self._implemented()

    @classmethod
    def of(cls, app: Any) -> RouteTable:
        return cls(app.routes)

    def allowed(self, path: str) -> frozenset[str] | None:
        """The methods routes on ``path`` declare, as declared (a FastAPI GET route does
        not list HEAD); None when no route matches the path; ``ANY_METHOD`` when one of
        them takes any method."""
        found: set[str] | None = None
        for entry in self.entries:
            methods = entry.methods_for(path)
            if methods is None:
                continue
            if methods is ANY_METHOD:
                return ANY_METHOD
            found = set(methods) if found is None else found | methods
        return frozenset(found) if found is not None else None

    def _implemented(self) -> frozenset[str]:
        union: set[str] = set()
        for entry in self.entries:
            if entry.below is not None:
                union |= entry.below.implemented
            elif entry.methods is not ANY_METHOD:
                union |= entry.methods
        return frozenset(union)

    @property
    def opaque(self) -> bool:
        """Whether some route takes methods this table cannot list."""
        return any(e.below.opaque if e.below is not None else e.methods is ANY_METHOD
                   for e in self.entries)


def _readable(routes: Iterable[Any]) -> Iterator[Any]:
    fastapi_routing = sys.modules.get("fastapi.routing")
    reader = getattr(fastapi_routing, "iter_route_contexts", None)
    if reader is None:
        # No FastAPI loaded (or one from before included routers were kept whole):
        # the list holds every route as it is.
        return iter(routes)
    routes = list(routes)
    return iter(reader(routes)) if routes else iter(())


def _entry(route: Any) -> _Entry | None:
    original = getattr(route, "original_route", route)
    if _is_websocket(original):
        return None
    regex = getattr(route, "path_regex", None)
    if regex is None:
        # A host route (or something newer): it may take any path and method.
        return _Entry(None, ANY_METHOD)
    if "path" in regex.groupindex and hasattr(route, "routes"):
        return _mount_entry(route, regex)
    methods = getattr(route, "methods", None)
    if methods is None:
        # An ASGI endpoint answers every method itself; an HTTPEndpoint says which.
        return _Entry(regex, _endpoint_methods(getattr(route, "endpoint", None)))
    return _Entry(regex, frozenset(methods))


def _declared(route: Any) -> Any:
    """The route as the contract matches it, with its declaration, or with None for a
    route that answers for itself (any method where it lists none, any path where it
    has no pattern: a host route; a WebSocket route takes no HTTP request)."""
    from statuskit.starlette._declared import DeclaredRoute, declaration_of

    regex: Pattern[str] | None = getattr(route, "path_regex", None)
    methods: Iterable[str] | None = getattr(route, "methods", None)
    if _is_websocket(getattr(route, "original_route", route)):
        return DeclaredRoute(_NOTHING, frozenset(), None)
    declaration = declaration_of(route) if regex is not None and methods else None
    segment = _first_segment(route) if regex is not None else None
    if declaration is None:
        return DeclaredRoute(regex or _ANYTHING, frozenset(methods) if methods
                             else ANY_METHOD, None, segment)
    assert regex is not None and methods is not None
    missing = set(declaration.params) - set(regex.groupindex)
    if missing:
        raise ValueError(f"the validators of {getattr(route, 'path', regex.pattern)} take "
                         f"{', '.join(sorted(missing))}, which its path does not give")
    return DeclaredRoute(regex, frozenset(methods), declaration, segment)


def _first_segment(route: Any) -> str | None:
    """The literal first segment of the route's path template, the one every path it
    matches starts with; None where it holds a parameter or the template is unknown."""
    path = getattr(route, "path", None)
    if not isinstance(path, str) or not path.startswith("/"):
        return None
    first = path[1:].partition("/")[0]
    return None if "{" in first else first


def _endpoint_methods(endpoint: Any) -> frozenset[str]:
    endpoints = sys.modules.get("starlette.endpoints")
    if endpoints is None or not isinstance(endpoint, type) \
            or not issubclass(endpoint, endpoints.HTTPEndpoint):
        return ANY_METHOD
    # The methods HTTPEndpoint dispatches to a handler named for them.
    return frozenset(m for m in _ENDPOINT_METHODS if getattr(endpoint, m.lower(), None))


def _mount_entry(mount: Any, regex: Pattern[str]) -> _Entry:
    inner = mount.routes
    if inner:
        return _Entry(regex, frozenset(), RouteTable(inner))
    static = sys.modules.get("starlette.staticfiles")
    if static is not None and isinstance(getattr(mount, "app", None), static.StaticFiles):
        return _Entry(regex, _STATIC_METHODS)
    return _Entry(regex, ANY_METHOD)  # a mounted ASGI app answers for itself


def _is_websocket(route: Any) -> bool:
    routing = sys.modules.get("starlette.routing")
    return routing is not None and isinstance(route, routing.WebSocketRoute)
