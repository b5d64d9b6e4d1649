"""A client that acts on each status code the way the table says: whether to
repeat, when, and how often, without ever joining a retry storm.

    client = httpx.Client(transport=RetryTransport(verify=..., limits=...))
    response = client.get(url)
    raise_for_status(response)          # NotFound, TooManyRequests, ServerTimeout, ...

(httpx2: ``statuskit.client.httpx2.RetryTransport``; requests: ``RetryAdapter``.)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from statuskit.client._budget import RetryBudget, budget_for, reset_budgets
from statuskit.client._core import ATTEMPTS, Attempt, RecordedWaits, RetryEvent, using_policy
from statuskit.client._errors import (
    AnyResponse,
    ClientError,
    HTTPStatusError,
    InsecureRedirect,
    ResumeFailed,
    Retryable,
    RetryAfterTooLong,
    ServerError,
    StatuskitClientError,
    is_problem,
    read_async_problem,
)
from statuskit.client._flavours import build, library_of, request_of
from statuskit.client._httpx import AsyncRetryTransport, RetryTransport
from statuskit.client._policy import GiveUp, Retry, RetryPolicy, retry_after_of
from statuskit.client._transport import CHAIN, POLICY
from statuskit.client._typed import *  # noqa: F403 - one class per error code
from statuskit.client._typed import BY_STATUS
from statuskit.client._typed import __all__ as _typed_names

if TYPE_CHECKING:
    from statuskit.client._requests import RetryAdapter

__all__ = [
    "ATTEMPTS",
    "AnyResponse",
    "AsyncRetryTransport",
    "Attempt",
    "ClientError",
    "GiveUp",
    "HTTPStatusError",
    "InsecureRedirect",
    "POLICY",
    "RecordedWaits",
    "ResumeFailed",
    "Retry",
    "RetryAdapter",
    "RetryAfterTooLong",
    "RetryBudget",
    "RetryEvent",
    "RetryPolicy",
    "RetryTransport",
    "Retryable",
    "ServerError",
    "StatuskitClientError",
    "araise_for_status",
    "attempts_of",
    "budget_for",
    "error_class",
    "raise_for_status",
    "reset_budgets",
    "using_policy",
    *_typed_names,
]


def error_class(status: int) -> type[HTTPStatusError]:
    """The exception class for ``status`` (a generic client/server error for codes
    the catalogue does not name)."""
    found = BY_STATUS.get(status)
    if found is not None:
        return found
    return ClientError if status < 500 else ServerError


class StatusResponse(Protocol):
    """What ``raise_for_status`` reads: httpx's, httpx2's and requests' responses."""

    @property
    def status_code(self) -> int: ...

    @property
    def headers(self) -> Mapping[str, str]: ...


_R = TypeVar("_R", bound=StatusResponse)


def attempts_of(thing: object) -> list[Attempt]:
    """The attempt history of a response (httpx or requests) or of any exception
    that came out of a statuskit adapter; [] when there is none."""
    found = _attempts_on(thing)
    if found is None and isinstance(thing, BaseException):
        # An error the HTTP library raised itself between hops (TooManyRedirects on a
        # redirect loop): the history is on the last response, or on the next hop's
        # request, which carries the exchange it would have continued.
        found = _attempts_on(_named(thing, "response")) \
            or _chained_attempts(_named(thing, "request"))
    return list(found or [])


def _attempts_on(thing: Any) -> Sequence[Attempt] | None:
    # A list, or an httpx response's FirstTry (read here, so built here).
    found: Sequence[Attempt] | None = getattr(thing, ATTEMPTS, None)
    if found is None:
        extensions = getattr(thing, "extensions", None) or {}
        found = extensions.get(ATTEMPTS) if isinstance(extensions, dict) else None
    return found


def _named(error: BaseException, name: str) -> Any:
    try:
        return getattr(error, name, None)
    except RuntimeError:  # httpx: ".request is not set" on errors made without one
        return None


def _chained_attempts(request: Any) -> list[Attempt] | None:
    extensions = getattr(request, "extensions", None)
    exchange = extensions.get(CHAIN) if isinstance(extensions, dict) else None
    return getattr(exchange, "attempts", None)


def raise_for_status(response: _R) -> _R:
    """Raise the class of the response's code when it is 4xx or 5xx; else return it.

    The error is also the response library's own (``httpx.HTTPStatusError``,
    ``requests.HTTPError``, httpx2's). A streamed response's problem details are
    read, at most 64 KiB, and the response closed; an unread async stream is left
    to its ``async with`` (``await araise_for_status(response)`` reads it)."""
    if response.status_code < 400:
        return response
    raise _status_error(response, None)


async def araise_for_status(response: _R) -> _R:
    """``raise_for_status`` that also reads an unread async stream's problem details."""
    if response.status_code < 400:
        return response
    body = await read_async_problem(response) if is_problem(response) else None
    raise _status_error(response, body)


def _status_error(response: Any, body: bytes | None) -> HTTPStatusError:
    # The same reading of Retry-After as the policy's: an HTTP-date against the
    # response's own Date (RFC 9110 §10.2.3), not this machine's clock.
    retry_after = retry_after_of(response.headers)
    return build(error_class(response.status_code), library_of(response), request_of(response),
                 response, retry_after=retry_after, attempts=attempts_of(response), body=body)


def __getattr__(name: str) -> Any:
    # The requests adapter imports requests, so it loads only when asked for.
    if name == "RetryAdapter":
        from statuskit.client._requests import RetryAdapter

        return RetryAdapter
    raise AttributeError(name)
