"""The same endpoint in every framework the benchmark compares.

GET /notes/1: a small JSON note (or plain text when Accept asks for it) with a
strong ETag, and 304 when If-None-Match names that ETag. Every version does the
negotiation and the conditional request itself, as written by someone who
knows the framework; none caches responses.
"""

# No `from __future__ import annotations` here: FastAPI reads the endpoint's annotations at
# run time, and a string "Request" from a function-local import would make it a query
# parameter (every call a 422).
import json
from typing import Any

NOTE = {"id": "1", "title": "benchmark", "body": "the same note in every framework"}
ETAG = '"v1-5f2b"'
JSON_BODY = json.dumps(NOTE, separators=(",", ":")).encode()
TEXT_BODY = f"{NOTE['title']}\n\n{NOTE['body']}\n".encode()


def wants_text(accept: str | None) -> bool:
    return accept is not None and "text/plain" in accept and "application/json" not in accept


# -- a bare ASGI app: the ceiling --------------------------------------------------------


async def bare(scope: Any, receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    if scope["path"] != "/notes/1":
        await send({"type": "http.response.start", "status": 404, "headers": []})
        await send({"type": "http.response.body", "body": b""})
        return
    headers = dict(scope["headers"])
    if headers.get(b"if-none-match") == ETAG.encode():
        await send({"type": "http.response.start", "status": 304,
                    "headers": [(b"etag", ETAG.encode())]})
        await send({"type": "http.response.body", "body": b""})
        return
    accept = headers.get(b"accept")
    text = wants_text(accept.decode() if accept else None)
    body = TEXT_BODY if text else JSON_BODY
    await send({"type": "http.response.start", "status": 200, "headers": [
        (b"content-type", b"text/plain; charset=utf-8" if text else b"application/json"),
        (b"etag", ETAG.encode()), (b"vary", b"Accept"),
        (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


# -- statuskit ---------------------------------------------------------------------------


def statuskit_app() -> Any:
    from statuskit.resource import App, Resource

    class Note(Resource):
        provides = ("application/json", "text/plain")

        def exists(self) -> bool:
            return self.request.params["id"] == "1"

        def etag(self) -> str:
            return ETAG.strip('"')

        def representation(self, media_type: str) -> Any:
            return TEXT_BODY if media_type == "text/plain" else JSON_BODY

    return App({"/notes/{id}": Note})


# -- Falcon ------------------------------------------------------------------------------


def falcon_app() -> Any:
    import falcon
    import falcon.asgi

    class Note:
        async def on_get(self, req: Any, resp: Any, note_id: str) -> None:
            if note_id != "1":
                raise falcon.HTTPNotFound()
            if req.get_header("If-None-Match") == ETAG:
                resp.status = falcon.HTTP_304
                resp.etag = ETAG
                return
            media = req.client_prefers(["application/json", "text/plain"])
            if media is None:
                raise falcon.HTTPNotAcceptable()
            resp.etag = ETAG
            resp.vary = ("Accept",)
            if media == "text/plain":
                resp.content_type = "text/plain; charset=utf-8"
                resp.data = TEXT_BODY
            else:
                resp.content_type = "application/json"
                resp.data = JSON_BODY

    app = falcon.asgi.App()
    app.add_route("/notes/{note_id}", Note())
    return app


def falcon_store_app(store: Any) -> Any:
    """What ``statuskit serve`` answers on GET /notes/{id}, in Falcon, from the same store:
    404, 304 on a matching If-None-Match, 406, JSON / text / Markdown, ETag,
    Last-Modified, Cache-Control, Vary and Accept-Ranges."""
    from datetime import UTC, datetime

    import falcon
    import falcon.asgi

    provided = ["application/json", "text/plain", "text/markdown"]

    class Note:
        async def on_get(self, req: Any, resp: Any, note_id: str) -> None:
            note = store.get(note_id)
            if note is None:
                raise falcon.HTTPNotFound()
            etag = falcon.ETag(note.etag)
            resp.etag = etag
            resp.last_modified = datetime.fromtimestamp(note.modified, UTC)
            resp.cache_control = ["no-cache"]
            resp.vary = ("Accept",)
            resp.accept_ranges = "bytes"
            tags = req.if_none_match
            if tags is not None and (tags == "*" or etag in tags):
                resp.status = falcon.HTTP_304
                return
            media = req.client_prefers(provided)
            if media is None:
                raise falcon.HTTPNotAcceptable()
            if media == "text/plain":
                resp.content_type = "text/plain; charset=utf-8"
                resp.text = f"{note.title}\n\n{note.body}\n"
            elif media == "text/markdown":
                resp.content_type = "text/markdown; charset=utf-8"
                resp.text = f"# {note.title}\n\n{note.body}\n"
            else:
                resp.content_type = "application/json"
                resp.data = json.dumps(note.as_json(), separators=(",", ":"),
                                       ensure_ascii=False).encode()

    app = falcon.asgi.App()
    app.add_route("/notes/{note_id}", Note())
    return app


def falcon_sqlite_app(path: str = ":memory:") -> Any:
    """What a user would write instead of ``statuskit serve``, with no statuskit code at all:
    uvicorn + Falcon + its own SQLite table, GET /notes/{id} with an ETag kept in the row
    (computed when the note is written), 304 on a matching If-None-Match and an Accept check."""
    import hashlib
    import sqlite3

    import falcon
    import falcon.asgi

    db = sqlite3.connect(path, check_same_thread=False)
    db.execute("CREATE TABLE IF NOT EXISTS notes "
               "(id TEXT PRIMARY KEY, title TEXT, body TEXT, etag TEXT)")

    def put(note_id: str, title: str, body: str) -> None:
        etag = hashlib.sha1(f"{title}\0{body}".encode()).hexdigest()[:16]
        with db:
            db.execute("INSERT OR REPLACE INTO notes VALUES (?, ?, ?, ?)",
                       (note_id, title, body, etag))

    put("n1", "benchmark", "the same note in every framework")

    class Note:
        async def on_get(self, req: Any, resp: Any, note_id: str) -> None:
            row = db.execute("SELECT title, body, etag FROM notes WHERE id = ?",
                             (note_id,)).fetchone()
            if row is None:
                raise falcon.HTTPNotFound()
            title, body, tag = row
            etag = falcon.ETag(tag)
            resp.etag = etag
            resp.vary = ("Accept",)
            tags = req.if_none_match
            if tags is not None and (tags == "*" or etag in tags):
                resp.status = falcon.HTTP_304
                return
            if req.client_prefers(["application/json"]) is None:
                raise falcon.HTTPNotAcceptable()
            resp.content_type = "application/json"
            resp.data = json.dumps({"id": note_id, "title": title, "body": body},
                                   separators=(",", ":")).encode()

    app = falcon.asgi.App()
    app.add_route("/notes/{note_id}", Note())
    return app


# -- Starlette and FastAPI ---------------------------------------------------------------


def _note_response(note_id: str, headers: Any) -> Any:
    """The note endpoint's answer as a Starlette Response (FastAPI returns the same class)."""
    from starlette.responses import Response

    if note_id != "1":
        return Response(status_code=404)
    if headers.get("if-none-match") == ETAG:
        return Response(status_code=304, headers={"etag": ETAG})
    text = wants_text(headers.get("accept"))
    return Response(TEXT_BODY if text else JSON_BODY,
                    media_type="text/plain" if text else "application/json",
                    headers={"etag": ETAG, "vary": "Accept"})


def _starlette_endpoint() -> Any:
    from starlette.requests import Request
    from starlette.responses import Response

    async def note(request: Request) -> Response:
        return _note_response(request.path_params["note_id"], request.headers)  # type: ignore[no-any-return]

    return note


def starlette_app() -> Any:
    from starlette.applications import Starlette
    from starlette.routing import Route

    return Starlette(routes=[Route("/notes/{note_id}", _starlette_endpoint())])


def fastapi_app() -> Any:
    from fastapi import FastAPI, Request
    from fastapi.responses import Response

    app = FastAPI()

    @app.get("/notes/{note_id}")
    async def note(note_id: str, request: Request) -> Response:
        return _note_response(note_id, request.headers)  # type: ignore[no-any-return]

    return app
