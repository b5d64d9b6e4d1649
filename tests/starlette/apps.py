"""The same small API twice, as FastAPI and as plain Starlette, the way people write them:
one route per method (FastAPI makes one per decorator), a router included under a
prefix (FastAPI keeps it as a private object) or mounted (Starlette)."""


import threading
import time
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI
from fastapi import HTTPException as FastAPIHTTPException
from pydantic import BaseModel, ConfigDict
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response, StreamingResponse
from starlette.routing import Mount, Route

from statuskit.starlette import (
    Validators,
    accept_ranges,
    choose_media_type,
    conditional,
    preconditions,
    provides,
    ranged,
)

NOTES: dict[int, dict[str, Any]] = {1: {"id": 1, "title": "first"}}
TEXT = "0123456789abcdefghijklmnopqrstuvwxyz"


class Documents:
    """Versioned texts for the conditional and range routes; ``writes`` counts the
    writes that reached a handler."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.texts: dict[int, tuple[int, str, float]] = {1: (1, TEXT, time.time() - 3600)}
        self.writes = 0

    def validators(self, doc_id: int) -> Validators | None:
        found = self.texts.get(doc_id)
        return None if found is None else Validators(f"d{found[0]}", found[2])

    def write(self, doc_id: int, text: str, expected: Validators | None) -> str:
        with self.lock:
            self.writes += 1
            version = self.texts.get(doc_id, (0, "", 0.0))[0]
            if expected is not None and expected.etag != f"d{version}":
                raise HTTPException(412, "Changed while the request was in flight.")
            self.texts[doc_id] = (version + 1, text, time.time())
            return f'"d{version + 1}"'


def representation(docs: Documents, doc_id: int, media: str) -> Response:
    found = docs.texts.get(doc_id)
    if found is None:
        raise HTTPException(404, "No such document.")
    if media == "text/plain":
        return PlainTextResponse(found[1])
    return JSONResponse({"text": found[1]})


async def _chunks() -> AsyncIterator[bytes]:
    for _ in range(3):
        yield TEXT.encode()


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

    docs = Documents()
    app.state.docs = docs

    async def current(doc_id: int) -> Validators | None:
        return docs.validators(doc_id)

    Media = Annotated[str, Depends(provides("text/plain", "application/json"))]
    Readable = Annotated[Validators | None,
                         Depends(conditional(current, cache_control="max-age=60"))]
    Writable = Annotated[Validators | None, Depends(conditional(current, require=True))]

    @app.get("/docs/{doc_id}", dependencies=[Depends(ranged())])
    def read_doc(doc_id: int, media: Media, validators: Readable) -> Response:
        return representation(docs, doc_id, media)

    @app.put("/docs/{doc_id}", status_code=204)
    async def write_doc(doc_id: int, request: Request, validators: Writable) -> Response:
        etag = docs.write(doc_id, (await request.body()).decode(), validators)
        return Response(status_code=204, headers={"ETag": etag})

    async def dated_validators() -> Validators:
        return DATED

    @app.get("/dated")
    def dated(validators: Annotated[Validators | None,
                                    Depends(conditional(dated_validators))]) -> Response:
        return Response(DATED_TEXT, media_type="text/plain")

    @app.get("/stream", dependencies=[Depends(ranged())])
    def stream() -> StreamingResponse:
        return StreamingResponse(_chunks(), media_type="text/plain")

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


# A resource with a modification date and no entity tag.
DATED = Validators(last_modified=1_700_000_000)
DATED_TEXT = "dated, not tagged"


def _doc_routes(docs: Documents) -> list[Route]:
    async def read_doc(request: Request) -> Response:
        doc_id = request.path_params["doc_id"]
        media = choose_media_type(request, ("text/plain", "application/json"))
        accept_ranges(request)
        preconditions(request, docs.validators(doc_id), cache_control="max-age=60")
        return representation(docs, doc_id, media)

    async def write_doc(request: Request) -> Response:
        current = docs.validators(request.path_params["doc_id"])
        preconditions(request, current, require=True)
        etag = docs.write(request.path_params["doc_id"], (await request.body()).decode(), current)
        return Response(status_code=204, headers={"ETag": etag})

    async def dated(request: Request) -> Response:
        preconditions(request, DATED)
        return Response(DATED_TEXT, media_type="text/plain")

    async def stream(request: Request) -> Response:
        accept_ranges(request)
        return StreamingResponse(_chunks(), media_type="text/plain")

    return [
        Route("/docs/{doc_id:int}", read_doc, methods=["GET"]),
        Route("/docs/{doc_id:int}", write_doc, methods=["PUT"]),
        Route("/stream", stream),
        Route("/dated", dated, methods=["GET"]),
    ]


def starlette_app(**settings: Any) -> Starlette:
    docs = Documents()
    app = Starlette(routes=[*_doc_routes(docs),
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
    app.state.docs = docs
    return app
