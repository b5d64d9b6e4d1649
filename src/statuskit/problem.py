"""RFC 9457 problem details, rendered as ``application/problem+json`` bytes."""

from __future__ import annotations

from typing import Any

from statuskit._json import compact_json
from statuskit.codes import UnknownCode, lookup

__all__ = ["PROBLEM_CONTENT_TYPE", "problem_body", "problem_headers"]

PROBLEM_CONTENT_TYPE = "application/problem+json"

def _default_title(status: int) -> str:
    try:
        return lookup(status).title
    except UnknownCode:
        return "Error"


def problem_body(
    status: int,
    detail: str | None = None,
    *,
    type: str = "about:blank",  # the RFC 9457 member name, shadowing the builtin
    title: str | None = None,
    instance: str | None = None,
    **extensions: Any,
) -> bytes:
    """A problem-details JSON document for ``status``.

    With ``type`` left at ``about:blank`` the title is the status phrase
    (RFC 9457 §4.2.1); extension members sit beside the standard ones, and
    being keyword arguments they cannot shadow them.
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
    return compact_json(document)


def problem_headers(body: bytes) -> list[tuple[bytes, bytes]]:
    """ASGI header pairs for a problem body: its media type and true length."""
    return [
        (b"content-type", PROBLEM_CONTENT_TYPE.encode("ascii")),
        (b"content-length", str(len(body)).encode("ascii")),
    ]
