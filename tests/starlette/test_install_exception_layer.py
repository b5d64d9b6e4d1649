"""install() swaps Starlette's ExceptionMiddleware for LeanExceptions: the same handlers,
answers and raises, checked here against the stock app side by side."""

from __future__ import annotations

import pytest
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware.exceptions import ExceptionMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from statuskit.starlette import install
from statuskit.starlette._install import LeanExceptions


class Teapot(Exception):
    pass


class SubTeapot(Teapot):
    pass


async def raises_teapot(request: Request) -> Response:
    raise SubTeapot("brewing")


async def raises_after_start(request: Request) -> Response:
    async def body():  # type: ignore[no-untyped-def]
        yield b"x"
        raise Teapot("late")

    return StreamingResponse(body())


async def raises_unhandled(request: Request) -> Response:
    raise KeyError("nope")


def teapot_handler(request: Request, exc: Exception) -> Response:  # sync: threadpool
    return JSONResponse({"seen": str(exc), "path": request.url.path}, status_code=418)


def build() -> Starlette:
    return Starlette(routes=[Route("/teapot", raises_teapot), Route("/late", raises_after_start),
                             Route("/unhandled", raises_unhandled)],
                     exception_handlers={Teapot: teapot_handler})


def layer_of(app: Starlette) -> object:
    layer: object = app.middleware_stack
    while not isinstance(layer, ExceptionMiddleware):
        layer = layer.app  # type: ignore[attr-defined]
    return layer


def test_the_layer_is_swapped_in_place() -> None:
    app = install(build())
    with TestClient(app) as client:
        client.get("/teapot")
    assert type(layer_of(app)) is LeanExceptions


def test_a_handled_exception_by_its_class_mro_as_stock() -> None:
    stock, installed = TestClient(build()), TestClient(install(build()))
    a, b = stock.get("/teapot"), installed.get("/teapot")
    assert a.status_code == b.status_code == 418
    assert a.json() == b.json() == {"seen": "brewing", "path": "/teapot"}


def test_unhandled_is_raised_on_as_stock() -> None:
    for app in (build(), install(build())):
        with pytest.raises(KeyError):
            TestClient(app).get("/unhandled")


def test_handled_after_the_start_is_a_runtime_error_as_stock() -> None:
    for app in (build(), install(build())):
        with pytest.raises(RuntimeError, match="response already started"):
            TestClient(app).get("/late")


def test_router_http_exception_gets_the_status_handler() -> None:
    async def gone(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        return PlainTextResponse("gone", status_code=410)

    app = install(Starlette(routes=[Route("/x", raises_unhandled)],
                            exception_handlers={404: gone}))
    answer = TestClient(app).get("/missing")
    assert answer.status_code == 410 and answer.text == "gone"
