"""``RetryPolicy``: whether and when to repeat a request, as a pure decision.

The inputs are the request's method and fields, what came back (a status and
its fields, or a transport error), how many attempts were made and how long it
has taken. No clock is read and nothing sleeps here; adapters do that.
"""

from __future__ import annotations

import email.utils
import math
import random
import time
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from statuskit.codes import Guidance, RetryRule, UnknownCode, lookup, retry_rule
from statuskit.http import IDEMPOTENT_METHODS, parse_http_date, parse_retry_after

__all__ = ["GiveUp", "Retry", "RetryPolicy", "retry_after_of"]

# Past this many doublings the backoff is the cap whatever the base: 2**64 keeps the
# arithmetic in floats however many attempts a policy allows.
_MAX_DOUBLINGS = 64
_THROTTLED = frozenset({429, 503})
DEFAULT_CAP = 20.0  # the longest backoff, in seconds
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


def _check_seconds(name: str, value: object, *, finite: bool) -> None:
    # A negative wait makes time.sleep raise mid-request, and NaN compares false
    # with every limit: refused where the policy is made, not at the first retry.
    if isinstance(value, bool) or not isinstance(value, int | float) or not value >= 0 \
            or (finite and math.isinf(value)):
        kind = "a finite number of seconds" if finite else "a number of seconds (inf: none)"
        raise ValueError(f"{name} is {kind} from 0, not {value!r}")


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


def _age(headers: Mapping[str, str] | None) -> float:
    """Seconds the response spent in caches (RFC 9111 §5.1); 0 when absent or invalid."""
    value = _header(headers, "age")
    if value is None:
        return 0.0
    text = value.strip(" \t")
    # Age = delta-seconds (RFC 9111 §1.2.2): digits only, saturating at 2^31.
    if not (text.isascii() and text.isdigit()):
        return 0.0
    return parse_retry_after(text) or 0.0


def retry_after_of(headers: Mapping[str, str] | None, now: float | None = None) -> float | None:
    """Seconds the response's Retry-After asks for, or None when absent or invalid."""
    value = _header(headers, "retry-after")
    if value is None:
        return None
    # RFC 9110 §10.2.3: an HTTP-date is relative to the response's own Date, so a
    # server whose clock is skewed still gets the wait it meant. A cached response
    # (RFC 9111 §5.1) was made Age seconds before it arrived: its server's now is
    # Date + Age, and a moment that has passed since is no wait at all.
    date = _header(headers, "date")
    reference = _timestamp(date) if date else None
    if reference is None:
        reference = now
    else:
        reference += _age(headers)
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
    definition, ``statuskit.codes.retry_rule``); a collection given here replaces
    it, and a code the catalogue repeats only with Retry-After (413) still needs
    one. ``guidance="rfc"`` (default) follows RFC 9110 where the seed table differs
    (503 is temporary); ``guidance="seed"`` follows the seed literally (503: do not
    repeat unchanged). Collections are kept as frozensets, so a policy hashes.
    """

    max_attempts: int = 3  # attempts in all, the first included; more when asked
    # Seconds from the first attempt; no wait may end past it. Longer than
    # max_retry_after, so a Retry-After the policy honours can be waited.
    deadline: float = 90.0
    base: float = 0.5  # backoff base
    throttled_base: float = 1.0  # backoff base after 429 or 503
    cap: float = DEFAULT_CAP  # longest backoff
    max_retry_after: float = 60.0  # the longest Retry-After honoured
    long_retry_after: Literal["raise", "cap"] = "raise"  # past max_retry_after: raise, or wait it
    retry_statuses: Collection[int] | None = None  # None: the catalogue's retryable codes
    allowed_methods: Collection[str] = IDEMPOTENT_METHODS  # repeated without Idempotency-Key
    guidance: Literal["rfc", "seed"] = "rfc"
    random: Callable[[], float] = field(default=random.random, compare=False, repr=False)

    def __post_init__(self) -> None:
        if isinstance(self.max_attempts, bool) or not isinstance(self.max_attempts, int) \
                or self.max_attempts < 1:
            raise ValueError(f"max_attempts is a whole number from 1, not {self.max_attempts!r}")
        for name in ("base", "throttled_base", "cap"):
            _check_seconds(name, getattr(self, name), finite=True)
        for name in ("deadline", "max_retry_after"):
            _check_seconds(name, getattr(self, name), finite=False)
        if self.guidance not in ("rfc", "seed"):
            raise ValueError("guidance is 'rfc' or 'seed'")
        if self.long_retry_after not in ("raise", "cap"):
            raise ValueError("long_retry_after is 'raise' or 'cap'")
        if isinstance(self.allowed_methods, str) or isinstance(self.retry_statuses, str):
            raise ValueError("allowed_methods and retry_statuses are collections, not a string")
        object.__setattr__(self, "allowed_methods",
                           frozenset(m.upper() for m in self.allowed_methods))
        if self.retry_statuses is not None:
            object.__setattr__(self, "retry_statuses", frozenset(self.retry_statuses))

    @classmethod
    def from_urllib3(cls, retry: Any, **overrides: Any) -> RetryPolicy:
        """The policy closest to a urllib3 ``Retry``: its counts, statuses, methods
        and backoff. The time limits stay statuskit's (urllib3 has no deadline and
        sleeps a Retry-After of up to 6 h); Retry-After is always honoured."""
        from statuskit.client._urllib3 import policy_fields

        return cls(**{**policy_fields(retry), **overrides})

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

    def signals_trouble(self, status: int) -> bool:
        """Whether an answer says the origin is struggling (it counts against the
        retry budget), whatever the method and however many attempts were made:
        a code the policy repeats, except 413, whose Retry-After is about the size
        of one request."""
        return self._listed(status) and retry_rule(status) is not RetryRule.IF_RETRY_AFTER

    def may_repeat(self, method: str, request_headers: Mapping[str, str] | None) -> bool:
        # RFC 9110 §9.2.2: idempotent methods may be repeated; an Idempotency-Key
        # makes any request so.
        return (method.upper() in self.allowed_methods
                or _header(request_headers, "idempotency-key") is not None)

    def _listed(self, status: int) -> bool:
        if self.retry_statuses is not None:
            return status in self.retry_statuses
        return retry_rule(status) is not RetryRule.NO

    def _status_retryable(self, status: int, has_retry_after: bool) -> bool:
        if not self._listed(status):
            return False
        if retry_rule(status) is RetryRule.IF_RETRY_AFTER and not has_retry_after:
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
        backoff = self.random() * min(self.cap, base * 2.0 ** min(attempt - 1, _MAX_DOUBLINGS))
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
