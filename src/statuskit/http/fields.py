"""Generic field-value grammar: lists, tokens, parameters, Allow, Content-Type.

Every parser here runs in one pass of C code (``str`` methods and regular
expressions), never a Python loop per character, and stops after a bounded number
of list members and parameters: a field value is up to the wire's 16 KiB of a
client's choosing, and a request must cost the same whatever it holds.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Iterable

__all__ = [
    "MAX_LIST_MEMBERS",
    "MAX_PARAMETERS",
    "format_allow",
    "is_token",
    "parse_allow",
    "parse_content_type",
    "parse_list",
    "parse_parameters",
    "split_quoted",
    "unescape",
    "unquote",
]

# Members of one list-valued field (Accept and Accept-*, If-Match, If-None-Match)
# a parser looks at; the rest of the field is ignored (RFC 9110 §12.1: preferences
# are hints a server need not honour) or, for entity tags, the field is unusable.
# Browsers send fewer than 10.
MAX_LIST_MEMBERS = 64

# Parameters of one media type or list member; a member with more is unusable.
# Registered media types define one or two.
MAX_PARAMETERS = 16

_OWS = " \t"
# RFC 9110 §5.6.2: token = 1*tchar, ASCII only (no re.IGNORECASE: "\u212a" folds to "k").
TOKEN = r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+"
# RFC 9110 §5.6.4: quoted-string with quoted-pair; an unrolled loop, linear on any input.
QUOTED = r'"[^"\\]*(?:\\.[^"\\]*)*"'
_TOKEN = re.compile(TOKEN)
_QUOTED = re.compile(QUOTED, re.DOTALL)
_QUOTED_PAIR = re.compile(r"\\(.)", re.DOTALL)
_ESCAPED = operator.itemgetter(1)  # a C callable for sub(): a template costs 1 µs a call
# One list member outside quotes: plain runs, quoted strings (an unclosed one runs to
# the end), each stopping only at a separator outside quotes or the end.
_MEMBERS = {sep: re.compile(rf'(?:[^"{sep}]+|"[^"\\]*(?:\\.[^"\\]*)*(?:"|\\?\Z))*', re.DOTALL)
            for sep in ",;"}
# RFC 9110 §5.6.6: one parameter between semicolons (OWS around "=" tolerated).
PARAMETER = re.compile(rf"[ \t]*(?:({TOKEN})[ \t]*=[ \t]*({TOKEN}|{QUOTED})[ \t]*)?\Z",
                       re.DOTALL)


def is_token(value: str) -> bool:
    """RFC 9110 §5.6.2: token = 1*tchar."""
    return _TOKEN.fullmatch(value) is not None


def split_quoted(value: str, sep: str, maxsplit: int = -1) -> list[str]:
    """Split on ``sep`` (``","`` or ``";"``) outside quoted strings (RFC 9110 §5.6.4),
    keeping quotes. As ``str.split``: at most ``maxsplit`` splits, the rest of the
    value in the last part."""
    if '"' not in value:
        return value.split(sep, maxsplit)
    member = _MEMBERS[sep]
    parts: list[str] = []
    at = 0
    end = len(value)
    while True:
        if len(parts) == maxsplit:
            parts.append(value[at:])
            break
        found = member.match(value, at)
        stop = found.end() if found is not None else end  # it matches the empty string
        parts.append(value[at:stop])
        at = stop + 1  # past the separator
        if at > end:
            break
    return parts


def parse_list(value: str, limit: int = -1) -> list[str]:
    """RFC 9110 §5.6.1: a comma-separated list; empty members are dropped. With
    ``limit``, only the first ``limit`` members (empty ones included) are read."""
    parts = split_quoted(value, ",", limit)
    if limit >= 0:
        del parts[limit:]
    return [m for m in (p.strip(_OWS) for p in parts) if m]


def unquote(value: str) -> str | None:
    """The content of a quoted-string (RFC 9110 §5.6.4), None when ``value`` is not one."""
    if _QUOTED.fullmatch(value) is None:
        return None
    return unescape(value)


def unescape(quoted: str) -> str:
    """The content of a quoted-string already matched as one."""
    inner = quoted[1:-1]
    return _QUOTED_PAIR.sub(_ESCAPED, inner) if "\\" in inner else inner


def parse_parameters(segments: Iterable[str]) -> dict[str, str] | None:
    """RFC 9110 §5.6.6: ``name=value`` parameters; names are case-insensitive.

    None when a parameter is malformed or there are more than MAX_PARAMETERS.
    """
    params: dict[str, str] = {}
    count = 0
    for segment in segments:
        found = PARAMETER.match(segment)
        if found is None:
            return None
        name, raw = found.groups()
        if name is None:
            continue  # an empty segment
        count += 1
        if count > MAX_PARAMETERS:
            return None
        # Lower-cased only once it is known to be ASCII.
        params[name.lower()] = unescape(raw) if raw[0] == '"' else raw
    return params


def parse_content_type(value: str | bytes) -> tuple[str, dict[str, str]] | None:
    """RFC 9110 §8.3.1: ``type/subtype`` (lower-cased) and its parameters."""
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    # The part past the last split holds a ";" when there are more parameters than
    # MAX_PARAMETERS, which then makes the parameters malformed.
    head, *rest = split_quoted(value, ";", MAX_PARAMETERS + 1)
    media = head.strip(_OWS)
    kind, slash, sub = media.partition("/")
    if not slash or not is_token(kind) or not is_token(sub):
        return None
    params = parse_parameters(rest)
    if params is None:
        return None
    return media.lower(), params


def parse_allow(value: str) -> frozenset[str]:
    """RFC 9110 §10.2.1: Allow is a list of method tokens (case-sensitive)."""
    return frozenset(m for m in parse_list(value) if is_token(m))


def format_allow(methods: Iterable[str]) -> str:
    """The Allow field value: each method once, in the order first given."""
    seen: dict[str, None] = {}
    for method in methods:
        if not is_token(method):
            raise ValueError(f"not a method token: {method!r}")
        seen.setdefault(method, None)
    return ", ".join(seen)
