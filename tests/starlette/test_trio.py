"""An installed app on trio, anyio's other backend, which Starlette and FastAPI support
and test (issue 23, item 1): every request with a body used to get a 500 "no running
event loop", since the guard called asyncio directly. In process, through Starlette's
TestClient on each backend (no ASGI server runs on trio here)."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any

import anyio
import httpx
import pytest
from fastapi import FastAPI
from pydantic import BaseModel
from starlette.testclient import TestClient

from statuskit.starlette import install

PROBLEM = "application/problem+json"
BACKENDS = ["asyncio", "trio"]


class Note(BaseModel):
    title: str


def _app() -> FastAPI:
    app = FastAPI()

    @app.post("/notes", status_code=201)
    async def create(note: Note) -> dict[str, str]:
        return {"title": note.title}

    @app.get("/slow")
    async def slow() -> dict[str, bool]:
        await anyio.sleep(5)
        return {"slow": True}

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("internal detail")

    return app


def _client(app: Any, backend: str, **options: Any) -> TestClient:
    return TestClient(app, backend=backend, **options)


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_request_with_content_is_served_on_either_backend(backend: str) -> None:
    with _client(install(_app()), backend) as client:
        response = client.post("/notes", json={"title": "a"})
    assert response.status_code == 201
    assert response.json() == {"title": "a"}


@pytest.mark.parametrize("backend", BACKENDS)
def test_malformed_content_is_400_on_either_backend(backend: str) -> None:
    with _client(install(_app()), backend) as client:
        response = client.post("/notes", content=b'{"title": ',
                               headers={"content-type": "application/json"})
    assert response.status_code == 400
    assert response.headers["content-type"] == PROBLEM


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_client_timeout_is_kept_on_either_backend(backend: str) -> None:
    app = install(_app(), client_timeout=True)
    with _client(app, backend) as client:
        started = time.monotonic()
        response = client.get("/slow?timeout=0.1")
    assert response.status_code == 504
    assert response.headers["content-type"] == PROBLEM
    assert time.monotonic() - started < 4  # cancelled, not waited out


async def _post_stalled(app: Any) -> httpx.Response:
    async def stalled() -> AsyncIterator[bytes]:
        yield b'{"title": '
        await anyio.sleep(5)
        yield b'"a"}'

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        return await client.post("/notes", content=stalled(),
                                 headers={"content-type": "application/json"})


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_stalled_body_is_408_on_either_backend(backend: str) -> None:
    response = anyio.run(_post_stalled, install(_app(), body_timeout=0.1), backend=backend)
    assert response.status_code == 408
    assert response.headers["connection"] == "close"
    assert response.json()["status"] == 408


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_handlers_exception_is_500_then_raised_on_either_backend(backend: str) -> None:
    with _client(install(_app()), backend, raise_server_exceptions=False) as client:
        response = client.get("/boom")
    assert response.status_code == 500
    assert response.headers["content-type"] == PROBLEM
    assert "internal detail" not in response.text
    with _client(install(_app()), backend) as client, \
            pytest.raises(RuntimeError, match="internal detail"):
        client.get("/boom")
