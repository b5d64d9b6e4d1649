"""The ASGI shapes every layer passes around, named once.

ASGI messages and scopes are plain mappings (ASGI 3.0 spec); statuskit does not wrap
them, so the aliases stay structural and any server's dicts fit.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]
# Header fields as ASGI carries them: lower-cased names, raw bytes, in order.
RawHeaders = list[tuple[bytes, bytes]]

__all__ = ["ASGIApp", "Message", "RawHeaders", "Receive", "Scope", "Send"]
