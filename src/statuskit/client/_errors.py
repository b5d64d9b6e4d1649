"""Errors a client raises: one class per status code, grouped the way a caller
catches them (``ClientError``, ``ServerError``, ``Retryable``)."""

from __future__ import annotations

import json
from typing import Any, ClassVar

__all__ = [
    "ClientError",
    "HTTPStatusError",
    "InsecureRedirect",
    "RetryAfterTooLong",
    "RetryBudgetExhausted",
    "Retryable",
    "ServerError",
    "StatuskitClientError",
]


class StatuskitClientError(Exception):
    """Base of everything statuskit's client raises."""


class HTTPStatusError(StatuskitClientError):
    """A response whose status is an error. ``problem`` holds its RFC 9457 details
    when it sent ``application/problem+json``; ``attempts`` the retry history."""

    status: ClassVar[int] = 0

    def __init__(self, response: Any, *, retry_after: float | None = None,
                 attempts: list[Any] | None = None) -> None:
        self.response = response
        self.status_code: int = response.status_code
        self.problem = _problem_of(response)
        self.retry_after = retry_after
        self.attempts = attempts or []
        detail = self.problem.get("detail") if self.problem else None
        reason = getattr(response, "reason_phrase", None) or getattr(response, "reason", "")
        super().__init__(f"{self.status_code} {reason}" + (f": {detail}" if detail else ""))


class ClientError(HTTPStatusError):
    """4xx: the request needs changing before it can succeed."""


class ServerError(HTTPStatusError):
    """5xx: the server failed a request that may have been fine."""


class Retryable:
    """Mixed into the codes the table says may be repeated later."""


class RetryAfterTooLong(StatuskitClientError):
    """The server asked for a wait past ``max_retry_after`` or the deadline."""

    def __init__(self, retry_after: float, response: Any, reason: str) -> None:
        self.retry_after = retry_after
        self.response = response
        super().__init__(reason)


class RetryBudgetExhausted(StatuskitClientError):
    """This origin's retry budget is spent: requests are tried once until it refills."""


class InsecureRedirect(StatuskitClientError):
    """A redirect from https to http, refused unless allowed."""


def _problem_of(response: Any) -> dict[str, Any] | None:
    media = (response.headers.get("content-type") or "").split(";")[0].strip().lower()
    if media != "application/problem+json":
        return None
    try:
        document = json.loads(response.content)
    except (ValueError, UnicodeDecodeError):
        return None
    return document if isinstance(document, dict) else None
