"""Limits the layers must agree on, defined once.

The wire (``statuskit.server``) refuses on the parser's verdict what the guard
(``statuskit.guard``) would refuse on the scope; if the two disagreed, the same
request would get 414 from one stack and reach the app through another. Every
layer reads its default from here.
"""

from __future__ import annotations

KiB = 1024
MiB = 1024 * KiB

# RFC 9112 §3: a server SHOULD accept request-lines of at least 8,000 octets;
# past this, 414 (RFC 9110 §15.5.15).
MAX_TARGET_LENGTH = 8192

# The whole header section; past it, 431 (RFC 6585 §5).
MAX_HEADER_SIZE = 16 * KiB

# Seconds a client has to finish sending its header section before 408.
HEADER_TIMEOUT = 10.0

# Requests one connection may have parsed and not yet answered (pipelined, RFC 9112
# §9.3.2); past it the connection reads no more until an answer goes out.
MAX_PENDING_REQUESTS = 32

# Seconds a response may wait for a client that stopped reading (the server's buffer
# for the connection full); past it the connection is aborted. nginx's send_timeout.
SEND_TIMEOUT = 60.0

# Content a request may carry before 413 (RFC 9110 §15.5.14).
MAX_BODY_SIZE = MiB

# Seconds one read of the request content may stall before 408.
BODY_TIMEOUT = 30.0

# Seconds of waiting the whole request content may take before 408, however
# steadily it trickles in: a 1 MiB body needs about 8.7 KB/s to make it.
BODY_DEADLINE = 120.0

# The slowest average rate (bytes/s) a request body may arrive at once its grace
# period has passed; below it, 408. Apache's mod_reqtimeout uses the same rule and
# the same 500 bytes/s: the allowance starts at the grace period and grows by one
# second for every MIN_BODY_RATE bytes received.
MIN_BODY_RATE = 500.0
BODY_RATE_GRACE = 10.0

# Open WebSocket connections one guard serves at once; past it the handshake is
# refused with 503 + Retry-After (or close code 1013, "try again later").
MAX_WEBSOCKETS = 1000

# Largest WebSocket message, in bytes; past it the connection closes with 1009
# (RFC 6455 §7.4.1). The wire gives uvicorn the same number as ``ws_max_size`` so
# that no frame is buffered past it.
MAX_WEBSOCKET_MESSAGE_SIZE = MiB

# A 413 refuses content the client may still be sending; closing with those bytes
# unread makes the kernel answer them with a reset, which can destroy the 413 before
# the client reads it (RFC 9112 §9.6). So the guard first reads and drops up to this
# much of it, for at most this long (the wire's lingering close waits as long).
REFUSED_BODY_DRAIN_LIMIT = 64 * MiB
REFUSED_BODY_DRAIN_TIMEOUT = 2.0

# statuskit.monitor: content it keeps of one message to judge (a problem document, a
# byteranges 206, a JSON request that got 500); past it, only the length is counted.
MONITOR_MAX_BODY = 64 * KiB

# statuskit.monitor: what it remembers, each bounded so that no traffic grows it
# without end: (rule, route) findings, the routes it names (past them, "(other
# routes)"), the 200s a 304 is compared with, and the message shapes httplint saw.
MONITOR_MAX_FINDINGS = 1000
MONITOR_MAX_ROUTES = 500
MONITOR_MAX_HISTORY = 1024
MONITOR_MAX_SHAPES = 4096

# statuskit check: the most it buffers of one answer's header sections (1xx ones
# included), of one line of its chunked framing or its trailers, and of the bytes that
# follow an answer; past it the exchange ends with that said. And the most content of
# one answer it reads: past it the content is cut, the connection closed, and no rule
# that needs the whole content is judged (a server may send 100 GB, or never stop).
CHECK_READ_LIMIT = MiB
CHECK_MAX_BODY = 8 * MiB

# statuskit check --har: the largest HAR file read (the whole JSON document is held
# at once, several times its size in memory); past it, one line and exit 2.
HAR_MAX_BYTES = 256 * MiB

__all__ = [
    "BODY_DEADLINE",
    "BODY_RATE_GRACE",
    "BODY_TIMEOUT",
    "CHECK_MAX_BODY",
    "CHECK_READ_LIMIT",
    "HAR_MAX_BYTES",
    "HEADER_TIMEOUT",
    "MAX_BODY_SIZE",
    "MAX_HEADER_SIZE",
    "MAX_PENDING_REQUESTS",
    "MAX_TARGET_LENGTH",
    "MAX_WEBSOCKETS",
    "MAX_WEBSOCKET_MESSAGE_SIZE",
    "MIN_BODY_RATE",
    "MONITOR_MAX_BODY",
    "MONITOR_MAX_FINDINGS",
    "MONITOR_MAX_HISTORY",
    "MONITOR_MAX_ROUTES",
    "MONITOR_MAX_SHAPES",
    "REFUSED_BODY_DRAIN_LIMIT",
    "REFUSED_BODY_DRAIN_TIMEOUT",
    "SEND_TIMEOUT",
    "KiB",
    "MiB",
]
