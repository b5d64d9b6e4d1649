"""Issue 26: what one client can make the server hold, on both parsers, measured from
the server's own process (its peak RSS, VmHWM) over a raw socket.

Each attack is bounded (a few MiB) so that CI stays fast; the thresholds sit well
clear of noise: before the fixes each of these grew the server by several times the
threshold (the issue's full-size runs: 1,200 MiB, 749 MB), after them by about one
read. The issue-sized runs: ``bench/attacks.py``.
"""

from __future__ import annotations

import contextlib
import socket
import struct
import time
from pathlib import Path
from typing import Any

import pytest

from support.memory_server import memory_server, peak_rss
from support.rawhttp import RawConnection

MiB = 1 << 20
PROBLEM = "application/problem+json"

pytestmark = pytest.mark.skipif(not Path("/proc/self/status").exists(),
                                reason="RSS is read from /proc")


def send_for(sock: socket.socket, data: bytes, seconds: float) -> int:
    """Send as much of ``data`` as the server takes within ``seconds``; bytes sent."""
    sock.settimeout(0.2)
    sent = 0
    deadline = time.monotonic() + seconds
    view = memoryview(data)
    while sent < len(data) and time.monotonic() < deadline:
        try:
            sent += sock.send(view[sent:sent + 65536])
        except TimeoutError:
            continue
        except OSError:
            break
    return sent


TCP_CLOSE = 7  # include/net/tcp_states.h


def tcp_state(sock: socket.socket) -> int:
    """The kernel's TCP state of ``sock`` (struct tcp_info's first byte), read
    without consuming anything the server sent."""
    info = sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 8)
    return int(struct.unpack("B", info[:1])[0])


@pytest.fixture(params=["httptools", "h11"])
def parser(request: pytest.FixtureRequest) -> str:
    return str(request.param)


# -- H1: the head limit whatever the connection's state --------------------------------

def test_head_arriving_while_a_response_is_pending_is_431_at_the_head_limit(parser):
    filler = b"X-Filler: " + b"a" * 1014 + b"\r\n"  # 1 KiB a line
    with memory_server(parser) as (port, pid):
        before = peak_rss(pid)
        with RawConnection(port, timeout=15) as conn:
            conn.send(b"GET /slow?seconds=2 HTTP/1.1\r\nHost: t\r\n\r\n"
                      b"GET / HTTP/1.1\r\nHost: t\r\n")
            sent = send_for(conn.sock, filler * (32 * 1024), 1.5)  # up to 32 MiB
            grown = peak_rss(pid) - before
            conn.sock.settimeout(15)
            first = conn.read_response()
            refused = conn.read_response()
        # RFC 9112 §9.3.2: the pending request is answered first; RFC 6585 §5: the
        # next head passed 16 KiB from its first byte, answered 431, and the
        # connection ends.
        assert (first.status, first.body) == (200, b"slow")
        assert refused.status == 431
        assert refused.header("content-type") == PROBLEM
        assert refused.header("connection") == "close"
        # Either the server reads and drops (httptools) or stops reading (h11, paused
        # until its answer is out); either way it held far less than was sent.
        assert sent >= MiB, sent
    assert grown < 16 * MiB, f"{grown / MiB:.0f} MiB held for {sent / MiB:.0f} MiB sent"


def test_head_pipelined_behind_a_pending_one_still_counts_from_its_first_byte(parser):
    # Not a flood: one 10 KiB head and one 20 KiB head pipelined behind a pending
    # request, each judged by its own size (RFC 6585 §5), in request order.
    small = b"GET / HTTP/1.1\r\nHost: t\r\nX-Filler: " + b"a" * 10_000 + b"\r\n\r\n"
    large = b"GET / HTTP/1.1\r\nHost: t\r\nX-Filler: " + b"a" * 20_000 + b"\r\n\r\n"
    with memory_server(parser) as (port, _), RawConnection(port, timeout=10) as conn:
        conn.send(b"GET /slow?seconds=0.5 HTTP/1.1\r\nHost: t\r\n\r\n" + small + large)
        assert [conn.read_response().status for _ in range(2)] == [200, 200]
        refused = conn.read_response()
        assert refused.status == 431
        assert refused.header("content-type") == PROBLEM
        assert conn.is_closed(5)


# -- H2: pipelined requests read without bound ---------------------------------------

