"""A retry budget per origin: retries spend tokens, first-try successes earn them.

When a server fails everything, a fleet of clients that each retry three times
triples its load. The budget caps that: once an origin's tokens are spent, its
requests are tried once and fail fast, until successes refill it.
"""

from __future__ import annotations

import threading

__all__ = ["RetryBudget", "budget_for", "reset_budgets"]


class RetryBudget:
    """A token bucket (thread-safe). Defaults: 500 tokens, a retry costs 5 (10
    after a timeout), a success on the first try gives 1 back, a retry that
    succeeds gives its cost back."""

    def __init__(self, capacity: float = 500, retry_cost: float = 5,
                 timeout_cost: float = 10, success_credit: float = 1) -> None:
        self.capacity = capacity
        self.retry_cost = retry_cost
        self.timeout_cost = timeout_cost
        self.success_credit = success_credit
        self._tokens = capacity
        self._lock = threading.Lock()
        self._announced = False  # the current exhaustion has been logged

    @property
    def tokens(self) -> float:
        return self._tokens

    def cost(self, *, after_timeout: bool = False) -> float:
        return self.timeout_cost if after_timeout else self.retry_cost

    def try_spend(self, *, after_timeout: bool = False) -> bool:
        """Take a retry's cost; False (and nothing taken) when it cannot be paid."""
        cost = self.cost(after_timeout=after_timeout)
        with self._lock:
            if self._tokens < cost:
                return False
            self._tokens -= cost
            return True

    def first_refusal(self) -> bool:
        """True once per exhaustion, so it is logged once, not per request."""
        with self._lock:
            first, self._announced = not self._announced, True
            return first

    def credit(self, amount: float | None = None) -> None:
        """A success gives tokens back: ``success_credit`` after a first try, or
        (``amount``) the cost of the retry that succeeded, as the AWS SDKs'
        standard retry mode does."""
        with self._lock:
            gain = self.success_credit if amount is None else amount
            self._tokens = min(self.capacity, self._tokens + gain)
            if self._tokens >= self.retry_cost:
                self._announced = False


_BUDGETS: dict[str, RetryBudget] = {}
_REGISTRY_LOCK = threading.Lock()


def budget_for(origin: str) -> RetryBudget:
    """The process-wide budget of one origin (``scheme://host:port``)."""
    with _REGISTRY_LOCK:
        budget = _BUDGETS.get(origin)
        if budget is None:
            budget = _BUDGETS[origin] = RetryBudget()
        return budget


def reset_budgets() -> None:
    """Forget every origin's budget (tests, or after a deploy)."""
    with _REGISTRY_LOCK:
        _BUDGETS.clear()
