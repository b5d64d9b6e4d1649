"""``RetryPolicy``: whether and when to repeat a request, as a pure decision.

The inputs are the request's method and fields, what came back (a status and
its fields, or a transport error), how many attempts were made and how long it
has taken. No clock is read and nothing sleeps here; adapters do that.
"""

from __future__ import annotations

import email.utils
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Literal

from statuskit.codes import Guidance, RetryRule, UnknownCode, lookup, retry_rule
from statuskit.http import IDEMPOTENT_METHODS, parse_http_date, parse_retry_after

__all__ = ["GiveUp", "Retry", "RetryPolicy", "retry_after_of"]

HARD_MAX_ATTEMPTS = 5
_THROTTLED = frozenset({429, 503})
# Zones that name UTC in dates some servers send instead of IMF-fixdate's "GMT".
_UTC_ZONES = frozenset({"UTC", "UT", "GMT", "Z", "+0000", "-0000"})


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


def _timestamp(value: str) -> float | None:
    """POSIX seconds of an HTTP-date; also the "UTC"-zoned dates urllib3 accepts."""
    strict = parse_http_date(value)
    if strict is not None:
        return strict.timestamp()
    # RFC 9110 §5.6.7 asks for IMF-fixdate, but a recipient is lenient where the
    # meaning is plain: "Mon, 3 Jun 2019 12:00:00 UTC" names one instant.
    if value.strip().rsplit(" ", 1)[-1].upper() not in _UTC_ZONES:
        return None
    parsed = email.utils.parsedate_tz(value)
    if parsed is None:
        return None
    try:
        return float(email.utils.mktime_tz(parsed))
    except (ValueError, OverflowError):
        return None  # a year past 9999: no HTTP-date (§5.6.7, 4DIGIT), so invalid


def retry_after_of(headers: Mapping[str, str] | None, now: float | None = None) -> float | None:
    """Seconds the response's Retry-After asks for, or None when absent or invalid."""
    value = _header(headers, "retry-after")
    if value is None:
        return None
    # RFC 9110 §10.2.3: an HTTP-date is relative to the response's own Date, so a
    # server whose clock is skewed still gets the wait it meant.
    date = _header(headers, "date")
    reference = _timestamp(date) if date else None
    if reference is None:
        reference = now
    # A delay-seconds too large to hold saturates to 2^31 s there (RFC 9111 §1.2.2).
    seconds = parse_retry_after(value, now=reference)
    if seconds is not None:
        return seconds
    when = _timestamp(value)
    if when is None:
        return None
    return max(0.0, when - (reference if reference is not None else time.time()))


@dataclass(frozen=True)
class RetryPolicy:
    """What the status table tells a client to do, with safety limits.

    ``retry_statuses`` defaults to the catalogue's retryable codes (the ONE
    definition, ``statuskit.codes.retry_rule``); a set given here replaces it, and
    a code the catalogue repeats only with Retry-After (413) still needs one.
    ``guidance="rfc"`` (default) follows RFC 9110 where the seed table differs
    (503 is temporary); ``guidance="seed"`` follows the seed literally (503: do
    not repeat unchanged).
    """

    max_attempts: int = 3  # attempts in all, the first included
    deadline: float = 30.0  # seconds from the first attempt; no wait may end past it
    base: float = 0.5  # backoff base
    throttled_base: float = 1.0  # backoff base after 429 or 503
    cap: float = 20.0  # longest backoff
    max_retry_after: float = 60.0  # the longest Retry-After honoured
    long_retry_after: Literal["raise", "cap"] = "raise"  # past max_retry_after: raise, or wait it
    retry_statuses: frozenset[int] | None = None  # None: the catalogue's retryable codes
    allowed_methods: frozenset[str] = IDEMPOTENT_METHODS  # repeated without Idempotency-Key
    guidance: Literal["rfc", "seed"] = "rfc"
    random: Callable[[], float] = field(default=random.random, compare=False, repr=False)

    def __post_init__(self) -> None:
        if not 1 <= self.max_attempts <= HARD_MAX_ATTEMPTS:
            raise ValueError(f"max_attempts is 1 to {HARD_MAX_ATTEMPTS}")
        if self.guidance not in ("rfc", "seed"):
            raise ValueError("guidance is 'rfc' or 'seed'")
        if self.long_retry_after not in ("raise", "cap"):
            raise ValueError("long_retry_after is 'raise' or 'cap'")
        object.__setattr__(self, "allowed_methods",
                           frozenset(m.upper() for m in self.allowed_methods))

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
            if sent and not self.may_repeat(method, request_headers):
                return GiveUp(f"{method} is not idempotent and may have been received")
            return self._after_backoff(attempt, elapsed, self.base, None)
        if status is None:
            return GiveUp("nothing to judge")
        retry_after = retry_after_of(headers, now)
        if not self._status_retryable(status, retry_after is not None):
            return GiveUp(f"{status} is not repeated ({self.guidance} guidance)")
        if not self.may_repeat(method, request_headers):
            return GiveUp(f"{method} is not idempotent; send Idempotency-Key to retry it")
        if retry_after is not None and retry_after > self.max_retry_after:
            if self.long_retry_after == "raise":
                return GiveUp(f"Retry-After {retry_after:g} s is past the "
                              f"{self.max_retry_after:g} s limit", retry_after)
            retry_after = self.max_retry_after
        base = self.throttled_base if status in _THROTTLED else self.base
        return self._after_backoff(attempt, elapsed, base, retry_after)

    # -- the questions ------------------------------------------------------------------

    def may_repeat(self, method: str, request_headers: Mapping[str, str] | None) -> bool:
        # RFC 9110 §9.2.2: idempotent methods may be repeated; an Idempotency-Key
        # makes any request so.
        return (method.upper() in self.allowed_methods
                or _header(request_headers, "idempotency-key") is not None)

    def _status_retryable(self, status: int, has_retry_after: bool) -> bool:
        rule = retry_rule(status)
        if self.retry_statuses is not None:
            listed = status in self.retry_statuses
        else:
            listed = rule is not RetryRule.NO
        if not listed:
            return False
        if rule is RetryRule.IF_RETRY_AFTER and not has_retry_after:
            # RFC 9110 §15.5.14: only a Retry-After says a 413 is temporary.
            return False
        return self.guidance == "rfc" or self._seed_says_later(status)

    @staticmethod
    def _seed_says_later(status: int) -> bool:
        try:
            record = lookup(status)
        except UnknownCode:
            return True
        said = record.seed_guidance or record.guidance
        return said in (Guidance.LATER, Guidance.AFTER_RETRY_AFTER)

    def _after_backoff(self, attempt: int, elapsed: float, base: float,
                       retry_after: float | None) -> Decision:
        # Capped exponential backoff with full jitter: clients that failed together
        # spread out instead of returning together.
        backoff = self.random() * min(self.cap, base * 2 ** (attempt - 1))
        left = self.deadline - elapsed
        if retry_after is None:
            if backoff > left:
                return GiveUp(f"waiting {backoff:.2f} s would pass the {self.deadline:g} s "
                              "deadline")
            return Retry(backoff)
        if retry_after > left:
            return GiveUp(f"Retry-After {retry_after:g} s ends past the deadline", retry_after)
        # Never earlier than asked; a little jitter so a herd told the same Retry-After
        # does not come back in one instant, but jitter never costs the retry: the
        # server's value decides, the wait is trimmed to the deadline.
        jitter = self.random() * min(1.0, 0.1 * retry_after + 0.1)
        return Retry(min(max(retry_after, backoff) + jitter, left), retry_after)
