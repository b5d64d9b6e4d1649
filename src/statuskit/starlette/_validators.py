"""Conditional requests for dynamic routes: RFC 9110 §13.2.2 before the handler runs.

The evaluation is the decision graph's own (``statuskit.resource.evaluate_preconditions``);
this module feeds it a Starlette request and the route's current validators, and turns
its verdict into 304, 412 or, where the route asks for it, 428 (RFC 6585 §3).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime

from starlette.exceptions import HTTPException
from starlette.requests import Request

from statuskit.http import ETag
from statuskit.http.methods import SAFE_METHODS
from statuskit.resource import evaluate_preconditions
from statuskit.resource._preconditions import timestamp
from statuskit.starlette._response import edit_of

__all__ = ["Validators", "preconditions"]

_CONDITIONS = ("if-match", "if-none-match", "if-unmodified-since")


@dataclass(frozen=True, slots=True)
class Validators:
    """A route's current validators: an entity tag (a ``str`` is the opaque tag of a
    strong one, ``"v7"`` goes out as ``"v7"``; pass ``ETag("v7", weak=True)`` for a weak
    one) and/or a modification time (POSIX seconds or a datetime, naive means UTC)."""

    etag: str | ETag | None = None
    last_modified: float | datetime | None = None

    def entity_tag(self) -> ETag | None:
        return ETag(self.etag) if isinstance(self.etag, str) else self.etag

    def modified(self) -> float | None:
        """Last-Modified in whole seconds (HTTP-dates have no finer grain), and never
        later than the response's Date (RFC 9110 §8.8.2.1): servers stamp Date from a
        clock refreshed once a second, so a change within the last second is dated to
        the second before."""
        seconds = timestamp(self.last_modified)
        if seconds is None:
            return None
        return float(min(int(seconds), int(time.time()) - 1))


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
    method = edit.method
    etag = current.entity_tag() if current is not None else None
    modified = current.modified() if current is not None else None
    edit.etag, edit.last_modified = etag, modified
    edit.cache_control = cache_control
    headers = request.headers
    verdict = evaluate_preconditions(
        method,
        if_match=headers.get("if-match"), if_none_match=headers.get("if-none-match"),
        if_modified_since=headers.get("if-modified-since"),
        if_unmodified_since=headers.get("if-unmodified-since"),
        etag=etag, last_modified=modified, exists=current is not None)
    if verdict is not None:
        raise HTTPException(verdict)
    if require and current is not None and method not in SAFE_METHODS \
            and not any(name in headers for name in _CONDITIONS):
        # RFC 6585 §3: this route takes writes only when they say what they expect.
        raise HTTPException(428, "Send If-Match with the ETag of the current representation "
                                 "(or If-Unmodified-Since with its Last-Modified).")
