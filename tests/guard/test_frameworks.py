"""The guard in front of plain Starlette and FastAPI apps; lifespan and WebSocket untouched."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from fastapi import FastAPI
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket
from websockets.sync.client import connect

from statuskit.guard import Guard
from support.rawhttp import RawConnection, get
from support.servers import serve

PROBLEM = "application/problem+json"
started: list[str] = []


@contextlib.asynccontextmanager
async def lifespan(app: Starlette) -> AsyncIterator[None]:
    started.append("up")
    yield


async def hello(request: Request) -> PlainTextResponse:
    return PlainTextResponse("hello")


async def upload(request: Request) -> PlainTextResponse:
    return PlainTextResponse(str(len(await request.body())))


async def echo(websocket: WebSocket) -> None:
    await websocket.accept()
    await websocket.send_text(await websocket.receive_text())
    await websocket.close()


starlette_app = Starlette(
    routes=[Route("/", hello), Route("/upload", upload, methods=["POST"]),
            WebSocketRoute("/ws", echo)],
    lifespan=lifespan,
)

fastapi_app = FastAPI()


@fastapi_app.get("/items/{item}")
async def read_item(item: int) -> dict[str, int]:
    return {"item": item}


@fastapi_app.post("/items")
async def create_item(payload: dict[str, str]) -> dict[str, int]:
    return {"fields": len(payload)}


def test_starlette_behind_the_guard_serves_and_refuses():
    with serve(Guard(starlette_app, max_body_size=10), lifespan="on") as port:
        assert get(port, "/").body == b"hello"
        assert get(port, "/upload", method="POST", body=b"12345").body == b"5"
        too_large = get(port, "/upload", method="POST", body=b"x" * 11)
        assert too_large.status == 413
        assert too_large.header("content-type") == PROBLEM
        unknown = get(port, "/", method="PURGE")
        assert unknown.status == 501
        assert unknown.header("content-type") == PROBLEM


def test_lifespan_passes_through_the_guard():
    started.clear()
    with serve(Guard(starlette_app), lifespan="on") as port:
        assert get(port, "/").status == 200
    assert started == ["up"]


def test_websocket_passes_through_the_guard():
    with serve(Guard(starlette_app)) as port, connect(f"ws://127.0.0.1:{port}/ws") as ws:
        ws.send("ping")
        assert ws.recv(timeout=5) == "ping"


def test_fastapi_behind_the_guard():
    with serve(Guard(fastapi_app, max_body_size=100)) as port:
        assert get(port, "/items/3").json() == {"item": 3}
        # FastAPI's own 422 passes untouched.
        assert get(port, "/items/x").status == 422
        with RawConnection(port) as conn:
            conn.send(b"POST /items HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\n"
                      b"Content-Type: application/json\r\nContent-Length: 500\r\n\r\n")
            response = conn.read_response()
        assert response.interim == []
        assert response.status == 413
        assert response.header("content-type") == PROBLEM
        # A registered method the route lacks is FastAPI's 405, not the guard's 501.
        assert get(port, "/items/3", method="DELETE").status == 405
