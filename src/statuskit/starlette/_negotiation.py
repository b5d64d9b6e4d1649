"""406 and Vary for routes that declare the media types they provide (RFC 9110 §12.5)."""

from __future__ import annotations

from collections.abc import Sequence

from starlette.exceptions import HTTPException
from starlette.requests import Request

from statuskit.http import negotiate
from statuskit.starlette._response import edit_of, request_field

__all__ = ["choose_media_type", "negotiated_field", "negotiated_type"]

# Clients repeat a few Accept values; the choice for each is remembered (bounded in
# entries and in the length of a value worth remembering).
_CACHE_LIMIT = 512
_CACHED_ACCEPT_LENGTH = 256
_chosen: dict[tuple[tuple[str, ...], str | None], str | None] = {}


def choose_media_type(request: Request, provides: Sequence[str]) -> str:
    """The media type of ``provides`` the request's Accept prefers (the first one when
    Accept is absent); 406 when it accepts none of them (RFC 9110 §15.5.7). When the
    choice has more than one outcome, the response names Accept in Vary (§12.5.5).
    Without ``install()`` it only chooses."""
    if not provides:
        raise ValueError("a route provides at least one media type")
    edit = edit_of(request.scope, "choose_media_type")
    if edit is not None and len(provides) > 1 and "Accept" not in edit.vary:
        edit.vary.append("Accept")
    # RFC 9110 §5.3: Accept on several lines is one list.
    chosen = negotiated_type(tuple(provides), request_field(request.scope, b"accept"))
    if chosen is not None:
        return chosen
    if edit is None:
        return provides[0]
    raise HTTPException(406, f"Available: {', '.join(provides)}.")


def negotiated_type(provides: tuple[str, ...], accept: str | None) -> str | None:
    """The type of ``provides`` that ``accept`` prefers, or None; remembered."""
    key = (provides, accept)
    try:
        return _chosen[key]
    except KeyError:
        chosen = negotiate(provides, accept)
        if len(_chosen) < _CACHE_LIMIT and (accept is None or
                                            len(accept) <= _CACHED_ACCEPT_LENGTH):
            _chosen[key] = chosen
        return chosen


_chosen_by_field: dict[tuple[tuple[str, ...], bytes | None], str | None] = {}


def negotiated_field(provides: tuple[str, ...], accept: bytes | None) -> str | None:
    """``negotiated_type`` for Accept as the request sent it (bytes, its lines joined):
    a value seen before costs one lookup, with no decoding."""
    key = (provides, accept)
    try:
        return _chosen_by_field[key]
    except KeyError:
        chosen = negotiate(provides, None if accept is None else accept.decode("latin-1"))
        if len(_chosen_by_field) < _CACHE_LIMIT and (accept is None or
                                                     len(accept) <= _CACHED_ACCEPT_LENGTH):
            _chosen_by_field[key] = chosen
        return chosen
