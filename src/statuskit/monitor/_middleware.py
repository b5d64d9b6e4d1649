"""``Monitor(app)``: ASGI middleware that judges every exchange the app answers.

It watches, and changes nothing: every message goes on to the server as the app
sent it (the same object, in the same order), every message from the server goes
to the app as it came, and what the app raises is raised on, untouched. What it
records of an exchange is the request's fields, the answer's status and fields,
the number of content bytes, and at most ``MONITOR_MAX_BODY`` of the content
(references to the app's own chunks while they fit). When the answer is complete,
the ``Observer`` judges it, after the last message was passed on.

WebSocket and lifespan scopes go to the app as they are, and so does an exchange
left out by sampling: ``sample=0.01`` judges one request in a hundred.
"""

from __future__ import annotations

import inspect
import logging
import math
import random
import re
from collections.abc import Awaitable, Callable
from types import MethodType
from typing import Any

from statuskit.check.record import Exchange
from statuskit.defaults import MONITOR_MAX_BODY
from statuskit.monitor._observer import LOGGER, Observer
from statuskit.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["Monitor", "route_of"]

_NO_BODY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_MAX_SEGMENT = 24  # a path segment longer than this is an identifier, not a route's word
# A path segment with a digit in it, or longer than _MAX_SEGMENT: an identifier.
_IDENTIFIER = re.compile(rf"[^/]*\d[^/]*|[^/]{{{_MAX_SEGMENT + 1},}}")


class Monitor:
    """Judges every exchange of ``app`` (a sampled share of them with ``sample``)."""

    def __init__(self, app: ASGIApp, *, sample: float = 1.0, observer: Observer | None = None,
                 lint: bool = True, logger: logging.Logger | None = LOGGER,
                 max_body: int = MONITOR_MAX_BODY) -> None:
        if isinstance(sample, bool) or not isinstance(sample, int | float) \
                or math.isnan(sample) or not 0.0 <= sample <= 1.0:
            raise ValueError(f"sample must be a share from 0.0 to 1.0, not {sample!r}")
        if isinstance(max_body, bool) or not isinstance(max_body, int) or max_body < 0:
            raise ValueError(f"max_body must be a number of bytes, not {max_body!r}")
        self.app = app
        self.sample = float(sample)
        self.observer = observer if observer is not None else Observer(lint=lint, logger=logger)
        self.max_body = max_body
        self._random = random.random
        self._sampled = self.sample < 1.0
        self._clean = self.observer.clean  # the same dict, read once a request
        if _ASKED_CALL is not None:  # 3.11: what servers ask about (_as_asgi3_call)
            # Assigned, not put in vars(self): a __dict__ made would slow every attribute.
            self.__call__ = MethodType(_ASKED_CALL, self)  # type: ignore[method-assign]

    def __call__(self, scope: Scope, receive: Receive, send: Send) -> Awaitable[None]:
        # A plain call that hands back the app's own awaitable: no coroutine of ours
        # per request, and none between the app and the server while it runs. The
        # exchange is judged when its last message goes on (_last), not when the app
        # returns: what an app does after its answer (a background task) is not waited.
        if scope["type"] != "http" or (self._sampled and self._random() >= self.sample):
            return self.app(scope, receive, send)
        # What the app sent so far: its first message (the start); from a second one
        # on that no count covers, a list of them (the full path, _last: past _FOLD_AT
        # they are folded into a _Watch at [0], so memory stays bounded); _DONE once
        # the answer was counted. The common exchange costs one plain call a message.
        held: Any = None
        root_path: str = scope.get("root_path", "")

        # What watched reads and never rebinds comes as defaults, not as cells: a cell
        # each costs more to make than a default, and a default is as cheap to read.
        def watched(message: Message, send: Send = send, scope: Scope = scope,
                    root_path: str = root_path, self: Monitor = self) -> Awaitable[None]:
            nonlocal held
            if held is None:
                held = message
                return send(message)
            if type(held) is dict:
                # The common answer: one part, every field as an answer counted clean
                # before at this route (Observer.clean), by one lookup. The first
                # message's type goes unread: a first message with a status and fields
                # is a start, or one every server refuses (and so never on the wire).
                try:
                    headers = held["headers"]
                    if message["type"] == _BODY and type(headers) is list \
                            and ("more_body" not in message or not message["more_body"]):
                        length = self._clean.get((
                            id(scope.get("route") or scope.get("endpoint")), root_path,
                            scope.get("root_path", ""), scope["method"], held["status"],
                            tuple(headers)))
                        # -1: counted with no Content-Length, any content length is
                        # clean; None (no answer in these fields counted) equals neither.
                        if length == len(message["body"]) or length == -1:
                            self.observer.exchanges += 1
                            held = _DONE
                            return send(message)
                except Exception:  # unhashable fields, a start without them: _last says why
                    pass
                held = [held]
            elif held is _DONE:  # a message after the answer's last: the server's to refuse
                return send(message)
            held.append(message)
            return self._last(held, scope, root_path, send(message))

        if scope.get("method") not in _NO_BODY_METHODS and _json_request(scope):
            watch = _Watch(root_path, self.max_body)  # the request's JSON is kept too
            held = [watch]
            receive = watch.receiving(receive)
        return self.app(scope, receive, watched)

    def _last(self, sent: list[Any], scope: Scope, root_path: str,
              sending: Awaitable[None]) -> Awaitable[None]:
        """``sending`` (the server's send of sent[-1]), judged after it if that message
        ends the answer; never raises."""
        if sent[0] is _DONE:  # a message after the answer's last: the server's to refuse
            del sent[1:]
            return sending
        message = sent[-1]
        try:
            final = message["type"] in _LAST_KINDS and not message.get("more_body", False)
        except Exception:  # what the app sent is the server's to refuse, not ours
            final = False
        if len(sent) > _FOLD_AT or final:
            self._fold(sent)
        if not final:
            return sending
        held = sent[:]
        sent[:] = [_DONE]
        return self._judged_after(sending, held, scope, root_path)

    async def _judged_after(self, sending: Awaitable[None], held: list[Any], scope: Scope,
                            root_path: str) -> None:
        try:
            await sending
        finally:  # judged even when the server's send raised: the app sent it all
            self._judge_sent(held, scope, root_path)

    def _fold(self, sent: list[Any]) -> None:
        """Reads the messages held so far into the _Watch at sent[0]; never raises."""
        first = sent[0]
        watch = first if type(first) is _Watch else _Watch(None, self.max_body)
        try:
            if not watch.broken:
                for message in sent[1:] if first is watch else sent:
                    watch.take(message)
        except Exception:  # what the app sent is the server's to refuse, not ours
            watch.broken = True
        sent[:] = [watch]

    def _judge_sent(self, sent: list[Any], scope: Scope, root_path: str) -> None:
        if not sent:
            return
        self._fold(sent)
        watch = sent[0]
        if watch.complete and not watch.broken:
            if watch.root_path is None:
                watch.root_path = root_path
            self._judge(watch, scope)

    def _judge(self, watch: _Watch, scope: Scope) -> None:
        try:
            method: str = scope["method"]
            root = watch.root_path or ""
            route = None
            if method != "HEAD" and not watch.unknown_length:
                # What the router matched stands for the route: naming it costs more.
                anchor = scope.get("route") or scope.get("endpoint")
                if anchor is None:
                    route = anchor = f"{method} {route_of(scope, root)}"
                    place: tuple[Any, ...] = (route,)
                else:
                    place = (id(anchor), root, scope.get("root_path", ""))
                if self.observer.triage(place, anchor, method, watch.status, watch.headers,
                                        watch.length, watch.captured >= 0,
                                        exact=watch.parts == 1 and route is None):
                    return  # a shape seen before, in which no rule can find anything
            if route is None:
                route = f"{method} {route_of(scope, root)}"
            seen = watch.exchange(scope)
        except Exception:  # what the app or server put in the scope: never the app's problem
            self.observer.errors += 1
            return
        self.observer.observe(seen, route)


