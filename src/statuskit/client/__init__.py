"""A client that acts on each status code the way the table says: whether to
repeat, when, and how often, without ever joining a retry storm.

    client = httpx.Client(transport=RetryTransport())
    response = client.get(url)
    raise_for_status(response)          # NotFound, TooManyRequests, ServerTimeout, ...
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from statuskit.client._budget import RetryBudget, budget_for, reset_budgets
from statuskit.client._core import Attempt, RecordedWaits, RetryEvent
from statuskit.client._errors import (
    ClientError,
    HTTPStatusError,
    InsecureRedirect,
    Retryable,
    RetryAfterTooLong,
    RetryBudgetExhausted,
    ServerError,
    StatuskitClientError,
)
from statuskit.client._httpx import ATTEMPTS, AsyncRetryTransport, RetryTransport
from statuskit.client._policy import GiveUp, Retry, RetryPolicy
from statuskit.client._typed import *  # noqa: F403 - one class per error code
from statuskit.client._typed import BY_STATUS
from statuskit.client._typed import __all__ as _typed_names
from statuskit.http import parse_retry_after

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
    "RecordedWaits",
    "Retry",
    "RetryAdapter",
    "RetryAfterTooLong",
    "RetryBudget",
    "RetryBudgetExhausted",
    "RetryEvent",
    "RetryPolicy",
    "RetryTransport",
    "Retryable",
    "ServerError",
    "StatuskitClientError",
    "budget_for",
    "error_class",
    "raise_for_status",
    "reset_budgets",
    *_typed_names,
]


def error_class(status: int) -> type[HTTPStatusError]:
    """The exception class for ``status`` (a generic client/server error for codes
    the catalogue does not name)."""
    found = BY_STATUS.get(status)
    if found is not None:
        return found
    return ClientError if status < 500 else ServerError


def raise_for_status(response: Any) -> Any:
    """Raise the class of the response's code when it is 4xx or 5xx; else return it.

    Works on httpx and requests responses alike."""
    status: int = response.status_code
    if status < 400:
        return response
    attempts = getattr(response, "statuskit_attempts", None)
    if attempts is None:
        extensions = getattr(response, "extensions", None) or {}
        attempts = extensions.get(ATTEMPTS, [])
    retry_after = parse_retry_after(response.headers.get("retry-after"))
    raise error_class(status)(response, retry_after=retry_after, attempts=list(attempts))


def __getattr__(name: str) -> Any:
    # The requests adapter imports requests, so it loads only when asked for.
    if name == "RetryAdapter":
        from statuskit.client._requests import RetryAdapter

        return RetryAdapter
    raise AttributeError(name)
