"""The gateway's built-in upstream, so /gateway works with no setup.

A tiny ASGI service reached in-process through httpx's ASGI transport:
``/hello`` answers JSON, ``/slow?seconds=N`` answers after N seconds and
``/broken`` answers with something that is not JSON.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any
from urllib.parse import parse_qs

from statuskit.types import Scope, Send

__all__ = ["upstream_app"]


_MAX_SLEEP = 30.0


async def upstream_app(scope: Scope, receive: Any, send: Send) -> None:
    if scope["type"] != "http":
        return
    path: str = scope["path"]
    if path == "/broken":
        await _answer(send, 200, b"<html>not json</html>", b"text/html")
        return
    if path == "/slow":
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        try:
            seconds = min(_MAX_SLEEP, max(0.0, float(query.get("seconds", ["1"])[0])))
        except ValueError:
            seconds = 1.0
        await asyncio.sleep(seconds)
        await _json(send, 200, {"slept": seconds})
        return
    if path in ("/", "/hello"):
        await _json(send, 200, {"message": "hello from the upstream"})
        return
    await _json(send, 404, {"error": "no such upstream path"})


async def _json(send: Send, status: int, document: dict[str, Any]) -> None:
    await _answer(send, status, json.dumps(document).encode(), b"application/json")


async def _answer(send: Send, status: int, body: bytes, media: bytes) -> None:
    await send({"type": "http.response.start", "status": status, "headers": [
        (b"content-type", media), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
