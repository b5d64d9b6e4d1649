"""A requests ``HTTPAdapter`` that acts on status codes the way the table says.

``session.mount("https://", RetryAdapter())`` (and ``"http://"``: a redirect hop
is checked by the adapter that sends it). urllib3's own retries are off: one
policy decides, the same one the httpx transport uses.
"""

from __future__ import annotations

import functools
import ssl
import threading
import time
import weakref
from collections.abc import Callable, Collection, Iterator, Mapping
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from requests.utils import rewind_body
from urllib3.exceptions import NewConnectionError
from urllib3.util.retry import Retry as Urllib3Retry

from statuskit.client._budget import OwnBudgets, RetryBudget
from statuskit.client._core import (
    ATTEMPTS,
    DRAIN_LIMIT,
    REMOVE_ON_REDIRECT,
    Attempt,
    Exchange,
    Failure,
    Observers,
    Redirects,
    RetryEvent,
    TooLong,
    origin_of,
    scoped_policy,
)
from statuskit.client._errors import InsecureRedirect, RetryAfterTooLong
from statuskit.client._flavours import build
from statuskit.client._policy import RetryPolicy

__all__ = ["RetryAdapter"]


# requests follows a redirect by sending a copy of the request that shares its
# ``hooks`` dict, from the same thread, right after the 3xx: that is how a hop
# is told from a new request. Cleared on every send.
_LAST_REDIRECT = threading.local()


def _failure(error: requests.RequestException) -> Failure:
    if not isinstance(error, requests.ConnectionError | requests.Timeout) \
            or _certificate_failed(error):
        return Failure.PERMANENT  # a bad URL, scheme or header; a failed certificate
    if isinstance(error, requests.ConnectTimeout):
        return Failure.NOT_SENT
    reason = getattr(error.args[0], "reason", None) if error.args else None
    if isinstance(reason, NewConnectionError):
        return Failure.NOT_SENT  # refused or unreachable: nothing went out
    return Failure.MAYBE_SENT


def _certificate_failed(error: BaseException) -> bool:
    if not isinstance(error, requests.exceptions.SSLError):
        return False
    seen: Any = error.args[0] if error.args else None
    for _ in range(8):
        if seen is None:
            return False
        if isinstance(seen, ssl.SSLCertVerificationError):
            return True
        seen = getattr(seen, "reason", None) or seen.__cause__ or seen.__context__
    return False


def _rewinder(request: requests.PreparedRequest) -> Callable[[], None] | None:
    body = request.body
    if body is None or isinstance(body, bytes | str):
        return _nothing
    seekable = getattr(body, "seekable", None)
    if seekable is not None and seekable() and request._body_position is not None:
        # requests noted where the body started; rewind_body seeks back there.
        return lambda: rewind_body(request)
    return None


def _nothing() -> None:
    return None


def _policy_of(policy: RetryPolicy | None, max_retries: int | Urllib3Retry | None,
               ) -> RetryPolicy:
    if max_retries is None:
        return policy or RetryPolicy()
    if isinstance(max_retries, Urllib3Retry):
        if policy is not None:
            raise ValueError("give policy= or a urllib3 Retry as max_retries, not both")
        # The same conversion as RetryPolicy.from_urllib3(retry), which says what
        # carries over; urllib3's own retrying stays off.
        return RetryPolicy.from_urllib3(max_retries)
    if isinstance(max_retries, bool) or not isinstance(max_retries, int) or max_retries < 0:
        raise ValueError(f"max_retries is a number of retries (0 or more) or a urllib3 Retry, "
                         f"not {max_retries!r}")
    if policy is not None and policy.max_attempts != max_retries + 1:
        raise ValueError("max_retries disagrees with policy.max_attempts; give one of them")
    return policy or RetryPolicy(max_attempts=max_retries + 1)


