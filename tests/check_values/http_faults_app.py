"""A FastAPI app with or without HTTP faults schemathesis's own checks do not look for.

With ``faults=True`` it is FastAPI as written: HEAD is not routed (405), a 405 goes
out without Allow, ETags are sent but If-None-Match and If-Match are ignored, Accept
is ignored. Without, each of those is answered as RFC 9110 says, by hand.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from fastapi import FastAPI, HTTPException, Request, Response

_THING = {"application/json": {"schema": {"type": "object", "required": ["id", "name"],
                                          "properties": {"id": {"type": "integer"},
                                                         "name": {"type": "string"}}}}}


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

    @app.middleware("http")
    async def allow(request: Request, call_next: Any) -> Response:
        if asked is not None:
            asked.append(" ".join([request.method, *(k for k in ("if-match", "if-none-match")
                                                     if k in request.headers),
                                   request.headers.get("accept", "")]))
        response: Response = await call_next(request)
        if response.status_code == 405:
            if faults:
                del response.headers["allow"]  # planted: a 405 without Allow
            else:
                response.headers["allow"] = ", ".join(methods)
        return response

    return app
