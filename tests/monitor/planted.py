"""One Starlette app with each monitor rule's defect planted, and its twin without.

``planted_app(True)`` breaks one rule on each route; ``planted_app(False)`` answers the
same requests as RFC 9110 asks. ``EXCHANGES`` is the traffic both are driven with:
(method, path, fields, content), and ``EXPECTED`` the (rule, route) each planted
route must give, nothing more.
"""

from __future__ import annotations

import json

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

ETAG = '"v1"'
PROBLEM = "application/problem+json"


def _problem(status: int, document: object, raw: bytes | None = None) -> Response:
    body = raw if raw is not None else json.dumps(document).encode()
    return Response(body, status, media_type=PROBLEM)


def planted_app(planted: bool) -> Starlette:
    async def item(request: Request) -> Response:
        # RFC 9110 §15.5.6: a 405 lists the target's methods in Allow.
        return Response(status_code=405, headers={} if planted else {"Allow": "GET"})

    async def secret(request: Request) -> Response:
        # RFC 9110 §15.5.2
        return Response(status_code=401,
                        headers={} if planted else {"WWW-Authenticate": 'Bearer realm="x"'})

    async def create(request: Request) -> Response:
        # RFC 9110 §9.3.3: a POST that creates answers 201 with Location.
        return Response(b"{}", 201, media_type="application/json",
                        headers={} if planted else {"Location": "/items/1"})

    async def moved(request: Request) -> Response:
        return Response(status_code=301, headers={} if planted else {"Location": "/new"})

    async def partial(request: Request) -> Response:
        # RFC 9110 §14.4: Content-Range names the bytes sent.
        return Response(b"01234", 206, media_type="text/plain",
                        headers={"Content-Range": "bytes 0-9/100" if planted
                                 else "bytes 0-4/100"})

    async def parts(request: Request) -> Response:
        second = b"56789" if not planted else b"5678"
        body = (b"--B\r\nContent-Type: text/plain\r\nContent-Range: bytes 0-4/10\r\n\r\n01234"
                b"\r\n--B\r\nContent-Type: text/plain\r\nContent-Range: bytes 5-9/10\r\n\r\n"
                + second + b"\r\n--B--\r\n")
        return Response(body, 206, media_type="multipart/byteranges; boundary=B")

    async def past(request: Request) -> Response:
        # RFC 9110 §15.5.17
        return Response(status_code=416,
                        headers={} if planted else {"Content-Range": "bytes */100"})

    async def empty(request: Request) -> Response:
        response = Response(status_code=204)
        if planted:
            async def with_content(scope: object, receive: object, send: object) -> None:
                await send({"type": "http.response.start", "status": 204, "headers": []})
                await send({"type": "http.response.body", "body": b"stray"})
            return with_content  # type: ignore[return-value]
        return response

    async def length(request: Request) -> Response:
        response = Response(b"12345", media_type="text/plain")
        if planted:
            response.headers["content-length"] = "10"
        return response

    async def document(request: Request) -> Response:
        # RFC 9110 §15.4.5: a 304 repeats the ETag and Cache-Control of the 200.
        fields = {"ETag": ETAG, "Cache-Control": "max-age=60"}
        if request.headers.get("if-none-match") == ETAG:
            return Response(status_code=304, headers={} if planted else fields)
        return Response(b"hello", media_type="text/plain", headers=fields)

    async def conditional(request: Request) -> Response:
        # RFC 9110 §13.1.2: 304 only when If-None-Match matches the current tag.
        sent = request.headers.get("if-none-match")
        if sent is not None and (planted or sent == ETAG):
            return Response(status_code=304, headers={"ETag": ETAG})
        return Response(b"hello", media_type="text/plain", headers={"ETag": ETAG})

    async def guarded(request: Request) -> Response:
        # RFC 9110 §13.1.1: 412 only when If-Match does not match.
        if planted or request.headers.get("if-match") != ETAG:
            return Response(status_code=412, headers={"ETag": ETAG})
        return Response(status_code=204, headers={"ETag": ETAG})

    async def busy(request: Request) -> Response:
        # RFC 9110 §10.2.3
        return Response(status_code=503, headers={"Retry-After": "soon" if planted else "120"})

    async def limited(request: Request) -> Response:
        return Response(status_code=429,
                        headers={"Retry-After": "in a while" if planted else "5"})

    async def not_json(request: Request) -> Response:
        if planted:
            return _problem(404, None, b'{"title": "Not Found", ')
        return _problem(404, {"title": "Not Found", "status": 404})

    async def wrong_status(request: Request) -> Response:
        return _problem(404, {"title": "Not Found", "status": 400 if planted else 404})

    async def wrong_members(request: Request) -> Response:
        return _problem(404, {"title": 404 if planted else "Not Found"})

    async def takes_json(request: Request) -> Response:
        raw = await request.body()
        if planted:
            json.loads(raw)  # raises on malformed JSON: Starlette answers 500
        else:
            try:
                json.loads(raw)
            except ValueError:
                return _problem(400, {"title": "Bad Request", "status": 400})
        return Response(status_code=204)

    async def upload(request: Request) -> Response:
        kind = request.headers.get("content-type", "")
        if "/" not in kind:
            if planted:
                raise ValueError(f"no media type: {kind}")
            return Response(status_code=415)
        return Response(status_code=204)

    async def syntax(request: Request) -> Response:
        return Response(b"ok", media_type="text/plain",
                        headers={"Cache-Control": "max-age=soon" if planted
                                 else "max-age=60"})

    return Starlette(routes=[
        Route("/items/{item_id}", item, methods=["DELETE"]),
        Route("/secret", secret),
        Route("/items", create, methods=["POST"]),
        Route("/moved", moved),
        Route("/partial", partial),
        Route("/parts", parts),
        Route("/past", past),
        Route("/empty", empty),
        Route("/length", length),
        Route("/document", document),
        Route("/conditional", conditional),
        Route("/guarded", guarded, methods=["PUT"]),
        Route("/busy", busy),
        Route("/limited", limited),
        Route("/problems/not-json", not_json),
        Route("/problems/status", wrong_status),
        Route("/problems/members", wrong_members),
        Route("/json", takes_json, methods=["POST"]),
        Route("/upload", upload, methods=["POST"]),
        Route("/syntax", syntax),
    ])


