"""Conditional requests for dynamic routes: RFC 9110 §13.2.2 before the handler runs.

The evaluation is the decision graph's own (``statuskit.resource.evaluate_preconditions``);
this module feeds it a Starlette request and the route's current validators, and turns
its verdict into 304, 412 or, where the route asks for it, 428 (RFC 6585 §3).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from starlette.exceptions import HTTPException
from starlette.requests import Request

from statuskit.http import ETag
from statuskit.http.methods import SAFE_METHODS
from statuskit.resource import evaluate_preconditions
from statuskit.resource._preconditions import last_modified_field, modified_second
from statuskit.starlette._response import ResponseEdit, edit_of

__all__ = ["REQUIRED_DETAIL", "Validators", "evaluate", "preconditions"]

_TAG_CACHE_LIMIT = 4096
_TAGS: dict[str, ETag] = {}


@dataclass(frozen=True, slots=True)
class Validators:
    """A route's current validators: an entity tag (a ``str`` is the opaque tag of a
    strong one, ``"v7"`` goes out as ``"v7"``; pass ``ETag("v7", weak=True)`` for a weak
    one) and/or a modification time (POSIX seconds or a datetime, naive means UTC)."""

    etag: str | ETag | None = None
    last_modified: float | datetime | None = None

    def entity_tag(self) -> ETag | None:
        if not isinstance(self.etag, str):
            return self.etag
        # A route sends the same few tags again and again; each is parsed once.
        tag = _TAGS.get(self.etag)
        if tag is None:
            tag = ETag(self.etag)
            if len(_TAGS) < _TAG_CACHE_LIMIT:
                _TAGS[self.etag] = tag
        return tag

    def modified(self) -> float | None:
        """Last-Modified in whole seconds (HTTP-dates have no finer grain), and never
        later than the response's Date (RFC 9110 §8.8.2.1): servers stamp Date from a
        clock refreshed once a second, so a change within the last second is dated to
        the second before."""
        second = self.modified_second()
        return None if second is None else last_modified_field(second)

    def modified_second(self) -> float | None:
        """The whole second of the last change, not moved back: what a date the
        client sends is compared with. A change within the current second would be
        hidden by the one-second step ``modified()`` takes for the field (a write
        just after the client's read would pass its If-Unmodified-Since)."""
        return modified_second(self.last_modified)


def preconditions(request: Request, current: Validators | None, *, require: bool = False,
                  cache_control: str | None = None) -> None:
    """Evaluate the request's conditions against ``current`` (None: the target does not
    exist) before the handler acts, and raise the answer when it is not the handler's:
    304 for GET/HEAD, 412 for the rest, 428 when ``require`` is set and a write to an
    existing target carries no condition. A GET or HEAD that goes on gets the
    validators (and ``cache_control``) on its 2xx, as its 304 would have.
    Acts only under ``install()``."""
    edit = edit_of(request.scope, "preconditions")
    if edit is None:
        return
    verdict = evaluate(edit, current, require, cache_control)
    if verdict == 428:
        raise HTTPException(428, REQUIRED_DETAIL)
    if verdict is not None:
        raise HTTPException(verdict)


REQUIRED_DETAIL = ("Send If-Match with the ETag of the current representation "
                   "(or If-Unmodified-Since with its Last-Modified).")


def evaluate(edit: ResponseEdit, current: Validators | None, require: bool = False,
             cache_control: str | None = None) -> int | None:
    """RFC 9110 §13.2.2 for the request ``edit`` belongs to: 304, 412, 428 (RFC 6585
    §3, where ``require``) or None when the handler answers; the validators go on the
    response either way."""
    if current is None:
        edit.etag = edit.last_modified = None
    else:
        # Validators.entity_tag() inlined: a str tag already parsed is one lookup.
        tag = current.etag
        edit.etag = (_TAGS.get(tag) or current.entity_tag()) if isinstance(tag, str) else tag
        # Most routes give an entity tag alone: no date to convert then.
        edit.last_modified = None if current.last_modified is None else current.modified()
    edit.cache_control = cache_control
    edit.validators = current
    edit.chosen = None  # what chosen() returns is made again
    if _CONDITIONS.isdisjoint(edit.request_fields):
        # No precondition at all: nothing to evaluate (RFC 9110 §13.2), one question of
        # the request's fields.
        if require and current is not None and edit.method not in SAFE_METHODS:
            return 428  # RFC 6585 §3: this route takes writes only when they say what
        return None
    method = edit.method
    fields = edit.request_fields
    # RFC 9110 §5.3: a list field sent on several lines is one list (the edit joined
    # them); Starlette's headers.get() would hand over the first line only.
    if_match, if_none_match = fields.get(b"if-match"), fields.get(b"if-none-match")
    if_modified_since = fields.get(b"if-modified-since")
    if_unmodified_since = fields.get(b"if-unmodified-since")
    if if_match is None and if_none_match is None and if_unmodified_since is None \
            and require and current is not None and method not in SAFE_METHODS:
        return 428  # RFC 6585 §3: If-Modified-Since alone says nothing of a write
    dated = current if current is not None and current.last_modified is not None else None
    verdict = evaluate_preconditions(
        method,
        if_match=None if if_match is None else if_match.decode("latin-1"),
        if_none_match=None if if_none_match is None else if_none_match.decode("latin-1"),
        if_modified_since=None if if_modified_since is None else
        if_modified_since.decode("latin-1"),
        if_unmodified_since=None if if_unmodified_since is None else
        if_unmodified_since.decode("latin-1"),
        # RFC 9110 §13.1.4: the representation's own modification date. The field
        # went out a second early when the change was recent, so a date the client
        # echoes can only err towards 412 (and 200 for If-Modified-Since): never a
        # lost update or a stale 304.
        etag=edit.etag, last_modified=dated.modified_second() if dated is not None else None,
        exists=current is not None)
    return verdict


# RFC 9110 §13.1: the request fields that make a request conditional.
_CONDITIONS = frozenset({b"if-match", b"if-none-match", b"if-modified-since",
                         b"if-unmodified-since"})

