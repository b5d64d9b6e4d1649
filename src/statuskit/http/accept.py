"""Proactive negotiation (RFC 9110 §12): Accept, Accept-Language,
Accept-Encoding and Accept-Charset, with q-values."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from statuskit.http.fields import is_token, parse_parameters, split_quoted

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
_QVALUE = re.compile(r"0(?:\.[0-9]{0,3})?|1(?:\.0{0,3})?")
_LANGUAGE_RANGE = re.compile(r"\*|[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*")


def _qvalue(text: str) -> float | None:
    return float(text) if _QVALUE.fullmatch(text) else None


@dataclass(frozen=True, slots=True)
class MediaRange:
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


def parse_accept(value: str | bytes) -> tuple[MediaRange, ...]:
    """Accept's media ranges; malformed members are skipped."""
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    out: list[MediaRange] = []
    for member in split_quoted(value, ","):
        head, *rest = split_quoted(member, ";")
        media = head.strip(" \t")
        if not media:
            continue
        # Tokens are checked before lower-casing: "\u212a".lower() is an ASCII "k".
        kind, slash, sub = media.partition("/")
        if not slash or not is_token(kind) or not is_token(sub) or (kind == "*" and sub != "*"):
            continue
        kind, sub = kind.lower(), sub.lower()
        # Parameters before "q" belong to the media range; those after are
        # accept-ext, which nobody defines (RFC 9110 §12.5.1).
        params: list[tuple[str, str]] = []
        q: float | None = 1.0
        ok = True
        for segment in rest:
            parsed = parse_parameters([segment])
            if parsed is None:
                ok = False
                break
            for name, val in parsed.items():
                if name == "q":
                    q = _qvalue(val)
                    break
                params.append((name, val))
            else:
                continue
            break
        if not ok or q is None:
            continue
        out.append(MediaRange(kind, sub, tuple(params), q))
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
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    out: list[tuple[str, float]] = []
    for member in split_quoted(value, ","):
        head, *rest = split_quoted(member, ";")
        name = head.strip(" \t")
        if not is_token(name):
            continue  # RFC 9110 §12.4.2: codings, charsets and language ranges are tokens
        name = name.lower()
        params = parse_parameters(rest)
        if params is None:
            continue
        q = _qvalue(params["q"]) if "q" in params else 1.0
        if q is None:
            continue
        out.append((name, q))
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
