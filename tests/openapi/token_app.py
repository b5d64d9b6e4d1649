"""A FastAPI service whose every route wants a token in the query, with no ``servers``
in its document: the shape of an app where a checker must aim each probe at the
document's paths (not under the URL's path) and carry the URL's query along."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, FastAPI, HTTPException, Query, Response

TOKEN = "probe-query-token"


def _token(token: Annotated[str | None, Query()] = None) -> None:
    if token != TOKEN:
        raise HTTPException(400, "a token is required in the query")


def create_app() -> FastAPI:
    app = FastAPI(title="token in the query", version="1", dependencies=[Depends(_token)])
    items = {1: {"id": 1, "name": "first"}}

    @app.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/items")
    def list_items() -> list[dict[str, object]]:
        return list(items.values())

    @app.get("/items/{item_id}")
    def get_item(item_id: int, response: Response) -> dict[str, object]:
        if item_id not in items:
            raise HTTPException(404, "no such item")
        return items[item_id]

    return app
