"""Resuming a GET whose body broke: when, how to ask, and whether the answer fits.

Pure decisions on fields (case-insensitive mappings, as httpx's Headers are);
the transports do the I/O. A response can be resumed
when it is a 200 to a GET without Range, advertises ``Accept-Ranges: bytes``
(RFC 9110 §14.3) and has a strong validator (§8.8.1, §8.8.3). The request for
the rest carries ``Range: bytes=N-`` (§14.2) and ``If-Range`` with that
validator (§13.1.5), so a representation that changed comes back whole (200)
instead of as a part of another version. The part that comes back is checked
against the first response before a byte of it is handed out: never a splice
of two versions.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from statuskit.http import parse_content_range, parse_etag, parse_http_date, parse_list

__all__ = ["Continue", "Refuse", "Resumable", "StartOver", "judge", "resumable_of",
           "resumption_headers"]


@dataclass(frozen=True, slots=True)
class Resumable:
    """What a response promised that a later part must match."""

    validator: str  # the If-Range value: a strong entity tag, or a strong date
    etag: str | None
    last_modified: str | None
    length: int | None  # Content-Length of the whole representation, when sent
    content_type: str | None
    content_encoding: str | None


@dataclass(frozen=True, slots=True)
class Continue:
    """Hand out this response's body after skipping ``skip`` bytes of it. A part
    carries exactly ``length`` bytes (its Content-Range, RFC 9110 §14.4): more is
    not that part, fewer is a part cut short."""

    skip: int
    length: int | None = None


@dataclass(frozen=True, slots=True)
class StartOver:
    """A new representation, and nothing of the old one handed out: take it whole."""


@dataclass(frozen=True, slots=True)
class Refuse:
    reason: str


Judgement = Continue | StartOver | Refuse


def _field(headers: Mapping[str, str], name: str) -> str | None:
    value = headers.get(name)
    return value.strip(" \t") if value is not None else None


def _strong_etag(headers: Mapping[str, str]) -> str | None:
    value = _field(headers, "etag")
    tag = parse_etag(value) if value else None
    # RFC 9110 §13.1.5: a client MUST NOT send If-Range with a weak entity tag.
    return tag.text if tag is not None and not tag.weak else None


def _strong_date(headers: Mapping[str, str]) -> str | None:
    """Last-Modified when it is a strong validator (RFC 9110 §8.8.2.2): the
    response's Date is at least a second after it."""
    modified, date = _field(headers, "last-modified"), _field(headers, "date")
    if not modified or not date:
        return None
    modified_at, date_at = parse_http_date(modified), parse_http_date(date)
    if modified_at is None or date_at is None:
        return None
    return modified if (date_at - modified_at).total_seconds() >= 1 else None


def _length(headers: Mapping[str, str]) -> int | None:
    value = _field(headers, "content-length")
    return int(value) if value and value.isascii() and value.isdigit() and len(value) < 20 \
        else None


def resumable_of(method: str, request_headers: Mapping[str, str], status: int,
                 headers: Mapping[str, str]) -> Resumable | None:
    """What a resumption must match, or None when this response cannot be resumed."""
    if method != "GET" or status != 200:
        return None
    ranges = headers.get("accept-ranges")  # most responses stop here
    if ranges is None or "bytes" not in (unit.lower() for unit in parse_list(ranges)) \
            or any(k.lower() == "range" for k in request_headers):
        return None
    etag = _strong_etag(headers)
    # §13.1.5: a date only when there is no entity tag and the date is strong.
    validator = etag if etag is not None else _strong_date(headers)
    if validator is None:
        return None
    return Resumable(validator, etag, _field(headers, "last-modified"), _length(headers),
                     _field(headers, "content-type"), _field(headers, "content-encoding"))


def resumption_headers(request_headers: Mapping[str, str], resumable: Resumable,
                       received: int) -> dict[str, str]:
    """The original request's fields, asking for the rest from byte ``received``."""
    fields = {k: v for k, v in request_headers.items()
              if k.lower() not in ("range", "if-range")}
    fields["Range"] = f"bytes={received}-"
    fields["If-Range"] = resumable.validator
    return fields


def judge(resumable: Resumable, received: int, status: int,
          headers: Mapping[str, str]) -> Judgement:
    """Whether the answer to a resumption continues the body handed out so far."""
    if status == 206:
        return _judge_part(resumable, received, headers)
    if status == 200:
        same = _same_version(resumable, headers)
        length = _length(headers)
        if same is None and resumable.length is not None and length != resumable.length:
            same = f"length {length} is not {resumable.length}"
        if same is None:
            # The server ignored Range but sent the same version: skip what was had.
            return Continue(received)
        if received == 0 and _field(headers, "content-encoding") == resumable.content_encoding:
            # (The response's decoder was made for the first coding: it must stay.)
            return StartOver()
        return Refuse(f"the representation changed after {received} bytes were handed out "
                      f"({same})")
    return Refuse(f"the resumption was answered {status}")


def _same_version(resumable: Resumable, headers: Mapping[str, str]) -> str | None:
    """None when ``headers`` carry the validator and coding ``resumable`` came
    with; else how they differ. (A strong validator changes with every change of
    the bytes, RFC 9110 §8.8.1.)"""
    etag = _strong_etag(headers)
    if etag != resumable.etag:
        return f"ETag {_field(headers, 'etag')} is not {resumable.etag}"
    if etag is None and _field(headers, "last-modified") != resumable.last_modified:
        return "Last-Modified differs"
    if _field(headers, "content-encoding") != resumable.content_encoding:
        return "Content-Encoding differs"
    return None


def _judge_part(resumable: Resumable, received: int, headers: Mapping[str, str]) -> Judgement:
    # RFC 9110 §15.3.7: a 206 carries the ETag a 200 would have; §14.4: its
    # Content-Range says which bytes of which length these are.
    differs = _same_version(resumable, headers)
    if differs is not None:
        return Refuse(f"the part is of another representation: {differs}")
    if _field(headers, "content-type") != resumable.content_type:
        return Refuse("the part's Content-Type is not the first response's "
                      "(multipart/byteranges, or another representation)")
    content_range = _field(headers, "content-range")
    parsed = parse_content_range(content_range) if content_range else None
    if parsed is None:
        return Refuse(f"the part has no valid Content-Range ({content_range!r})")
    first, last, complete = parsed
    if first != received:
        return Refuse(f"the part starts at byte {first}, not {received}")
    expected = resumable.length if resumable.length is not None else complete
    if complete is not None and resumable.length is not None and complete != resumable.length:
        return Refuse(f"the part is of a {complete}-byte representation, not "
                      f"{resumable.length}")
    if expected is not None and last != expected - 1:
        return Refuse(f"the part ends at byte {last}, short of {expected - 1}")
    length = _length(headers)
    if length is not None and length != last - first + 1:
        return Refuse("the part's Content-Length disagrees with its Content-Range")
    return Continue(0, last - first + 1)
