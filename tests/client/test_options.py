"""Options reach where they act: the inner transport's, urllib3-style
max_retries, and a policy for one call of a shared client."""

from __future__ import annotations

import asyncio
import ssl

import httpx
import pytest
import requests
from runners import runner
from scripted import Script
from urllib3.util.retry import Retry as Urllib3Retry

from statuskit.client import (
    POLICY,
    AsyncRetryTransport,
    RecordedWaits,
    RetryAdapter,
    RetryPolicy,
    RetryTransport,
    attempts_of,
    using_policy,
)

Server = tuple[str, Script]
TLSServer = tuple[str, Script, str]


def test_verify_reaches_the_inner_transport(tls_server: TLSServer) -> None:
    base, script, cert = tls_server
    script.on("/trusted", (200, {}, b"over tls"))
    trusted = ssl.create_default_context(cafile=cert)
    with httpx.Client(transport=RetryTransport(verify=trusted)) as c:
        assert c.get(base + "/trusted").content == b"over tls"
    with httpx.Client(transport=RetryTransport()) as c, pytest.raises(httpx.ConnectError):
        c.get(base + "/trusted")  # the default trusts only the system's authorities


def test_limits_reach_the_inner_transport(server: Server) -> None:
    base, script = server
    script.on("/held", (200, {}, b"held"))
    waits = RecordedWaits()
    one = httpx.Limits(max_connections=1)
    transport = RetryTransport(limits=one, sleep=waits.sleep)
    timeout = httpx.Timeout(5, pool=0.2)
    with httpx.Client(base_url=base, transport=transport, timeout=timeout) as c, \
            c.stream("GET", "/held"), \
            pytest.raises(httpx.PoolTimeout) as starved:  # the stream holds the only connection
        c.get("/held")
    # Never sent, so retried like a refused connection, and the pool stayed at one.
    assert len(waits.waits) == 2
    assert [a.status for a in starved.value.statuskit_attempts] == [None] * 3  # type: ignore[attr-defined]
    assert script.count("/held") == 1


def test_http2_reaches_the_inner_transport() -> None:
    # httpcore's pool keeps the flag (no public view of it; h2 is not installed here
    # to try a real HTTP/2 exchange).
    assert RetryTransport(http2=True).transport._pool._http2 is True  # type: ignore[attr-defined]
    assert RetryTransport().transport._pool._http2 is False  # type: ignore[attr-defined]
    inner = AsyncRetryTransport(http2=True).transport
    assert inner._pool._http2 is True  # type: ignore[attr-defined]


def test_options_beside_a_given_transport_warn() -> None:
    with pytest.warns(UserWarning, match="verify"):
        RetryTransport(httpx.HTTPTransport(), verify=False)
    with pytest.warns(UserWarning, match="limits"):
        AsyncRetryTransport(httpx.AsyncHTTPTransport(), limits=httpx.Limits())


def test_requests_max_retries_counts_like_urllib3(server: Server) -> None:
    base, script = server
    script.on("/r-max-retries", 503)
    session = requests.Session()
    session.mount("http://", RetryAdapter(max_retries=3, sleep=RecordedWaits().sleep))
    assert session.get(base + "/r-max-retries").status_code == 503
    assert script.count("/r-max-retries") == 4  # the first try and three retries


def test_requests_max_retries_past_five_is_honoured(server: Server) -> None:
    base, script = server
    script.on("/r-seven", 503)
    session = requests.Session()
    session.mount("http://", RetryAdapter(max_retries=7, sleep=RecordedWaits().sleep))
    response = session.get(base + "/r-seven")
    assert response.status_code == 503
    assert script.count("/r-seven") == 8  # the first try and seven retries
    assert attempts_of(response)[-1].decision == "8 attempts made"


