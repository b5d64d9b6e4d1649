"""What the helpers ask of one response, applied as it goes out.

A route's helpers (preconditions, negotiation, ranges) run before its handler; what
they decide about the answer (the validators and cache fields a 200 and a 304 carry,
Vary, byte ranges) is applied here, to whatever response the handler returns: a
FastAPI model, a ``JSONResponse``, a plain ``Response``.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable
from typing import Any

from statuskit.http import ETag, format_http_date, parse_etag, parse_http_date
from statuskit.problem import problem_body, problem_headers
from statuskit.resource import select_range
from statuskit.starlette._contract import EDIT_KEY, Exchange, exchange_of
from statuskit.types import Message, RawHeaders, Scope, Send

__all__ = ["MAX_RANGE_BUFFER", "MAX_STREAMED_RANGE_HOLD", "ResponseEdit", "edit_of",
           "request_field"]

logger = logging.getLogger("statuskit.starlette")

# Ranges are cut from the whole representation, held in memory; past this size the
# whole 200 goes out instead (RFC 9110 §14.2 lets a server ignore Range).
MAX_RANGE_BUFFER = 16 * 1024 * 1024
# A body that comes in several messages was not in memory before: hold at most this
# much of it for a range, then let the 200 stream on. One tiny range must not make the
# server buffer megabytes it would otherwise stream (a memory amplification).
MAX_STREAMED_RANGE_HOLD = 1024 * 1024
_warned: set[str] = set()


def edit_of(scope: Scope, helper: str) -> ResponseEdit | None:
    """The request's ResponseEdit; None (and one warning) when the app was not given
    the contract with ``install()``, which is what applies the edit."""
    exchange = exchange_of(scope)
    if exchange is None:
        if helper not in _warned:
            _warned.add(helper)
            logger.warning("statuskit.starlette.%s() does nothing: call install(app) first",
                           helper)
        return None
    if exchange.edit is None:
        exchange.edit = scope[EDIT_KEY] = ResponseEdit(exchange)
    edit: ResponseEdit = exchange.edit
    return edit


class ResponseEdit:
    __slots__ = ("_body", "_held", "_start", "cache_control", "chosen", "decided", "etag",
                 "last_modified", "media_type", "method", "ranges",
                 "request_fields", "takes_content", "validators", "vary")

    # Set once a ranged 200 is held (``edited``), and read only after that.
    _start: Message | None

    def __init__(self, exchange: Exchange, vary: tuple[str, ...] = (),
                 ranges: bool = False) -> None:
        scope = exchange.scope
        headers = scope["headers"]
        # The request's method as the client sent it (HEAD, which the app sees as GET).
        self.method: str = "HEAD" if exchange.head else scope["method"]
        self.etag: ETag | None = None
        self.last_modified: float | None = None
        self.cache_control: str | None = None
        # A route's declaration gives what does not depend on the request (its Vary,
        # whether it takes ranges) here, instead of a store of its own after.
        self.vary: list[str] = [*vary]
        self.ranges = ranges
        self.media_type: str | None = None  # chosen by a route's declaration
        self.validators: Any = None  # the route's current Validators, once evaluated
        self.chosen: Any = None  # what statuskit.starlette.chosen() made of the two
        # The request's fields by name, as sent (bytes): made in C, and decoded only
        # where one is read. A name on several lines is one list (RFC 9110 §5.3): then
        # they are joined, line by line. (Not the exchange or the scope: both hold this
        # edit, the scope for chosen(), and a reference back would make a cycle that
        # only the garbage collector frees.)
        fields: dict[bytes, bytes] = dict(headers)
        if len(fields) != len(headers):
            fields = _joined_fields(headers)
        self.request_fields = fields
        self.decided = False  # the preconditions were evaluated before the app ran
        self.takes_content = False  # while held, the content comes to take()
        # _start, _body and _held (the bytes in it) are set only once a ranged 200 is
        # held.

    def field(self, name: bytes) -> str | None:
        """The request's field ``name`` (lower case), its lines joined into one list
        (RFC 9110 §5.3); the header section is read once per request, not per field."""
        value = self.request_fields.get(name)
        return None if value is None else value.decode("latin-1")

    def edited(self, start: Message) -> Message | None:
        """The response start with what the helpers decided; None where a ranged 200
        is held (its content then comes to ``take``)."""
        # One frame for the usual response: the Vary, validator and range questions
        # inline, over the response's fields read once.
        status: int = start["status"]
        headers: RawHeaders = [*start.get("headers", ())]
        # The response's fields by lower-case name (the last line of a name counts).
        # Frameworks send lower-case names: then the dict made in C is that already.
        present: dict[bytes, bytes] = dict(headers)
        if not b"".join(present).islower():
            present = {}
            for name, value in headers:
                present[name.lower()] = value
        if not _OWN_FIELDS.isdisjoint(present):
            return self._edited_around(start, status, headers, present)
        # The usual response: the app sent none of the fields edited here, so each is
        # added without asking whether it is there (the same answers as
        # _edited_around gives, for less).
        vary = self.vary
        if vary:
            # RFC 9110 §12.5.5: name the request fields the choice looked at.
            headers.append(_VARY_ACCEPT if vary == _ACCEPT else
                           (b"vary", ", ".join(vary).encode("latin-1")))
        if status in _VALIDATED and self.method in _READS:
            # RFC 9110 §15.4.5: a 304 carries the validator and cache fields the 200
            # would, but Last-Modified only where no ETag identifies the representation.
            etag = self.etag
            if etag is not None:
                headers.append((b"etag", etag.text.encode("latin-1")))
            if self.last_modified is not None and not (status == 304 and etag is not None):
                headers.append((b"last-modified",
                                format_http_date(self.last_modified).encode()))
            if self.cache_control is not None:
                headers.append((b"cache-control", self.cache_control.encode("latin-1")))
        start = {**start, "headers": headers}
        # No coding, and the app answers no ranges itself: only the length decides.
        if self.ranges and status == 200 and _BUFFERABLE[present.get(b"content-length")]:
            headers.append(_ACCEPT_RANGES)  # RFC 9110 §14.3
            if b"range" in self.request_fields and self.method == "GET":
                self._hold(start)
                return None
        return start

    def _edited_around(self, start: Message, status: int, headers: RawHeaders,
                       present: dict[bytes, bytes]) -> Message | None:
        """``edited`` for a response that sends some of the edited fields itself."""
        vary = self.vary
        if vary:
            # RFC 9110 §12.5.5: name the request fields the choice looked at.
            if b"vary" in present:
                _merge_vary(headers, vary)
            elif vary == _ACCEPT:
                headers.append(_VARY_ACCEPT)  # the usual one, made once
            else:
                headers.append((b"vary", ", ".join(vary).encode("latin-1")))
        if status in _VALIDATED and self.method in _READS:
            # RFC 9110 §15.4.5: a 304 carries the validator and cache fields the 200
            # would, but Last-Modified only where no ETag identifies the representation.
            etag = self.etag
            if etag is not None and b"etag" not in present:
                headers.append((b"etag", etag.text.encode("latin-1")))
                present[b"etag"] = b""
            if self.last_modified is not None and b"last-modified" not in present \
                    and not (status == 304 and b"etag" in present):
                headers.append((b"last-modified",
                                format_http_date(self.last_modified).encode()))
            if self.cache_control is not None and b"cache-control" not in present:
                headers.append((b"cache-control", self.cache_control.encode("latin-1")))
        start = {**start, "headers": headers}
        # Whether to hold this 200 and cut ranges from it (the route opts in), inline:
        if self.ranges and status == 200 and b"accept-ranges" not in present \
                and b"content-range" not in present:  # else the app answers ranges itself
            coding = present.get(b"content-encoding")
            if coding is not None and coding.strip().lower() != b"identity":
                # Coded by the app's own middleware (GZip) under the route's ETag, which
                # is the same for every coding: a range of these bytes could be joined
                # to an identity copy by If-Range (RFC 9110 §8.8.3, §13.1.5). Ignore it
                # (§14.2).
                return start
            if not _BUFFERABLE[present.get(b"content-length")]:
                return start  # a streaming response declines (§14.3: no Accept-Ranges)
            headers.append(_ACCEPT_RANGES)  # RFC 9110 §14.3
            if self.method == "GET" and b"range" in self.request_fields:
                self._hold(start)
                return None
        return start

    def _hold(self, start: Message) -> None:
        """Hold the ranged 200: its content comes to ``take`` and is cut when whole."""
        self._start = start
        self._body: list[bytes] = []
        self._held = 0
        self.takes_content = True

    def take(self, message: Message, send: Send) -> Awaitable[None]:
        """The held ranged 200's content."""
        return self._collect(message, send)

    # -- ranges ---------------------------------------------------------------------

    async def _collect(self, message: Message, send: Send) -> None:
        chunk: bytes = message.get("body", b"")
        self._body.append(chunk)
        self._held += len(chunk)
        if message.get("more_body", False):
            if self._held > MAX_STREAMED_RANGE_HOLD:
                await self._release(send)
            return
        start, self._start = self._start, None
        self.takes_content = False
        assert start is not None
        await self._send_ranged(start, b"".join(self._body), send)

    async def _release(self, send: Send) -> None:
        """Give up the range: the 200 goes out whole, streaming from here on (RFC 9110
        §14.2: a server may ignore Range), without Accept-Ranges (§14.3)."""
        start, self._start = self._start, None
        self.takes_content = False
        assert start is not None
        headers = [(n, v) for n, v in start["headers"] if n != b"accept-ranges"]
        await send({**start, "headers": headers})
        held, self._body, self._held = self._body, [], 0
        for chunk in held:
            await send({"type": "http.response.body", "body": chunk, "more_body": True})

    async def _send_ranged(self, start: Message, body: bytes, send: Send) -> None:
        headers: RawHeaders = start["headers"]
        fields = dict(headers)
        etag = parse_etag(fields[b"etag"]) if b"etag" in fields else self.etag
        content_type = fields.get(b"content-type", b"application/octet-stream").decode("latin-1")
        part = select_range(
            "GET", self.field(b"range"), self.field(b"if-range"),
            body, content_type, etag=etag, last_modified=self._last_modified(fields))
        if part is None:
            await send(start)
            await send({"type": "http.response.body", "body": body, "more_body": False})
            return
        if part.status == 416:
            # RFC 9110 §15.5.17: 416 with the current length, as a problem document.
            content = problem_body(416, "No part of the requested range is available.")
            kept = [(n, v) for n, v in headers if n in (b"accept-ranges", b"etag",
                                                          b"last-modified", b"vary")]
            out = problem_headers(content) + kept
            out.append((b"content-range", (part.content_range or "").encode("latin-1")))
            await send({"type": "http.response.start", "status": 416, "headers": out})
            await send({"type": "http.response.body", "body": content, "more_body": False})
            return
        out = [(n, v) for n, v in headers if n not in (b"content-length", b"content-type")]
        out.append((b"content-type", (part.content_type or content_type).encode("latin-1")))
        out.append((b"content-length", str(len(part.body)).encode("ascii")))
        if part.content_range is not None:
            out.append((b"content-range", part.content_range.encode("latin-1")))
        await send({"type": "http.response.start", "status": 206, "headers": out})
        await send({"type": "http.response.body", "body": part.body, "more_body": False})

    def _last_modified(self, fields: dict[bytes, bytes]) -> float | None:
        raw = fields.get(b"last-modified")
        if raw is None:
            return self.last_modified
        date = parse_http_date(raw)
        return date.timestamp() if date is not None else None


