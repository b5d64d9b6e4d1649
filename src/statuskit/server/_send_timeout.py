"""The send timeout: a connection whose client stopped reading is aborted.

A client that sends requests and never reads the answers leaves them in the
server's buffers: the kernel's, then the transport's, and the app waits to write
more. No read timeout ever fires on such a connection, and closing it does not
help either (a close waits for the buffer to drain). As nginx's ``send_timeout``
does, the connection is aborted once its write buffer has made no progress for
``send_timeout`` seconds: not one byte taken by the client in that time.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import struct

logger = logging.getLogger("statuskit.server")


class SendWatch:
    """The progress of one transport's write buffer, sampled by a clock."""

    __slots__ = ("since", "size")

    def __init__(self, now: float) -> None:
        self.size = 0  # bytes buffered at the last sample
        self.since = now  # when the buffer last was empty or shrank

    def stalled(self, transport: asyncio.BaseTransport, now: float, timeout: float) -> bool:
        """Whether bytes have waited ``timeout`` seconds with none of them sent."""
        size = transport.get_write_buffer_size()  # type: ignore[attr-defined]
        if size == 0 or size < self.size:
            self.size = size
            self.since = now
            return False
        self.size = size
        return now - self.since >= timeout


# SO_LINGER on, for 0 seconds: close() drops what the kernel still holds and resets.
_RESET_ON_CLOSE = struct.pack("ii", 1, 0)


def abort_stalled(transport: asyncio.BaseTransport, timeout: float) -> None:
    """Abort, and reset the connection: a plain close would leave the unsent bytes to
    the kernel, which keeps retrying a client that never reads for minutes more."""
    logger.info("client read nothing of %d buffered bytes in %.1f s; connection aborted",
                transport.get_write_buffer_size(), timeout)  # type: ignore[attr-defined]
    sock = transport.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, _RESET_ON_CLOSE)
    transport.abort()  # type: ignore[attr-defined]


__all__ = ["SendWatch", "abort_stalled"]
