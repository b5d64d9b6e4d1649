"""A FastAPI notes API that keeps the status-code contract, with statuskit.starlette.

    uvicorn examples.fastapi_notes:app          # or: statuskit.server.run(app)

/items            GET the list; POST a note -> 201 + Location + ETag
/items/{item_id}  GET it (JSON or text, ETag, Last-Modified, ranges); PUT or PATCH it
                  only with If-Match (428 without, 412 when stale); DELETE -> 204, and a
                  later GET -> 410

Everything below is plain FastAPI except four names: ``install`` at the end, and the
``conditional``, ``provides`` and ``ranged`` dependencies.
"""

import threading
import time
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, FastAPI, HTTPException, Request, Response
from fastapi.responses import JSONResponse, PlainTextResponse
from pydantic import BaseModel, ConfigDict, Field

from statuskit.starlette import Validators, conditional, install, provides, ranged

MAX_NOTE_CONTENT = 64 * 1024  # bytes of request content any route takes


class NoteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str = Field(min_length=1, max_length=200)
    body: str = Field(default="", max_length=10_000)


class NotePatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str | None = Field(default=None, min_length=1, max_length=200)
    body: str | None = Field(default=None, max_length=10_000)


@dataclass
class Note:
    id: int
    title: str
    body: str
    version: int
    updated: float

    @property
    def etag(self) -> str:
        return f"v{self.version}"

    def as_json(self) -> dict[str, Any]:
        return {"id": self.id, "title": self.title, "body": self.body}

    def as_text(self) -> str:
        return f"{self.title}\n\n{self.body}\n"


class Stale(Exception):
    """The note changed between the precondition check and the write."""


class Notes:
    """In memory; every write compares the version it was conditioned on, under a lock,
    so two writers with the same If-Match cannot both win."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._notes: dict[int, Note] = {}
        self._deleted: set[int] = set()
        self._next_id = 1

    def create(self, content: NoteIn) -> Note:
        with self._lock:
            note = Note(self._next_id, content.title, content.body, 1, time.time())
            self._notes[note.id] = note
            self._next_id += 1
            return note

    def all(self) -> list[Note]:
        return list(self._notes.values())

    def get(self, item_id: int) -> Note | None:
        return self._notes.get(item_id)

    def get_or_raise(self, item_id: int) -> Note:
        note = self._notes.get(item_id)
        if note is not None:
            return note
        if item_id in self._deleted:
            raise HTTPException(410, "This note was deleted.")
        raise HTTPException(404, "No such note.")

    def update(self, item_id: int, expected: str | None, changes: dict[str, Any]) -> Note:
        with self._lock:
            note = self.get_or_raise(item_id)
            if expected is not None and note.etag != expected:
                raise Stale
            note.title = changes.get("title", note.title)
            note.body = changes.get("body", note.body)
            note.version += 1
            note.updated = time.time()
            return note

    def delete(self, item_id: int, expected: str | None) -> None:
        with self._lock:
            note = self.get_or_raise(item_id)
            if expected is not None and note.etag != expected:
                raise Stale
            del self._notes[item_id]
            self._deleted.add(item_id)


def create_app(*, contract: bool = True) -> FastAPI:
    """The notes API; ``contract=False`` is the same app without ``install()``."""
    # The app's own body limit (FastAPI 0.16x; Starlette apps and routes take the same
    # max_body_size): install() keeps it and answers its 413 as a problem document,
    # before any 100 Continue.
    app = FastAPI(title="notes", max_body_size=MAX_NOTE_CONTENT)
    notes = Notes()

    async def current(item_id: int) -> Validators | None:
        note = notes.get(item_id)
        return None if note is None else Validators(etag=note.etag, last_modified=note.updated)

    def expected(validators: Validators | None) -> str | None:
        return validators.etag if validators is not None and isinstance(validators.etag, str) \
            else None

    # The dependencies, declared once (FastAPI's Annotated style).
    ListMedia = Annotated[str, Depends(provides("application/json"))]
    NoteMedia = Annotated[str, Depends(provides("application/json", "text/plain"))]
    Readable = Annotated[Validators | None,
                         Depends(conditional(current, cache_control="no-cache"))]
    Writable = Annotated[Validators | None, Depends(conditional(current, require=True))]
    Deletable = Annotated[Validators | None, Depends(conditional(current))]

    @app.get("/items")
    def list_items(media: ListMedia) -> list[dict[str, Any]]:
        return [n.as_json() for n in notes.all()]

    @app.post("/items", status_code=201)
    def create_item(content: NoteIn, request: Request, response: Response) -> dict[str, Any]:
        note = notes.create(content)
        # A path (RFC 9110 §10.2.2 allows a relative reference): request.url_for would
        # build an absolute URL from the request's own Host, whatever a client put there.
        path = request.app.url_path_for("read_item", item_id=note.id)
        response.headers["Location"] = request.scope.get("root_path", "") + path
        response.headers["ETag"] = f'"{note.etag}"'
        return note.as_json()

    # What the handlers answer of their own accord; install() declares the rest.
    gone = {410: {"description": "Gone: the note was deleted"}}

    @app.get("/items/{item_id}", dependencies=[Depends(ranged())], responses=gone)
    def read_item(item_id: int, media: NoteMedia, validators: Readable) -> Response:
        note = notes.get_or_raise(item_id)
        if media == "text/plain":
            return PlainTextResponse(note.as_text())
        return JSONResponse(note.as_json())

    def write(item_id: int, validators: Validators | None, changes: dict[str, Any],
              response: Response) -> dict[str, Any]:
        try:
            note = notes.update(item_id, expected(validators), changes)
        except Stale:
            raise HTTPException(412, "The note changed while the request was in flight.") \
                from None
        response.headers["ETag"] = f'"{note.etag}"'
        return note.as_json()

    @app.put("/items/{item_id}", responses=gone)
    def replace_item(item_id: int, content: NoteIn, response: Response,
                     validators: Writable) -> dict[str, Any]:
        return write(item_id, validators, content.model_dump(), response)

    @app.patch("/items/{item_id}", responses=gone)
    def patch_item(item_id: int, content: NotePatch, response: Response,
                   validators: Writable) -> dict[str, Any]:
        return write(item_id, validators, content.model_dump(exclude_none=True), response)

    @app.delete("/items/{item_id}", status_code=204, responses=gone)
    def delete_item(item_id: int, validators: Deletable) -> Response:
        try:
            notes.delete(item_id, expected(validators))
        except Stale:
            raise HTTPException(412, "The note changed while the request was in flight.") \
                from None
        return Response(status_code=204)

    if contract:
        install(app)
    return app


app = create_app()
