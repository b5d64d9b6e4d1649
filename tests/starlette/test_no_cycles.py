"""An installed request is freed as it ends: nothing statuskit keeps per request (the
exchange, a helper's edit) makes a reference cycle, which would leave the request's
scope and everything it holds to the garbage collector. The oracle is the same app
without install(): no more unreachable objects than it leaves."""

from __future__ import annotations

import gc
from collections.abc import Callable
from typing import Annotated, Any

import anyio
from fastapi import Depends, FastAPI, Request
from fastapi.responses import Response

from statuskit.starlette import Validators, conditional, install, provides, ranged

REQUESTS = 50
TAG = "v1"


async def _current(item_id: int) -> Validators | None:
    return Validators(etag=TAG)


# At module level: FastAPI resolves these (string) annotations in the module's names.
Media = Annotated[str, Depends(provides("application/json", "text/plain"))]
Current = Annotated[Validators | None, Depends(conditional(_current))]


def _plain() -> FastAPI:
    app = FastAPI()

    @app.get("/items/{item_id}")
    async def read(item_id: int, request: Request) -> Response:
        return Response(b"{}", media_type="application/json")

    return app


def _with_helpers() -> FastAPI:
    app = FastAPI()

    @app.get("/items/{item_id}", dependencies=[Depends(ranged())])
    async def read(item_id: int, media: Media, v: Current) -> Response:
        return Response(b"{}", media_type=media)

    return app


async def _serve(app: Any, headers: list[tuple[bytes, bytes]]) -> list[int]:
    statuses: list[int] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            statuses.append(message["status"])

    for _ in range(REQUESTS):
        scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
                 "method": "GET", "scheme": "http", "path": "/items/1", "raw_path":
                 b"/items/1", "query_string": b"", "root_path": "",
                 "headers": [(b"host", b"t"), *headers], "client": ("127.0.0.1", 1),
                 "server": ("127.0.0.1", 80)}
        await app(scope, receive, send)
    return statuses


def _left_to_collector(build: Callable[[], Any], headers: list[tuple[bytes, bytes]]
                       ) -> tuple[int, list[int]]:
    app = build()
    anyio.run(_serve, app, headers)  # the app's own first-request work, outside the count
    gc.collect()
    gc.disable()
    try:
        statuses = anyio.run(_serve, app, headers)
        return gc.collect(), statuses
    finally:
        gc.enable()


def test_an_installed_get_leaves_no_more_cycles_than_the_stock_app() -> None:
    stock, stock_statuses = _left_to_collector(_plain, [])
    ours, statuses = _left_to_collector(lambda: install(_plain()), [])
    assert stock_statuses == statuses == [200] * REQUESTS
    assert ours <= stock


def test_a_get_through_the_helpers_leaves_no_more_cycles_than_the_stock_app() -> None:
    stock, _ = _left_to_collector(_plain, [])
    ours, statuses = _left_to_collector(lambda: install(_with_helpers()), [
        (b"accept", b"application/json")])
    assert statuses == [200] * REQUESTS
    assert ours <= stock
    left, not_modified = _left_to_collector(lambda: install(_with_helpers()), [
        (b"if-none-match", f'"{TAG}"'.encode())])
    assert not_modified == [304] * REQUESTS
    assert left <= stock
