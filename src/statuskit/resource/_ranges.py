"""Range requests (RFC 9110 §14, §13.1.5, §15.3.7) as pure functions of plain values.

No Resource, no Request: the method, the Range and If-Range field values, the
whole representation and its Content-Type, entity tag and modification time.
The decision graph calls these after it has a 200 in hand; so can any other
layer (``statuskit.starlette``).
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from statuskit.http.dates import parse_http_date
from statuskit.http.etags import ETag, parse_etag, strong_match
from statuskit.http.ranges import (
    format_content_range,
    format_unsatisfied_range,
    parse_range,
    resolve_ranges,
)
from statuskit.resource._preconditions import Note, no_note, timestamp

__all__ = [
    "PartialContent",
    "coalesce_ranges",
    "if_range_holds",
    "multipart_byteranges",
    "select_range",
]


@dataclass(frozen=True, slots=True)
class PartialContent:
    """What goes out instead of the whole representation.

    ``status`` is 206 or 416. ``content_range`` is the Content-Range value (one
    part, or ``bytes */length`` for 416; None for multipart). ``content_type``
    replaces the representation's Content-Type (multipart/byteranges), None to
    keep it. ``body`` is the content (empty for 416: the caller writes its own).
    """

    status: int
    content_range: str | None
    content_type: str | None
    body: bytes



def select_range(
    method: str,
    range_value: str | None,
    if_range: str | None,
    body: bytes,
    content_type: str,
    *,
    etag: ETag | None = None,
    last_modified: float | datetime | None = None,
    note: Note = no_note,
) -> PartialContent | None:
    """The partial answer a Range asks for, or None to send the whole (200).

    Call it only where the answer would otherwise be 200 (RFC 9110 §14.2).
    """
    if method != "GET" or range_value is None:
        return None  # RFC 9110 §14.2: range handling is defined for GET only
    if if_range is not None:
        note("if_range")
        if not if_range_holds(if_range, etag, last_modified):
            return None  # RFC 9110 §13.1.5: the whole representation instead
    specs = parse_range(range_value)
    if specs is None:
        return None  # RFC 9110 §14.2: ignore an unknown unit or a malformed field
    note("range")
    length = len(body)
    parts = coalesce_ranges(resolve_ranges(specs, length))
    if not parts:
        # RFC 9110 §15.5.17: 416 with the current length
        return PartialContent(416, format_unsatisfied_range(length), None, b"")
    if len(parts) == 1:
        first, last = parts[0]
        return PartialContent(206, format_content_range(first, last, length), None,
                              body[first:last + 1])
    media, payload = multipart_byteranges(body, parts, content_type)
    return PartialContent(206, None, media, payload)


def if_range_holds(value: str, etag: ETag | None, last_modified: float | datetime | None) -> bool:
    """RFC 9110 §13.1.5: an entity-tag compares strongly (a weak one never
    matches); a date must equal Last-Modified exactly."""
    if value.lstrip(" \t").startswith(('"', "W/")):
        tag = parse_etag(value)
        return tag is not None and etag is not None and strong_match(tag, etag)
    date = parse_http_date(value)
    modified = timestamp(last_modified)
    return date is not None and modified is not None and date.timestamp() == modified


def coalesce_ranges(parts: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """Merge overlapping or touching ranges, keeping request order.

    RFC 9110 §14.2 lets a server coalesce overlapping ranges (which also defeats
    requests for the same bytes many times over); §15.3.7.2 says parts go in the
    order their range-specs were asked for, so a merged part takes the place of
    the earliest range in it.
    """
    if len(parts) < 2:
        return list(parts)
    merged: list[list[int]] = []  # [first, last, earliest request index]
    for index in sorted(range(len(parts)), key=parts.__getitem__):
        first, last = parts[index]
        if merged and first <= merged[-1][1] + 1:
            group = merged[-1]
            group[1] = max(group[1], last)
            group[2] = min(group[2], index)
        else:
            merged.append([first, last, index])
    merged.sort(key=lambda group: group[2])
    return [(first, last) for first, last, _ in merged]


def multipart_byteranges(body: bytes, parts: Sequence[tuple[int, int]], content_type: str,
                         boundary: str | None = None) -> tuple[str, bytes]:
    """The Content-Type value and content of a multipart/byteranges answer
    (RFC 9110 §14.6), one part per (first, last) in the order given."""
    boundary = boundary or secrets.token_hex(12)
    length = len(body)
    chunks: list[bytes] = []
    for first, last in parts:
        chunks.append(
            f"--{boundary}\r\nContent-Type: {content_type}\r\n"
            f"Content-Range: {format_content_range(first, last, length)}\r\n\r\n".encode())
        chunks.append(body[first:last + 1])
        chunks.append(b"\r\n")
    chunks.append(f"--{boundary}--\r\n".encode())
    return f"multipart/byteranges; boundary={boundary}", b"".join(chunks)
