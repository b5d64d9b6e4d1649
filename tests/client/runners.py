"""One way to drive each adapter (httpx sync, httpx async, requests, and httpx2's
two), so a test states a failure once and proves every adapter survives it."""

from __future__ import annotations

import asyncio
import ssl
from typing import Any

import httpx
import httpx2
import requests

import statuskit.client.httpx2 as on_httpx2
from statuskit.client import AsyncRetryTransport, RecordedWaits, RetryAdapter, RetryTransport

ADAPTERS = ["httpx", "httpx-async", "requests"]
# httpx2 is httpx under a new name: the tests that are about the engine's own
# behaviour run on it too.
WITH_HTTPX2 = [*ADAPTERS, "httpx2", "httpx2-async"]


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


def _httpx_timeout(read_timeout: float | None) -> Any:
    # A pool wait that would hang on a leaked connection fails in seconds instead.
    # (connect, read, write, pool): a tuple both httpx and httpx2 take.
    return (10.0, read_timeout or 10.0, 10.0, 3.0)


class HttpxRunner(Runner):
    name = "httpx"
    library: Any = httpx
    transport: Any = RetryTransport

    def __init__(self, base: str, waits: RecordedWaits, **options: Any) -> None:
        super().__init__(base, waits)
        self.client = self.library.Client(
            base_url=base, transport=self.transport(sleep=waits.sleep, **options))

    def send(self, method: str, path: str, *, body: Any = None, headers: Any = None,
             follow: bool = False, read_timeout: float | None = None) -> Any:
        return self.client.request(method, path, content=body, headers=headers,
                                   follow_redirects=follow,
                                   timeout=_httpx_timeout(read_timeout))

    def close(self) -> None:
        self.client.close()


class AsyncRunner(Runner):
    name = "httpx-async"
    library: Any = httpx
    transport: Any = AsyncRetryTransport

    def __init__(self, base: str, waits: RecordedWaits, **options: Any) -> None:
        super().__init__(base, waits)
        self.loop = asyncio.new_event_loop()
        transport = self.transport(sleep=waits.async_sleep, **options)
        self.client = self.library.AsyncClient(base_url=base, transport=transport)

    def send(self, method: str, path: str, *, body: Any = None, headers: Any = None,
             follow: bool = False, read_timeout: float | None = None) -> Any:
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


class Httpx2Runner(HttpxRunner):
    name = "httpx2"
    library = httpx2
    transport = on_httpx2.RetryTransport


class AsyncHttpx2Runner(AsyncRunner):
    name = "httpx2-async"
    library = httpx2
    transport = on_httpx2.AsyncRetryTransport


RUNNERS: dict[str, type[Runner]] = {
    "httpx": HttpxRunner, "httpx-async": AsyncRunner, "requests": RequestsRunner,
    "httpx2": Httpx2Runner, "httpx2-async": AsyncHttpx2Runner}


def runner(name: str, base: str, waits: RecordedWaits | None = None, **options: Any) -> Runner:
    verify = options.get("verify")
    if name != "requests" and isinstance(verify, str):
        options["verify"] = ssl.create_default_context(cafile=verify)
    if name.startswith("httpx2") and isinstance(options.get("limits"), httpx.Limits):
        limits = options["limits"]
        options["limits"] = httpx2.Limits(max_connections=limits.max_connections,
                                          max_keepalive_connections=limits.max_keepalive_connections)
    return RUNNERS[name](base, waits or RecordedWaits(), **options)
