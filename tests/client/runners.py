"""One way to drive each adapter (httpx sync, httpx async, requests), so a test
states a failure once and proves every adapter survives it."""

from __future__ import annotations

import asyncio
import ssl
from typing import Any

import httpx
import requests

from statuskit.client import AsyncRetryTransport, RecordedWaits, RetryAdapter, RetryTransport

ADAPTERS = ["httpx", "httpx-async", "requests"]


class Runner:
    name = ""

    def __init__(self, base: str, waits: RecordedWaits) -> None:
        self.base = base
        self.waits = waits

    def send(self, method: str, path: str, *, body: Any = None, headers: Any = None,
             follow: bool = False, read_timeout: float | None = None) -> Any:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError


def _httpx_timeout(read_timeout: float | None) -> httpx.Timeout:
    # A pool wait that would hang on a leaked connection fails in seconds instead.
    return httpx.Timeout(10.0, pool=3.0, read=read_timeout or 10.0)


class HttpxRunner(Runner):
    name = "httpx"

    def __init__(self, base: str, waits: RecordedWaits, **options: Any) -> None:
        super().__init__(base, waits)
        self.client = httpx.Client(base_url=base,
                                   transport=RetryTransport(sleep=waits.sleep, **options))

    def send(self, method: str, path: str, *, body: Any = None, headers: Any = None,
             follow: bool = False, read_timeout: float | None = None) -> httpx.Response:
        return self.client.request(method, path, content=body, headers=headers,
                                   follow_redirects=follow,
                                   timeout=_httpx_timeout(read_timeout))

    def close(self) -> None:
        self.client.close()


class AsyncRunner(Runner):
    name = "httpx-async"

    def __init__(self, base: str, waits: RecordedWaits, **options: Any) -> None:
        super().__init__(base, waits)
        self.loop = asyncio.new_event_loop()
        transport = AsyncRetryTransport(sleep=waits.async_sleep, **options)
        self.client = httpx.AsyncClient(base_url=base, transport=transport)

    def send(self, method: str, path: str, *, body: Any = None, headers: Any = None,
             follow: bool = False, read_timeout: float | None = None) -> httpx.Response:
        return self.loop.run_until_complete(self.client.request(
            method, path, content=body, headers=headers, follow_redirects=follow,
            timeout=_httpx_timeout(read_timeout)))

    def close(self) -> None:
        self.loop.run_until_complete(self.client.aclose())
        self.loop.close()


class RequestsRunner(Runner):
    name = "requests"

    def __init__(self, base: str, waits: RecordedWaits, **options: Any) -> None:
        super().__init__(base, waits)
        self.session = requests.Session()
        limits = options.pop("limits", None)
        if limits is not None:
            options["pool_maxsize"] = limits.max_connections
        self.verify = options.pop("verify", True)
        adapter = RetryAdapter(sleep=waits.sleep, **options)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)

    def send(self, method: str, path: str, *, body: Any = None, headers: Any = None,
             follow: bool = False, read_timeout: float | None = None) -> requests.Response:
        url = path if "://" in path else self.base + path
        return self.session.request(method, url, data=body, headers=headers,
                                    allow_redirects=follow, timeout=(10, read_timeout or 10),
                                    verify=self.verify)

    def close(self) -> None:
        self.session.close()


def runner(name: str, base: str, waits: RecordedWaits | None = None, **options: Any) -> Runner:
    verify = options.get("verify")
    if name != "requests" and isinstance(verify, str):
        options["verify"] = ssl.create_default_context(cafile=verify)
    kind = {"httpx": HttpxRunner, "httpx-async": AsyncRunner, "requests": RequestsRunner}[name]
    return kind(base, waits or RecordedWaits(), **options)