Fields = dict[str, str]
EXCHANGES: list[tuple[str, str, Fields, bytes]] = [
    ("DELETE", "/items/1", {}, b""),
    ("DELETE", "/items/2", {}, b""),
    ("GET", "/secret", {}, b""),
    ("POST", "/items", {"Content-Type": "application/json"}, b"{}"),
    ("GET", "/moved", {}, b""),
    ("GET", "/partial", {"Range": "bytes=0-4"}, b""),
    ("GET", "/parts", {"Range": "bytes=0-4,5-9"}, b""),
    ("GET", "/past", {"Range": "bytes=500-"}, b""),
    ("GET", "/empty", {}, b""),
    ("GET", "/length", {}, b""),
    ("GET", "/document", {}, b""),
    ("GET", "/document", {"If-None-Match": ETAG}, b""),
    ("GET", "/conditional", {"If-None-Match": '"other"'}, b""),
    ("PUT", "/guarded", {"If-Match": ETAG}, b""),
    ("GET", "/busy", {}, b""),
    ("GET", "/limited", {}, b""),
    ("GET", "/problems/not-json", {}, b""),
    ("GET", "/problems/status", {}, b""),
    ("GET", "/problems/members", {}, b""),
    ("POST", "/json", {"Content-Type": "application/json"}, b'{"a": '),
    ("POST", "/upload", {"Content-Type": "nonsense"}, b"x"),
    ("GET", "/syntax", {}, b""),
]

EXPECTED: set[tuple[str, str]] = {
    ("allow-on-405", "DELETE /items/{item_id}"),
    ("www-authenticate-on-401", "GET /secret"),
    ("created-201", "POST /items"),
    ("location-on-301", "GET /moved"),
    ("content-range-206", "GET /partial"),
    ("byteranges-parts", "GET /parts"),
    ("content-range-on-416", "GET /past"),
    ("no-content", "GET /empty"),
    ("content-length", "GET /length"),
    ("304-fields", "GET /document"),
    ("304-conditions", "GET /conditional"),
    ("412-conditions", "PUT /guarded"),
    ("retry-after-grammar", "GET /busy"),
    ("retry-after-grammar", "GET /limited"),
    ("problem-json", "GET /problems/not-json"),
    ("problem-status", "GET /problems/status"),
    ("problem-members", "GET /problems/members"),
    ("malformed-400", "POST /json"),
    ("media-415", "POST /upload"),
    ("httplint", "GET /syntax"),
}
