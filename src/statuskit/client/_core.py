"""What the adapters share: one exchange's attempts, the budget, the hook, the log."""

from __future__ import annotations

import contextlib
import contextvars
import enum
import logging
import time
from collections.abc import Callable, Iterator, Mapping, MutableMapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple, overload
from urllib.parse import unquote, urljoin, urlsplit

from statuskit.client._budget import RetryBudget
from statuskit.client._policy import GiveUp, Retry, RetryPolicy

__all__ = ["ATTEMPTS", "Attempt", "Exchange", "FirstTry", "Observers", "RecordedWaits",
           "RetryEvent", "using_policy"]

logger = logging.getLogger("statuskit.client")

# The attribute (requests responses, every exception) and the httpx response
# extension holding the attempt history.
ATTEMPTS = "statuskit_attempts"

# A retried response's body is read so its connection goes back to the pool; past
# this many bytes the connection is dropped instead (urllib3 reads it all).
DRAIN_LIMIT = 64 * 1024

# Sent again to a different origin, these would hand a secret to a stranger.
REMOVE_ON_REDIRECT = frozenset({"authorization", "proxy-authorization"})

REDIRECTS = frozenset({301, 302, 303, 307, 308})
DONE = "done"  # the decision recorded for an answer handed back

_POLICY: contextvars.ContextVar[RetryPolicy | None] = contextvars.ContextVar(
    "statuskit_policy", default=None)


@contextlib.contextmanager
def using_policy(policy: RetryPolicy) -> Iterator[RetryPolicy]:
    """Requests sent inside the block, by any statuskit adapter, follow ``policy``
    instead of their adapter's (one call treated differently by a shared client)."""
    token = _POLICY.set(policy)
    try:
        yield policy
    finally:
        _POLICY.reset(token)


# The policy ``using_policy`` set for this context, or None (the ContextVar's own
# get: it is asked once per request).
scoped_policy: Callable[[], RetryPolicy | None] = _POLICY.get


class Failure(enum.Enum):
    """What a transport error says about the request."""

    PERMANENT = "permanent"  # repeating cannot help: bad scheme, failed certificate
    NOT_SENT = "not sent"  # the connection failed before the request went out
    MAYBE_SENT = "maybe sent"  # the server may have received and acted on it


class Attempt(NamedTuple):
    """One try: where it went, what came back and what was decided about it. (A
    named tuple: one is built per request, and a frozen dataclass costs more.)"""

    number: int
    status: int | None
    error: str | None
    decision: str  # "retry after 1.23 s", "done", "redirect", or why the client gave up
    wait: float | None = None
    url: str = ""
    method: str = ""
    elapsed: float = 0.0  # seconds from the exchange's start to this outcome


class FirstTry(Sequence[Attempt]):
    """The history of a request whose first try succeeded, as the response's
    ``extensions[ATTEMPTS]``: a read-only sequence of its one Attempt, built (its
    URL string above all) only when read. Most histories are never read, and
    ``str(request.url)`` was the dearest part of a first try's own work.

    It also keeps what an exchange needs if the body breaks later (the policy,
    when the try began, whether the request can be sent again): that exchange
    appends to the same list, so resumptions show here too."""

    __slots__ = ("_attempts", "elapsed", "policy", "replayable", "request", "started", "status")

    # No __init__: the engine makes one per request as ``FirstTry()`` and these
    # fields (``SyncEngine.handle``): no __init__ frame.
    request: Any
    status: int
    elapsed: float  # seconds from the try's start to its answer
    policy: RetryPolicy  # what an exchange made at a break goes on with
    started: float
    replayable: bool
    _attempts: list[Attempt]  # set at the first read

    def attempts(self) -> list[Attempt]:
        """The list itself, built at the first read (an exchange made at a break
        goes on appending to it)."""
        try:
            return self._attempts
        except AttributeError:
            request = self.request
            attempts = self._attempts = [Attempt(1, self.status, None, DONE, None,
                                                 str(request.url), request.method,
                                                 self.elapsed)]
            return attempts

    @overload
    def __getitem__(self, index: int) -> Attempt: ...
    @overload
    def __getitem__(self, index: slice) -> list[Attempt]: ...
    def __getitem__(self, index: int | slice) -> Attempt | list[Attempt]:
        return self.attempts()[index]

    def __len__(self) -> int:
        return len(self.attempts())

    def __iter__(self) -> Iterator[Attempt]:
        return iter(self.attempts())

    def __eq__(self, other: object) -> bool:
        # Equal to a list of the same attempts, as the history of a retried request is.
        if isinstance(other, FirstTry):
            other = other.attempts()
        return self.attempts() == other if isinstance(other, list) else NotImplemented

    __hash__ = None  # type: ignore[assignment]  # a list's equality, a list's hash

    def __repr__(self) -> str:
        return f"FirstTry({self.attempts()!r})"

    def __reduce__(self) -> tuple[type[list[Attempt]], tuple[list[Attempt]]]:
        # Pickled or copied, it is the list it stands for, without the request.
        return list, (self.attempts(),)


