"""The Date field of each response read from the clock as the response starts.

uvicorn formats Date once a second on its main loop's tick and each request's cycle
keeps the list it found when the request arrived. So a response could carry a Date
more than a second older than the moment it was made: older than the Last-Modified
of a change the handler just made, which RFC 9110 §8.8.2.1 forbids (an origin server
MUST NOT send a Last-Modified later than its Date, §6.6.1).

Here the list of default headers is one whose concatenation (what uvicorn's cycles do
with it as the status line is written) first looks at the clock: one clock read per
response, and a new Date string once a second.
"""

from __future__ import annotations

from email.utils import formatdate
from time import time
from typing import Any

Headers = list[tuple[bytes, bytes]]


class DatedHeaders(Headers):
    """uvicorn's default headers, the first being its Date, made current when read.

    A clock stepped back leaves a Date a second ahead at most: uvicorn's tick puts a
    new list in place each second, and the connection dates that one afresh."""

    __slots__ = ("_plain", "_until")

    def __init__(self, headers: Headers) -> None:
        super().__init__(headers)
        self._plain = list(headers)  # the same, as a plain list: its + is C's alone
        self._until = 0.0  # the end of the second the Date names; dated at first use

    def __add__(self, other: Any) -> Any:
        if time() >= self._until:
            self._redate()
        return self._plain + other

    def __iter__(self) -> Any:
        if time() >= self._until:
            self._redate()
        return iter(self._plain)

    def _redate(self) -> None:
        second = int(time())
        date = (b"date", formatdate(second, usegmt=True).encode("ascii"))
        self[0] = self._plain[0] = date
        self._until = second + 1.0


class _Undated(Headers):
    """Default headers without a Date (``date_header=False``): left as they are."""

    __slots__ = ()


def dated_headers(headers: Headers) -> Headers:
    """``headers`` as the connection should keep them (see the module's docstring)."""
    if headers and headers[0][0] == b"date":
        return DatedHeaders(headers)
    return _Undated(headers)


def date_per_response(server_state: Any) -> None:
    """Put the dated list in place of the one uvicorn's tick assigned (once a second);
    for every later request a type check."""
    if type(server_state.default_headers) is list:
        server_state.default_headers = dated_headers(server_state.default_headers)


__all__ = ["DatedHeaders", "date_per_response", "dated_headers"]
