"""What an action reports back to the decision graph.

A resource never picks a status number: it says what happened (created here,
finished elsewhere, accepted for later, conflicted, lost a race) and the graph
maps that to the code RFC 9110 gives it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

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