@dataclass(frozen=True, slots=True)
class Observers:
    """The caller's hooks: ``on_retry`` before each wait, ``on_attempt`` after each
    attempt is judged (the last one included), for logging and metrics."""

    on_retry: Callable[[RetryEvent], None] | None = None
    on_attempt: Callable[[Attempt], None] | None = None


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


@dataclass(frozen=True, slots=True)
class TooLong:
    """The server asked for more patience than the policy gives: raise."""

    retry_after: float
    reason: str


@dataclass
class Redirects:
    """How an adapter treats the hops of a redirect it is asked to follow."""

    allow_insecure: bool = False
    remove_headers: frozenset[str] = REMOVE_ON_REDIRECT

    def __post_init__(self) -> None:
        self.remove_headers = frozenset(h.lower() for h in self.remove_headers)


class Exchange:
    """The attempts of one request through an adapter, across its redirect hops:
    the attempt cap, the deadline and the history do not restart on a hop."""

    # One is made per request: slots make that, and each read of them, cheaper.
    __slots__ = ("_url", "attempts", "budget", "clock", "method", "next_url", "observers",
                 "policy", "replayable", "request_headers", "retries", "started")

    def __init__(self, policy: RetryPolicy, budget: RetryBudget, method: str, url: Any,
                 request_headers: Mapping[str, str], replayable: bool,
                 observers: Observers, clock: Callable[[], float] = time.monotonic, *,
                 started: float | None = None, attempts: list[Attempt] | None = None) -> None:
        self.policy = policy
        self.budget = budget
        self.method = method
        self._url = url  # str() only when needed: most exchanges never need it
        self.request_headers = request_headers
        self.replayable = replayable
        self.observers = observers
        self.clock = clock
        # An exchange may begin after its first attempt (a body that breaks): from
        # when that attempt began, with its record.
        self.started = clock() if started is None else started
        self.attempts: list[Attempt] = [] if attempts is None else attempts
        self.retries = 0
        self.next_url: str | None = None  # the Location of a redirect handed back

    @property
    def url(self) -> str:
        return str(self._url)

    # -- redirects ---------------------------------------------------------------------

    def continues(self, url: str) -> bool:
        """Whether a request for ``url`` is the hop of the redirect last handed back."""
        return self.next_url is not None and _same_target(self.next_url, url)

    def follow(self, url: str, method: str, headers: MutableMapping[str, str],
               redirects: Redirects) -> str | None:
        """Take the hop to ``url``; a reason to refuse it, or None. Fields in
        ``redirects.remove_headers`` are taken off when the origin changes."""
        previous = self.url
        self.next_url = None
        self._url, self.method, self.request_headers = url, method, headers
        if (not redirects.allow_insecure and urlsplit(previous).scheme == "https"
                and urlsplit(url).scheme == "http"):
            return f"redirect from {previous} to {url} would leave https"
        if origin_of(previous) != origin_of(url):
            for name in [k for k in headers if k.lower() in redirects.remove_headers]:
                del headers[name]
        return None

    # -- outcomes ----------------------------------------------------------------------

    def after_response(self, status: int, headers: Mapping[str, str]) -> Retry | TooLong | None:
        """Retry(wait) to go again, TooLong to raise, None to hand the response back."""
        if status < 400:
            self.budget.record_success()
            self._done(status, headers)
            return None
        if self.policy.signals_trouble(status):
            self.budget.record_failure()
        decision = self.policy.decide(
            method=self.method, attempt=self.retries + 1, elapsed=self.clock() - self.started,
            status=status, headers=headers, request_headers=self.request_headers)
        if isinstance(decision, GiveUp) and decision.retry_after is not None:
            self._record(status, None, decision.reason)
            return TooLong(decision.retry_after, decision.reason)
        return self._settle(decision, status, None)

    def after_error(self, error: BaseException, failure: Failure) -> Retry | None:
        if failure is Failure.PERMANENT:
            self._record(None, _describe(error), "repeating cannot help")
            return None
        self.budget.record_failure()
        decision = self.policy.decide(
            method=self.method, attempt=self.retries + 1, elapsed=self.clock() - self.started,
            error=error, sent=failure is Failure.MAYBE_SENT,
            request_headers=self.request_headers)
        return self._settle(decision, None, error)

    def mark(self, error: BaseException) -> BaseException:
        """Put the history on an exception about to reach the caller."""
        return mark(error, self.attempts)

    def _done(self, status: int, headers: Mapping[str, str]) -> None:
        location = headers.get("location") if status in REDIRECTS else None
        if location is not None:
            self.next_url = urljoin(self.url, location)
        self._record(status, None, "redirect" if location is not None else DONE)

    def _settle(self, decision: Retry | GiveUp, status: int | None,
                error: BaseException | None) -> Retry | None:
        error_text = _describe(error) if error is not None else None
        if isinstance(decision, GiveUp):
            self._record(status, error_text, decision.reason)
            return None
        if not self.replayable:
            self._record(status, error_text, "the request body cannot be sent again")
            return None
        if not self.budget.allows_retry():
            # Fail fast: a spent budget means the origin is failing for everyone.
            self._record(status, error_text, "retry budget exhausted")
            if self.budget.first_refusal():
                logger.warning("retry budget for %s exhausted: failing fast until "
                               "successes refill it", origin_of(self.url))
            return None
        self.retries += 1
        number = len(self.attempts) + 1
        self._record(status, error_text, f"retry after {decision.after:.2f} s", decision.after)
        logger.info("retrying %s %s after %.2f s (attempt %d got %s)", self.method, self.url,
                    decision.after, number, status if status is not None else error_text,
                    extra={"statuskit_attempt": number, "statuskit_wait": decision.after,
                           "statuskit_status": status})
        on_retry = self.observers.on_retry
        if on_retry is not None:
            on_retry(RetryEvent(self.method, self.url, number, status, error,
                                decision.after, decision.retry_after))
        return decision

    def _record(self, status: int | None, error: str | None, decision: str,
                wait: float | None = None) -> None:
        attempt = Attempt(len(self.attempts) + 1, status, error, decision, wait, self.url,
                          self.method, self.clock() - self.started)
        self.attempts.append(attempt)
        on_attempt = self.observers.on_attempt
        if on_attempt is not None:
            on_attempt(attempt)


def mark(error: BaseException, attempts: list[Attempt]) -> BaseException:
    """Put the history on an exception about to reach the caller."""
    if getattr(error, ATTEMPTS, None) is None:
        setattr(error, ATTEMPTS, attempts)
        error.add_note("statuskit attempts: " + "; ".join(
            f"{a.number} {a.method} {a.url} -> {a.status or a.error}: {a.decision}"
            for a in attempts))
    return error


def _same_target(a: str, b: str) -> bool:
    # Libraries normalise a Location differently (quoting, default ports).
    first, second = urlsplit(a), urlsplit(b)
    return (origin_of(a) == origin_of(b)
            and unquote(first.path or "/") == unquote(second.path or "/")
            and unquote(first.query) == unquote(second.query))


def _describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"
