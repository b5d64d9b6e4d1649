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


# struct tcp_info (include/uapi/linux/tcp.h, Linux 4.1 on): tcpi_bytes_acked, the bytes
# of this connection the peer has acknowledged, a u64 at offset 120.
_TCP_INFO = getattr(socket, "TCP_INFO", None)
_BYTES_ACKED = struct.Struct("=Q")
_BYTES_ACKED_AT = 120


def bytes_acked(transport: asyncio.BaseTransport) -> int | None:
    """How many bytes the client has acknowledged, where the kernel says (Linux)."""
    sock = transport.get_extra_info("socket")
    if _TCP_INFO is None or sock is None:
        return None
    try:
        info = sock.getsockopt(socket.IPPROTO_TCP, _TCP_INFO, _BYTES_ACKED_AT + 8)
    except (OSError, AttributeError):
        return None
    if len(info) < _BYTES_ACKED_AT + 8:
        return None
    return int(_BYTES_ACKED.unpack_from(info, _BYTES_ACKED_AT)[0])


class SendWatch:
    """The progress of one transport's sending, sampled by a clock.

    Progress is the client acknowledging bytes (the kernel's count, where there is
    one), the transport's buffer shrinking or emptying, or the transport resuming a
    paused writer. The buffer's size alone is not enough: the kernel's own send
    buffer (megabytes on a fast link) can feed a slow reader for seconds while the
    transport's stays at the same size.
    """

    __slots__ = ("acked", "since", "size")

    def __init__(self, now: float) -> None:
        self.size = 0  # bytes buffered at the last sample
        self.acked: int | None = None  # bytes the client had acknowledged then
        self.since = now  # when the last progress was seen

    def progressed(self, now: float) -> None:
        """The client took bytes (the transport says so): count from now."""
        self.size = 0
        self.since = now

    def stalled(self, transport: asyncio.BaseTransport, now: float, timeout: float) -> bool:
        """Whether bytes have waited ``timeout`` seconds with none of them taken."""
        size = transport.get_write_buffer_size()  # type: ignore[attr-defined]
        if size == 0:
            self.size = 0
            self.since = now
            return False
        acked = bytes_acked(transport)
        moved = acked != self.acked if acked is not None else size < self.size
        self.size = size
        self.acked = acked
        if moved:
            self.since = now
            return False
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
