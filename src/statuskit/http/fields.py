"""Generic field-value grammar: lists, tokens, Allow, Content-Type."""

from __future__ import annotations

from collections.abc import Iterable

__all__ = [
    "format_allow",
    "is_token",
    "parse_allow",
    "parse_content_type",
    "parse_list",
    "parse_parameters",
    "split_quoted",
]

# RFC 9110 §5.6.2: tchar
_TCHAR = frozenset("!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
_OWS = " \t"


def is_token(value: str) -> bool:
    """RFC 9110 §5.6.2: token = 1*tchar."""
    return bool(value) and all(c in _TCHAR for c in value)


def split_quoted(value: str, sep: str) -> list[str]:
    """Split on ``sep`` outside quoted strings (RFC 9110 §5.6.4), keeping quotes."""
    parts: list[str] = []
    start = 0
    quoted = False
    escaped = False
    for i, c in enumerate(value):
        if escaped:
            escaped = False
        elif quoted and c == "\\":
            escaped = True
        elif c == '"':
            quoted = not quoted
        elif c == sep and not quoted:
            parts.append(value[start:i])
            start = i + 1
    parts.append(value[start:])
    return parts


def parse_list(value: str) -> list[str]:
    """RFC 9110 §5.6.1: a comma-separated list; empty members are dropped."""
    return [m for m in (p.strip(_OWS) for p in split_quoted(value, ",")) if m]


def _unquote(value: str) -> str | None:
    # RFC 9110 §5.6.4: quoted-string with quoted-pair
    if len(value) < 2 or value[0] != '"' or value[-1] != '"':
        return None
    out: list[str] = []
    escaped = False
    for c in value[1:-1]:
        if escaped:
            out.append(c)
            escaped = False
        elif c == "\\":
            escaped = True
        elif c == '"':
            return None
        else:
            out.append(c)
    return None if escaped else "".join(out)


def parse_parameters(segments: Iterable[str]) -> dict[str, str] | None:
    """RFC 9110 §5.6.6: ``name=value`` parameters; names are case-insensitive.

    None when a parameter is malformed.
    """
    params: dict[str, str] = {}
    for segment in segments:
        segment = segment.strip(_OWS)
        if not segment:
            continue
        name, eq, raw = segment.partition("=")
        name = name.strip(_OWS)
        raw = raw.strip(_OWS)
        if not eq or not is_token(name) or not raw:
            return None
        name = name.lower()  # only once it is known to be ASCII
        if raw.startswith('"'):
            unquoted = _unquote(raw)
            if unquoted is None:
                return None
            params[name] = unquoted
        elif is_token(raw):
            params[name] = raw
        else:
            return None
    return params


def parse_content_type(value: str | bytes) -> tuple[str, dict[str, str]] | None:
    """RFC 9110 §8.3.1: ``type/subtype`` (lower-cased) and its parameters."""
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    head, *rest = split_quoted(value, ";")
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
