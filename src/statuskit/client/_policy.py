"""``RetryPolicy``: whether and when to repeat a request, as a pure decision.

The inputs are the request's method and fields, what came back (a status and
its fields, or a transport error), how many attempts were made and how long it
has taken. No clock is read and nothing sleeps here; adapters do that.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Literal

from statuskit.codes import Guidance, UnknownCode, lookup
from statuskit.http import IDEMPOTENT_METHODS, parse_http_date, parse_retry_after

__all__ = ["GiveUp", "Retry", "RetryPolicy"]

HARD_MAX_ATTEMPTS = 5
_THROTTLED = frozenset({429, 503})


@dataclass(frozen=True, slots=True)
class Retry:
    """Repeat the request after ``after`` seconds."""

    after: float
    retry_after: float | None = None  # the server's Retry-After, when it gave one


@dataclass(frozen=True, slots=True)
class GiveUp:
    """Stop; ``reason`` says why. ``retry_after`` is set when the server asked for
    a wait longer than the policy allows (the adapter raises ``RetryAfterTooLong``)."""

    reason: str
    retry_after: float | None = None


Decision = Retry | GiveUp


def _header(fields: Mapping[str, str] | None, name: str) -> str | None:
    if not fields:
        return None
    for key, value in fields.items():
        if key.lower() == name:
            return value
    return None


@dataclass(frozen=True)
class RetryPolicy:
    """What the status table tells a client to do, with safety limits.

    ``guidance="rfc"`` (default) follows RFC 9110 where the seed table differs
    (503 is temporary); ``guidance="seed"`` follows the seed literally (503: do
    not repeat unchanged).
    """

    max_attempts: int = 3  # attempts in all, the first included
    deadline: float = 30.0  # seconds from the first attempt; no wait may end past it
    base: float = 0.5  # backoff base
    throttled_base: float = 1.0  # backoff base after 429 or 503
    cap: float = 20.0  # longest backoff
    max_retry_after: float = 60.0  # a longer Retry-After raises instead of waiting
    retry_statuses: frozenset[int] = frozenset({408, 413, 429, 502, 503, 504})
    retry_500: bool = False  # opt in: a 500 may be a bug that repeats
    retry_non_idempotent: bool = False  # opt in: POST/PATCH without Idempotency-Key
    guidance: Literal["rfc", "seed"] = "rfc"
    random: Callable[[], float] = field(default=random.random, compare=False, repr=False)

    def __post_init__(self) -> None:
        if not 1 <= self.max_attempts <= HARD_MAX_ATTEMPTS:
            raise ValueError(f"max_attempts is 1 to {HARD_MAX_ATTEMPTS}")
        if self.guidance not in ("rfc", "seed"):
            raise ValueError("guidance is 'rfc' or 'seed'")

    # -- the decision ---------------------------------------------------------------

    def decide(
        self,
        *,
        method: str,
        attempt: int,
        elapsed: float,
        status: int | None = None,
        headers: Mapping[str, str] | None = None,
        request_headers: Mapping[str, str] | None = None,
        error: BaseException | None = None,
        sent: bool = True,
        now: float | None = None,
    ) -> Decision:
        """After ``attempt`` attempts (1 = the first) and ``elapsed`` seconds."""
        if attempt >= self.max_attempts:
            return GiveUp(f"{attempt} attempts made")
        if error is not None:
            # A connection that failed before the request went out cannot have
            # changed anything: any method may be repeated.
            if sent and not self._may_repeat(method, request_headers):
                return GiveUp(f"{method} is not idempotent and may have been received")
            return self._after_backoff(attempt, elapsed, self.base, None)
        if status is None:
            return GiveUp("nothing to judge")
        if not self._status_retryable(status):
            return GiveUp(f"{status} is not repeated ({self.guidance} guidance)")
        if not self._may_repeat(method, request_headers):
            return GiveUp(f"{method} is not idempotent; send Idempotency-Key to retry it")
        retry_after = self._retry_after(headers, now)
        if status == 413 and retry_after is None:
            # RFC 9110 §15.5.14: only a Retry-After says the limit is temporary.
            return GiveUp("413 without Retry-After is not temporary")
        if retry_after is not None and retry_after > self.max_retry_after:
            return GiveUp(f"Retry-After {retry_after:g} s is past the {self.max_retry_after:g} s "
                          "limit", retry_after)
        base = self.throttled_base if status in _THROTTLED else self.base
        return self._after_backoff(attempt, elapsed, base, retry_after)

    # -- the questions ------------------------------------------------------------------

    def _may_repeat(self, method: str, request_headers: Mapping[str, str] | None) -> bool:
        # RFC 9110 §9.2.2: idempotent methods may be repeated; an Idempotency-Key
        # makes any request so.
        return (method.upper() in IDEMPOTENT_METHODS or self.retry_non_idempotent
                or _header(request_headers, "idempotency-key") is not None)

    def _status_retryable(self, status: int) -> bool:
        if status == 500:
            return self.retry_500
        if status not in self.retry_statuses:
            return False
        if self.guidance == "seed":
            try:
                record = lookup(status)
            except UnknownCode:
                return True
            said = record.seed_guidance or record.guidance
            return said in (Guidance.LATER, Guidance.AFTER_RETRY_AFTER)
        return True

    @staticmethod
    def _retry_after(headers: Mapping[str, str] | None, now: float | None) -> float | None:
        value = _header(headers, "retry-after")
        if value is None:
            return None
        # RFC 9110 §10.2.3: an HTTP-date is relative to the response's own Date.
        date = _header(headers, "date")
        reference = parse_http_date(date) if date else None
        return parse_retry_after(value, now=reference.timestamp() if reference else now)

    def _after_backoff(self, attempt: int, elapsed: float, base: float,
                       retry_after: float | None) -> Decision:
        # Capped exponential backoff with full jitter: clients that failed together
        # spread out instead of returning together.
        backoff = self.random() * min(self.cap, base * 2 ** (attempt - 1))
        if retry_after is None:
            wait = backoff
        else:
            # Never earlier than asked; a little jitter so a herd told the same
            # Retry-After does not come back in one instant.
            wait = max(retry_after, backoff) + self.random() * min(1.0, 0.1 * retry_after + 0.1)
        if elapsed + wait > self.deadline:
            if retry_after is not None and elapsed + retry_after > self.deadline:
                return GiveUp(f"Retry-After {retry_after:g} s ends past the deadline",
                              retry_after)
            return GiveUp(f"waiting {wait:.2f} s would pass the {self.deadline:g} s deadline")
        return Retry(wait, retry_after)
