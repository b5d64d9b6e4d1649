"""``/ws/echo``: a WebSocket that sends every message back (the 101 of the seed)."""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any

from statuskit.types import Receive, Send

__all__ = ["echo"]



async def echo(scope: MutableMapping[str, Any], receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        kind = message["type"]
        if kind == "websocket.connect":
            await send({"type": "websocket.accept"})
        elif kind == "websocket.receive":
            if message.get("text") is not None:
                await send({"type": "websocket.send", "text": message["text"]})
            else:
                await send({"type": "websocket.send", "bytes": message.get("bytes") or b""})
        else:
            return  # websocket.disconnect
