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

# Content a request may carry before 413 (RFC 9110 §15.5.14).
MAX_BODY_SIZE = MiB

# Seconds one read of the request content may stall before 408.
BODY_TIMEOUT = 30.0

__all__ = [
    "BODY_TIMEOUT",
    "HEADER_TIMEOUT",
    "MAX_BODY_SIZE",
    "MAX_HEADER_SIZE",
    "MAX_TARGET_LENGTH",
    "KiB",
    "MiB",
]
