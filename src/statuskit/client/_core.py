"""What the adapters share: one exchange's attempts, the budget, the hook, the log."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

from statuskit.client._budget import RetryBudget
from statuskit.client._errors import InsecureRedirect, RetryAfterTooLong
from statuskit.client._policy import Decision, GiveUp, Retry, RetryPolicy

__all__ = ["Attempt", "Exchange", "RecordedWaits", "RetryEvent"]

logger = logging.getLogger("statuskit.client")

_TIMEOUT_STATUSES = frozenset({408, 504})


@dataclass(frozen=True, slots=True)
class Attempt:
    """One try: what came back and what was decided about it."""

    number: int
    status: int | None
    error: str | None
    decision: str  # "retry after 1.23 s", "done", or why the client gave up
    wait: float | None = None


@dataclass(frozen=True, slots=True)
class RetryEvent:
    """Handed to ``on_retry`` before each wait."""

    method: str
    url: str
    attempt: int
    status: int | None
    error: BaseException | None
    wait: float
    retry_after: float | None


@dataclass
class RecordedWaits:
    """The testing switch: hand ``sleep`` / ``async_sleep`` to an adapter and no real
    time passes; ``waits`` lists the seconds that would have been slept."""

    waits: list[float] = field(default_factory=list)

    def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)

    async def async_sleep(self, seconds: float) -> None:
        self.waits.append(seconds)


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return f"{parts.scheme}://{parts.hostname}:{port}"


class Exchange:
    """The attempts of one request through an adapter."""

    def __init__(self, policy: RetryPolicy, budget: RetryBudget, method: str, url: Any,
                 request_headers: Mapping[str, str], replayable: bool,
                 on_retry: Callable[[RetryEvent], None] | None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.policy = policy
        self.budget = budget
        self.method = method
        self._url = url  # str() only when a retry is logged: most exchanges never need it
        self.request_headers = request_headers
        self.replayable = replayable
        self.on_retry = on_retry
        self.clock = clock
        self.started = clock()
        self.attempts: list[Attempt] = []

    @property
    def url(self) -> str:
        return str(self._url)

    @property
    def number(self) -> int:
        return len(self.attempts) + 1

    def after_response(self, status: int, headers: Mapping[str, str],
                       response: Any) -> Retry | None:
        """Retry(wait) to go again, None to hand the response back. Raises
        RetryAfterTooLong when the server asks for more patience than allowed."""
        number = self.number
        if status < 400:
            # Success or redirect: nothing to decide. A first-try success refills
            # the origin's budget.
            if number == 1:
                self.budget.credit()
            self.attempts.append(Attempt(number, status, None, "done"))
            return None
        decision = self.policy.decide(
            method=self.method, attempt=number, elapsed=self.clock() - self.started,
            status=status, headers=headers, request_headers=self.request_headers)
        if isinstance(decision, GiveUp) and decision.retry_after is not None:
            self._record(number, status, None, decision.reason)
            raise RetryAfterTooLong(decision.retry_after, response, decision.reason)
        return self._settle(decision, number, status, None,
                            after_timeout=status in _TIMEOUT_STATUSES)

    def after_error(self, error: BaseException, *, sent: bool, timeout: bool) -> Retry | None:
        number = self.number
        decision = self.policy.decide(
            method=self.method, attempt=number, elapsed=self.clock() - self.started,
            error=error, sent=sent, request_headers=self.request_headers)
        return self._settle(decision, number, None, error, after_timeout=timeout)

    def _settle(self, decision: Decision, number: int, status: int | None,
                error: BaseException | None, *, after_timeout: bool) -> Retry | None:
        error_text = f"{type(error).__name__}: {error}" if error is not None else None
        if isinstance(decision, GiveUp):
            done = status is not None and status < 400
            self._record(number, status, error_text, "done" if done else decision.reason)
            return None
        if not self.replayable:
            self._record(number, status, error_text, "the request body cannot be sent again")
            return None
        if not self.budget.try_spend(after_timeout=after_timeout):
            # Fail fast: a spent budget means the origin is failing for everyone.
            self._record(number, status, error_text, "retry budget exhausted")
            if self.budget.first_refusal():
                logger.warning("retry budget for %s exhausted: failing fast until "
                               "successes refill it", origin_of(self.url))
            return None
        self._record(number, status, error_text, f"retry after {decision.after:.2f} s",
                     decision.after)
        logger.info("retrying %s %s after %.2f s (attempt %d got %s)", self.method, self.url,
                    decision.after, number, status if status is not None else error_text,
                    extra={"statuskit_attempt": number, "statuskit_wait": decision.after,
                           "statuskit_status": status})
        if self.on_retry is not None:
            self.on_retry(RetryEvent(self.method, self.url, number, status, error,
                                     decision.after, decision.retry_after))
        return decision

    def _record(self, number: int, status: int | None, error: str | None, decision: str,
                wait: float | None = None) -> None:
        self.attempts.append(Attempt(number, status, error, decision, wait))


def check_redirect(url: str, status: int, location: str | None, allow_insecure: bool) -> None:
    """Refuse a redirect from https to http unless allowed."""
    if allow_insecure or location is None or status not in (301, 302, 303, 307, 308):
        return
    if urlsplit(url).scheme == "https" and urlsplit(urljoin(url, location)).scheme == "http":
        raise InsecureRedirect(f"{status} from {url} to {location} would leave https")