def _as_asgi3_call(cls: type[Monitor]) -> Callable[..., Awaitable[None]] | None:
    """Servers tell ASGI 3 from ASGI 2 (or from WSGI) by whether ``__call__`` is a
    coroutine function: uvicorn asks asyncio, Hypercorn inspect, both of the
    instance's ``__call__`` attribute. From 3.12 on, inspect can mark the plain call
    as one. On 3.11 inspect reads only the code's flags; there what a server asks
    about is a coroutine function bound on each Monitor (the instance's attribute
    comes before the class's function), while the call a server makes,
    ``monitor(...)``, goes to the class's plain ``__call__`` (a call looks the type
    up, never the instance): no coroutine of ours per request on 3.11 either. Hands
    back the coroutine function ``__init__`` binds on 3.11, None from 3.12."""
    plain = cls.__call__
    mark = getattr(inspect, "markcoroutinefunction", None)
    if mark is not None:
        mark(plain)
        return None

    async def __call__(self: Monitor, scope: Scope, receive: Receive, send: Send) -> None:
        await plain(self, scope, receive, send)

    __call__.__doc__ = plain.__doc__
    return __call__  # bound on each monitor: a cycle, one a monitor


_ASKED_CALL = _as_asgi3_call(Monitor)

_FOLD_AT = 2  # messages held unread: a start and one part; a stream is read as it goes,
# holding no more than two of its parts past their send
_START, _BODY = "http.response.start", "http.response.body"
# The messages that may end an answer (with no more_body).
_LAST_KINDS = frozenset({_BODY, "http.response.pathsend", "http.response.zerocopysend"})
_DONE = object()  # sent[0] once the answer's last message went on


