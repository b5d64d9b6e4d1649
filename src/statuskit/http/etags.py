"""Entity tags (RFC 9110 §8.8.3) and the two comparison functions."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from statuskit.http.fields import MAX_LIST_MEMBERS

__all__ = ["ETag", "parse_etag", "parse_etags", "strong_match", "weak_match"]


# RFC 9110 §8.8.3: etagc = %x21 / %x23-7E / obs-text
_OPAQUE = re.compile("[\x21\x23-\x7e\x80-\xff]*")
# One member of an entity-tag list and the comma (or the end) after it; the member
# may be empty (RFC 9110 §5.6.1). entity-tag = [ "W/" ] DQUOTE *etagc DQUOTE: etagc
# holds no DQUOTE and no quoted-pair, so a "," between quotes is part of the tag.
_LIST_MEMBER = re.compile('[ \t]*(?:(W/)?"([\x21\x23-\x7e\x80-\xff]*)")?[ \t]*(?:,|\\Z)')


@dataclass(frozen=True, slots=True)
class ETag:
    """An entity tag: the opaque string without quotes, and whether it is weak."""

    opaque: str
    weak: bool = False
    # The field value as sent (``str(tag)``); formatted once, since a tag is compared
    # and sent often, and read as an attribute where a request echoes it.
    text: str = field(init=False, repr=False, compare=False)
    # The same as the bytes the decision graph sends in an ETag field (UTF-8, as before).
    field_value: bytes = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not _OPAQUE.fullmatch(self.opaque):
            raise ValueError(f"not an entity-tag value: {self.opaque!r}")
        text = f'W/"{self.opaque}"' if self.weak else f'"{self.opaque}"'
        object.__setattr__(self, "text", text)
        object.__setattr__(self, "field_value", text.encode())

    def __str__(self) -> str:
        return self.text


def parse_etag(value: str | bytes) -> ETag | None:
    """One entity-tag, or None when ``value`` is not exactly one."""
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    text = value.strip(" \t")
    weak = text.startswith("W/")
    if weak:
        text = text[2:]
    if len(text) < 2 or text[0] != '"' or text[-1] != '"':
        return None
    opaque = text[1:-1]
    if not _OPAQUE.fullmatch(opaque):
        return None
    return ETag(opaque, weak)


def parse_etags(value: str | bytes) -> tuple[ETag, ...] | Literal["*"] | None:
    """If-Match / If-None-Match: ``"*"`` or a list of entity-tags.

    None when the field is malformed, or lists more than MAX_LIST_MEMBERS tags
    (RFC 9110 §13.1.1 leaves that to the recipient; callers treat it as matching
    nothing, so an If-Match that long fails).
    """
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    text = value.strip(" \t")
    if text == "*":
        return "*"
    tags: list[ETag] = []
    at = 0
    end = len(text)
    while at < end:
        found = _LIST_MEMBER.match(text, at)
        if found is None:
            return None
        weak, opaque = found.groups()
        if opaque is not None:
            if len(tags) == MAX_LIST_MEMBERS:
                return None
            tags.append(ETag(opaque, weak is not None))
        at = found.end()
    return tuple(tags) if tags else None


def strong_match(a: ETag, b: ETag) -> bool:
    """RFC 9110 §8.8.3.2: both strong and the same opaque tag."""
    return not a.weak and not b.weak and a.opaque == b.opaque


def weak_match(a: ETag, b: ETag) -> bool:
    """RFC 9110 §8.8.3.2: the same opaque tag, weak or not."""
    return a.opaque == b.opaque
