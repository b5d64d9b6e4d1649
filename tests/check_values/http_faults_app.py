"""A FastAPI app with or without HTTP faults schemathesis's own checks do not look for.

With ``faults=True`` it is FastAPI as written: HEAD is not routed (405), a 405 goes
out without Allow, ETags are sent but If-None-Match and If-Match are ignored, Accept
is ignored, a declared 1 TB body is invited with 100 Continue (the handler reads it),
errors are plain JSON. Without, each of those is answered as RFC 9110 (and RFC 9457
for errors) says, by hand.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from fastapi import FastAPI, HTTPException, Request, Response
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

_THING = {"application/json": {"schema": {"type": "object", "required": ["id", "name"],
                                          "properties": {"id": {"type": "integer"},
                                                         "name": {"type": "string"}}}}}


LIMIT = 1024 * 1024


class ThingIn(BaseModel):
    name: str


def _problem(status: int, title: str) -> Response:
    return Response(json.dumps({"type": "about:blank", "title": title, "status": status}),
                    status_code=status, media_type="application/problem+json")


def _etag(thing: dict[str, Any]) -> str:
    return '"' + hashlib.sha256(json.dumps(thing).encode()).hexdigest()[:12] + '"'


def _listed(field: str | None, etag: str) -> bool:
    return field is not None and (field.strip() == "*" or etag in
                                  [t.strip() for t in field.split(",")])


def create_app(*, faults: bool, asked: list[str] | None = None) -> FastAPI:
    """``asked`` collects what each request asked (its method and conditional fields),
    so a test knows the checks did ask their question."""
    app = FastAPI(title="things")
    methods = ["GET"] if faults else ["GET", "HEAD"]

    @app.api_route("/things/{thing_id}", methods=methods,
                   responses={200: {"content": _THING}, 404: {"description": "none"},
                              304: {"description": "not modified"},
                              406: {"description": "not acceptable"},
                              412: {"description": "precondition failed"}})
    def get_thing(thing_id: int, request: Request) -> Response:
        if thing_id < 0:
            raise HTTPException(404, "no such thing")
        thing = {"id": thing_id, "name": f"thing {thing_id}"}
        etag = _etag(thing)
        if not faults:
            accept = request.headers.get("accept", "*/*")
            if not any(m.split(";")[0].strip() in ("*/*", "application/*", "application/json")
                       for m in accept.split(",")):
                return Response(status_code=406)
            # RFC 9110 §13.2.2: If-Match first, then If-None-Match.
            if_match = request.headers.get("if-match")
            if if_match is not None and not _listed(if_match, etag):
                return Response(status_code=412)
            if _listed(request.headers.get("if-none-match"), etag):
                return Response(status_code=304, headers={"ETag": etag})
        return Response(json.dumps(thing), media_type="application/json",
                        headers={"ETag": etag})

    @app.post("/things", status_code=201,
              responses={413: {"description": "too large"}, 400: {"description": "bad"}})
    def create_thing(thing: ThingIn) -> dict[str, str]:
        return {"name": thing.name}

    if not faults:
        # Starlette's: FastAPI raises it for a body it cannot parse (400) as well.
        @app.exception_handler(StarletteHTTPException)
        async def http_problem(request: Request, exc: StarletteHTTPException) -> Response:
            return _problem(exc.status_code, str(exc.detail))

        @app.exception_handler(RequestValidationError)
        async def invalid_problem(request: Request, exc: RequestValidationError) -> Response:
            return _problem(422, "the request breaks its schema")

    @app.middleware("http")
    async def allow(request: Request, call_next: Any) -> Response:
        if asked is not None:
            asked.append(" ".join([request.method, *(k for k in ("if-match", "if-none-match")
                                                     if k in request.headers),
                                   request.headers.get("accept", "")]))
        declared = request.headers.get("content-length", "0")
        if not faults and declared.isdigit() and int(declared) > LIMIT:
            # RFC 9110 §15.5.14, from the header section: no 100 Continue is sent
            return _problem(413, "content too large")
        response: Response = await call_next(request)
        if response.status_code == 405:
            if faults:
                del response.headers["allow"]  # planted: a 405 without Allow
            else:
                allowed = ["POST"] if request.url.path == "/things" else methods
                response.headers["allow"] = ", ".join(allowed)
                response = _problem(405, "method not allowed")
                response.headers["allow"] = ", ".join(allowed)
        return response

    return app