class _Watch:
    """What one exchange showed, read from its messages. Everything but the limit and
    the scope's root_path starts as a class default: an exchange sets only what it
    shows, so a watch costs little to make."""

    status = 0
    headers: list[Any] | tuple[Any, ...] = ()
    chunks: list[bytes] | None = None
    captured = 0  # bytes held in chunks; -1 once the content outgrew max_body
    length = 0
    parts = 0  # body messages
    complete = False
    broken = False
    unknown_length = False
    request_chunks: list[bytes] | None = None
    request_length = 0
    request_complete = False
    reads = False  # the request's content is kept: JSON, which malformed-400 reads
    last: object = None  # the message read last: an app that reuses one is not judged

    def __init__(self, root_path: str | None, max_body: int) -> None:
        self.max_body = max_body
        self.root_path = root_path
        if root_path is not None:
            self.reads = True

    def receiving(self, receive: Receive) -> Receive:
        async def watched() -> Message:
            message = await receive()
            try:
                if message["type"] == "http.request":
                    body = message.get("body", b"")
                    self.request_length += len(body)
                    if self.request_length <= self.max_body:
                        if self.request_chunks is None:
                            self.request_chunks = []
                        self.request_chunks.append(body)
                    if not message.get("more_body", False):
                        self.request_complete = self.request_length <= self.max_body
            except Exception:
                self.reads = False
            return message

        return watched

    def take(self, message: Message) -> None:
        """Reads one message the app sent (it has gone on to the server already)."""
        if message is self.last:
            self.broken = True  # one dict sent twice: what it held the first time is gone
            return
        self.last = message
        kind = message["type"]
        if kind == _BODY:
            body = message.get("body", b"")
            size = len(body)
            self.length += size
            self.parts += 1
            captured = self.captured
            if captured >= 0:
                if captured + size > self.max_body:
                    self.chunks, self.captured = None, -1
                elif size:
                    if self.chunks is None:
                        self.chunks = [body]
                    else:
                        self.chunks.append(body)
                    self.captured = captured + size
            if not message.get("more_body", False):
                self.complete = True
        elif kind == _START:
            self.status = message["status"]
            headers = message.get("headers", ())
            if isinstance(headers, list | tuple):
                self.headers = headers
            else:
                self.broken = True  # an iterator: reading it would consume it
        elif kind in ("http.response.pathsend", "http.response.zerocopysend"):
            self.unknown_length = True
            self.complete = not message.get("more_body", False)

    def exchange(self, scope: Scope) -> Exchange:
        method: str = scope["method"]
        request_headers = [(k.decode("latin-1"), v.decode("latin-1"))
                           for k, v in scope.get("headers", ())]
        headers = [(bytes(k).decode("latin-1"), bytes(v).decode("latin-1"))
                   for k, v in self.headers]
        whole = self.captured >= 0 and not self.unknown_length
        if method == "HEAD":
            # What an app sends to HEAD stops at the server: uvicorn, hypercorn and h11
            # drop it, and Starlette relies on that. The wire (check's head-parity,
            # check --har) is where content on HEAD is judged.
            self.chunks, self.length, whole, self.unknown_length = None, 0, True, False
        return Exchange(
            method, _url(scope), request_headers, self.status, "", headers,
            b"".join(self.chunks) if whole and self.chunks else b"",
            version=f"HTTP/{scope.get('http_version', '1.1')}",
            request_body=b"".join(self.request_chunks)
            if self.reads and self.request_chunks else b"",
            body_complete=whole, body_length=-1 if self.unknown_length else self.length,
            request_complete=self.reads and self.request_complete)


def _json_request(scope: Scope) -> bool:
    for name, value in scope.get("headers", ()):
        if name == b"content-type":
            media: bytes = value.split(b";", 1)[0].strip().lower()
            return media == b"application/json" or media.endswith(b"+json")
    return False


def _url(scope: Scope) -> str:
    scheme = scope.get("scheme", "http")
    host = next((v.decode("latin-1") for k, v in scope.get("headers", ()) if k == b"host"),
                None)
    if host is None:
        server = scope.get("server")
        host = f"{server[0]}:{server[1]}" if server else "localhost"
    raw = scope.get("raw_path")
    path = raw.decode("latin-1") if isinstance(raw, bytes) else scope.get("path", "/")
    query = scope.get("query_string", b"")
    return f"{scheme}://{host}{path}" + (f"?{query.decode('latin-1')}" if query else "")


def route_of(scope: Scope, root_path: str = "") -> str:
    """The route template the app's router matched ("/items/{item_id}"; Starlette and
    FastAPI put it in ``scope["route"]``, a mount's prefix in ``root_path``), else
    the path with every segment that looks like an identifier as ``{}``."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    if isinstance(path, str):
        now: str = scope.get("root_path", "")
        prefix = now[len(root_path):] if now.startswith(root_path) else ""
        if not hasattr(route, "endpoint"):
            # A mount matched last (static files, a sub-app that is no router): its own
            # path is in root_path already; what lies under it is one route.
            return prefix + "/{path}"
        return prefix + path
    return _IDENTIFIER.sub("{}", str(scope.get("path", "/"))) or "/"
