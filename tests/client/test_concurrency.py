"""Many tasks through one AsyncRetryTransport at once, under asyncio and trio:
first tries that succeed (no exchange), retries and redirect hops (an exchange
each) and bodies that break interleave; each response's history must be its
own, the budget untouched by successes, and every connection back in the pool."""

from __future__ import annotations

import asyncio
import math
from typing import Any

import httpx
import httpx2
import pytest
import trio
from scripted import Script

import statuskit.client.httpx2 as on_httpx2
from statuskit.client import AsyncRetryTransport, RecordedWaits, RetryBudget, attempts_of

Server = tuple[str, Script]
TASKS = 40


def script_for(script: Script, tag: str) -> dict[str, list[tuple[int | None, str]]]:
    """Per path, the history its GET must come back with: a third succeed at once,
    a third after a 503, a third through a 307 hop."""
    expected: dict[str, list[tuple[int | None, str]]] = {}
    for n in range(TASKS):
        path = f"/together-{tag}-{n}"
        if n % 3 == 0:
            script.on(path, (200, {}, path.encode()))
            expected[path] = [(200, "done")]
        elif n % 3 == 1:
            script.on(path, 503, (200, {}, path.encode()))
            expected[path] = [(503, "retry"), (200, "done")]
        else:
            script.on(path, (307, {"Location": path + "-moved"}, b""))
            script.on(path + "-moved", (200, {}, path.encode()))
            expected[path] = [(307, "redirect"), (200, "done")]
    return expected


@pytest.mark.parametrize("library", ["httpx", "httpx2"])
@pytest.mark.parametrize("loop", ["asyncio", "trio"])
def test_forty_tasks_through_one_async_transport_keep_their_own_histories(
        server: Server, loop: str, library: str) -> None:
    base, script = server
    expected = script_for(script, f"{loop}-{library}")
    module: Any = httpx if library == "httpx" else httpx2
    transport_class: Any = AsyncRetryTransport if library == "httpx" \
        else on_httpx2.AsyncRetryTransport
    waits = RecordedWaits()

    async def quick(seconds: float) -> None:
        waits.sleep(seconds)
        await (asyncio.sleep(0) if loop == "asyncio" else trio.sleep(0))

    # Five connections for forty tasks: a leaked one shows as a PoolTimeout.
    limits = module.Limits(max_connections=5, max_keepalive_connections=5)
    transport = transport_class(sleep=quick, limits=limits,
                                budget=RetryBudget(max_tokens=math.inf))
    seen: dict[str, tuple[list[tuple[int | None, str]], bytes]] = {}

    async def one(client: Any, path: str) -> None:
        response = await client.get(path)
        seen[path] = ([(a.status, a.decision.split()[0]) for a in attempts_of(response)],
                      response.content)

    async def everyone() -> None:
        async with module.AsyncClient(base_url=base, transport=transport, follow_redirects=True,
                                      timeout=module.Timeout(10.0, pool=5.0)) as client:
            if loop == "asyncio":
                await asyncio.gather(*(one(client, path) for path in expected))
            else:
                async with trio.open_nursery() as nursery:
                    for path in expected:
                        nursery.start_soon(one, client, path)
            fine = await client.get(next(iter(expected)))  # the pool still serves
            assert fine.status_code == 200

    if loop == "asyncio":
        asyncio.run(everyone())
    else:
        trio.run(everyone)
    assert {path: history for path, (history, _) in seen.items()} == expected
    assert all(body == path.encode() for path, (_, body) in seen.items())
    assert len(waits.waits) == len([n for n in range(TASKS) if n % 3 == 1])
