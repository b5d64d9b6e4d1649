"""Reading the request's own header fields: framing, Expect, Request-Timeout.

Pure functions on the scope's raw values; a value that does not parse raises
``Malformed`` and the guard answers 400 with its message.
"""

from __future__ import annotations

import math
from typing import NamedTuple

from statuskit.types import RawHeaders

# RFC 9110 §8.6 asks recipients to guard against integer overflow on large numerals.
# Any length with more digits than this is past every body limit there can be, and
# int() is never asked to read it (CPython refuses numerals past 4,300 digits).
_LONGEST_LENGTH = 18
_UNREADABLY_LARGE: int = 10**_LONGEST_LENGTH
# Digits of a timeout's fraction worth reading (microseconds).
_LONGEST_FRACTION = 6

_ASCII_DIGITS = frozenset(b"0123456789")


class Malformed(ValueError):
    """A header field the guard must read is malformed: 400."""


class RequestFields(NamedTuple):
    content_length: int | None
    chunked: bool
    expect: bytes | None
    request_timeout: bytes | None


NO_FIELDS = RequestFields(None, False, None, None)


def is_digits(value: bytes) -> bool:
    """RFC 5234 §B.1: 1*DIGIT, and DIGIT is ASCII 0-9 only (never another script's digits)."""
    return bool(value) and all(octet in _ASCII_DIGITS for octet in value)


def read_fields(headers: RawHeaders, timeout_header: bytes | None) -> RequestFields:
    fields = dict(headers)
    content_length = None
    if b"content-length" in fields:
        content_length = _content_length(headers)
    chunked = False
    coding = fields.get(b"transfer-encoding")
    if coding is not None:
        chunked = coding.rsplit(b",", 1)[-1].strip().lower() == b"chunked"
    expect = fields.get(b"expect")
    if expect is not None:
        expect = b",".join(v for n, v in headers if n == b"expect")
    request_timeout = fields.get(timeout_header) if timeout_header is not None else None
    return RequestFields(content_length, chunked, expect, request_timeout)


def _content_length(headers: RawHeaders) -> int:
    # RFC 9110 §8.6: 1*DIGIT; repeated identical values may be folded into one,
    # differing ones make the framing unknowable (RFC 9112 §6.3 step 5).
    values = {v.strip() for n, v in headers if n == b"content-length"}
    for combined in list(values):
        values.discard(combined)
        values.update(part.strip() for part in combined.split(b","))
    if len(values) != 1:
        raise Malformed("The request carries conflicting Content-Length values.")
    (value,) = values
    if not is_digits(value):
        raise Malformed("The request's Content-Length is not a number.")
    if len(value) > _LONGEST_LENGTH:
        return _UNREADABLY_LARGE
    return int(value)


def only_100_continue(expect: bytes) -> bool:
    # RFC 9110 §10.1.1: 100-continue is the only expectation defined.
    members = [m.strip().lower() for m in expect.split(b",") if m.strip()]
    return all(m == b"100-continue" for m in members)


def seconds(raw: bytes, name: str) -> float:
    """A timeout in seconds: 1*DIGIT [ "." 1*DIGIT ], ASCII digits only.

    float() alone would take "1_0", "1e9", " 7" and Arabic-Indic digits. A valid number
    too long to be worth reading is longer than any timeout: infinite, which the guard
    caps at its maximum like any other long wait (issue 26, H11)."""
    whole, dot, fraction = raw.partition(b".")
    if not is_digits(whole) or (dot and not is_digits(fraction)):
        raise Malformed(f"The {name} must be a non-negative number of seconds.")
    if len(whole) > _LONGEST_LENGTH:
        return math.inf
    # The fraction cannot shorten a wait by a second; past microseconds it is noise.
    return float(whole + dot + fraction[:_LONGEST_FRACTION])
