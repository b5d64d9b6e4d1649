"""A task cancelled mid-retry, under asyncio and trio: the cancellation reaches the
caller at once, and no connection is left out of the pool (a pool of one serves
the next request). Cancelled during the wait before a retry, and during the
request for the rest of a broken body."""

from __future__ import annotations

import asyncio
import random
import threading
import time
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import httpx2
import pytest
import trio
from rawserver import Answer, Request, raw_server, response
from scripted import Script

import statuskit.client.httpx2 as on_httpx2
from statuskit.client import AsyncRetryTransport, RetryPolicy

Server = tuple[str, Script]
BODY = random.Random(3).randbytes(50_000)
RANGED = {"ETag": '"c1"', "Accept-Ranges": "bytes"}
CANCEL_AFTER = 0.3  # seconds; the server's answer takes far longer
# Backoff short enough that the resumption is under way when the cancellation comes.
QUICK = RetryPolicy(base=0.01, cap=0.02)


def client_for(library: str, base: str) -> Any:
    module: Any = httpx if library == "httpx" else httpx2
    transport_class: Any = AsyncRetryTransport if library == "httpx" \
        else on_httpx2.AsyncRetryTransport
    limits = module.Limits(max_connections=1, max_keepalive_connections=1)
    # A leaked connection: the next request waits for the pool, and fails in 3 s.
    return module.AsyncClient(base_url=base, transport=transport_class(policy=QUICK, limits=limits),
                              timeout=module.Timeout(10.0, pool=3.0))


def cancelled_then_next(loop: str, library: str, base: str, path: str,
                        ) -> tuple[bool, float, Any]:
    """GET ``path`` cancelled after CANCEL_AFTER s, then GET /fine on the same
    client: (whether the cancellation reached the caller, how long it took, the
    second response)."""
    async def go(cancel: Callable[[Awaitable[Any]], Awaitable[bool]]) -> tuple[bool, float, Any]:
        async with client_for(library, base) as client:
            started = time.monotonic()
            caught = await cancel(client.get(path))
            took = time.monotonic() - started
            fine = await client.get("/fine")
            await fine.aread()
        return caught, took, fine

    if loop == "asyncio":
        async def cancel_asyncio(call: Awaitable[Any]) -> bool:
            task = asyncio.ensure_future(call)
            await asyncio.sleep(CANCEL_AFTER)
            task.cancel()
            try:
                await task
            except asyncio.CancelledError:
                return True
            return False

        return asyncio.run(go(cancel_asyncio))

    async def cancel_trio(call: Awaitable[Any]) -> bool:
        with trio.move_on_after(CANCEL_AFTER) as scope:
            await call
        return scope.cancelled_caught

    return trio.run(go, cancel_trio)


@pytest.mark.parametrize("library", ["httpx", "httpx2"])
@pytest.mark.parametrize("loop", ["asyncio", "trio"])
def test_cancelled_during_the_wait_before_a_retry(server: Server, loop: str,
                                                  library: str) -> None:
    base, script = server
    path = f"/cancel-wait-{loop}-{library}"
    script.on(path, (503, {"Retry-After": "20"}, b"busy " * 100), (200, {}, b"late"))
    script.on("/fine", (200, {}, b"fine"))
    caught, took, fine = cancelled_then_next(loop, library, base, path)
    assert caught  # the cancellation is the caller's, not swallowed by the wait
    assert took < 5  # not the 20 s Retry-After
    assert fine.status_code == 200 and fine.content == b"fine"
    assert script.count(path) == 1


@pytest.mark.parametrize("library", ["httpx", "httpx2"])
@pytest.mark.parametrize("loop", ["asyncio", "trio"])
def test_cancelled_while_the_rest_of_a_broken_body_is_asked_for(loop: str, library: str) -> None:
    answered = threading.Event()

    def handle(request: Request) -> Answer:
        if request.target == "/fine":
            return response("200 OK", {}, b"fine")
        if "range" not in request.headers:
            return response("200 OK", RANGED, BODY, send=20_000)
        answered.wait(10)  # the resumption is slow to answer: cancelled meanwhile
        return response("206 Partial Content",
                        {**RANGED, "Content-Range": "bytes 20000-49999/50000"}, BODY[20_000:])

    with raw_server(handle) as (base, server):
        try:
            caught, took, fine = cancelled_then_next(loop, library, base, "/file")
        finally:
            answered.set()
    assert caught and took < 5  # not the 10 s the server holds the answer
    assert fine.status_code == 200 and fine.content == b"fine"
    assert [r.headers.get("range") for r in server.requests[:2]] == [None, "bytes=20000-"]
