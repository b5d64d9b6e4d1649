"""A run() stack in its own process, for tests that measure what the server holds.

    python tests/server/memory_server.py PARSER PORT [SETTINGS_JSON]

The tests read the server's RSS from /proc/PID/status, so the server cannot share
their process. The app: ``/slow?seconds=S`` answers after S seconds, ``/big?bytes=N``
streams N bytes in 64 KiB messages, ``/big-once?bytes=N`` sends them in one message,
``/ws/echo`` echoes WebSocket messages, anything else is 200 "ok".
"""

from __future__ import annotations

import asyncio
import json
import sys
from typing import Any
from urllib.parse import parse_qs

import uvicorn

from statuskit.server import config


def _number(scope: Any, name: str, default: float) -> float:
    query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
    return float(query.get(name, [default])[0])


async def app(scope: Any, receive: Any, send: Any) -> None:
    if scope["type"] == "websocket":
        await _echo(receive, send)
        return
    if scope["type"] != "http":
        return
    path = scope["path"]
    if path == "/slow":
        await asyncio.sleep(_number(scope, "seconds", 1.0))
    if path in ("/big", "/big-once"):
        size = int(_number(scope, "bytes", 1 << 20))
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-length", str(size).encode())]})
        step = size if path == "/big-once" else 1 << 16
        for at in range(0, size, step):
            await send({"type": "http.response.body", "body": b"x" * min(step, size - at),
                        "more_body": at + step < size})
        return
    body = b"slow" if path == "/slow" else b"ok"
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


async def _echo(receive: Any, send: Any) -> None:
    while True:
        message = await receive()
        if message["type"] == "websocket.connect":
            await send({"type": "websocket.accept"})
        elif message["type"] == "websocket.receive":
            await send({"type": "websocket.send", "bytes": message.get("bytes"),
                        "text": message.get("text")})
        else:
            return


def main() -> None:
    parser, port = sys.argv[1], int(sys.argv[2])
    settings = json.loads(sys.argv[3]) if len(sys.argv) > 3 else {}
    options = {"log_level": "critical", "lifespan": "off", **settings.pop("uvicorn_options", {})}
    uvicorn.Server(config(app, port=port, parser=parser, uvicorn_options=options,
                          **settings)).run()


if __name__ == "__main__":
    main()
