"""WebSocket connections under one total for what they hold (issue 26, H6).

Each connection's own caps hold (a message of ``ws_max_message_size``, reading paused
while the app has messages to take), but they multiply: a client that never reads
what the app sends it keeps the app's messages in the server's write buffer, one that
never finishes a message keeps its start, and a thousand sockets can pin gigabytes.

Here the connections of one server count what each holds, in bytes: the bytes read
and not yet a whole message, the messages waiting for the app, and the bytes written
and not yet taken by the client. While the total is under ``ws_max_total`` nothing
changes. Past it, the connection holding the most is closed, until the total is under
again: with 1009 ("message too big", RFC 6455 §7.4.1) when what it holds is mostly
what its client sent, with 1008 ("policy violation") when it is mostly what its
client does not read (then the connection is aborted: the close frame could not
reach a client that reads nothing, and its buffer is freed at once). A client that
reads what it is sent and sends what the app reads holds next to nothing and is
never the one closed. Bound: ``ws_max_total`` plus one read and one message.
"""

from __future__ import annotations

import logging
from collections import deque
from typing import Any

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol

from statuskit.guard._websocket import CLOSE_MESSAGE_TOO_BIG, CLOSE_POLICY_VIOLATION

logger = logging.getLogger("statuskit.server")


class Holdings:
    """What the WebSocket connections of one server hold, and the bound on the total."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.total = 0  # the sum of the connections' last counts (upper bounds)
        self.connections: set[StatusWebSocketProtocol] = set()

    def counted(self, connection: StatusWebSocketProtocol) -> None:
        held = connection.holding()
        self.total += held - connection.held
        connection.held = held
        if self.total > self.limit:
            self._over_the_limit()

    def forget(self, connection: StatusWebSocketProtocol) -> None:
        if connection in self.connections:
            self.connections.discard(connection)
            self.total -= connection.held
            connection.held = 0

    def _over_the_limit(self) -> None:
        # A write buffer drains without telling anyone (below its high-water mark):
        # the counts are upper bounds, so count every connection again before closing.
        total = 0
        for connection in self.connections:
            connection.held = connection.holding()
            total += connection.held
        self.total = total
        while self.total > self.limit and self.connections:
            largest = max(self.connections, key=lambda c: c.held)
            if largest.held == 0:
                break
            logger.info("WebSocket buffers past %d bytes: closed the one holding %d",
                        self.limit, largest.held)
            largest.close_for_holding()


class StatusWebSocketProtocol(WebSocketsSansIOProtocol):
    """uvicorn's WebSocket protocol (websockets' sans-I/O implementation) under a
    server-wide total; tune with :func:`websocket_protocol`."""

    holdings: Holdings

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.held = 0
        self._queued = 0  # bytes of the messages waiting for the app
        self._sizes: deque[int] = deque()

    def holding(self) -> int:
        """Bytes this connection holds now (see the module's docstring)."""
        partial = len(self.conn.reader.buffer) + sum(map(len, self.frames))
        transport = self.transport
        written = 0 if transport is None else transport.get_write_buffer_size()
        return partial + self._queued + written

    def _incoming(self) -> int:
        return len(self.conn.reader.buffer) + sum(map(len, self.frames)) + self._queued

    def connection_made(self, transport: Any) -> None:
        super().connection_made(transport)
        self.holdings.connections.add(self)

    def connection_lost(self, exc: Exception | None) -> None:
        self.holdings.forget(self)
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self in self.holdings.connections:
            self.holdings.counted(self)

    def send_receive_event_to_app(self) -> None:
        size = sum(map(len, self.frames))
        waiting = self.queue.qsize()
        super().send_receive_event_to_app()
        if self.queue.qsize() > waiting:
            self._queued += size
            self._sizes.append(size)

    async def receive(self) -> Any:
        message = await super().receive()
        if message["type"] == "websocket.receive" and self._sizes:
            self._queued -= self._sizes.popleft()
            if self in self.holdings.connections:
                self.holdings.counted(self)
        return message

    async def send(self, message: Any) -> None:
        await super().send(message)
        if self in self.holdings.connections:
            self.holdings.counted(self)

    def resume_writing(self) -> None:
        super().resume_writing()
        if self in self.holdings.connections:
            self.holdings.counted(self)

    def close_for_holding(self) -> None:
        """Close this connection for holding the most while the total is past its bound."""
        not_reading = self._incoming() < self.held - self._incoming()
        code = CLOSE_POLICY_VIOLATION if not_reading else CLOSE_MESSAGE_TOO_BIG
        self.holdings.forget(self)
        # The app is told as for any close; the messages it had not taken are dropped.
        while not self.queue.empty():
            self.queue.get_nowait()
        self._sizes.clear()
        self._queued = 0
        self.frames = []
        self.conn.reader.buffer.clear()
        self.queue.put_nowait({"type": "websocket.disconnect", "code": code})
        self.close_sent = True
        transport = self.transport
        if transport is None or transport.is_closing():
            return
        if not_reading:
            transport.abort()
            return
        if self.handshake_complete:
            self.conn.send_close(code, "buffers full" if code == CLOSE_POLICY_VIOLATION
                                 else "message too big to hold now")
            transport.write(b"".join(self.conn.data_to_send()))
        transport.close()


def websocket_protocol(*, max_total: int) -> type[StatusWebSocketProtocol]:
    """A WebSocket protocol class with a total of its own (one per server), for
    ``uvicorn.Config(ws=...)``."""
    if max_total < 1:
        raise ValueError(f"ws_max_total must be 1 or more, not {max_total}")
    return type("StatusWebSocketProtocol", (StatusWebSocketProtocol,),
                {"holdings": Holdings(max_total)})


__all__ = ["Holdings", "StatusWebSocketProtocol", "websocket_protocol"]
