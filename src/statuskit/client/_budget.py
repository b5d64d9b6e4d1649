"""Retry budgets: failures spend tokens, successes earn them back.

When a server fails everything, a client that retries three times triples its
load. The budget caps that the way gRPC's retry throttling does (gRFC A6):
every failed attempt, first tries included, takes one token; every success gives
``token_ratio`` back; retries are made only while more than half the tokens are
left. Ten tokens and a ratio of 0.1 (gRPC's example) let a fresh origin's first
request make all its attempts and then make a failing origin fail fast within a
few requests, where the AWS SDKs' 500-token bucket is sized for fleets.

Each transport or adapter keeps one budget per origin of its own; one budget
given to several of them (or ``budget_for(origin)``) is shared on purpose.
"""

from __future__ import annotations

import math
import threading

__all__ = ["DEFAULT_TOKENS", "DEFAULT_TOKEN_RATIO", "RetryBudget", "budget_for",
           "own_budget", "reset_budgets"]

DEFAULT_TOKENS = 10
DEFAULT_TOKEN_RATIO = 0.1

# Tokens are counted in thousandths, as gRPC does, so that ten successes of 0.1
# give back exactly one failure's token.
_SCALE = 1000


class RetryBudget:
    """A thread-safe token bucket. ``RetryBudget(max_tokens=math.inf)``: no budget."""

    def __init__(self, max_tokens: float = DEFAULT_TOKENS,
                 token_ratio: float = DEFAULT_TOKEN_RATIO) -> None:
        if not max_tokens > 0:
            raise ValueError(f"max_tokens is above 0, not {max_tokens!r}")
        if not 0 < token_ratio < math.inf:
            raise ValueError(f"token_ratio is above 0, not {token_ratio!r}")
        self.max_tokens = max_tokens
        self.token_ratio = token_ratio
        self._unlimited = math.isinf(max_tokens)
        self._limit = 0 if self._unlimited else round(max_tokens * _SCALE)
        self._gain = max(1, round(token_ratio * _SCALE))
        self._milli = self._limit
        self._lock = threading.Lock()
        self._announced = False  # the current exhaustion has been logged

    @property
    def tokens(self) -> float:
        return math.inf if self._unlimited else self._milli / _SCALE

    def allows_retry(self) -> bool:
        """gRFC A6: retries only while more than half the tokens are left."""
        return self._unlimited or 2 * self._milli > self._limit

    def record_failure(self) -> None:
        """A failed attempt (a code that signals trouble, or a transport error)."""
        if self._unlimited:
            return
        with self._lock:
            self._milli = max(0, self._milli - _SCALE)

    def record_success(self) -> None:
        if self._unlimited or self._milli >= self._limit:
            return  # full (the usual case): nothing to take the lock for
        with self._lock:
            self._milli = min(self._limit, self._milli + self._gain)
            if 2 * self._milli > self._limit:
                self._announced = False

    def first_refusal(self) -> bool:
        """True once per exhaustion, so it is logged once, not per request."""
        with self._lock:
            first, self._announced = not self._announced, True
            return first

    def __repr__(self) -> str:
        return f"RetryBudget(tokens={self.tokens:g} of {self.max_tokens:g})"


def own_budget(max_attempts: int) -> RetryBudget:
    """A transport's budget for one origin: room for one request's every attempt on
    a fresh origin, however many the policy asks for."""
    return RetryBudget(max_tokens=max(DEFAULT_TOKENS, 2 * max_attempts))


_BUDGETS: dict[str, RetryBudget] = {}
_REGISTRY_LOCK = threading.Lock()


def budget_for(origin: str) -> RetryBudget:
    """One origin's budget shared by everything in the process that is given it
    (``RetryTransport(budget=budget_for("https://api.example.test"))``)."""
    with _REGISTRY_LOCK:
        budget = _BUDGETS.get(origin)
        if budget is None:
            budget = _BUDGETS[origin] = RetryBudget()
        return budget


def reset_budgets() -> None:
    """Forget the shared budgets ``budget_for`` made (tests, or after a deploy)."""
    with _REGISTRY_LOCK:
        _BUDGETS.clear()
