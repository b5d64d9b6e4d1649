"""Byte ranges on any GET response a route opts in for (RFC 9110 §14).

The route's handler answers as it always does; the range is cut from its 200 as it
goes out, by the decision graph's own ``statuskit.resource.select_range``: 206 with
Content-Range for one range, multipart/byteranges for several, 416 with ``bytes */N``,
If-Range against the response's own validators. A response without Content-Length
(streaming) declines: it goes out whole, without Accept-Ranges.
"""

from __future__ import annotations

from starlette.requests import Request

from statuskit.starlette._response import edit_of

__all__ = ["accept_ranges"]


def accept_ranges(request: Request) -> None:
    """Opt this request's GET response in to byte ranges (FastAPI: ``ranged()``).
    Acts only under ``install()``."""
    edit = edit_of(request.scope, "accept_ranges")
    if edit is not None:
        edit.ranges = True
