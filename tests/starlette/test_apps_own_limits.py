"""install() follows the app's own body limits wherever they are declared (Starlette's
route, router and mount ``max_body_size``, FastAPI's app, router and route limits and
``form_limits``) and adds none of its own (issue 23, items 2, 5 and 6). The oracle is
the same app without install(): the status must be the one it answers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import anyio
import httpx
import pytest
from fastapi import APIRouter, FastAPI, Form
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Mount, Route, Router
from wire import exchange, problem

from statuskit.starlette import install
from support.rawhttp import get
from support.servers import serve

PROBLEM = "application/problem+json"


async def _echo(request: Request) -> JSONResponse:
    return JSONResponse({"received": len(await request.body())})


def _starlette() -> Starlette:
    # The issue's own example, with a mount and a router of their own limits besides.
    return Starlette(routes=[
        Route("/upload", _echo, methods=["POST"], max_body_size=10),
        Route("/small", _echo, methods=["POST"]),
        Mount("/tiny", routes=[Route("/in", _echo, methods=["POST"])], max_body_size=3),
        Mount("/routed", app=Router(routes=[Route("/in", _echo, methods=["POST"])],
                                    max_body_size=20)),
    ], max_body_size=5)


def _fastapi() -> FastAPI:
    app = FastAPI(max_body_size=5)

    @app.post("/upload", max_body_size=10)
    async def upload(request: Request) -> dict[str, int]:
        return {"received": len(await request.body())}

    router = APIRouter()

    @router.post("/in")
    async def inside(request: Request) -> dict[str, int]:
        return {"received": len(await request.body())}

    app.include_router(router, prefix="/routed", max_body_size=20)

    @app.post("/small")
    async def small(request: Request) -> dict[str, int]:
        return {"received": len(await request.body())}

    @app.post("/form", form_limits={"max_fields": 1})
    async def form(a: str = Form(), b: str = Form("")) -> dict[str, str]:
        return {"a": a}

    return app


CASES = [  # (path, size, stock status): the app's own limit, route by route
    ("/upload", 8, 200), ("/upload", 11, 413), ("/small", 5, 200), ("/small", 6, 413),
    ("/routed/in", 20, 200), ("/routed/in", 21, 413),
]


@pytest.mark.parametrize("build", [_starlette, _fastapi], ids=["starlette", "fastapi"])
def test_each_route_keeps_the_limit_the_app_gave_it(build: Any) -> None:
    with serve(build()) as stock_port, serve(install(build())) as port:
        for path, size, expected in [*CASES, *([("/tiny/in", 4, 413)]
                                               if build is _starlette else [])]:
            stock = exchange(stock_port, "POST", path, body=b"x" * size)
            ours = exchange(port, "POST", path, body=b"x" * size)
            assert stock.status == expected, (path, size, stock.status)
            assert ours.status == expected, (path, size, ours.status, ours.body[:200])
            if expected == 413:
                assert problem(ours, 413)["title"] == "Content Too Large"
            else:
                assert ours.json() == {"received": size}


def test_fastapi_form_limits_answer_as_the_app_would() -> None:
    # Two fields where the route takes one.
    with serve(_fastapi()) as stock_port, serve(install(_fastapi())) as port:
        form = b"a=1&b=2"
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        stock = exchange(stock_port, "POST", "/form", headers, form)
        ours = exchange(port, "POST", "/form", headers, form)
    assert stock.status >= 400
    assert ours.status == stock.status
    assert ours.header("content-type") == PROBLEM


def test_an_app_without_a_limit_gets_none_from_install() -> None:
    app = Starlette(routes=[Route("/upload", _echo, methods=["POST"])])
    size = 3 * 1024 * 1024  # past the guard's own 1 MiB default
    with serve(install(app)) as port:
        response = exchange(port, "POST", "/upload", body=b"x" * size)
    assert response.status == 200
    assert response.json() == {"received": size}


def test_install_max_body_size_is_a_limit_over_the_whole_app() -> None:
    app = Starlette(routes=[Route("/upload", _echo, methods=["POST"])])
    with serve(install(app, max_body_size=4)) as port:
        assert exchange(port, "POST", "/upload", body=b"x" * 4).status == 200
        refused = get(port, "/upload", method="POST", body=b"x" * 5)
    assert problem(refused, 413)["status"] == 413
    assert refused.header("connection") == "close"  # the guard's: the body went unread


async def _unframed(app: Any, size: int) -> httpx.Response:
    # Neither Content-Length nor Transfer-Encoding: an in-process transport hands the
    # app a body no server would frame this way; the app's limit must still count it.
    async def content() -> AsyncIterator[bytes]:
        yield b"x" * size

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        request = client.build_request("POST", "/small", content=content())
        del request.headers["transfer-encoding"]
        return await client.send(request)


@pytest.mark.parametrize("build", [_starlette, _fastapi], ids=["starlette", "fastapi"])
def test_an_unframed_body_is_still_counted_by_the_apps_limit(build: Any) -> None:
    stock = anyio.run(_unframed, build(), 6)
    ours = anyio.run(_unframed, install(build()), 6)
    assert stock.status_code == 413
    assert ours.status_code == 413
    assert ours.headers["content-type"] == PROBLEM
    assert anyio.run(_unframed, install(build()), 5).status_code == 200