def test_pipelined_requests_never_read_keep_the_server_to_a_bounded_queue(parser):
    flood = b"GET / HTTP/1.1\r\nHost: t\r\n\r\n" * (1 * MiB // 27)
    with memory_server(parser) as (port, pid):
        before = peak_rss(pid)
        with RawConnection(port, timeout=10) as conn:
            sent = send_for(conn.sock, flood, 2.0)
            time.sleep(1.0)  # the server works through what it took
            grown = peak_rss(pid) - before
            # Nothing was lost or reordered: the answers start with the first request's.
            conn.sock.settimeout(10)
            answers = [conn.read_response() for _ in range(64)]
        assert sent > MiB // 2, sent
        assert all((a.status, a.body) == (200, b"ok") for a in answers)
    assert grown < 24 * MiB, f"{grown / MiB:.0f} MiB held for {sent / MiB:.1f} MiB sent"


def test_a_pipeline_past_the_pending_limit_is_answered_whole_and_in_order(parser):
    # 200 requests in one write with a limit of 4: reading pauses and resumes, and
    # every request gets its answer, in order (RFC 9112 §9.3.2).
    requests = b"".join(f"GET /{i} HTTP/1.1\r\nHost: t\r\n\r\n".encode() for i in range(199))
    last = b"POST /last HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabc"
    with memory_server(parser, max_pending_requests=4) as (port, _), \
            RawConnection(port, timeout=10) as conn:
        conn.send(requests + last)
        answers = [conn.read_response() for _ in range(200)]
        assert conn.is_closed(5)
    assert [(a.status, a.body) for a in answers] == [(200, b"ok")] * 200


# -- H10: a client that stopped reading ----------------------------------------------

@pytest.mark.parametrize("target, close", [
    ("/big?bytes=67108864", False),  # the app waits on a full buffer, mid-response
    ("/big-once?bytes=33554432", True),  # all of it buffered, then a close that waits
    ("/big-once?bytes=33554432", False),  # all of it buffered, then an idle connection
])
def test_client_that_stops_reading_is_aborted_after_the_send_timeout(parser, target, close):
    with memory_server(parser, send_timeout=1.0) as (port, _):
        sock = socket.create_connection(("127.0.0.1", port))
        with sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
            connection = "Connection: close\r\n" if close else ""
            sock.sendall(f"GET {target} HTTP/1.1\r\nHost: t\r\n{connection}\r\n".encode())
            started = time.monotonic()
            while tcp_state(sock) != TCP_CLOSE and time.monotonic() - started < 20:
                time.sleep(0.1)
            waited = time.monotonic() - started
            # Reset, never read: the client's buffer holds what it got before the abort.
            assert tcp_state(sock) == TCP_CLOSE, f"still open after {waited:.0f} s"


def test_client_that_reads_slowly_but_steadily_is_not_aborted(parser):
    # nginx's send_timeout counts between two successive writes the client takes, not
    # for the whole response: a slow reader that keeps taking bytes is never cut off,
    # though the server's buffer for it stays full (the same size at every look).
    with memory_server(parser, send_timeout=1.0) as (port, _):
        sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        with sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16384)
            sock.sendall(b"GET /big?bytes=268435456 HTTP/1.1\r\nHost: t\r\n\r\n")
            got = 0
            started = time.monotonic()
            while time.monotonic() - started < 3.0:  # three send timeouts
                chunk = sock.recv(8192)  # raises on a reset
                assert chunk, f"closed after {got} bytes"
                got += len(chunk)
                time.sleep(0.01)  # under 800 KiB/s: far slower than the server writes
            assert tcp_state(sock) != TCP_CLOSE
    assert got > 512 * 1024, got


# -- H6: WebSocket buffers, all sockets together ---------------------------------------

