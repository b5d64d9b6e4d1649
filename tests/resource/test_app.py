from __future__ import annotations

import asyncio
from typing import Any

import httpx
from asgi import call
from fastapi import FastAPI
from starlette.applications import Starlette
from starlette.routing import Mount

from statuskit.resource import App, Resource


class Item(Resource):
    def exists(self) -> bool:
        return self.request.params["n"] < 10

    def etag(self) -> str:
        return f"i{self.request.params['n']}"

    def representation(self, media_type: str) -> Any:
        return {"n": self.request.params["n"], "state": self.request.state}


APP = App({"/items/{n:int}": Item}, state="shared")


def test_typed_parameter_reaches_the_resource() -> None:
    assert call(APP, "GET", "/items/3").json() == {"n": 3, "state": "shared"}


def test_parameter_of_the_wrong_type_is_404() -> None:
    reply = call(APP, "GET", "/items/three")
    assert reply.status == 404
    assert reply.header("content-type") == "application/problem+json"


def test_unknown_path_is_404() -> None:
    assert call(APP, "GET", "/nowhere").status == 404


def test_mount_prefix_arrives_as_root_path() -> None:
    assert call(APP, "GET", "/items/3", root_path="/api").status == 200


def _through(outer: Any, path: str, headers: dict[str, str] | None = None) -> httpx.Response:
    async def go() -> httpx.Response:
        transport = httpx.ASGITransport(app=outer)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            return await client.get(path, headers=headers)

    return asyncio.run(go())


def test_mounted_in_starlette() -> None:
    outer = Starlette(routes=[Mount("/api", app=APP)])
    reply = _through(outer, "/api/items/4", {"if-none-match": '"i4"'})
    assert reply.status_code == 304
    assert reply.headers["etag"] == '"i4"'
    assert reply.content == b""
    assert _through(outer, "/api/items/4").json()["n"] == 4


def test_mounted_in_fastapi() -> None:
    outer = FastAPI()
    outer.mount("/api", APP)
    assert _through(outer, "/api/items/5").status_code == 200
    assert _through(outer, "/api/items/50").status_code == 404


def test_websocket_route_is_handed_the_connection() -> None:
    seen: list[str] = []

    async def handler(scope: Any, receive: Any, send: Any) -> None:
        seen.append(scope["path"])
        await send({"type": "websocket.close", "code": 1000})

    app = App({}, websockets={"/ws": handler})

    async def go() -> None:
        async def receive() -> dict[str, Any]:
            return {"type": "websocket.connect"}

        async def send(message: Any) -> None:
            return None

        await app({"type": "websocket", "path": "/ws"}, receive, send)

    asyncio.run(go())
    assert seen == ["/ws"]


def test_mounted_asgi_app_answers_below_its_prefix() -> None:
    async def raw(scope: Any, receive: Any, send: Any) -> None:
        body = (scope["root_path"] + "|" + scope["path"]).encode()
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})

    app = App({"/items/{n:int}": Item}, mounts={"/raw": raw})
    assert call(app, "GET", "/raw/x").body == b"/raw|/raw/x"
    assert call(app, "GET", "/rawish").status == 404
