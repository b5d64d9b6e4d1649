"""Under plain ``uvicorn module:app`` (the README's way to serve an installed app, with
no lingering close of its own) a 413 for content the client is still sending must
reach it, not be destroyed by a reset (issue 23, item 8; RFC 9112 §9.6)."""

from __future__ import annotations

import socket

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from statuskit.starlette import install
from support.rawhttp import RawConnection
from support.servers import serve

SIZE = 8 * 1024 * 1024


async def _echo(request: Request) -> JSONResponse:
    return JSONResponse({"received": len(await request.body())})


@pytest.mark.parametrize("http", ["httptools", "h11"])
def test_a_413_reaches_a_client_sending_its_whole_body(http: str) -> None:
    app = install(Starlette(routes=[Route("/upload", _echo, methods=["POST"])]),
                  max_body_size=1024 * 1024)
    head = b"POST /upload HTTP/1.1\r\nHost: t\r\nContent-Length: %d\r\n\r\n" % SIZE
    with serve(app, http=http) as port, RawConnection(port, timeout=10) as conn:
        conn.sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 64 * 1024)
        conn.send(head + b"x" * SIZE)  # no Expect: the client sends it all, as httpx does
        response = conn.read_response()
        assert conn.sock.recv(1) == b""  # then a clean end (FIN), not a reset
    assert response.status == 413
    assert response.header("content-type") == "application/problem+json"
    assert response.json()["title"] == "Content Too Large"
