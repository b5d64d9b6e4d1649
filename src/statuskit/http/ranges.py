"""Byte ranges (RFC 9110 §14): Range requests and Content-Range answers."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

__all__ = [
    "MAX_DIGITS",
    "MAX_RANGES",
    "RangeSpec",
    "format_content_range",
    "format_unsatisfied_range",
    "parse_content_range",
    "parse_range",
    "parse_unsatisfied_range",
    "resolve_ranges",
]

# A Range with more parts than this is ignored as a whole: hundreds of tiny or
# overlapping ranges are an amplification attack, not a download
# (RFC 9110 §17.15 lets a server ignore or refuse such requests).
MAX_RANGES = 100

# Positions longer than this are past any representation (10**18 bytes is an
# exabyte); they are compared as text and never handed to int(), which refuses
# more than 4,300 digits.
MAX_DIGITS = 18
_BEYOND = 10**MAX_DIGITS

# RFC 5234 B.1: DIGIT is ASCII only. re.ASCII also keeps IGNORECASE from
# matching "byteſ" (U+017F folds to "s").
_SPEC = re.compile(r"([0-9]*)-([0-9]*)", re.ASCII)
_CONTENT_RANGE = re.compile(r"bytes ([0-9]+)-([0-9]+)/([0-9]+|\*)", re.IGNORECASE | re.ASCII)
_UNSATISFIED = re.compile(r"bytes \*/([0-9]+)", re.IGNORECASE | re.ASCII)


def _position(digits: str) -> int:
    """The value of 1*DIGIT, or _BEYOND for one too long to matter."""
    digits = digits.lstrip("0") or "0"
    return int(digits) if len(digits) <= MAX_DIGITS else _BEYOND


def _exact(digits: str) -> int | None:
    """The value of 1*DIGIT, or None when it has more than MAX_DIGITS digits."""
    digits = digits.lstrip("0") or "0"
    return int(digits) if len(digits) <= MAX_DIGITS else None


def _less(a: str, b: str) -> bool:
    """a < b for digit strings of any length, without int()."""
    a, b = a.lstrip("0"), b.lstrip("0")
    return (len(a), a) < (len(b), b)


@dataclass(frozen=True, slots=True)
class RangeSpec:
    """One range-spec: (first, last) int-range, (first, None) open-ended,
    (None, n) the last n bytes."""

    first: int | None
    last: int | None


def parse_range(value: str | bytes) -> tuple[RangeSpec, ...] | None:
    """The byte ranges asked for, or None when the header must be ignored:
    another unit, bad syntax, or first > last (RFC 9110 §14.2)."""
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    unit, eq, range_set = value.partition("=")
    unit = unit.strip(" \t")
    if not eq or not unit.isascii() or unit.lower() != "bytes":
        return None  # RFC 9110 §14.1: units are case-insensitive tokens
    # Empty list members are allowed but count toward the limit: a field of commas
    # alone must not cost a loop turn per byte.
    members = range_set.split(",", 2 * MAX_RANGES)
    if len(members) > 2 * MAX_RANGES:
        return None
    specs: list[RangeSpec] = []
    for member in members:
        member = member.strip(" \t")
        if not member:
            continue  # RFC 9110 §5.6.1: empty list elements are ignored
        m = _SPEC.fullmatch(member)
        if m is None or len(specs) >= MAX_RANGES:
            return None
        first_text, last_text = m.groups()
        if first_text:
            if last_text and _less(last_text, first_text):
                return None  # RFC 9110 §14.1.1: invalid int-range
            last = _position(last_text) if last_text else None
            specs.append(RangeSpec(_position(first_text), last))
        elif last_text:
            specs.append(RangeSpec(None, _position(last_text)))
        else:
            return None  # a bare "-"
    return tuple(specs) if specs else None


def resolve_ranges(specs: Iterable[RangeSpec], length: int) -> tuple[tuple[int, int], ...]:
    """The satisfiable ranges over a representation of ``length`` bytes, as
    inclusive (first, last) pairs; empty when none is satisfiable (→ 416)."""
    out: list[tuple[int, int]] = []
    for spec in specs:
        if spec.first is None:
            # RFC 9110 §14.1.3: a suffix range of zero length is unsatisfiable
            if spec.last and length > 0:
                out.append((max(0, length - spec.last), length - 1))
        elif spec.first < length:
            # RFC 9110 §14.1.1: a last-pos past the end means the end
            last = length - 1 if spec.last is None else min(spec.last, length - 1)
            out.append((spec.first, last))
    return tuple(out)


def format_content_range(first: int, last: int, length: int | None) -> str:
    """``bytes first-last/length`` (``/*`` for an unknown length), RFC 9110 §14.4."""
    if first < 0 or last < first or (length is not None and last >= length):
        raise ValueError(f"not a satisfiable range: {first}-{last}/{length}")
    return f"bytes {first}-{last}/{'*' if length is None else length}"


def format_unsatisfied_range(length: int) -> str:
    """``bytes */length`` for a 416 answer (RFC 9110 §14.4)."""
    if length < 0:
        raise ValueError("a length is never negative")
    return f"bytes */{length}"


def parse_content_range(value: str | bytes) -> tuple[int, int, int | None] | None:
    """(first, last, complete length or None) of a satisfied Content-Range."""
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    m = _CONTENT_RANGE.fullmatch(value.strip(" \t"))
    if m is None:
        return None
    first, last = _exact(m.group(1)), _exact(m.group(2))
    length = None if m.group(3) == "*" else _exact(m.group(3))
    if first is None or last is None or (length is None and m.group(3) != "*"):
        return None  # a position past MAX_DIGITS describes no real representation
    if last < first or (length is not None and last >= length):
        return None  # RFC 9110 §14.4: an invalid range is not a Content-Range
    return first, last, length


def parse_unsatisfied_range(value: str | bytes) -> int | None:
    """The complete length of a ``bytes */length`` Content-Range."""
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    m = _UNSATISFIED.fullmatch(value.strip(" \t"))
    return _exact(m.group(1)) if m else None
