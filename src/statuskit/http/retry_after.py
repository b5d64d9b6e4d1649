"""Retry-After (RFC 9110 §10.2.3): delta-seconds or an HTTP-date."""

from __future__ import annotations

import math
import time

from statuskit.http.dates import parse_http_date

__all__ = ["SATURATED_DELAY", "format_retry_after", "parse_retry_after"]

# RFC 9111 §1.2.2: a delta-seconds too large to hold is taken as 2^31 (68 years).
SATURATED_DELAY = float(2 ** 31)
_SATURATED_DIGITS = len(str(2 ** 31))  # more significant digits than this: past it


def parse_retry_after(value: str | bytes | None, *, now: float | None = None) -> float | None:
    """Seconds to wait (>= 0), or None when the value is not a valid Retry-After.

    An HTTP-date is measured from ``now`` (POSIX seconds; default: the clock),
    and a date already past means no wait. Never raises.
    """
    if value is None:
        return None
    if isinstance(value, bytes):
        try:
            value = value.decode("ascii")
        except UnicodeDecodeError:
            return None
    text = value.strip(" \t")
    if not text:
        return None
    # RFC 9110 §10.2.3: delta-seconds = 1*DIGIT; no sign, no fraction
    if text.isascii() and text.isdigit():
        return _delay_seconds(text)
    moment = parse_http_date(text, now=now)
    if moment is None:
        return None
    reference = time.time() if now is None else now
    return max(0.0, moment.timestamp() - reference)


def _delay_seconds(digits: str) -> float:
    # RFC 9110 §10.2.3: 1*DIGIT, no upper bound. Past 2^31 the value saturates
    # (RFC 9111 §1.2.2), so the longer a server asks a client to wait, the longer
    # it waits; leading zeros add nothing, and int() never sees more than 10 digits.
    significant = digits.lstrip("0") or "0"
    if len(significant) > _SATURATED_DIGITS:
        return SATURATED_DELAY
    return min(float(int(significant)), SATURATED_DELAY)


def format_retry_after(seconds: float) -> str:
    """delta-seconds, rounded up so that a client never comes back early."""
    if seconds < 0 or math.isnan(seconds) or math.isinf(seconds):
        raise ValueError(f"not a delay: {seconds!r}")
    return str(math.ceil(seconds))
