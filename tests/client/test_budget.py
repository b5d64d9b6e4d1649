"""The retry budget on defaults, over loopback: a failing origin makes a client fail
fast within a handful of requests, each client spends its own budget, and one
given to several is shared on purpose. gRFC A6 (gRPC retry throttling) is the
oracle: 10 tokens, a failed attempt costs 1, a success gives 0.1, retries only
while more than half are left."""

from __future__ import annotations

import gc
import math
import threading
from typing import Any

import httpx
import pytest
import requests
from rawserver import Answer, Request, raw_server, response
from runners import ADAPTERS, runner
from scripted import Script

from statuskit.client import (
    RecordedWaits,
    RetryAdapter,
    RetryAfterTooLong,
    RetryBudget,
    RetryPolicy,
    RetryTransport,
    attempts_of,
)

# The most origins one transport or adapter keeps a budget for (statuskit's own
# limit, _budget.MAX_ORIGINS; 512 when these tests were written).
MAX_ORIGIN_BUDGETS = 512

Server = tuple[str, Script]


def attempts_per_request(client: object, script: Script, path: str, requests: int) -> list[int]:
    counts = []
    for _ in range(requests):
        before = script.count(path)
        response = client.send("GET", path)  # type: ignore[attr-defined]
        assert response.status_code == 503  # the server's own answer is handed back
        counts.append(script.count(path) - before)
    return counts


@pytest.mark.parametrize("adapter", ADAPTERS)
def test_a_failing_origin_fails_fast_within_four_requests_on_defaults(
        server: Server, adapter: str) -> None:
    base, script = server
    path = f"/storm-{adapter}"
    script.on(path, 503)
    client = runner(adapter, base)
    try:
        counts = attempts_per_request(client, script, path, 4)
        last = client.send("GET", path)
    finally:
        client.close()
    # 10 tokens: the first request's 3 failures leave 7; the second is retried once
    # (6 > 5) and its failure leaves 5; from then on, one try each.
    assert counts == [3, 2, 1, 1]
    assert attempts_of(last)[-1].decision == "retry budget exhausted"


def test_one_noisy_client_does_not_spend_another_clients_budget(server: Server) -> None:
    base, script = server
    script.on("/noisy", 503)
    script.on("/patient", 503)
    noisy = runner("httpx", base)
    patient = runner("httpx", base, policy=RetryPolicy(max_attempts=5))
    try:
        attempts_per_request(noisy, script, "/noisy", 6)  # spends the noisy client's budget
        response = patient.send("GET", "/patient")
    finally:
        noisy.close()
        patient.close()
    assert script.count("/patient") == 5  # its own budget, fresh
    assert attempts_of(response)[-1].decision == "5 attempts made"


def test_a_budget_given_to_two_clients_is_shared_on_purpose(server: Server) -> None:
    base, script = server
    script.on("/shared-a", 503)
    script.on("/shared-b", 503)
    shared = RetryBudget()
    first = runner("httpx", base, budget=shared)
    second = runner("requests", base, budget=shared)
    try:
        attempts_per_request(first, script, "/shared-a", 2)
        counts = attempts_per_request(second, script, "/shared-b", 1)
    finally:
        first.close()
        second.close()
    assert counts == [1]
    assert shared.tokens == 4


def burst(base: str, path: str, budget: RetryBudget | None) -> None:
    """20 callers at once through one client."""
    transport = RetryTransport(sleep=RecordedWaits().sleep, budget=budget)
    barrier = threading.Barrier(20)
    with httpx.Client(base_url=base, transport=transport, timeout=10) as client:
        def call() -> None:
            barrier.wait()
            client.get(path)

        threads = [threading.Thread(target=call) for _ in range(20)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)


def test_a_burst_of_twenty_callers_at_a_failing_origin_is_cut(server: Server) -> None:
    base, script = server
    script.on("/burst", 503)
    script.on("/burst-unbudgeted", 503)
    burst(base, "/burst", None)
    burst(base, "/burst-unbudgeted", RetryBudget(max_tokens=math.inf))
    assert script.count("/burst-unbudgeted") == 60
    # Only failures seen at 9, 8, 7 or 6 tokens may be retried, however the threads
    # interleave.
    assert 20 <= script.count("/burst") <= 24


