"""What an action reports back to the decision graph, and the status each report gets.

A resource never picks a status number: it says what happened (created here,
finished elsewhere, accepted for later, conflicted, lost a race) and
``outcome_answer`` maps that to the code RFC 9110 gives it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from statuskit.http.etags import ETag
from statuskit.resource._answer import Answer, Headers, problem
from statuskit.resource._preconditions import Note, no_note
from statuskit.resource._representation import charset_of, content_type, render

__all__ = [
    "Accepted",
    "Alternate",
    "BadGateway",
    "Conflict",
    "Created",
    "Done",
    "GatewayTimeout",
    "Invalid",
    "Outcome",
    "PreconditionLost",
    "ResetContent",
    "SeeOther",
    "outcome_answer",
]


@dataclass(frozen=True, slots=True)
class Done:
    """Finished; with a body the client gets it (200), without one nothing (204).
    ``etag`` is the resource's new entity tag after a write (RFC 9110 §8.8.3)."""

    body: Any = None
    etag: str | None = None


@dataclass(frozen=True, slots=True)
class Created:
    """A new resource exists at ``location`` (201, RFC 9110 §15.3.2), with the
    entity tag of its first version when given."""

    location: str
    body: Any = None
    etag: str | None = None


@dataclass(frozen=True, slots=True)
class SeeOther:
    """The answer lives at ``location``; fetch it with GET (303, RFC 9110 §15.4.4)."""

    location: str


@dataclass(frozen=True, slots=True)
class Accepted:
    """Taken on, not finished; ``monitor`` is where to watch it (202, RFC 9110 §15.3.3)."""

    monitor: str | None = None
    body: Any = None


@dataclass(frozen=True, slots=True)
class ResetContent:
    """Done; the client should clear the form it sent (205, RFC 9110 §15.3.6)."""


@dataclass(frozen=True, slots=True)
class Conflict:
    """The request clashes with the resource's current state (409, RFC 9110 §15.5.10)."""

    detail: str


@dataclass(frozen=True, slots=True)
class PreconditionLost:
    """The validator the client's precondition named changed while the request was
    in flight (another writer won a compare-and-swap): 412, RFC 9110 §13.1.1."""


@dataclass(frozen=True, slots=True)
class Invalid:
    """Well-formed but semantically wrong content (422, RFC 9110 §15.5.21)."""

    errors: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class BadGateway:
    """A gateway's upstream gave nothing usable (502, RFC 9110 §15.6.3)."""

    detail: str


@dataclass(frozen=True, slots=True)
class GatewayTimeout:
    """A gateway's upstream did not answer in time (504, RFC 9110 §15.6.5)."""

    detail: str


@dataclass(frozen=True, slots=True)
class Alternate:
    """One of several representations offered by a 300 (RFC 9110 §15.4.1)."""

    location: str
    media_type: str
    title: str = ""


Outcome = (
    Done | Created | SeeOther | Accepted | ResetContent | Conflict | PreconditionLost | Invalid
    | BadGateway | GatewayTimeout
)



def _new_etag(opaque: str | None) -> Headers:
    return [(b"etag", str(ETag(opaque)).encode())] if opaque is not None else []


def _with_body(status: int, headers: Headers, body: Any, media_type: str,
               charset: str | None) -> Answer:
    if body is None:
        return Answer(status, headers)
    try:
        content = render(body, media_type, charset)
    except UnicodeEncodeError:
        if not isinstance(body, str) or charset_of(media_type) is not None:
            raise
        # The action is done: disregard Accept-Charset rather than answer its success
        # with a 500 (RFC 9110 §12.5.2 lets a server disregard the field).
        charset = "utf-8"
        content = render(body, media_type, charset)
    headers.append((b"content-type", content_type(media_type, charset)))
    return Answer(status, headers, content)


def outcome_answer(outcome: Any, media_type: str, charset: str | None = None, *,
                   created: bool = False, note: Note = no_note) -> Answer:
    """The answer for what an action reports (RFC 9110 §15). ``created``: the
    target had no current representation before this request."""
    if isinstance(outcome, Done):
        if created:
            note("p11")  # new resource?
            # RFC 9110 §9.3.4: a PUT that creates MUST answer 201; the target
            # URI names the new resource, so Location is optional (§15.3.2).
            return _with_body(201, _new_etag(outcome.etag), outcome.body, media_type, charset)
        note("o20")  # response includes an entity?
        if outcome.body is None:
            return Answer(204, _new_etag(outcome.etag))  # RFC 9110 §15.3.5
        return _with_body(200, _new_etag(outcome.etag), outcome.body, media_type, charset)
    if isinstance(outcome, Created):
        note("p11")
        headers = [(b"location", outcome.location.encode()), *_new_etag(outcome.etag)]
        return _with_body(201, headers, outcome.body, media_type, charset)
    if isinstance(outcome, SeeOther):
        return Answer(303, [(b"location", outcome.location.encode())])
    if isinstance(outcome, Accepted):
        headers = [(b"location", outcome.monitor.encode())] if outcome.monitor else []
        return _with_body(202, headers, outcome.body, media_type, charset)
    if isinstance(outcome, ResetContent):
        return Answer(205, [])  # RFC 9110 §15.3.6: no content
    return _failure_answer(outcome)


def _failure_answer(outcome: Any) -> Answer:
    if isinstance(outcome, Conflict):
        return problem(409, outcome.detail)
    if isinstance(outcome, PreconditionLost):
        return problem(412, "The resource changed while the request was in flight.")
    if isinstance(outcome, Invalid):
        return problem(422, "The content is well-formed but not valid.", errors=outcome.errors)
    if isinstance(outcome, BadGateway):
        return problem(502, outcome.detail)
    if isinstance(outcome, GatewayTimeout):
        return problem(504, outcome.detail)
    raise TypeError(f"an action returned {outcome!r}, which is not an outcome")