WS_HANDSHAKE = (b"GET /ws/echo HTTP/1.1\r\nHost: t\r\nUpgrade: websocket\r\n"
                b"Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                b"Sec-WebSocket-Version: 13\r\n\r\n")


def ws_frame(payload: bytes, opcode: int = 2) -> bytes:
    """A client's frame, FIN set; masked with a zero key (RFC 6455 §5.3 allows any key;
    zero leaves the payload as it is, so 1 MiB needs no XOR here)."""
    size = len(payload)
    if size < 126:
        length = bytes([0x80 | size])
    elif size < 1 << 16:
        length = bytes([0x80 | 126]) + struct.pack("!H", size)
    else:
        length = bytes([0x80 | 127]) + struct.pack("!Q", size)
    return bytes([0x80 | opcode]) + length + b"\0\0\0\0" + payload


def ws_open(port: int, *, receive_buffer: int | None = None) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if receive_buffer is not None:  # before connect: the window is agreed on then
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
    sock.settimeout(10)
    sock.connect(("127.0.0.1", port))
    sock.sendall(WS_HANDSHAKE)
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = sock.recv(1)  # byte by byte: nothing after the head is taken
        assert chunk, head
        head += chunk
    assert head.startswith(b"HTTP/1.1 101 "), head
    return sock


def ws_read_message(sock: socket.socket) -> tuple[int, bytes]:
    def exactly(n: int) -> bytes:
        data = b""
        while len(data) < n:
            chunk = sock.recv(n - len(data))
            if not chunk:
                raise ConnectionError("closed")
            data += chunk
        return data

    first, second = exactly(2)
    size = second & 0x7F
    if size == 126:
        size = struct.unpack("!H", exactly(2))[0]
    elif size == 127:
        size = struct.unpack("!Q", exactly(8))[0]
    return first & 0x0F, exactly(size)


def test_never_reading_websocket_clients_are_held_to_one_total(parser):
    # The shape: clients sending 1 MiB messages to an echo and never reading
    # the echoes (40 took 4.7 MB each; 1,000 sockets 5-8 GB). Each such connection
    # keeps a part of its echoes in the server's write buffer and its next messages
    # in the read buffers; under a total of 2 MiB for all of them, 24 clients cannot
    # keep it: the ones holding the most are aborted (1008, which a client that reads
    # nothing cannot be told), and a client that reads what it is sent is still served.
    message = ws_frame(b"m" * MiB)
    with memory_server(parser, ws_max_total=2 * MiB) as (port, pid):
        before = peak_rss(pid)
        attackers = [ws_open(port, receive_buffer=4096) for _ in range(24)]
        polite = ws_open(port)
        try:
            for sock in attackers:
                send_for(sock, message * 4, 0.3)
            time.sleep(0.5)
            grown = peak_rss(pid) - before
            polite.sendall(ws_frame(b"still here"))
            polite.settimeout(10)
            assert ws_read_message(polite) == (2, b"still here")
        finally:
            for sock in (*attackers, polite):
                sock.close()
    # Which of them were closed depends on how fast the kernel took their echoes (it
    # was 0 of 24 on a loaded machine): the bound itself is asserted from the server's
    # accounting in test_websocket_total_bounds_what_the_server_holds.
    # Peak RSS counts the messages in flight as well (read, assembled, echoed).
    assert grown < 112 * MiB, f"{grown / MiB:.0f} MiB"


class HoldingsLog:
    """The server's own accounting (its ``Holdings``), recounted around every count:
    what all its WebSocket connections truly hold when a count starts (the most the
    server ever holds: holdings only grow inside a data_received or a send, and each
    of those ends in a count) and when it ends (after any closing)."""

    def __init__(self, holdings: Any) -> None:
        self.holdings = holdings
        self.peak_on_entry = 0
        self.peak_on_exit = 0
        self.counts = 0
        original = holdings.counted

        def counted(connection: Any) -> None:
            self.peak_on_entry = max(self.peak_on_entry, self._truly_held())
            original(connection)
            self.peak_on_exit = max(self.peak_on_exit, self._truly_held())
            self.counts += 1

        holdings.counted = counted

    def _truly_held(self) -> int:
        return sum(c.holding() for c in self.holdings.connections)


def test_websocket_total_bounds_what_the_server_holds(parser):
    # The bound itself, from the server's own accounting rather than RSS (which the
    # kernel and the allocator blur): 24 clients send 1 MiB messages to an echo and
    # never read. Whenever the server has counted, all its WebSocket connections
    # together hold at most ws_max_total; between counts at most one read (256 KiB,
    # asyncio's and uvloop's read size) or one message (ws_max_message_size) more.
    import uvicorn

    from statuskit.server import config
    from support.memory_server import app as echo_app
    from support.servers import free_port, running

    limit = 2 * MiB
    port = free_port()
    settings = config(echo_app, port=port, parser=parser, ws_max_total=limit,
                      uvicorn_options={"log_level": "critical", "lifespan": "off"})
    log = HoldingsLog(settings.ws.holdings)
    with running(uvicorn.Server(settings)):
        attackers = [ws_open(port, receive_buffer=4096) for _ in range(24)]
        polite = ws_open(port)
        try:
            for sock in attackers:
                send_for(sock, ws_frame(b"m" * MiB) * 4, 0.3)
            time.sleep(0.5)
            polite.sendall(ws_frame(b"still here"))
            polite.settimeout(10)
            assert ws_read_message(polite) == (2, b"still here")
        finally:
            for sock in (*attackers, polite):
                sock.close()
    # The attack did press on the bound: without the total these clients held more.
    assert log.counts > 24 and log.peak_on_entry > limit, (log.counts, log.peak_on_entry)
    assert log.peak_on_exit <= limit, f"{log.peak_on_exit / MiB:.2f} MiB after a count"
    assert log.peak_on_entry <= limit + MiB + 256 * 1024, \
        f"{log.peak_on_entry / MiB:.2f} MiB before a count"


def test_websocket_total_is_a_setting_and_closes_with_a_close_code(parser):
    # Clients that read but whose messages never end (a 1 MiB frame, all but its
    # last byte) hold what they sent; past a total of 4 MiB the largest gets 1009.
    start = ws_frame(b"p" * (MiB - 1024))[:-1]
    with memory_server(parser, ws_max_total=4 * MiB) as (port, _):
        socks = [ws_open(port) for _ in range(8)]
        try:
            for sock in socks:
                sock.sendall(start)
                time.sleep(0.05)
            codes = []
            for sock in socks:
                sock.settimeout(0.5)
                with contextlib.suppress(TimeoutError, ConnectionError):
                    opcode, payload = ws_read_message(sock)
                    if opcode == 8:
                        codes.append(struct.unpack("!H", payload[:2])[0])
        finally:
            for sock in socks:
                sock.close()
    # 8 of about 1 MiB against 4 MiB: at least 4 closed, each with 1009 (RFC 6455 §7.4.1).
    assert len(codes) >= 4, codes
    assert set(codes) == {1009}, codes
