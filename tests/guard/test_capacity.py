"""429, 503 and 504: limits of rate, capacity and the client's patience."""

from __future__ import annotations

import asyncio
import concurrent.futures
import time
from typing import Any

from support.rawhttp import get

PROBLEM = "application/problem+json"


def test_over_the_rate_limit_is_429_with_retry_after(guarded):
    port = guarded(rate_limit="3/minute")
    assert [get(port, "/").status for _ in range(3)] == [200, 200, 200]
    response = get(port, "/")
    assert response.status == 429
    assert response.header("content-type") == PROBLEM
    assert response.json()["title"] == "Too Many Requests"
    retry_after = int(response.header("retry-after") or "0")
    assert 1 <= retry_after <= 60


def test_rate_limit_key_function_separates_clients(guarded):
    port = guarded(rate_limit="1/minute",
                   rate_limit_key=lambda scope: dict(scope["headers"]).get(b"x-key", b"").decode())
    assert get(port, "/", headers={"X-Key": "a"}).status == 200
    assert get(port, "/", headers={"X-Key": "b"}).status == 200
    assert get(port, "/", headers={"X-Key": "a"}).status == 429


def test_head_over_the_rate_limit_gets_headers_only(guarded):
    port = guarded(rate_limit="1/minute")
    get(port, "/")
    response = get(port, "/", method="HEAD")
    assert response.status == 429
    assert response.header("retry-after") is not None
    assert response.body == b""


def test_maintenance_switch_is_503_with_retry_after(guarded):
    port = guarded(maintenance_retry_after=120)
    assert get(port, "/").status == 200
    guarded.guard.maintenance = True
    response = get(port, "/")
    assert response.status == 503
    assert response.header("retry-after") == "120"
    assert response.header("content-type") == PROBLEM
    assert response.json()["title"] == "Service Unavailable"
    guarded.guard.maintenance = False
    assert get(port, "/").status == 200


def test_requests_over_max_concurrency_are_shed_with_503(guarded):
    port = guarded(max_concurrency=2, busy_retry_after=2)
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        slow = [pool.submit(get, port, "/slow") for _ in range(2)]
        time.sleep(0.3)
        shed = get(port, "/")
        assert [f.result().status for f in slow] == [200, 200]
    assert shed.status == 503
    assert shed.header("retry-after") == "2"
    assert shed.header("content-type") == PROBLEM
    assert get(port, "/").status == 200


def test_client_timeout_query_parameter_is_504(guarded):
    port = guarded()
    started = time.monotonic()
    response = get(port, "/slow?timeout=0.2")
    assert time.monotonic() - started < 0.9
    assert response.status == 504
    assert response.header("content-type") == PROBLEM
    assert response.json()["title"] == "Gateway Timeout"


def test_request_timeout_header_is_504(guarded):
    port = guarded()
    response = get(port, "/slow", headers={"Request-Timeout": "0.2"})
    assert response.status == 504


def test_slow_app_without_client_timeout_is_not_504(guarded):
    port = guarded()
    response = get(port, "/slow")
    assert response.status == 200
    assert response.body == b"slow"


def test_client_timeout_met_by_a_started_response_is_not_504(guarded):
    port = guarded()
    response = get(port, "/slow-stream?timeout=0.2")
    assert response.status == 200
    assert response.body == b"late"


def test_client_timeout_is_capped(guarded):
    port = guarded(max_client_timeout=0.2)
    assert get(port, "/slow?timeout=60").status == 504


def test_invalid_client_timeout_is_400(guarded):
    port = guarded()
    response = get(port, "/?timeout=soon")
    assert response.status == 400
    assert response.header("content-type") == PROBLEM


async def _raises_when_cancelled(scope: Any, receive: Any, send: Any) -> None:
    try:
        await asyncio.sleep(5)
    except asyncio.CancelledError:
        raise RuntimeError("cleanup failed while being cancelled") from None


async def _raises_at_once(scope: Any, receive: Any, send: Any) -> None:
    raise RuntimeError("secret internal detail")


def test_app_raising_as_it_is_cancelled_at_the_client_timeout_still_gets_504(guarded):
    # RFC 9110 §15.6.5: the client's deadline passed with no response; what the app
    # raises while being cancelled is no news to the client.
    port = guarded(app=_raises_when_cancelled)
    response = get(port, "/?timeout=0.2")
    assert response.status == 504
    assert response.header("content-type") == PROBLEM
    assert response.json()["title"] == "Gateway Timeout"
    assert b"cleanup failed" not in response.body


def test_app_raising_within_the_client_timeout_is_500(guarded):
    # RFC 9110 §15.6.1: the deadline's task carries the app's exception to the same 500.
    port = guarded(app=_raises_at_once)
    response = get(port, "/?timeout=5")
    assert response.status == 500
    assert response.header("content-type") == PROBLEM
    assert "error_id" in response.json()
    assert b"secret internal detail" not in response.body
