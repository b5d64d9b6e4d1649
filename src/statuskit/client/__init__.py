"""A client that acts on each status code the way the table says: whether to
repeat, when, and how often, without ever joining a retry storm.

    client = httpx.Client(transport=RetryTransport(verify=..., limits=...))
    response = client.get(url)
    raise_for_status(response)          # NotFound, TooManyRequests, ServerTimeout, ...
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from statuskit.client._budget import RetryBudget, budget_for, reset_budgets
from statuskit.client._core import ATTEMPTS, Attempt, RecordedWaits, RetryEvent, using_policy
from statuskit.client._errors import (
    ClientError,
    HTTPStatusError,
    InsecureRedirect,
    Retryable,
    RetryAfterTooLong,
    ServerError,
    StatuskitClientError,
)
from statuskit.client._httpx import POLICY, AsyncRetryTransport, RetryTransport
from statuskit.client._policy import GiveUp, Retry, RetryPolicy, retry_after_of
from statuskit.client._typed import *  # noqa: F403 - one class per error code
from statuskit.client._typed import BY_STATUS
from statuskit.client._typed import __all__ as _typed_names

if TYPE_CHECKING:
    from statuskit.client._requests import RetryAdapter

__all__ = [
    "ATTEMPTS",
    "AsyncRetryTransport",
    "Attempt",
    "ClientError",
    "GiveUp",
    "HTTPStatusError",
    "InsecureRedirect",
    "POLICY",
    "RecordedWaits",
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


def attempts_of(thing: Any) -> list[Attempt]:
    """The attempt history of a response (httpx or requests) or of any exception
    that came out of a statuskit adapter; [] when there is none."""
    found = getattr(thing, ATTEMPTS, None)
    if found is None:
        extensions = getattr(thing, "extensions", None) or {}
        found = extensions.get(ATTEMPTS) if isinstance(extensions, dict) else None
    return list(found or [])


def raise_for_status(response: Any) -> Any:
    """Raise the class of the response's code when it is 4xx or 5xx; else return it.

    Works on httpx and requests responses alike, streamed ones included (the
    problem details are read, at most 64 KiB)."""
    status: int = response.status_code
    if status < 400:
        return response
    # The same reading of Retry-After as the policy's: an HTTP-date against the
    # response's own Date (RFC 9110 §10.2.3), not this machine's clock.
    retry_after = retry_after_of(response.headers)
    raise error_class(status)(response, retry_after=retry_after, attempts=attempts_of(response))


def __getattr__(name: str) -> Any:
    # The requests adapter imports requests, so it loads only when asked for.
    if name == "RetryAdapter":
        from statuskit.client._requests import RetryAdapter

        return RetryAdapter
    raise AttributeError(name)
