"""A FastAPI service whose ids are not plain path segments: ``no. 1?`` holds a space, a
``?`` and a dot, so its Location carries it percent-encoded (``/things/no.%201%3F``),
RFC 3986 §3.3, and its body carries it as it is. A checker that reads one form and
writes the other asks for a thing that is not there, and leaves what it made behind."""

from __future__ import annotations

import itertools
from urllib.parse import quote

from fastapi import FastAPI, HTTPException, Response
from pydantic import BaseModel, Field


class ThingIn(BaseModel):
    name: str = Field(max_length=20)


class Thing(ThingIn):
    id: str


NOT_JSON = {400: {"description": "the body is not JSON in UTF-8"}}
ITEM = {404: {"description": "no such thing"}, **NOT_JSON}


def create_app() -> FastAPI:
    app = FastAPI(title="things")
    things: dict[str, Thing] = {}
    numbers = itertools.count(1)

    @app.post("/things", status_code=201, responses=NOT_JSON)
    def create_thing(thing: ThingIn, response: Response) -> Thing:
        made = Thing(id=f"no. {next(numbers)}?", name=thing.name)
        things[made.id] = made
        response.headers["Location"] = "/things/" + quote(made.id, safe="")
        return made

    def found(thing_id: str) -> Thing:
        if thing_id not in things:
            raise HTTPException(404, "no such thing")
        return things[thing_id]

    @app.get("/things/{thing_id}", responses=ITEM)
    def get_thing(thing_id: str) -> Thing:
        return found(thing_id)

    @app.delete("/things/{thing_id}", status_code=204, responses=ITEM)
    def delete_thing(thing_id: str) -> None:
        found(thing_id)
        del things[thing_id]

    app.state.things = things
    return app
