"""A requests ``HTTPAdapter`` that acts on status codes the way the table says.

``session.mount("https://", RetryAdapter())``. urllib3's own retries are off:
one policy decides, the same one the httpx transport uses.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

import requests
from requests.adapters import HTTPAdapter

from statuskit.client._budget import RetryBudget, budget_for
from statuskit.client._core import Exchange, RetryEvent, check_redirect, origin_of
from statuskit.client._policy import RetryPolicy

__all__ = ["RetryAdapter"]


class RetryAdapter(HTTPAdapter):
    """Each response carries its history as ``response.statuskit_attempts``."""

    def __init__(self, policy: RetryPolicy | None = None, *, budget: RetryBudget | None = None,
                 sleep: Callable[[float], None] = time.sleep,
                 on_retry: Callable[[RetryEvent], None] | None = None,
                 allow_insecure_redirects: bool = False, **kwargs: Any) -> None:
        super().__init__(max_retries=0, **kwargs)
        self.policy = policy or RetryPolicy()
        self.budget = budget
        self.sleep = sleep
        self.on_retry = on_retry
        self.allow_insecure_redirects = allow_insecure_redirects

    def send(self, request: requests.PreparedRequest, *args: Any,
             **kwargs: Any) -> requests.Response:
        method = request.method or "GET"
        url = request.url or ""
        replayable = request.body is None or isinstance(request.body, bytes | str)
        headers: Mapping[str, str] = request.headers
        budget = self.budget or budget_for(origin_of(url))
        exchange = Exchange(self.policy, budget, method, url, headers, replayable,
                            self.on_retry)
        while True:
            try:
                response = super().send(request, *args, **kwargs)
            except requests.ConnectionError as error:
                sent = not isinstance(error, requests.ConnectTimeout) and \
                    "NewConnectionError" not in repr(error)
                retry = exchange.after_error(error, sent=sent,
                                             timeout=isinstance(error, requests.Timeout))
                if retry is None:
                    raise
                self.sleep(retry.after)
                continue
            check_redirect(url, response.status_code, response.headers.get("location"),
                           self.allow_insecure_redirects)
            step = exchange.after_response(response.status_code, response.headers, response)
            if step is None:
                response.statuskit_attempts = exchange.attempts  # type: ignore[attr-defined]
                return response
            response.close()
            self.sleep(step.after)
