"""The contract's common run for a declared route, with its lookup and the route's edit
made inline (issue 23, item 5): the same route found, the same edit made, the same
answers, as by ``Contract._run_declared`` and ``ResponseEdit.__init__``. In process,
over ASGI: the scope's root path and the request's header lines are set exactly."""

# No ``from __future__ import annotations``: FastAPI reads these handlers' annotations,
# which name local functions, at run time.
import asyncio
from typing import Any

import pytest
from fastapi import FastAPI, Request
from fastapi.responses import Response

from statuskit.starlette import Validators, _response, chosen, install, representation
from statuskit.starlette._contract import EDIT_KEY, exchange_of
from statuskit.starlette._response import MAX_RANGE_BUFFER, ResponseEdit

TEXT = b"0123456789"
_UNSET = object()
# Set only once a ranged 200 is held.
_HELD_ONLY = {"_start", "_body", "_held"}


def _slots(edit: ResponseEdit) -> dict[str, Any]:
    return {name: getattr(edit, name, _UNSET) for name in ResponseEdit.__slots__
            if name not in _HELD_ONLY}


def _app(seen: dict[str, Any]) -> Any:
    app = FastAPI()

    async def current(item_id: str) -> Validators | None:
        return Validators(etag="v1") if item_id == "1" else None

    @app.get("/items/{item_id}")
    @representation(provides=("text/plain", "application/json"), validators=current)
    async def read(item_id: str, request: Request) -> Response:
        seen["read"] = seen.get("read", 0) + 1
        found = chosen(request)
        if found.validators is None:
            return Response(status_code=404)
        return Response(TEXT, media_type=found.media_type)

    @app.get("/ranged")
    @representation(ranges=True)  # nothing decided before the handler: the edit as made
    async def ranged(request: Request) -> Response:
        made = request.scope[EDIT_KEY]
        exchange = exchange_of(request.scope)
        assert exchange is not None
        fresh = ResponseEdit(exchange, (), True)
        seen["made"], seen["fresh"] = _slots(made), _slots(fresh)
        return Response(TEXT, media_type="text/plain")

    @app.get("/large")
    @representation(ranges=True)
    async def large() -> Response:
        # A declared length past what a range is cut from (no content needed for that).
        return Response(b"", headers={"content-length": str(MAX_RANGE_BUFFER + 1)})

    @app.get("/plain")
    async def plain() -> Response:
        seen["plain"] = seen.get("plain", 0) + 1
        return Response(TEXT, media_type="text/plain")

    return install(app)


def _call(app: Any, path: str, headers: list[tuple[bytes, bytes]], *, method: str = "GET",
          root_path: str = "") -> list[dict[str, Any]]:
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
             "method": method, "scheme": "http", "path": path, "raw_path": path.encode(),
             "root_path": root_path, "query_string": b"", "client": ("127.0.0.1", 5000),
             "server": ("127.0.0.1", 80), "headers": [(b"host", b"test"), *headers]}
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    asyncio.run(app(scope, receive, send))
    return sent


def _fields(start: dict[str, Any]) -> dict[bytes, bytes]:
    return {name.lower(): value for name, value in start["headers"]}


def _content(sent: list[dict[str, Any]]) -> bytes:
    return b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")


@pytest.mark.parametrize("method", ["GET", "HEAD"])
@pytest.mark.parametrize("headers", [
    [(b"accept", b"text/plain")],
    # RFC 9110 §5.3: a field on several lines is one list; the edit joins them.
    [(b"accept", b"text/plain"), (b"range", b"bytes=0-1"), (b"accept", b"*/*")],
    [],
])
def test_the_edit_made_inline_is_the_one_init_makes(method: str,
                                                      headers: list[tuple[bytes, bytes]]
                                                      ) -> None:
    seen: dict[str, Any] = {}
    sent = _call(_app(seen), "/ranged", headers, method=method)
    assert seen["made"] == seen["fresh"]
    assert _UNSET not in seen["made"].values()
    assert seen["made"]["method"] == method
    assert sent[0]["status"] in (200, 206)
    if method == "HEAD":
        assert _content(sent) == b""  # RFC 9110 §9.3.2


def test_a_declared_route_is_found_below_the_root_path() -> None:
    seen: dict[str, Any] = {}
    app = _app(seen)
    # RFC 9110 §13.2.2: decided before the handler, which does not run.
    sent = _call(app, "/api/items/1", [(b"if-none-match", b'"v1"')], root_path="/api")
    assert sent[0]["status"] == 304
    assert _fields(sent[0])[b"etag"] == b'"v1"'
    assert _content(sent) == b""
    assert "read" not in seen
    # RFC 9110 §15.5.7, also decided before the handler.
    sent = _call(app, "/api/items/1", [(b"accept", b"image/png")], root_path="/api")
    assert sent[0]["status"] == 406
    assert _fields(sent[0])[b"content-type"] == b"application/problem+json"
    assert "read" not in seen
    sent = _call(app, "/api/items/1", [(b"accept", b"application/json")], root_path="/api")
    assert sent[0]["status"] == 200 and seen["read"] == 1
    assert _fields(sent[0])[b"content-type"].startswith(b"application/json")
    assert _fields(sent[0])[b"vary"] == b"Accept"
    assert _content(sent) == TEXT


def test_a_route_not_declared_and_a_path_no_route_takes_go_to_the_app() -> None:
    seen: dict[str, Any] = {}
    app = _app(seen)
    sent = _call(app, "/api/plain", [], root_path="/api")
    assert sent[0]["status"] == 200 and seen["plain"] == 1
    assert b"vary" not in _fields(sent[0]) and b"etag" not in _fields(sent[0])
    assert _content(sent) == TEXT
    sent = _call(app, "/nowhere", [])
    assert sent[0]["status"] == 404
    assert "read" not in seen


@pytest.mark.parametrize("limit", [4096, 0])  # remembered, and past the cache's bound
def test_ranges_follow_the_declared_length(monkeypatch: pytest.MonkeyPatch,
                                           limit: int) -> None:
    monkeypatch.setattr(_response, "_BUFFERABLE_LIMIT", limit)
    monkeypatch.setattr(_response, "_BUFFERABLE", _response._Bufferable())
    app = _app({})
    for _ in range(2):  # the second time from what was remembered
        sent = _call(app, "/ranged", [(b"range", b"bytes=2-5")])
        assert sent[0]["status"] == 206
        assert _fields(sent[0])[b"content-range"] == b"bytes 2-5/10"
        assert _fields(sent[0])[b"accept-ranges"] == b"bytes"
        assert _content(sent) == TEXT[2:6]
        # RFC 9110 §14.2: too long to cut here, so the Range is ignored, and §14.3: no
        # Accept-Ranges said.
        sent = _call(app, "/large", [(b"range", b"bytes=2-5")], method="HEAD")
        assert sent[0]["status"] == 200
        assert b"accept-ranges" not in _fields(sent[0])
        assert b"content-range" not in _fields(sent[0])
        assert _content(sent) == b""
    assert len(_response._BUFFERABLE) == (2 if limit else 0)
