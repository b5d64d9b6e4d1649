"""Errors a client raises: one class per status code, grouped the way a caller
catches them (``ClientError``, ``ServerError``, ``Retryable``).

Every error carries the attempt history (``attempts``) and survives pickling
(multiprocessing, Celery, ProcessPoolExecutor): the live response, which may
hold a connection, stays behind; its status, fields, problem details and
history travel.
"""

from __future__ import annotations

import json
from typing import Any, ClassVar

from statuskit.codes import UnknownCode, is_retryable, lookup

__all__ = [
    "ClientError",
    "HTTPStatusError",
    "InsecureRedirect",
    "RetryAfterTooLong",
    "Retryable",
    "ServerError",
    "StatuskitClientError",
]

# The most of a response body read to find its problem details; past this, none.
PROBLEM_READ_LIMIT = 64 * 1024

_LIVE = frozenset({"response", "request", "_request", "_response"})


def _revive(cls: type[BaseException], args: tuple[Any, ...]) -> BaseException:
    error = cls.__new__(cls)
    error.args = args
    return error


class StatuskitClientError(Exception):
    """Base of everything statuskit's client raises; ``attempts`` is the history."""

    attempts: list[Any]

    def __reduce__(self) -> tuple[Any, ...]:
        # Exception's own pickling calls __init__(*args), which these signatures
        # do not take; and a live response (sockets, locks) must not travel.
        state = {k: (None if k in _LIVE else v) for k, v in self.__dict__.items()}
        return _revive, (type(self), self.args), state


class HTTPStatusError(StatuskitClientError):
    """A response whose status is an error. ``problem`` holds its RFC 9457 details
    when it sent ``application/problem+json``; ``attempts`` the retry history."""

    status: ClassVar[int] = 0

    def __init__(self, response: Any, *, retry_after: float | None = None,
                 attempts: list[Any] | None = None) -> None:
        self.response = response
        self.status_code: int = response.status_code
        self.url = str(getattr(response, "url", "") or "")
        self.headers = dict(response.headers)
        self.problem = _problem_of(response)
        self.retry_after = retry_after
        self.attempts = attempts or []
        detail = self.problem.get("detail") if self.problem else None
        super().__init__(_status_line(response) + (f": {detail}" if detail else ""))

    @property
    def retryable(self) -> bool:
        """Whether the catalogue lets a client repeat this request by itself."""
        return is_retryable(self.status_code, retry_after=self.retry_after is not None)


class ClientError(HTTPStatusError):
    """4xx: the request needs changing before it can succeed."""


class ServerError(HTTPStatusError):
    """5xx: the server failed a request that may have been fine."""


class Retryable:
    """Mixed into the codes the catalogue lets a client repeat by itself (its
    ``retry`` field; 413 only with Retry-After: see ``HTTPStatusError.retryable``)."""


class RetryAfterTooLong(StatuskitClientError):
    """The server asked for a wait past ``max_retry_after`` or the deadline. The
    response is read and closed: ``response.content`` is there, the connection is
    back in the pool."""

    def __init__(self, retry_after: float, response: Any, reason: str,
                 attempts: list[Any] | None = None) -> None:
        self.retry_after = retry_after
        self.response = response
        self.status_code: int = response.status_code
        self.attempts = attempts or []
        # Not super(): the adapters mix these with httpx's and requests' own errors,
        # whose constructors take other arguments.
        Exception.__init__(self, reason)


class InsecureRedirect(StatuskitClientError):
    """A followed redirect from https to http, refused unless allowed."""

    def __init__(self, message: str, *, url: str = "", location: str = "",
                 attempts: list[Any] | None = None) -> None:
        self.url = url
        self.location = location
        self.attempts = attempts or []
        Exception.__init__(self, message)


def _status_line(response: Any) -> str:
    status = response.status_code
    reason = getattr(response, "reason_phrase", None) or getattr(response, "reason", None)
    if not reason:
        try:
            reason = lookup(status).phrase
        except UnknownCode:
            reason = ""
    return f"{status} {reason}".rstrip()


def _problem_of(response: Any) -> dict[str, Any] | None:
    media = (response.headers.get("content-type") or "").split(";")[0].strip().lower()
    if media != "application/problem+json":
        return None
    content = _content_of(response)
    if content is None or len(content) > PROBLEM_READ_LIMIT:
        return None
    try:
        document = json.loads(content)
    except (ValueError, UnicodeDecodeError):
        return None
    return document if isinstance(document, dict) else None


def _content_of(response: Any) -> bytes | None:
    """The body; a streamed response is read here, at most PROBLEM_READ_LIMIT
    bytes, and closed. None when it cannot be read from here (an async stream,
    a broken connection, a body past the limit)."""
    try:
        content: bytes = response.content
        return content
    except Exception:  # httpx.ResponseNotRead: a streamed response nobody read
        pass
    iter_bytes = getattr(response, "iter_bytes", None)
    if iter_bytes is None:
        return None
    body = bytearray()
    try:
        for chunk in iter_bytes():
            body += chunk
            if len(body) > PROBLEM_READ_LIMIT:
                return None
    except Exception:  # an async stream read from sync code, or the body broke
        return None
    finally:
        response.close()
    return bytes(body)