async def _nothing() -> None:
    return None


def request_field(scope: Scope, name: bytes) -> str | None:
    """The request's field ``name`` (lower case), its lines joined into one list
    (RFC 9110 §5.3); None when absent."""
    return _joined(scope["headers"], name)


def _joined(headers: RawHeaders, name: bytes) -> str | None:
    values = [v for n, v in headers if n == name]
    return b", ".join(values).decode("latin-1") if values else None


_READS = frozenset({"GET", "HEAD"})
# The statuses that carry the validator and cache fields (RFC 9110 §15.4.5): 2xx, 304.
_VALIDATED = frozenset([*range(200, 300), 304])
_ACCEPT = ["Accept"]
_VARY_ACCEPT = (b"vary", b"Accept")
_ACCEPT_RANGES = (b"accept-ranges", b"bytes")
# The response fields the edit adds or reads, where the app may have sent them itself.
_OWN_FIELDS = frozenset({b"vary", b"etag", b"last-modified", b"cache-control",
                         b"accept-ranges", b"content-range", b"content-encoding"})


class _Bufferable(dict[bytes | None, bool]):
    """Whether a response's Content-Length (as sent; None: no length, a stream) is a
    numeral of at most ``MAX_RANGE_BUFFER``: the answer remembered per numeral (one
    lookup in C for the lengths a server sends again and again), for a bounded number
    of them."""

    def __missing__(self, length: bytes | None) -> bool:
        bufferable = length is not None and length.isdigit() \
            and int(length) <= MAX_RANGE_BUFFER
        if len(self) < _BUFFERABLE_LIMIT:
            self[length] = bufferable
        return bufferable


_BUFFERABLE_LIMIT = 4096
_BUFFERABLE = _Bufferable()


def _joined_fields(headers: RawHeaders) -> dict[bytes, bytes]:
    """The request's fields by name, a name on several lines joined into one list."""
    joined: dict[bytes, bytes] = {}
    for name, value in headers:
        joined[name] = joined[name] + b", " + value if name in joined else value
    return joined


def _merge_vary(headers: RawHeaders, fields: list[str]) -> None:
    for index, (name, value) in enumerate(headers):
        if name.lower() == b"vary":
            have = {v.strip().lower() for v in value.decode("latin-1").split(",")}
            extra = [f for f in fields if f.lower() not in have and "*" not in have]
            if extra:
                joined = ", ".join([value.decode("latin-1"), *extra])
                headers[index] = (name, joined.encode("latin-1"))
            return
    headers.append((b"vary", ", ".join(fields).encode("latin-1")))
