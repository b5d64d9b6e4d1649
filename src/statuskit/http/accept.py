"""Proactive negotiation (RFC 9110 §12): Accept, Accept-Language,
Accept-Encoding and Accept-Charset, with q-values.

Only the first MAX_LIST_MEMBERS members of a field are read, and a member with more
than MAX_PARAMETERS parameters is skipped: preferences are hints (RFC 9110 §12.1),
and a client's 16 KiB of them must not cost the server more than a plain request.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import NamedTuple

from statuskit.http.fields import (
    MAX_LIST_MEMBERS,
    MAX_PARAMETERS,
    QUOTED,
    TOKEN,
    is_token,
    parse_parameters,
    split_quoted,
    unescape,
)

__all__ = [
    "MediaRange",
    "negotiate",
    "negotiate_charset",
    "negotiate_encoding",
    "negotiate_language",
    "parse_accept",
    "parse_qlist",
]

# RFC 9110 §12.4.2: qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] )
_Q = r"0(?:\.[0-9]{0,3})?|1(?:\.0{0,3})?"
_QVALUE = re.compile(_Q)
_LANGUAGE_RANGE = re.compile(r"\*|[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*")
# RFC 9110 §5.6.6: parameters, each between semicolons (empty ones allowed, OWS
# around "=" tolerated); "q" is the weight, never a parameter of the range (§12.5.1).
_PARAMETER = rf"{TOKEN}[ \t]*=[ \t]*(?:{TOKEN}|{QUOTED})[ \t]*"
_RANGE_PARAMETER = rf"(?![qQ][ \t]*=){_PARAMETER}"
_PARAMETER_PARTS = re.compile(rf";[ \t]*({TOKEN})[ \t]*=[ \t]*({TOKEN}|{QUOTED})", re.DOTALL)
# RFC 9110 §12.5.1: media-range [ weight ], one member of Accept, in one match: type,
# subtype, the range's parameters as text, the weight (bare or quoted). What follows
# the weight is not read (RFC 7231's accept-ext, gone from RFC 9110).
_MEDIA_SIMPLE = re.compile(
    rf"[ \t]*({TOKEN})/({TOKEN})[ \t]*(?:;[ \t]*[qQ][ \t]*=[ \t]*({_Q})[ \t]*)?")
_MEDIA_MEMBER = re.compile(
    rf"[ \t]*({TOKEN})/({TOKEN})[ \t]*((?:;[ \t]*(?:{_RANGE_PARAMETER})?)*)"
    rf'(?:;[ \t]*[qQ][ \t]*=[ \t]*(?:({_Q})|"({_Q})")[ \t]*(?:;.*)?)?',
    re.DOTALL)
# RFC 9110 §12.5.2-12.5.4: one member of Accept-Language/-Encoding/-Charset: a token
# and its parameters (each checked; the last "q" is the weight).
_QLIST_SIMPLE = re.compile(rf"[ \t]*({TOKEN})[ \t]*(?:;[ \t]*[qQ][ \t]*=[ \t]*({_Q})[ \t]*)?")
_QLIST_MEMBER = re.compile(rf"[ \t]*({TOKEN})[ \t]*((?:;[ \t]*(?:{_PARAMETER})?)*)", re.DOTALL)


def _qvalue(text: str) -> float | None:
    return float(text) if _QVALUE.fullmatch(text) else None


class MediaRange(NamedTuple):
    """One media range of Accept (lower-cased) with its parameters and weight."""

    type: str
    subtype: str
    params: tuple[tuple[str, str], ...]
    q: float

    def matches(self, kind: str, sub: str, params: dict[str, str]) -> bool:
        if self.type != "*" and self.type != kind:
            return False
        if self.subtype != "*" and self.subtype != sub:
            return False
        return all(params.get(name) == value for name, value in self.params)

    @property
    def specificity(self) -> tuple[int, int]:
        # RFC 9110 §12.5.1: more specific ranges override less specific ones
        if self.type == "*":
            return (0, 0)
        if self.subtype == "*":
            return (1, 0)
        return (2, len(self.params))


def _members(value: str | bytes) -> list[str]:
    """The first MAX_LIST_MEMBERS members of a list field, empty ones included."""
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    members = split_quoted(value, ",", MAX_LIST_MEMBERS)
    del members[MAX_LIST_MEMBERS:]
    return members


def _parameters(text: str) -> list[tuple[str, str]] | None:
    """``;name=value`` parameters already matched as a whole, names lower-cased;
    None past MAX_PARAMETERS segments."""
    if text.count(";") > MAX_PARAMETERS:
        return None  # (a quoted ";" counts too: a member this near the cap is no browser's)
    # Lower-cased only once they are known to be ASCII tokens.
    return [(name.lower(), unescape(raw) if raw[0] == '"' else raw)
            for name, raw in _PARAMETER_PARTS.findall(text)]


def parse_accept(value: str | bytes) -> tuple[MediaRange, ...]:
    """Accept's media ranges; malformed members are skipped."""
    out: list[MediaRange] = []
    simple = _MEDIA_SIMPLE.fullmatch
    match = _MEDIA_MEMBER.fullmatch
    for member in _members(value):
        found = simple(member)
        if found is not None:  # the usual shape, in one match: no parameters
            kind, sub, weight = found.groups()
            if kind != "*" or sub == "*":
                out.append(MediaRange(kind.lower(), sub.lower(), (),
                                      1.0 if weight is None else float(weight)))
            continue
        found = match(member)
        if found is None:
            continue
        kind, sub, params_text, q_bare, q_quoted = found.groups()
        if kind == "*" and sub != "*":
            continue
        params: tuple[tuple[str, str], ...] = ()
        if params_text:
            parsed = _parameters(params_text)
            if parsed is None:
                continue
            params = tuple(parsed)
        q = q_bare or q_quoted
        out.append(MediaRange(kind.lower(), sub.lower(), params, 1.0 if q is None else float(q)))
    return tuple(out)


