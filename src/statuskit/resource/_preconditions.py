"""Conditional requests (RFC 9110 §13.2) as pure functions of plain values.

No Resource, no Request: a method, the request's conditional field values, the
target's current entity tag and modification time, and whether it exists. The
decision graph calls these; so can any other layer (``statuskit.starlette``).

Each function below is one node of Webmachine's v3 diagram (the id it records
in a trace is in its docstring); the nodes that only ask "is the field there?"
(g8, h10, i12, l13) are recorded by ``evaluate_preconditions`` itself.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from datetime import UTC, datetime

from statuskit.http.dates import parse_http_date
from statuskit.http.etags import ETag, parse_etags, strong_match, weak_match

__all__ = [
    "NOT_MODIFIED",
    "PRECONDITION_FAILED",
    "Note",
    "evaluate_preconditions",
    "last_modified_field",
    "modified_second",
    "timestamp",
]

NOT_MODIFIED = 304
PRECONDITION_FAILED = 412

Note = Callable[[str], None]
"""Receives the id of each decision taken (a trace); ``list.append`` will do."""

# Where the trace goes when nobody traces: a sink that keeps nothing, and a C
# call that costs a third of a Python no-op function.
no_note: Note = deque[str](maxlen=0).append


def timestamp(moment: float | datetime | None) -> float | None:
    """POSIX seconds for a Last-Modified given as seconds or a datetime (naive is UTC)."""
    if isinstance(moment, datetime):
        return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()
    return None if moment is None else float(moment)


def modified_second(moment: float | datetime | None) -> float | None:
    """The whole second of the last change, not moved back: what a date the client
    sends is compared with (RFC 9110 §13.1.3, §13.1.4, §13.1.5). The field
    (``last_modified_field``) may name the second before; compared with that, a
    change within the current second would pass a stale If-Unmodified-Since (a
    lost update) or earn a stale 304."""
    seconds = timestamp(moment)
    return None if seconds is None else float(int(seconds))


def last_modified_field(second: float, now: float | None = None) -> float:
    """The Last-Modified field's value for a change at ``second``: never later than
    the response's Date (RFC 9110 §8.8.2.1). Servers stamp Date from a clock
    refreshed once a second (uvicorn does), so a change within the last second is
    dated to the second before. A client echoing it then errs only towards 412
    (and 200 for If-Modified-Since), as a weak validator may (§8.8.2.2)."""
    return min(second, float(int(time.time() if now is None else now) - 1))


def evaluate_preconditions(
    method: str,
    *,
    if_match: str | None = None,
    if_none_match: str | None = None,
    if_modified_since: str | None = None,
    if_unmodified_since: str | None = None,
    etag: ETag | None = None,
    last_modified: float | datetime | None = None,
    exists: bool = True,
    creates: bool | None = None,
    now: float | None = None,
    note: Note = no_note,
) -> int | None:
    """None to go on with the method, or the status to answer instead: 412 or 304.

    Call it where the request has passed every other check, just before the
    method would act (RFC 9110 §13.2.1). ``creates`` says whether the request
    would create a missing target (default: a PUT does). For a missing target
    that the request would not create, the answer without preconditions is not
    2xx, so §13.2.1 says to ignore them: None, and the caller answers its own
    404 / 410 / redirect.
    """
    if not exists:
        if not (method == "PUT" if creates is None else creates):
            return None  # RFC 9110 §13.2.1: a 404 stays a 404
        return PRECONDITION_FAILED if if_match_on_missing(if_match, note) else None
    note("g8")
    if if_match is not None:
        if not if_match_holds(if_match, etag, note):
            return PRECONDITION_FAILED  # RFC 9110 §13.2.2 step 1
    else:
        note("h10")
        if if_unmodified_since is not None and \
                modified_after(if_unmodified_since, timestamp(last_modified), note):
            return PRECONDITION_FAILED  # step 2, only without If-Match
    note("i12")
    if if_none_match is not None:
        if if_none_match_matches(if_none_match, etag, note):
            return get_or_head(method, note)  # step 3
    else:
        note("l13")
        if if_modified_since is not None and (method == "GET" or method == "HEAD") and \
                not_modified_since(if_modified_since, timestamp(last_modified), now, note):
            return NOT_MODIFIED  # step 4, only GET/HEAD without If-None-Match
    return None


def if_match_on_missing(if_match: str | None, note: Note) -> bool:
    """h7: If-Match on a target with no current representation is false, even
    ``*`` (RFC 9110 §13.1.1)."""
    note("h7")
    return if_match is not None


def if_match_holds(value: str, current: ETag | None, note: Note) -> bool:
    """g9 (``*``?) / g11 (entity tag in If-Match?): strong comparison (§13.1.1)."""
    if current is not None and not current.weak and value == current.text:
        note("g11")
        return True  # the usual case: the client echoes the tag it was given
    tags = parse_etags(value)
    if tags == "*":
        note("g9")
        return True  # the target exists
    note("g11")
    return tags is not None and current is not None and \
        any(strong_match(tag, current) for tag in tags)


def modified_after(value: str, modified: float | None, note: Note) -> bool:
    """h11 (valid date?) → h12 (Last-Modified later than If-Unmodified-Since?).
    An invalid date, or a target without a modification date, is ignored (§13.1.4)."""
    date = parse_http_date(value)
    note("h11")
    if date is None or modified is None:
        return False
    note("h12")
    return modified > date.timestamp()


def if_none_match_matches(value: str, current: ETag | None, note: Note) -> bool:
    """i13 (``*``?) / k13 (entity tag in If-None-Match?): weak comparison (§13.1.2)."""
    if current is not None and value == current.text:
        note("k13")
        return True  # the usual case: the client echoes the tag it was given
    tags = parse_etags(value)
    if tags == "*":
        note("i13")
        return True  # the target exists
    note("k13")
    return tags is not None and current is not None and \
        any(weak_match(tag, current) for tag in tags)


def get_or_head(method: str, note: Note) -> int:
    """j18: a matching If-None-Match is 304 for GET/HEAD, 412 otherwise (§13.1.2)."""
    note("j18")
    return NOT_MODIFIED if method == "GET" or method == "HEAD" else PRECONDITION_FAILED


def not_modified_since(value: str, modified: float | None, now: float | None,
                       note: Note) -> bool:
    """l14 (valid date?) → l15 (in the future?) → l17 (Last-Modified later?).
    A date that is invalid or later than now is ignored (§13.1.3)."""
    date = parse_http_date(value)
    note("l14")
    if date is None or modified is None:
        return False
    since = date.timestamp()
    note("l15")
    if since > (time.time() if now is None else now):
        return False
    note("l17")
    return modified <= since
