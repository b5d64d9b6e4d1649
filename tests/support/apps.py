"""Small ASGI apps the guard and server tests put behind a guard or a protocol."""

from __future__ import annotations

import asyncio
from typing import Any

Scope = dict[str, Any]


async def plain_app(scope: Scope, receive: Any, send: Any) -> None:
    """Behaviour picked by path; every branch is a situation a guard test needs."""
    assert scope["type"] == "http"
    path: str = scope["path"]
    if path == "/echo":
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return
            size += len(message.get("body", b""))
            if not message.get("more_body", False):
                break
        await _reply(send, 200, str(size).encode())
    elif path == "/slow":
        await asyncio.sleep(1.0)
        await _reply(send, 200, b"slow")
    elif path == "/slow-stream":
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"text/plain")]})
        await asyncio.sleep(0.5)
        await send({"type": "http.response.body", "body": b"late", "more_body": False})
    elif path == "/boom":
        raise RuntimeError("secret internal detail")
    elif path == "/boom-late":
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-length", b"10")]})
        await send({"type": "http.response.body", "body": b"12345", "more_body": True})
        raise RuntimeError("late failure")
    elif path == "/silent":
        return
    elif path.startswith("/status/"):
        await _reply(send, int(path.rsplit("/", 1)[1]), b"some content")
    elif path == "/lie-long":
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-length", b"3")]})
        await send({"type": "http.response.body", "body": b"123456", "more_body": False})
    elif path == "/lie-short":
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-length", b"10"), (b"x-first", b"1")]})
        await send({"type": "http.response.body", "body": b"123", "more_body": False})
    else:
        await _reply(send, 200, b"ok")


async def _reply(send: Any, status: int, body: bytes) -> None:
    await send({
        "type": "http.response.start",
        "status": status,
        "headers": [(b"content-type", b"text/plain"), (b"content-length", str(len(body)).encode())],
    })
    await send({"type": "http.response.body", "body": body, "more_body": False})