class RetryAdapter(HTTPAdapter):
    """Each response carries its history as ``response.statuskit_attempts``.

    ``max_retries`` (as urllib3 counts them: retries after the first try, any
    number) sets the policy's attempts; a urllib3 ``Retry`` there is converted with
    ``RetryPolicy.from_urllib3``. Everything else is the policy's."""

    def __init__(self, policy: RetryPolicy | None = None, *, budget: RetryBudget | None = None,
                 sleep: Callable[[float], None] = time.sleep,
                 on_retry: Callable[[RetryEvent], None] | None = None,
                 on_attempt: Callable[[Attempt], None] | None = None,
                 allow_insecure_redirects: bool = False,
                 remove_headers_on_redirect: Collection[str] = REMOVE_ON_REDIRECT,
                 max_retries: int | Urllib3Retry | None = None, **kwargs: Any) -> None:
        super().__init__(max_retries=0, **kwargs)
        self.policy = _policy_of(policy, max_retries)
        self.budget = budget
        # This adapter's own budgets, one per origin: a noisy session spends its own.
        self.own_budgets = OwnBudgets(self.policy.max_attempts) if budget is None else None
        self.sleep = sleep
        self.observers = Observers(on_retry, on_attempt)
        self.redirects = Redirects(allow_insecure_redirects, frozenset(remove_headers_on_redirect))

    def send(self, request: requests.PreparedRequest, *args: Any,
             **kwargs: Any) -> requests.Response:
        exchange, rewind = self._start(request)
        while True:
            try:
                response = super().send(request, *args, **kwargs)
            except requests.RequestException as error:
                retry = exchange.after_error(error, _failure(error))
                if retry is None:
                    exchange.mark(error)
                    raise
                self._again(retry.after, rewind)
                continue
            try:
                step = exchange.after_response(response.status_code, response.headers)
                if step is None:
                    self._hand_back(exchange, request, response)
                    return response
            except BaseException:
                response.close()  # a hook raised: the response goes nowhere
                raise
            if isinstance(step, TooLong):
                raise self._too_long(exchange, response, step)
            _drain(response)
            self._again(step.after, rewind)

    @staticmethod
    def _hand_back(exchange: Exchange, request: requests.PreparedRequest,
                   response: requests.Response) -> None:
        setattr(response, ATTEMPTS, exchange.attempts)
        if exchange.next_url is not None:
            _LAST_REDIRECT.chain = (request.hooks, exchange)
        # requests reads the body after the adapter returns (``content``, or the
        # caller's iter_content with stream=True); an error there carries the
        # history too. Set on the instance (the class's method is untouched), and
        # holding the response weakly: a cycle would leave it to the cyclic collector.
        response.iter_content = functools.partial(  # type: ignore[method-assign]
            _marked_iter_content, weakref.ref(response), exchange)

    def _start(self, request: requests.PreparedRequest,
               ) -> tuple[Exchange, Callable[[], None] | None]:
        chain = getattr(_LAST_REDIRECT, "chain", None)
        _LAST_REDIRECT.chain = None
        url, method = request.url or "", request.method or "GET"
        rewind = _rewinder(request)
        if chain is not None and chain[0] is request.hooks and chain[1].continues(url):
            exchange: Exchange = chain[1]
            previous = exchange.url
            refusal = exchange.follow(url, method, request.headers, self.redirects)
            exchange.replayable = rewind is not None
            if refusal is not None:
                error = build(InsecureRedirect, "requests", request, refusal, url=previous,
                              location=url, attempts=exchange.attempts)
                raise exchange.mark(error)
            return exchange, rewind
        headers: Mapping[str, str] = request.headers
        policy = scoped_policy() or self.policy
        return Exchange(policy, self._budget_of(url), method, url, headers, rewind is not None,
                        self.observers), rewind

    def _budget_of(self, url: str) -> RetryBudget:
        if self.own_budgets is None:
            assert self.budget is not None
            return self.budget
        return self.own_budgets.of(origin_of(url))

    def _again(self, seconds: float, rewind: Callable[[], None] | None) -> None:
        self.sleep(seconds)
        if rewind is not None:
            rewind()

    @staticmethod
    def _too_long(exchange: Exchange, response: requests.Response,
                  step: TooLong) -> BaseException:
        try:
            response.content  # noqa: B018 - read: kept for the caller, connection freed
        except requests.RequestException:
            pass
        finally:
            response.close()
        setattr(response, ATTEMPTS, exchange.attempts)
        error = build(RetryAfterTooLong, "requests", response.request, step.retry_after,
                      response, step.reason, exchange.attempts)
        return exchange.mark(error)


def _marked_iter_content(response: weakref.ref[requests.Response], exchange: Exchange,
                         *args: Any, **kwargs: Any) -> Iterator[Any]:
    alive = response()
    if alive is None:
        return
    try:
        yield from type(alive).iter_content(alive, *args, **kwargs)
    except requests.RequestException as error:
        raise exchange.mark(error)  # noqa: B904 - the same error, marked


def _drain(response: requests.Response) -> None:
    """Read a retried response so its connection goes back to the pool (closing
    it would cost a new connection per retry); drop it when large or broken."""
    raw = response.raw
    try:
        data = raw.read(DRAIN_LIMIT + 1, decode_content=False)
        if len(data) <= DRAIN_LIMIT:
            raw.drain_conn()
            return
    except Exception:  # a broken body does not change the status's answer
        pass
    response.close()
