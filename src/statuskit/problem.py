"""RFC 9457 problem details, rendered as ``application/problem+json`` bytes."""

from __future__ import annotations

import json
from typing import Any

from statuskit.codes import UnknownCode, lookup

__all__ = ["PROBLEM_CONTENT_TYPE", "problem_body", "problem_headers"]

PROBLEM_CONTENT_TYPE = "application/problem+json"
# RFC 9457 §3: a problem document is a JSON object, and JSON has no NaN or Infinity
# (RFC 8259 §6): a member that is one raises ValueError instead of going out invalid.
# Compact and UTF-8, as statuskit._json writes every other body.
_ENCODER = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, allow_nan=False)

def _default_title(status: int) -> str:
    try:
        return lookup(status).title
    except UnknownCode:
        return "Error"


def problem_body(
    status: int,
    detail: object = None,
    *,
    type: str = "about:blank",  # the RFC 9457 member name, shadowing the builtin
    title: str | None = None,
    instance: str | None = None,
    **extensions: Any,
) -> bytes:
    """A problem-details JSON document for ``status``.

    With ``type`` left at ``about:blank`` the title is the status phrase
    (RFC 9457 §4.2.1); extension members sit beside the standard ones, and
    being keyword arguments they cannot shadow them. A member JSON cannot carry
    (NaN, an object of no JSON type) raises ValueError or TypeError, and text with a
    lone surrogate raises UnicodeEncodeError: never a document that is not JSON.
    ``detail`` is a string (RFC 9457 §3.1.4); any other JSON value (FastAPI's error
    list, kept by ``install(bodies="compatible")``) is one a consumer ignores as the
    standard member (§3.1) and a client written for the framework still reads.
    """
    document: dict[str, Any] = {
        "type": type,
        "title": title if title is not None else _default_title(status),
        "status": status,
    }
    if detail is not None:
        document["detail"] = detail
    if instance is not None:
        document["instance"] = instance
    document.update(extensions)
    return _ENCODER.encode(document).encode("utf-8")


def problem_headers(body: bytes) -> list[tuple[bytes, bytes]]:
    """ASGI header pairs for a problem body: its media type and true length."""
    return [
        (b"content-type", PROBLEM_CONTENT_TYPE.encode("ascii")),
        (b"content-length", str(len(body)).encode("ascii")),
    ]