def _media_q(ranges: Sequence[MediaRange], offered: str) -> float:
    parsed = _split_media(offered)
    if parsed is None:
        return 0.0
    kind, sub, params = parsed
    best: MediaRange | None = None
    for r in ranges:
        if r.matches(kind, sub, params) and (best is None or r.specificity > best.specificity):
            best = r
    return best.q if best is not None else 0.0


def _split_media(media: str) -> tuple[str, str, dict[str, str]] | None:
    head, *rest = split_quoted(media, ";")
    kind, slash, sub = head.strip(" \t").partition("/")
    params = parse_parameters(rest)
    if not slash or params is None or not is_token(kind) or not is_token(sub):
        return None
    return kind.lower(), sub.lower(), params


def _best(offered: Sequence[str], weights: Sequence[float]) -> str | None:
    # Highest q wins; ties go to the server's order. q=0 means "not acceptable".
    best: str | None = None
    best_q = 0.0
    for item, q in zip(offered, weights, strict=True):
        if q > best_q:
            best, best_q = item, q
    return best


def negotiate(offered: Sequence[str], header: str | bytes | None) -> str | None:
    """The offered media type the client prefers, None when none is acceptable.

    No Accept (or one with no valid member) accepts anything: the first offer.
    """
    if not offered:
        return None
    if header is None:
        return offered[0]
    ranges = parse_accept(header)
    if not ranges:
        return offered[0]  # RFC 9110 §12.5.1: treat an unusable field as absent
    return _best(offered, [_media_q(ranges, media) for media in offered])


def parse_qlist(value: str | bytes) -> tuple[tuple[str, float], ...]:
    """``token;q=x`` members (lower-cased) of Accept-Language/-Encoding/-Charset."""
    out: list[tuple[str, float]] = []
    simple = _QLIST_SIMPLE.fullmatch
    for member in _members(value):
        found = simple(member)
        if found is not None:  # the usual shape, in one match
            name, weight = found.groups()
            out.append((name.lower(), 1.0 if weight is None else float(weight)))
            continue
        found = _QLIST_MEMBER.fullmatch(member)
        if found is None:
            continue  # RFC 9110 §12.4.2: codings, charsets and language ranges are tokens
        name, params_text = found.groups()
        params = _parameters(params_text)
        if params is None:
            continue
        weights = [v for n, v in params if n == "q"]
        q = _qvalue(weights[-1]) if weights else 1.0
        if q is None:
            continue
        out.append((name.lower(), q))
    return tuple(out)


def _language_q(ranges: Sequence[tuple[str, float]], tag: str) -> float:
    # RFC 4647 §3.3.1 basic filtering; the longest matching range decides.
    tag = tag.lower()
    best_len = -1
    best_q = 0.0
    for rng, q in ranges:
        if rng == "*":
            length = 0
        elif tag == rng or tag.startswith(rng + "-"):
            length = len(rng)
        else:
            continue
        if length > best_len:
            best_len, best_q = length, q
    return best_q


def negotiate_language(offered: Sequence[str], header: str | bytes | None) -> str | None:
    """The offered language tag the client prefers (RFC 9110 §12.5.4)."""
    if not offered:
        return None
    if header is None:
        return offered[0]
    ranges = [(r, q) for r, q in parse_qlist(header) if _LANGUAGE_RANGE.fullmatch(r)]
    if not ranges:
        return offered[0]
    return _best(offered, [_language_q(ranges, tag) for tag in offered])


def _coding_q(codings: dict[str, float], coding: str, default: float) -> float:
    coding = coding.lower()
    if coding in codings:
        return codings[coding]
    return codings.get("*", default)


def negotiate_encoding(offered: Sequence[str], header: str | bytes | None) -> str | None:
    """The offered content coding the client prefers (RFC 9110 §12.5.3).

    ``identity`` stays acceptable unless excluded by ``identity;q=0`` or a
    ``*;q=0`` that does not name it; an empty field accepts only identity.
    """
    if not offered:
        return None
    if header is None:
        return offered[0]
    codings = dict(parse_qlist(header))
    weights = []
    for coding in offered:
        if coding.lower() == "identity":
            # RFC 9110 §12.5.3: identity is acceptable unless excluded
            weights.append(_coding_q(codings, coding, 1.0) if codings else 1.0)
        else:
            weights.append(_coding_q(codings, coding, 0.0))
    return _best(offered, weights)


def negotiate_charset(offered: Sequence[str], header: str | bytes | None) -> str | None:
    """The offered charset the client prefers (RFC 9110 §12.5.2): charsets the
    field does not mention are acceptable only through ``*``."""
    if not offered:
        return None
    if header is None:
        return offered[0]
    charsets = dict(parse_qlist(header))
    if not charsets:
        return offered[0]
    return _best(offered, [_coding_q(charsets, c, 0.0) for c in offered])