def test_a_policy_asking_for_eight_attempts_gets_them_on_a_fresh_origin(
        server: Server) -> None:
    base, script = server
    script.on("/eight", 503)
    client = runner("httpx", base, policy=RetryPolicy(max_attempts=8))
    try:
        assert attempts_per_request(client, script, "/eight", 2) == [8, 1]
    finally:
        client.close()


def test_successes_refill_the_budget_a_tenth_of_a_token_each() -> None:
    budget = RetryBudget()
    for _ in range(5):
        budget.record_failure()
    assert budget.tokens == 5 and not budget.allows_retry()
    for _ in range(9):
        budget.record_success()
    assert budget.tokens == pytest.approx(5.9)
    assert budget.allows_retry()  # 5.9 > 5: one more retry
    for _ in range(100):
        budget.record_success()
    assert budget.tokens == 10  # never past max_tokens


def test_tokens_never_go_below_zero_so_recovery_is_bounded() -> None:
    budget = RetryBudget()
    for _ in range(1000):
        budget.record_failure()
    assert budget.tokens == 0
    for _ in range(51):
        budget.record_success()
    assert budget.allows_retry()


def test_an_unlimited_budget_never_refuses() -> None:
    budget = RetryBudget(max_tokens=math.inf)
    for _ in range(10_000):
        budget.record_failure()
    assert budget.allows_retry()


@pytest.mark.parametrize(("tokens", "ratio"), [(0, 0.1), (-1, 0.1), (10, 0), (10, math.nan),
                                               (math.nan, 0.1)])
def test_a_budget_that_could_never_allow_a_retry_is_refused(tokens: float, ratio: float) -> None:
    with pytest.raises(ValueError):
        RetryBudget(max_tokens=tokens, token_ratio=ratio)


def count_budgets() -> int:
    gc.collect()
    return sum(isinstance(thing, RetryBudget) for thing in gc.get_objects())


@pytest.mark.parametrize("adapter", ["httpx", "requests"])
def test_budgets_for_thousands_of_origins_stay_bounded_and_keep_the_busy_one(
        adapter: str) -> None:
    # A crawler's client meets an origin once and may never meet it again: one
    # budget kept per origin forever is memory without bound. Real origins by the
    # thousand, through a forward proxy on loopback (RFC 9112 §3.2.2 absolute-form):
    # each answers 503 with a Retry-After past the limit, one failure each.
    def handle(request: Request) -> Answer:
        if request.target.startswith("http://hot.test"):
            return response("503 Service Unavailable", {}, b"hot")
        return response("503 Service Unavailable", {"Retry-After": "3600"}, b"later")

    with raw_server(handle) as (proxy, server):
        if adapter == "httpx":
            client: Any = httpx.Client(transport=RetryTransport(
                sleep=RecordedWaits().sleep, proxy=proxy))
        else:
            client = requests.Session()
            client.mount("http://", RetryAdapter(sleep=RecordedWaits().sleep))
            client.proxies = {"http": proxy}
        before = count_budgets()
        try:
            hot = [len(attempts_of(client.get("http://hot.test/"))) for _ in range(4)]
            for n in range(MAX_ORIGIN_BUDGETS + 700):  # one request each
                with pytest.raises(RetryAfterTooLong):
                    client.get(f"http://origin-{n}.test/")
                if n % 100 == 0:  # the busy origin stays in use
                    client.get("http://hot.test/")
            held = count_budgets() - before
            last = client.get("http://hot.test/")
        finally:
            client.close()
    assert hot == [3, 2, 1, 1]
    assert held <= MAX_ORIGIN_BUDGETS
    assert [a.decision for a in attempts_of(last)] == ["retry budget exhausted"]
    others = MAX_ORIGIN_BUDGETS + 700
    assert len(server.requests) == 7 + len(range(0, others, 100)) + 1 + others