def test_requests_max_retries_given_a_urllib3_retry_is_converted(server: Server) -> None:
    base, script = server
    script.on("/r-urllib3", 500, 500, 500, 200)
    waits = RecordedWaits()
    retry = Urllib3Retry(total=4, status_forcelist=[500], backoff_factor=0.25)
    session = requests.Session()
    session.mount("http://", RetryAdapter(max_retries=retry, sleep=waits.sleep))
    response = session.get(base + "/r-urllib3")
    assert response.status_code == 200
    assert script.count("/r-urllib3") == 4  # 500 is in its status_forcelist
    # backoff_factor is the base: full jitter under 0.25, 0.5, 1 s
    assert all(0 <= wait <= 0.25 * 2 ** n for n, wait in enumerate(waits.waits))


def test_requests_max_retries_given_a_negative_backoff_factor_sleeps_no_negative_wait(
        server: Server) -> None:
    # urllib3 clamps its backoff at 0; converted unclamped, the wait was negative
    # and the adapter's own time.sleep raised ValueError at the first retry.
    base, script = server
    script.on("/r-negative-backoff", 503, (200, {}, b"fine"))
    retry = Urllib3Retry(total=2, status_forcelist=[503], backoff_factor=-2)
    session = requests.Session()
    session.mount("http://", RetryAdapter(max_retries=retry))  # the real time.sleep
    response = session.get(base + "/r-negative-backoff")
    assert response.status_code == 200 and response.content == b"fine"
    assert [a.status for a in attempts_of(response)] == [503, 200]
    assert 0 <= attempts_of(response)[0].wait <= 1.0  # type: ignore[operator]


@pytest.mark.parametrize("nonsense", [-1, True, 2.5, "3"])
def test_requests_max_retries_that_is_no_count_is_refused_clearly(nonsense: object) -> None:
    with pytest.raises(ValueError, match="max_retries is a number of retries"):
        RetryAdapter(max_retries=nonsense)  # type: ignore[arg-type]


def test_requests_max_retries_and_a_policy_that_disagree_are_refused() -> None:
    with pytest.raises(ValueError, match="one of them"):
        RetryAdapter(RetryPolicy(max_attempts=2), max_retries=3)
    with pytest.raises(ValueError, match="not both"):
        RetryAdapter(RetryPolicy(), max_retries=Urllib3Retry(total=3))


def test_one_httpx_call_can_carry_its_own_policy(server: Server) -> None:
    base, script = server
    script.on("/per-call", 503)
    with httpx.Client(base_url=base,
                      transport=RetryTransport(sleep=RecordedWaits().sleep)) as c:
        c.get("/per-call")
        assert script.count("/per-call") == 3
        once = c.get("/per-call", extensions={POLICY: RetryPolicy(max_attempts=1)})
    assert script.count("/per-call") == 4
    assert attempts_of(once)[-1].decision == "1 attempts made"


@pytest.mark.parametrize("adapter", ["httpx", "httpx-async", "requests"])
def test_using_policy_scopes_a_policy_to_the_calls_inside(server: Server, adapter: str) -> None:
    base, script = server
    path = f"/scoped-{adapter}"
    script.on(path, 503)
    client = runner(adapter, base)
    try:
        with using_policy(RetryPolicy(max_attempts=1)):
            client.send("GET", path)
        client.send("GET", path)  # outside the block: the adapter's own policy again
    finally:
        client.close()
    assert script.count(path) == 1 + 3


def test_using_policy_is_per_task_under_asyncio(server: Server) -> None:
    base, script = server
    script.on("/task-a", 503)
    script.on("/task-b", 503)

    async def go() -> None:
        transport = AsyncRetryTransport(sleep=RecordedWaits().async_sleep)
        async with httpx.AsyncClient(base_url=base, transport=transport) as c:
            async def careful() -> None:
                with using_policy(RetryPolicy(max_attempts=1)):
                    await c.get("/task-a")

            await asyncio.gather(careful(), c.get("/task-b"))

    asyncio.run(go())
    assert script.count("/task-a") == 1
    assert script.count("/task-b") == 3
