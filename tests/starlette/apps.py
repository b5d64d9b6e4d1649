"""The same small API twice, as FastAPI and as plain Starlette, the way people write them:
one route per method (FastAPI makes one per decorator), a router included under a
prefix (FastAPI keeps it as a private object) or mounted (Starlette)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi import HTTPException as FastAPIHTTPException
from pydantic import BaseModel, ConfigDict
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route

NOTES: dict[int, dict[str, Any]] = {1: {"id": 1, "title": "first"}}


class Note(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str
    priority: int = 0


def fastapi_app(**settings: Any) -> FastAPI:
    app = FastAPI(**settings)

    @app.get("/items")
    def list_items() -> list[dict[str, Any]]:
        return list(NOTES.values())

    @app.post("/items", status_code=201)
    def create_item(note: Note) -> dict[str, Any]:
        return {"id": 2, **note.model_dump()}

    @app.get("/items/{item_id}")
    def read_item(item_id: int) -> dict[str, Any]:
        if item_id not in NOTES:
            raise FastAPIHTTPException(404, "No such note.")
        return NOTES[item_id]

    @app.put("/items/{item_id}")
    def replace_item(item_id: int, note: Note) -> dict[str, Any]:
        return {"id": item_id, **note.model_dump()}

    @app.delete("/items/{item_id}", status_code=204)
    def delete_item(item_id: int) -> None:
        return None

    @app.get("/search")
    def search(limit: int = 10) -> dict[str, int]:
        return {"limit": limit}

    @app.get("/secret")
    def secret() -> None:
        raise FastAPIHTTPException(401, "Token required.", {"WWW-Authenticate": "Bearer"})

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("internal detail that must not leak")

    @app.post("/upload")
    async def upload(request: Request) -> dict[str, int]:
        return {"received": len(await request.body())}

    router = APIRouter(prefix="/admin")

    @router.get("/stats")
    def stats() -> dict[str, int]:
        return {"notes": len(NOTES)}

    @router.delete("/stats")
    def reset_stats() -> dict[str, int]:
        return {"notes": 0}

    app.include_router(router)
    return app


async def _list(request: Request) -> Response:
    return JSONResponse(list(NOTES.values()))


async def _create(request: Request) -> Response:
    return JSONResponse({"id": 2, **(await request.json())}, status_code=201)


async def _read(request: Request) -> Response:
    item_id = request.path_params["item_id"]
    if item_id not in NOTES:
        raise HTTPException(404, "No such note.")
    return JSONResponse(NOTES[item_id])


async def _replace(request: Request) -> Response:
    return JSONResponse({"id": request.path_params["item_id"], **(await request.json())})


async def _delete(request: Request) -> Response:
    return Response(status_code=204)


async def _secret(request: Request) -> Response:
    raise HTTPException(401, "Token required.", {"WWW-Authenticate": "Bearer"})


async def _boom(request: Request) -> Response:
    raise RuntimeError("internal detail that must not leak")


async def _upload(request: Request) -> Response:
    return JSONResponse({"received": len(await request.body())})


async def _stats(request: Request) -> Response:
    return JSONResponse({"notes": len(NOTES)})


def starlette_app(**settings: Any) -> Starlette:
    return Starlette(routes=[
        Route("/items", _list, methods=["GET"]),
        Route("/items", _create, methods=["POST"]),
        Route("/items/{item_id:int}", _read, methods=["GET"]),
        Route("/items/{item_id:int}", _replace, methods=["PUT"]),
        Route("/items/{item_id:int}", _delete, methods=["DELETE"]),
        Route("/secret", _secret),
        Route("/boom", _boom),
        Route("/upload", _upload, methods=["POST"]),
        Mount("/admin", routes=[Route("/stats", _stats, methods=["GET", "DELETE"])]),
    ], **settings)
