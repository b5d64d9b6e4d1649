"""HTTP-date (RFC 9110 §5.6.7): parse all three forms, format only IMF-fixdate."""

from __future__ import annotations

import functools
import re
import time
from datetime import UTC, datetime

__all__ = ["format_http_date", "parse_http_date"]

_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_LONG_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_MONTH_NUMBER = {name: i for i, name in enumerate(_MONTHS, 1)}

_DAY = "|".join(_DAYS)
_MONTH = "|".join(_MONTHS)
# RFC 5234 B.1: DIGIT is ASCII only; Python's \d would take any Unicode digit.
_D = "[0-9]"
_TIME = rf"({_D}{_D}):({_D}{_D}):({_D}{_D})"
# IMF-fixdate: Sun, 06 Nov 1994 08:49:37 GMT
_IMF = re.compile(rf"(?:{_DAY}), ({_D}{_D}) ({_MONTH}) ({_D}{{4}}) {_TIME} GMT")
# rfc850-date: Sunday, 06-Nov-94 08:49:37 GMT
_RFC850 = re.compile(
    rf"(?:{'|'.join(_LONG_DAYS)}), ({_D}{_D})-({_MONTH})-({_D}{_D}) {_TIME} GMT")
# asctime-date: Sun Nov  6 08:49:37 1994
_ASCTIME = re.compile(rf"(?:{_DAY}) ({_MONTH}) ( {_D}|{_D}{_D}) {_TIME} ({_D}{{4}})")


def _build(year: int, month: int, day: int, hh: int, mm: int, ss: int) -> datetime | None:
    # RFC 9110 §5.6.7: second 60 is a leap second; fold it into the next second.
    leap = ss == 60
    try:
        moment = datetime(year, month, day, hh, mm, 59 if leap else ss, tzinfo=UTC)
    except ValueError:
        return None
    return moment.replace(second=59) if leap else moment


def _century(two_digits: int, now_year: int) -> int:
    # RFC 9110 §5.6.7: a two-digit year more than 50 years in the future
    # means the most recent past year with those digits.
    year = now_year - now_year % 100 + two_digits
    if year > now_year + 50:
        year -= 100
    return year


def parse_http_date(value: str | bytes, *, now: float | None = None) -> datetime | None:
    """An aware UTC datetime, or None when ``value`` is not an HTTP-date."""
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    if not isinstance(value, str) or len(value) > 64:
        return None
    text = value.strip(" \t")
    m = _IMF.fullmatch(text)
    if m:
        d, mon, y, hh, mm, ss = m.groups()
        return _build(int(y), _MONTH_NUMBER[mon], int(d), int(hh), int(mm), int(ss))
    m = _RFC850.fullmatch(text)
    if m:
        d, mon, yy, hh, mm, ss = m.groups()
        now_year = time.gmtime(time.time() if now is None else now).tm_year
        year = _century(int(yy), now_year)
        return _build(year, _MONTH_NUMBER[mon], int(d), int(hh), int(mm), int(ss))
    m = _ASCTIME.fullmatch(text)
    if m:
        mon, d, hh, mm, ss, y = m.groups()
        return _build(int(y), _MONTH_NUMBER[mon], int(d), int(hh), int(mm), int(ss))
    return None


def format_http_date(when: datetime | float) -> str:
    """IMF-fixdate for a datetime (naive means UTC) or a POSIX timestamp."""
    if isinstance(when, datetime):
        moment = when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
        return _format_tm(moment.timetuple())
    return _format_second(int(when // 1))


@functools.lru_cache(maxsize=512)
def _format_second(second: int) -> str:
    # Servers stamp the same few seconds (Last-Modified, Date) over and over.
    return _format_tm(time.gmtime(second))


def _format_tm(tm: time.struct_time) -> str:
    if not 1 <= tm.tm_year <= 9999:
        raise ValueError("HTTP-date years have four digits")
    return (
        f"{_DAYS[tm.tm_wday]}, {tm.tm_mday:02d} {_MONTHS[tm.tm_mon - 1]} {tm.tm_year:04d} "
        f"{tm.tm_hour:02d}:{tm.tm_min:02d}:{tm.tm_sec:02d} GMT"
    )
