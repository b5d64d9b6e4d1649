"""AsyncRetryTransport under trio: its waits are anyio's, so they run on whichever
loop the client runs on (asyncio.sleep raised at the first retry)."""

from __future__ import annotations

from typing import Any

import httpx
import httpx2
import pytest
import trio
from scripted import Script

import statuskit.client.httpx2 as on_httpx2
from statuskit.client import AsyncRetryTransport, RetryPolicy, attempts_of

Server = tuple[str, Script]
# Real waits, short ones: the point is that they happen on trio's clock.
QUICK = RetryPolicy(base=0.01, throttled_base=0.01, cap=0.05)


@pytest.mark.parametrize("library", ["httpx", "httpx2"])
def test_retries_under_trio_wait_on_trios_clock(server: Server, library: str) -> None:
    base, script = server
    path = f"/trio-{library}"
    script.on(path, 503, (429, {"Retry-After": "0"}, b""), (200, {}, b"under trio"))
    module: Any = httpx if library == "httpx" else httpx2
    transport_class: Any = AsyncRetryTransport if library == "httpx" \
        else on_httpx2.AsyncRetryTransport

    async def go() -> tuple[Any, float]:
        started = trio.current_time()
        async with module.AsyncClient(base_url=base,
                                      transport=transport_class(policy=QUICK)) as client:
            response = await client.get(path)
        return response, trio.current_time() - started

    response, took = trio.run(go)
    assert response.status_code == 200 and response.content == b"under trio"
    assert [a.status for a in attempts_of(response)] == [503, 429, 200]
    assert took >= sum(a.wait or 0 for a in attempts_of(response))  # the waits were slept
