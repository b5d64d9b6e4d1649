"""Range fields the grammar cannot turn into numbers are ignored, not fatal.

``statuskit.http.parse_range`` converts digits with ``int()``, which raises
ValueError past Python's 4,300-digit limit; the decision graph does not catch
it, so ``Range: bytes=<4,301 digits>-`` was a 500. RFC 9110 §14.2 lets a
server ignore a Range field it does not use, so the reference API drops a
field the grammar cannot read before the graph sees it. Where the grammar
itself reads such a field (as unsatisfiable, or as malformed), nothing is
dropped and the graph answers 416 or ignores it on its own.
"""

from __future__ import annotations

from statuskit.http import RangeSpec, parse_range
from statuskit.types import ASGIApp, Receive, Scope, Send

__all__ = ["ignore_unreadable_range", "read_range"]


def read_range(value: str) -> tuple[RangeSpec, ...] | None:
    """The ranges asked for, or None for a field to ignore (RFC 9110 §14.2)."""
    try:
        return parse_range(value)
    except ValueError:
        return None


def ignore_unreadable_range(app: ASGIApp) -> ASGIApp:
    """``app`` behind a filter that removes a Range field ``read_range`` ignores."""

    async def filtered(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            headers = scope["headers"]
            if any(k == b"range" and read_range(v.decode("latin-1")) is None
                   for k, v in headers):
                # One field, even when sent on several lines: ignored as a whole.
                scope = {**scope, "headers": [(k, v) for k, v in headers if k != b"range"]}
        await app(scope, receive, send)

    return filtered
