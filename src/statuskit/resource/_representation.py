"""Turning a representation value into bytes with the right Content-Type."""

from __future__ import annotations

import codecs
import functools
import gzip
from collections.abc import Callable
from typing import Any

from statuskit._json import compact_json
from statuskit.http.fields import parse_content_type

__all__ = ["CODINGS", "charset_of", "content_type", "encode_content", "render"]

# Content codings the graph can apply (RFC 9110 §8.4.1), standard library only.
# gzip with mtime 0: the same representation always encodes to the same bytes,
# so its entity tag and byte ranges stay meaningful.
CODINGS: dict[str, Callable[[bytes], bytes] | None] = {
    "gzip": lambda body: gzip.compress(body, mtime=0),
    "identity": None,
}


@functools.lru_cache(maxsize=256)
def charset_of(media_type: str) -> str | None:
    """The charset a media type declares (``text/html;charset=iso-8859-1``), or None."""
    parsed = parse_content_type(media_type)
    return parsed[1].get("charset") if parsed is not None else None


@functools.lru_cache(maxsize=256)
def content_type(media_type: str, charset: str | None = None) -> bytes:
    """The Content-Type field value for ``media_type``: a text type gets the
    charset its body is encoded in, named once (RFC 6838 §4.3: a parameter
    MUST NOT appear twice). A charset the media type declares wins."""
    if charset_of(media_type) is not None or not media_type.startswith("text/"):
        return media_type.encode()
    return f"{media_type}; charset={charset or 'utf-8'}".encode()


def render(value: Any, media_type: str, charset: str | None = None) -> bytes:
    """Bytes for a representation value: bytes as they are, text in the charset
    the media type declares (else ``charset``, else UTF-8), anything else as JSON."""
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode(charset_of(media_type) or charset or "utf-8")
    return compact_json(value)


def check_charset(name: str) -> None:
    """Raise ValueError at class definition for a charset Python cannot encode."""
    try:
        codecs.lookup(name)
    except LookupError:
        raise ValueError(f"unknown charset {name!r}") from None


def encode_content(body: bytes, coding: str | None) -> bytes:
    """``body`` in the content coding ``coding`` (None or identity: as it is)."""
    encoder = CODINGS.get(coding) if coding is not None else None
    return encoder(body) if encoder is not None else body


def check_coding(name: str) -> None:
    """Raise ValueError at class definition for a coding the graph cannot apply."""
    if name.lower() not in CODINGS:
        raise ValueError(f"unsupported content coding {name!r}; use one of {sorted(CODINGS)}")
