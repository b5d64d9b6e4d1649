"""Retry budgets: failures spend tokens, successes earn them back.

When a server fails everything, a client that retries three times triples its
load. The budget caps that the way gRPC's retry throttling does (gRFC A6):
every failed attempt, first tries included, takes one token; every success gives
``token_ratio`` back; retries are made only while more than half the tokens are
left. Ten tokens and a ratio of 0.1 (gRPC's example) let a fresh origin's first
request make all its attempts and then make a failing origin fail fast within a
few requests, where the AWS SDKs' 500-token bucket is sized for fleets.

Each transport or adapter keeps one budget per origin of its own (``OwnBudgets``:
at most ``MAX_ORIGINS`` of them); one budget given to several of them (or
``budget_for(origin)``) is shared on purpose.
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from collections.abc import Hashable

__all__ = ["DEFAULT_TOKENS", "DEFAULT_TOKEN_RATIO", "MAX_ORIGINS", "OwnBudgets", "RetryBudget",
           "budget_for", "reset_budgets"]

DEFAULT_TOKENS = 10
DEFAULT_TOKEN_RATIO = 0.1

# The most origins one transport or adapter keeps a budget for. A crawler meets
# most origins once: past this, the budget used longest ago is forgotten (the
# origin starts afresh if it comes back), so memory stays bounded.
MAX_ORIGINS = 512

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
        self._book: OwnBudgets | None = None  # the transport's budgets this is one of

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
        if self._book is not None:
            self._book.spent()  # after the token is gone: see OwnBudgets.refilled

    def record_success(self) -> None:
        if self._unlimited or self._milli >= self._limit:
            return  # full (the usual case): nothing to take the lock for
        with self._lock:
            self._milli = min(self._limit, self._milli + self._gain)
            if 2 * self._milli > self._limit:
                self._announced = False
            refilled = self._milli >= self._limit
        if refilled and self._book is not None:
            self._book.refilled()

    @property
    def full(self) -> bool:
        return self._unlimited or self._milli >= self._limit

    def first_refusal(self) -> bool:
        """True once per exhaustion, so it is logged once, not per request."""
        with self._lock:
            first, self._announced = not self._announced, True
            return first

    def __repr__(self) -> str:
        return f"RetryBudget(tokens={self.tokens:g} of {self.max_tokens:g})"


class OwnBudgets:
    """One transport's or adapter's budgets, one per origin, each with room for a
    request's every attempt on a fresh origin however many the policy asks for.

    At most ``limit`` origins are kept, the least recently used forgotten first. A
    full budget is the same as none, so a success needs a budget only where one
    is short of full, and none at all while ``all_full`` (the usual case: a
    success then costs no lookup)."""

    def __init__(self, max_attempts: int, limit: int = MAX_ORIGINS) -> None:
        self._tokens = max(DEFAULT_TOKENS, 2 * max_attempts)
        self._limit = limit
        self._by_origin: OrderedDict[Hashable, RetryBudget] = OrderedDict()
        self._lock = threading.Lock()
        self.all_full = True

    def __len__(self) -> int:
        return len(self._by_origin)

    def of(self, origin: Hashable) -> RetryBudget:
        """The origin's budget, a fresh one when it has none."""
        with self._lock:
            budget = self._by_origin.get(origin)
            if budget is None:
                budget = RetryBudget(max_tokens=self._tokens)
                budget._book = self
                self._by_origin[origin] = budget
                if len(self._by_origin) > self._limit:
                    self._by_origin.popitem(last=False)
            else:
                self._by_origin.move_to_end(origin)
            return budget

    def record_success(self, origin: Hashable) -> None:
        if self.all_full:
            return
        budget = self._by_origin.get(origin)  # none: as good as full
        if budget is not None:
            budget.record_success()

    def spent(self) -> None:
        with self._lock:
            self.all_full = False

    def refilled(self) -> None:
        # Under the lock a budget's spent() also takes, and after it took its token:
        # a token taken meanwhile either shows here or clears all_full after.
        with self._lock:
            self.all_full = all(budget.full for budget in self._by_origin.values())


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
