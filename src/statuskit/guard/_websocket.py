"""The guard's side of a WebSocket: refusing a handshake, and a cap on message size.

A handshake the guard refuses gets an HTTP answer where the server offers the ASGI
``websocket.http.response`` extension (uvicorn, Hypercorn and Daphne do), so the
client sees the same 503 / 429 / 414 problem document an HTTP request would. Where
it does not, a temporary refusal accepts and closes at once with 1013 "Try Again
Later" (the only way a close code reaches the client); any other refusal closes
before accepting, which the server turns into 403 (ASGI spec, ``websocket.close``).
"""

from __future__ import annotations

from statuskit.guard._answers import problem_response
from statuskit.types import Message, Receive, Scope, Send

# RFC 6455 §7.4.1 and the IANA WebSocket Close Code registry.
CLOSE_POLICY_VIOLATION = 1008
CLOSE_MESSAGE_TOO_BIG = 1009
CLOSE_TRY_AGAIN_LATER = 1013

_TEMPORARY = frozenset({429, 503})
_HTTP_RESPONSE = "websocket.http.response"


async def refuse_handshake(
    scope: Scope,
    receive: Receive,
    send: Send,
    status: int,
    *,
    detail: str | None = None,
    retry_after: float | None = None,
) -> None:
    """Refuse a WebSocket handshake the way the server lets the client see best."""
    # ASGI: the first event of a WebSocket is websocket.connect; the client may also
    # be gone already, and then there is nobody to answer.
    if (await receive())["type"] != "websocket.connect":
        return
    if _HTTP_RESPONSE in (scope.get("extensions") or {}):
        headers, body = problem_response(status, detail, retry_after=retry_after)
        await send({"type": "websocket.http.response.start", "status": status,
                    "headers": headers})
        await send({"type": "websocket.http.response.body", "body": body, "more_body": False})
    elif status in _TEMPORARY:
        await send({"type": "websocket.accept"})
        await send({"type": "websocket.close", "code": CLOSE_TRY_AGAIN_LATER,
                    "reason": "try again later"})
    else:
        await send({"type": "websocket.close", "code": CLOSE_POLICY_VIOLATION})


class WebSocketSession:
    """Stands between the app and an accepted WebSocket to cap the size of its messages.

    A message past ``max_message_size`` closes the connection with 1009 (RFC 6455
    §7.4.1); the app never receives it and is told ``websocket.disconnect`` instead.
    """

    __slots__ = ("_receive", "_send", "closed", "max_message_size")

    def __init__(self, receive: Receive, send: Send, max_message_size: int) -> None:
        self._receive = receive
        self._send = send
        self.max_message_size = max_message_size
        self.closed = False  # the guard closed the connection; the app's sends go nowhere

    async def receive(self) -> Message:
        message = await self._receive()
        if message["type"] == "websocket.receive" and self._too_big(message):
            return await self._close_too_big()
        return message

    def _too_big(self, message: Message) -> bool:
        limit = self.max_message_size
        data = message.get("bytes")
        if data is not None:
            return len(data) > limit
        text: str = message.get("text") or ""
        # n characters are n to 4n octets in UTF-8: encode only when it can matter.
        return len(text) > limit or (
            len(text) * 4 > limit and len(text.encode("utf-8", "surrogatepass")) > limit
        )

    async def _close_too_big(self) -> Message:
        reason = f"message larger than {self.max_message_size} bytes"
        if not self.closed:
            self.closed = True
            await self._send({"type": "websocket.close", "code": CLOSE_MESSAGE_TOO_BIG,
                              "reason": reason})
        return {"type": "websocket.disconnect", "code": CLOSE_MESSAGE_TOO_BIG, "reason": reason}

    async def send(self, message: Message) -> None:
        if self.closed:
            return
        await self._send(message)

