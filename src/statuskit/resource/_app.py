"""``App``: path templates mapped to resources, as one ASGI application.

Runs alone (behind the guard) or mounted in Starlette/FastAPI, where the mount
prefix arrives as ``root_path``.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from statuskit.resource._answer import Answer, problem
from statuskit.resource._flow import decide, halted, handled
from statuskit.resource._halt import Halt
from statuskit.resource._request import Request
from statuskit.resource._resource import Resource
from statuskit.resource._trace import TRACE_LIMIT, TRACE_PATH, Recorder, TraceStore, instrument
from statuskit.resource._trace_page import trace_page
from statuskit.types import ASGIApp, Receive, Scope, Send

__all__ = ["App", "Route"]

logger = logging.getLogger("statuskit.resource")

TraceHook = Callable[[Request, int, list[str]], None]

_PARAM = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)(?::(int|str|path))?\}")
_CONVERTERS: dict[str, tuple[str, Callable[[str], Any]]] = {
    "str": ("[^/]+", str),
    "int": ("[0-9]+", int),
    "path": (".+", str),
}


class Route:
    """One path template (``/notes/{id}``, ``/items/{n:int}``, ``/files/{rest:path}``)."""

    __slots__ = ("converters", "pattern", "resource", "static", "template", "text_only")

    def __init__(self, template: str, resource: type[Resource]) -> None:
        self.template = template
        self.resource = resource
        self.converters: dict[str, Callable[[str], Any]] = {}
        regex = ""
        end = 0
        for m in _PARAM.finditer(template):
            regex += re.escape(template[end:m.start()])
            name, kind = m.group(1), m.group(2) or "str"
            part, convert = _CONVERTERS[kind]
            regex += f"(?P<{name}>{part})"
            self.converters[name] = convert
            end = m.end()
        regex += re.escape(template[end:])
        self.static = not self.converters
        self.text_only = all(convert is str for convert in self.converters.values())
        self.pattern = re.compile(regex)

    def match(self, path: str) -> dict[str, Any] | None:
        m = self.pattern.fullmatch(path)
        if m is None:
            return None
        if self.text_only:
            return m.groupdict()  # nothing to convert
        return {name: self.converters[name](value) for name, value in m.groupdict().items()}


class App:
    """ASGI app: each request goes to the first route whose template matches.

    ``debug=True`` adds an ``X-Statuskit-Trace`` header naming the decisions the
    request passed, records each decision (question, answers, time) and serves
    the last ``trace_limit`` records below ``/_statuskit/traces``;
    ``trace_hook(request, status, nodes)`` receives the node ids always.
    ``websockets`` maps exact paths to plain ASGI WebSocket handlers; ``mounts``
    maps path prefixes to plain ASGI apps that answer everything below them (they
    see the prefix in ``root_path``). ``state`` is handed to every resource as
    ``request.state``.
    """

    def __init__(
        self,
        routes: Mapping[str, type[Resource]] | Iterable[tuple[str, type[Resource]]],
        *,
        debug: bool = False,
        trace_hook: TraceHook | None = None,
        websockets: Mapping[str, ASGIApp] | None = None,
        mounts: Mapping[str, ASGIApp] | None = None,
        state: Any = None,
        trace_limit: int = TRACE_LIMIT,
    ) -> None:
        pairs = routes.items() if isinstance(routes, Mapping) else routes
        self.routes = [Route(template, resource) for template, resource in pairs]
        # Static templates resolve with one dict lookup.
        self._static = {r.template: r for r in reversed(self.routes) if r.static}
        self._dynamic = [r for r in self.routes if not r.static]
        self.debug = debug
        self.trace_hook = trace_hook
        self.websockets = dict(websockets or {})
        self.mounts = [(prefix.rstrip("/"), app) for prefix, app in (mounts or {}).items()]
        # Each prefix with its slash, built once rather than per request.
        self._mounts = [(prefix, prefix + "/", app) for prefix, app in self.mounts]
        self.state = state
        self.traces = TraceStore(trace_limit) if debug else None

    def _route(self, path: str) -> tuple[type[Resource], dict[str, Any]] | None:
        route = self._static.get(path)
        if route is not None:
            return route.resource, {}
        for route in self._dynamic:
            params = route.match(path)
            if params is not None:
                return route.resource, params
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        path: str = scope["path"]
        root = scope.get("root_path", "")
        if root and path.startswith(root):
            path = path[len(root):] or "/"
        if kind == "websocket":
            handler = self.websockets.get(path)
            if handler is None:
                await send({"type": "websocket.close", "code": 1000})
                return
            await handler(scope, receive, send)
            return
        if kind != "http":
            return  # lifespan: nothing to start or stop
        for prefix, below, mounted in self._mounts:
            if path == prefix or path.startswith(below):
                await mounted({**scope, "root_path": root + prefix}, receive, send)
                return

        traces = self.traces
        if traces is not None and (path == TRACE_PATH or path.startswith(TRACE_PATH + "/")):
            answer = _trace_answer(traces, scope["method"], path[len(TRACE_PATH):])
        else:
            found = self._route(path)
            trace: list[str] | None = None
            if traces is not None:
                trace = Recorder()
            elif self.trace_hook is not None:
                trace = []
            if found is None:
                request = Request(scope, receive, {}, self.state)
                answer = problem(404)  # RFC 9110 §15.5.5: no resource at this path
            else:
                request = Request(scope, receive, found[1], self.state)
                resource = found[0](request)
                if traces is not None:
                    instrument(resource, trace)  # type: ignore[arg-type]
                try:
                    answer = await decide(resource, request, trace)
                except Halt as halt:
                    answer = await halted(resource, halt, debug=self.debug)
                except Exception as exc:
                    recovered = await handled(resource, exc, debug=self.debug)
                    if recovered is None:
                        raise  # the guard answers 500
                    answer = recovered
            if trace is not None:
                if self.trace_hook is not None:
                    self.trace_hook(request, answer.status, trace)
                if traces is not None:
                    _traced(traces, scope, request, trace, answer)  # type: ignore[arg-type]

        headers, status, body = answer.headers, answer.status, answer.body
        if status == 204 or status == 304 or status < 200:
            body = b""  # RFC 9110 §6.4.1: these never carry content, nor its length
        else:
            # RFC 9110 §8.6; a HEAD answer carries the length a GET would have had (§9.3.2)
            headers.append((b"content-length", str(len(body)).encode()))
            if scope["method"] == "HEAD":
                body = b""
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})


def _traced(traces: TraceStore, scope: Scope, request: Request, trace: Recorder,
            answer: Answer) -> None:
    headers = answer.headers
    headers.append((b"x-statuskit-trace", ",".join(trace).encode()))
    trace_id = traces.add(request, trace, answer.status, headers, answer.body)
    headers.append((b"x-statuskit-trace-id", str(trace_id).encode()))
    record = f"{scope.get('root_path', '')}{TRACE_PATH}/{trace_id}"
    headers.append((b"x-statuskit-trace-record", record.encode("latin-1")))


_NO_STORE = (b"cache-control", b"no-store")  # a trace is of one moment


def _trace_answer(traces: TraceStore, method: str, rest: str) -> Answer:
    """The debug path: ``/`` the index (JSON), ``/{id}`` one trace (JSON),
    ``/{id}.html`` its page."""
    if method not in ("GET", "HEAD"):
        return problem(405, headers=[(b"allow", b"GET, HEAD")])  # RFC 9110 §15.5.6
    if rest in ("", "/"):
        return _json(traces.index())
    wanted, html = (rest[1:-5], True) if rest.endswith(".html") else (rest[1:], False)
    trace = traces.get(int(wanted)) if wanted.isascii() and wanted.isdigit() \
        and len(wanted) < 19 else None
    if trace is None:
        return problem(404, "No such trace (only the last few are kept).")
    if html:
        page = trace_page(trace).encode()
        return Answer(200, [(b"content-type", b"text/html; charset=utf-8"), _NO_STORE], page)
    return _json(trace)


def _json(value: Any) -> Answer:
    return Answer(200, [(b"content-type", b"application/json"), _NO_STORE],
                  json.dumps(value, ensure_ascii=False).encode())
