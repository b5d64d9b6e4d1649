"""The visual trace's record: in debug mode, each decision a request passed (node
id, the question, the answers the resource gave there, where it led, the time it
took) and the response, kept for the last few requests.

Nothing here runs unless ``App(debug=True)``: the graph's ``note`` is then a
``Recorder`` (a list of node ids that also stamps the time of each), and the
resource's own questions are wrapped per instance to record what they answered.
"""

from __future__ import annotations

import functools
import itertools
import time
from collections import deque
from collections.abc import Callable, Iterable
from typing import Any

from statuskit.resource._answer import Headers
from statuskit.resource._diagram import NODES
from statuskit.resource._request import Request
from statuskit.resource._resource import QUESTIONS, Resource

__all__ = ["TRACE_LIMIT", "TRACE_PATH", "Recorder", "TraceStore", "instrument"]

# The App serves the last traces below this path (under its mount), in debug mode only.
TRACE_PATH = "/_statuskit/traces"
TRACE_LIMIT = 20
# A trace shows enough of each answer and of the content to recognise them, no more.
_ANSWER_CHARS = 200
_BODY_BYTES = 4096
# Credentials stay out of a page anyone with the debug URL can read.
_SECRET_FIELDS = frozenset({b"authorization", b"proxy-authorization", b"cookie",
                            b"set-cookie"})


class Recorder(list[str]):
    """The node ids a request passed, each with the moment it was reached, and
    the questions the resource answered at each."""

    def __init__(self) -> None:
        super().__init__()
        self.times: list[int] = []
        self.answers: dict[int, list[tuple[str, str]]] = {}
        self.started = time.perf_counter_ns()

    def append(self, node: str) -> None:
        super().append(node)
        self.times.append(time.perf_counter_ns())

    def extend(self, nodes: Iterable[str]) -> None:
        for node in nodes:
            self.append(node)

    def answered(self, question: str, given: str) -> None:
        self.answers.setdefault(len(self) - 1, []).append((question, given))

    def steps(self, status: int, ended: int) -> list[dict[str, Any]]:
        out = []
        for index, node in enumerate(self):
            following = self[index + 1] if index + 1 < len(self) else status
            until = self.times[index + 1] if index + 1 < len(self) else ended
            place = NODES.get(node)
            out.append({
                "node": node,
                "question": place.question if place is not None else "",
                "answers": [list(pair) for pair in self.answers.get(index, ())],
                "next": following,
                "ns": until - self.times[index],
            })
        return out


def _shown(value: Any) -> str:
    if isinstance(value, str | bytes) and len(value) > _ANSWER_CHARS:
        value = value[:_ANSWER_CHARS]  # a 100 MB representation is not repr'd whole
    text = repr(value)
    return text if len(text) <= _ANSWER_CHARS else text[:_ANSWER_CHARS - 1] + "…"


def instrument(resource: Resource, recorder: Recorder) -> None:
    """Wrap, on this instance only, each question its class answers itself."""
    for name in QUESTIONS:
        if name in resource._overridden:
            method = getattr(resource, name)
            wrap = _async_wrapper if name in resource._async else _sync_wrapper
            setattr(resource, name, wrap(name, method, recorder))


def _sync_wrapper(name: str, method: Callable[..., Any],
                  recorder: Recorder) -> Callable[..., Any]:
    @functools.wraps(method)
    def asked(*args: Any) -> Any:
        try:
            given = method(*args)
        except BaseException as exc:
            recorder.answered(name, f"raised {exc!r}")
            raise
        recorder.answered(name, _shown(given))
        return given
    return asked


def _async_wrapper(name: str, method: Callable[..., Any],
                   recorder: Recorder) -> Callable[..., Any]:
    @functools.wraps(method)
    async def asked(*args: Any) -> Any:
        try:
            given = await method(*args)
        except BaseException as exc:
            recorder.answered(name, f"raised {exc!r}")
            raise
        recorder.answered(name, _shown(given))
        return given
    return asked


def _fields(headers: Iterable[tuple[bytes, bytes]]) -> list[list[str]]:
    return [[name.decode("latin-1"),
             "(hidden)" if name.lower() in _SECRET_FIELDS else value.decode("latin-1")]
            for name, value in headers]


class TraceStore:
    """The last ``limit`` traces, newest last, each with an id the App hands out
    in ``X-Statuskit-Trace-Id``."""

    def __init__(self, limit: int = TRACE_LIMIT) -> None:
        self._traces: deque[dict[str, Any]] = deque(maxlen=limit)
        self._ids = itertools.count(1)

    def add(self, request: Request, recorder: Recorder, status: int, headers: Headers,
            body: bytes) -> int:
        ended = time.perf_counter_ns()
        trace_id = next(self._ids)
        query = request.scope.get("query_string", b"")
        target = request.scope["path"] + ("?" + query.decode("latin-1") if query else "")
        self._traces.append({
            "id": trace_id,
            "method": request.method,
            "target": target,
            "status": status,
            "ns": ended - recorder.started,
            "request": {"headers": _fields(request.scope.get("headers", ()))},
            "steps": recorder.steps(status, ended),
            "response": {"status": status, "headers": _fields(headers),
                         "body": body[:_BODY_BYTES].decode("utf-8", "replace"),
                         "truncated": len(body) > _BODY_BYTES},
        })
        return trace_id

    def get(self, trace_id: int) -> dict[str, Any] | None:
        for trace in self._traces:
            if trace["id"] == trace_id:
                return trace
        return None

    def index(self) -> list[dict[str, Any]]:
        return [{"id": t["id"], "method": t["method"], "target": t["target"],
                 "status": t["status"], "nodes": [s["node"] for s in t["steps"]]}
                for t in reversed(self._traces)]
