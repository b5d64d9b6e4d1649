"""Attack on LeanExceptions (install() swaps Starlette's ExceptionMiddleware for it):
the app's own answers and raises, side by side with the same app stock.

Most endpoint exceptions are caught by Starlette's per-route wrapper, which only reads
the handlers LeanExceptions put in the scope; what reaches LeanExceptions itself are
exceptions from class endpoints (HTTPEndpoint), raw mounted ASGI apps and the router
(404 / 405), so those are the targets here. "App mode" is install() with every
switch that changes an answer off: every difference from stock is then a defect.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.endpoints import HTTPEndpoint
from starlette.exceptions import HTTPException, WebSocketException
from starlette.middleware import Middleware
from starlette.middleware.exceptions import ExceptionMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.testclient import TestClient
from starlette.websockets import WebSocket, WebSocketDisconnect
from wire import exchange

from statuskit.starlette import install
from statuskit.starlette._install import LeanExceptions
from statuskit.types import Receive, Scope, Send
from support.rawhttp import RawConnection
from support.servers import serve


class Boom(Exception):
    pass


class SubBoom(Boom):
    pass


class Unlucky(Exception):
    """Its handler raises."""


class Endpoint(HTTPEndpoint):
    """A class endpoint: its exceptions skip the per-route wrapper."""

    async def get(self, request: Request) -> Response:
        kind = request.query_params.get("k")
        if kind == "204":
            raise HTTPException(204, headers={"X-A": "1"})
        if kind == "304":
            raise HTTPException(304, headers={"ETag": '"v1"', "Cache-Control": "max-age=5"})
        if kind == "401":
            raise HTTPException(401, headers={"WWW-Authenticate": 'Bearer realm="r"'})
        if kind == "sub":
            raise SubBoom("sub")
        if kind == "unhandled":
            raise KeyError("unhandled")
        if kind == "handler-raises":
            raise Unlucky("handler raises")
        return PlainTextResponse("ok")

    def post(self, request: Request) -> Response:  # sync: Starlette's threadpool
        raise Boom("sync")


async def raw(scope: Scope, receive: Receive, send: Send) -> None:
    """A mounted ASGI app with no wrapper of its own."""
    kind = scope.get("query_string", b"")
    if kind == b"before":
        raise Boom("before")
    if kind == b"http":
        raise HTTPException(409, detail="conflict", headers={"X-B": "2"})
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-length", b"2")]})
    if kind == b"after":
        raise Boom("after")
    if kind == b"after-unhandled":
        raise KeyError("after")
    await send({"type": "http.response.body", "body": b"ok"})


def on_boom(request: Request, exc: Exception) -> Response:  # sync handler
    return JSONResponse({"seen": str(exc), "class": type(exc).__name__,
                         "path": request.url.path, "method": request.method}, 418,
                        headers={"X-Handled": "boom"})


async def on_sub_boom(request: Request, exc: Exception) -> Response:
    return PlainTextResponse("sub", 419)


async def on_409(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    return PlainTextResponse(f"409 {exc.detail}", 409, headers=exc.headers)


async def on_404(request: Request, exc: Exception) -> Response:
    return PlainTextResponse("no such thing", 404, headers={"X-Own": "404"})


async def on_unlucky(request: Request, exc: Exception) -> Response:
    raise RuntimeError("the handler itself broke")


async def on_inner_boom(request: Request, exc: Exception) -> Response:
    return PlainTextResponse(f"inner {request.scope.get('root_path', '')}", 420)


def inner() -> Starlette:
    """A mounted Starlette with its own layer (stock: install() is on the outer app)."""
    return Starlette(routes=[Route("/ep", Endpoint)],
                     exception_handlers={Boom: on_inner_boom})


def build(*middleware: Middleware) -> Starlette:
    return Starlette(
        routes=[Route("/ep", Endpoint), Mount("/raw", raw),
                Route("/get-only", Endpoint, methods=["GET"]),
                Mount("/inner", inner()), Mount("/deep", routes=[Mount("/er", inner())]),
                Mount("/plain", routes=[Route("/ep", Endpoint)])],
        exception_handlers={Boom: on_boom, SubBoom: on_sub_boom, 409: on_409, 404: on_404,
                            Unlucky: on_unlucky},
        middleware=list(middleware))


def app_mode(app: Starlette) -> Starlette:
    return install(app, methods=False, statuses=False, bodies="app", server_errors=False)


Outcome = tuple[Any, ...]


def outcome(app: Starlette, method: str, target: str, *, raise_exc: bool) -> Outcome:
    try:
        answer = TestClient(app, raise_server_exceptions=raise_exc).request(method, target)
    except Exception as exc:  # the raise is what is compared
        return ("raised", type(exc).__name__, str(exc))
    fields = sorted((k, v) for k, v in answer.headers.items() if k not in ("date", "server"))
    return (answer.status_code, answer.content, fields)


CASES: list[tuple[str, str]] = [
    ("GET", "/ep?k=204"), ("GET", "/ep?k=304"), ("HEAD", "/ep?k=304"), ("GET", "/ep?k=401"),
    ("GET", "/ep?k=sub"), ("HEAD", "/ep?k=sub"), ("GET", "/ep?k=unhandled"),
    ("GET", "/ep?k=handler-raises"), ("POST", "/ep"), ("PUT", "/ep"), ("POST", "/get-only"),
    ("GET", "/raw?before"), ("GET", "/raw?http"), ("GET", "/raw?after"),
    ("GET", "/raw?after-unhandled"), ("GET", "/missing"),
    ("GET", "/inner/ep?k=sub"), ("POST", "/inner/ep"), ("GET", "/inner/missing"),
    ("POST", "/deep/er/ep"), ("POST", "/plain/ep"), ("GET", "/plain/ep?k=304"),
]


@pytest.mark.parametrize("raise_exc", [True, False], ids=["raising", "not-raising"])
@pytest.mark.parametrize(("method", "target"), CASES)
def test_app_mode_answers_and_raises_as_stock(method: str, target: str,
                                              raise_exc: bool) -> None:
    stock = outcome(build(), method, target, raise_exc=raise_exc)
    installed = outcome(app_mode(build()), method, target, raise_exc=raise_exc)
    assert installed == stock


EXPECTED: dict[tuple[str, str], Outcome] = {
    # RFC 9110 §15.3.5 / §15.4.5: no content, the fields the exception carries kept.
    ("GET", "/ep?k=204"): (204, b"", [("x-a", "1")]),
    ("GET", "/ep?k=304"): (304, b"", [("cache-control", "max-age=5"), ("etag", '"v1"')]),
    ("POST", "/ep"): (418, b'{"seen":"sync","class":"Boom","path":"/ep","method":"POST"}',
                      [("content-length", "59"), ("content-type", "application/json"),
                       ("x-handled", "boom")]),
    ("GET", "/ep?k=sub"): (419, b"sub", [("content-length", "3"),
                                         ("content-type", "text/plain; charset=utf-8")]),
    ("GET", "/raw?http"): (409, b"409 conflict", [("content-length", "12"),
                                                 ("content-type", "text/plain; charset=utf-8"),
                                                 ("x-b", "2")]),
    ("GET", "/inner/ep?k=sub"): (420, b"inner /inner", [("content-length", "12"),
                                                        ("content-type",
                                                         "text/plain; charset=utf-8")]),
    ("POST", "/plain/ep"): (418, b'{"seen":"sync","class":"Boom","path":"/plain/ep",'
                                 b'"method":"POST"}',
                            [("content-length", "65"), ("content-type", "application/json"),
                             ("x-handled", "boom")]),
}


@pytest.mark.parametrize(("method", "target"), sorted(EXPECTED))
def test_app_mode_answers_pinned(method: str, target: str) -> None:
    assert outcome(app_mode(build()), method, target, raise_exc=True) == EXPECTED[
        (method, target)]


@pytest.mark.parametrize(("target", "error"), [
    ("/ep?k=unhandled", KeyError), ("/raw?after-unhandled", KeyError),
    ("/ep?k=handler-raises", RuntimeError), ("/raw?after", RuntimeError)])
@pytest.mark.parametrize("mode", ["app", "full"])
def test_raised_on_to_the_test_client(target: str, error: type[Exception], mode: str) -> None:
    # issue 23 item 3: the exception leaves the app, whatever install() answered.
    app = app_mode(build()) if mode == "app" else install(build())
    with pytest.raises(error):
        TestClient(app).get(target)


def test_full_install_no_content_statuses_keep_their_fields() -> None:
    client = TestClient(install(build()))
    for method in ("GET", "HEAD"):
        gone = client.request(method, "/ep?k=204")
        assert (gone.status_code, gone.content, gone.headers.get("x-a")) == (204, b"", "1")
        assert "content-type" not in gone.headers and "content-length" not in gone.headers
        same = client.request(method, "/ep?k=304")
        assert (same.status_code, same.content) == (304, b"")
        assert same.headers["etag"] == '"v1"' and same.headers["cache-control"] == "max-age=5"
        assert "content-type" not in same.headers
    denied = client.get("/ep?k=401")
    assert denied.status_code == 401
    assert denied.headers["www-authenticate"] == 'Bearer realm="r"'  # RFC 9110 §15.5.2
    assert denied.headers["content-type"] == "application/problem+json"
    assert denied.json()["status"] == 401


@pytest.fixture(scope="module")
def live() -> Iterator[tuple[int, int]]:
    with serve(build()) as stock, serve(install(build())) as installed:
        yield stock, installed


@pytest.mark.parametrize("method", ["GET", "HEAD"])
@pytest.mark.parametrize("kind", ["204", "304"])
def test_on_the_wire_no_content_for_204_and_304(live: tuple[int, int], kind: str,
                                                method: str) -> None:
    # RFC 9112 §6.3: a 204 / 304 ends at its head; content would open the next response
    # (exchange() pipelines a second request to see it).
    for port in live:
        answer = exchange(port, method, f"/ep?k={kind}")
        assert answer.status == int(kind) and answer.body == b""
        assert answer.header("content-length") is None
        assert answer.header("transfer-encoding") is None
        if kind == "304":
            assert answer.header("etag") == '"v1"'
        else:
            assert answer.header("x-a") == "1"


def test_on_the_wire_a_raise_after_the_start_cuts_the_connection(live: tuple[int, int]) -> None:
    # The head promised 2 bytes and none came: the connection must end (RFC 9112 §8:
    # an incomplete message), with nothing more written after the head.
    for port in live:
        with RawConnection(port) as conn:
            conn.send(b"GET /raw/?after HTTP/1.1\r\nHost: test\r\n\r\n")
            version, status, _, fields = conn.read_head()
            assert (version, status) == ("HTTP/1.1", 200)
            assert ("content-length", "2") in fields
            assert conn.is_closed()


def test_the_stock_layer_is_swapped_but_a_users_subclass_is_not() -> None:
    class Reporting(ExceptionMiddleware):
        seen: list[str] = []

        async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
            Reporting.seen.append(scope["path"])
            await super().__call__(scope, receive, send)

    app = install(build(Middleware(Reporting, handlers={Boom: on_inner_boom})))
    answer = TestClient(app).post("/ep")
    # The innermost (Starlette's own) handlers answer, as stock: the route's wrapper
    # reads the scope entry the innermost layer set.
    assert answer.status_code == 418 and answer.headers["x-handled"] == "boom"
    chain: list[type] = []
    layer: Any = app.middleware_stack
    while layer is not None:
        chain.append(type(layer))
        layer = getattr(layer, "app", None)
    assert Reporting in chain and LeanExceptions in chain
    assert chain.index(Reporting) < chain.index(LeanExceptions)
    assert Reporting.seen == ["/ep"]


async def ws_closes(websocket: WebSocket) -> None:
    await websocket.accept()
    raise WebSocketException(code=4001, reason="nope")


async def ws_before_accept(websocket: WebSocket) -> None:
    raise WebSocketException(code=4002, reason="early")


async def ws_boom(websocket: WebSocket) -> None:
    await websocket.accept()
    raise Boom("ws")


async def on_ws_boom(websocket: WebSocket, exc: Exception) -> None:
    await websocket.close(code=4010, reason=f"handled {exc}")


def ws_app() -> Starlette:
    return Starlette(routes=[WebSocketRoute("/closes", ws_closes),
                             WebSocketRoute("/early", ws_before_accept),
                             WebSocketRoute("/boom", ws_boom)],
                     exception_handlers={Boom: on_ws_boom})


def ws_outcome(app: Starlette, path: str) -> tuple[Any, ...]:
    try:
        with TestClient(app).websocket_connect(path) as socket:
            return ("message", socket.receive())
    except WebSocketDisconnect as exc:
        return ("refused", exc.code, exc.reason)


@pytest.mark.parametrize(("path", "expected"), [
    ("/closes", ("message", {"type": "websocket.close", "code": 4001, "reason": "nope"})),
    ("/early", ("refused", 4002, "early")),
    ("/boom", ("message", {"type": "websocket.close", "code": 4010, "reason": "handled ws"})),
])
def test_websocket_exceptions_as_stock(path: str, expected: tuple[Any, ...]) -> None:
    assert ws_outcome(ws_app(), path) == expected
    assert ws_outcome(install(ws_app()), path) == expected
