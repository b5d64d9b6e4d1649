"""A FastAPI service as teams write it, without statuskit: the checker's subject.

Several routers, path parameters of several types (int, str, UUID, float, an
enum), a route behind a bearer token, a body model with a 201 create, an item
that carries an ETag, and a clean-up DELETE.
"""

from __future__ import annotations

import enum
import hashlib
import itertools
import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field

TOKEN = "probe-token"
KNOWN_USER = uuid.UUID("6f1c0d5e-8a8e-4c55-9d1e-3f0c2b7f4a11")
BEARER = HTTPBearer()


class NoteIn(BaseModel):
    title: str = Field(min_length=1, max_length=200)
    body: str = ""
    tags: list[str] = []


class Note(NoteIn):
    id: int


class Category(enum.StrEnum):
    books = "books"
    music = "music"


def create_app() -> FastAPI:
    app = FastAPI(title="notes for the checker", version="1")
    notes: dict[int, Note] = {1: Note(id=1, title="first")}
    ids = itertools.count(2)

    def _etag(note: Note) -> str:
        return '"' + hashlib.sha256(note.model_dump_json().encode()).hexdigest()[:16] + '"'

    notes_router = APIRouter(prefix="/notes", tags=["notes"])

    @notes_router.get("")
    def list_notes() -> list[Note]:
        return list(notes.values())

    @notes_router.post("", status_code=201)
    def create_note(note: NoteIn, response: Response) -> Note:
        created = Note(id=next(ids), **note.model_dump())
        notes[created.id] = created
        response.headers["Location"] = f"/notes/{created.id}"
        return created

    @notes_router.get("/{note_id}")
    def get_note(note_id: int, response: Response) -> Note:
        if note_id not in notes:
            raise HTTPException(404, "no such note")
        response.headers["ETag"] = _etag(notes[note_id])
        return notes[note_id]

    @notes_router.put("/{note_id}")
    def replace_note(note_id: int, note: NoteIn) -> Note:
        if note_id not in notes:
            raise HTTPException(404, "no such note")
        notes[note_id] = Note(id=note_id, **note.model_dump())
        return notes[note_id]

    @notes_router.delete("/{note_id}", status_code=204)
    def delete_note(note_id: int) -> None:
        if notes.pop(note_id, None) is None:
            raise HTTPException(404, "no such note")

    users = APIRouter(prefix="/users", tags=["users"])

    @users.get("/{username}")
    def get_user(username: str) -> dict[str, str]:
        if username != "ada":
            raise HTTPException(404, "no such user")
        return {"username": username}

    @users.get("/by-id/{user_id}")
    def get_user_by_id(user_id: uuid.UUID) -> dict[str, str]:
        if user_id != KNOWN_USER:
            raise HTTPException(404, "no such user")
        return {"id": str(user_id)}

    catalog = APIRouter(prefix="/catalog", tags=["catalog"])

    @catalog.get("/{category}")
    def get_category(category: Category) -> dict[str, str]:
        return {"category": category.value}

    @catalog.get("/prices/{amount}")
    def get_price(amount: float) -> dict[str, float]:
        if amount != 9.99:
            raise HTTPException(404, "no such price")
        return {"amount": amount}

    admin = APIRouter(prefix="/admin", tags=["admin"])

    @admin.get("/stats")
    def stats(credentials: Annotated[HTTPAuthorizationCredentials,
                                     Depends(BEARER)]) -> dict[str, int]:
        if credentials.credentials != TOKEN:
            raise HTTPException(403, "not this token")
        return {"notes": len(notes)}

    for router in (notes_router, users, catalog, admin):
        app.include_router(router)
    return app


app = create_app()
