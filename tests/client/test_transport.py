"""RetryTransport and AsyncRetryTransport against a real loopback server."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest
from scripted import Script

from statuskit.client import (
    ATTEMPTS,
    AsyncRetryTransport,
    InsecureRedirect,
    NotFound,
    RecordedWaits,
    RetryAfterTooLong,
    RetryPolicy,
    RetryTransport,
    ServerTimeout,
    ServiceUnavailable,
    TooManyRequests,
    araise_for_status,
    raise_for_status,
)
from statuskit.http import format_http_date

Server = tuple[str, Script]


def client(base: str, waits: RecordedWaits | None = None, **kwargs: object) -> httpx.Client:
    transport = RetryTransport(sleep=(waits or RecordedWaits()).sleep, **kwargs)  # type: ignore[arg-type]
    return httpx.Client(base_url=base, transport=transport)


def test_429_with_retry_after_1_waits_a_second_then_succeeds(server: Server) -> None:
    base, script = server
    script.on("/limited", (429, {"Retry-After": "1"}, b""), 200)
    started = time.monotonic()
    with httpx.Client(base_url=base, transport=RetryTransport()) as real:  # real sleep
        response = real.get("/limited")
    assert response.status_code == 200
    assert time.monotonic() - started >= 1.0
    assert script.count("/limited") == 2
    attempts = response.extensions[ATTEMPTS]
    assert [a.status for a in attempts] == [429, 200]


def test_post_503_is_not_retried(server: Server) -> None:
    base, script = server
    script.on("/post-503", 503)
    with client(base) as c:
        assert c.post("/post-503", content=b"x").status_code == 503
    assert script.count("/post-503") == 1


def test_post_with_idempotency_key_is_retried(server: Server) -> None:
    base, script = server
    script.on("/keyed", 503, 201)
    with client(base) as c:
        response = c.post("/keyed", content=b"x", headers={"Idempotency-Key": "k-1"})
    assert response.status_code == 201
    assert script.count("/keyed") == 2
    assert [body for _, body in script.seen["/keyed"]] == [b"x", b"x"]  # the body went again


def test_get_503_is_retried_up_to_three_attempts(server: Server) -> None:
    base, script = server
    script.on("/down", 503)
    waits = RecordedWaits()
    with client(base, waits) as c:
        response = c.get("/down")
    assert response.status_code == 503
    assert script.count("/down") == 3
    assert len(waits.waits) == 2
    assert all(w <= 2 for w in waits.waits)  # backoff base 1 s for 503, full jitter


@pytest.mark.parametrize("value", ["-1", "1.5", "", "garbage", "5, 10",
                                   "Fri, 31 Dec 9999 23:59:59 GMT",
                                   "Thu, 01 Jan 1970 00:00:00 GMT"])
def test_invalid_retry_after_never_raises(server: Server, value: str) -> None:
    base, script = server
    path = f"/bad-retry-after-{abs(hash(value))}"
    script.on(path, (503, {"Retry-After": value}, b""), 200)
    with client(base, policy=RetryPolicy(max_retry_after=1e12, deadline=1e12)) as c:
        response = c.get(path)
    assert response.status_code == 200


def test_far_future_retry_after_raises_with_the_value(server: Server) -> None:
    base, script = server
    script.on("/later", (503, {"Retry-After": "86400"}, b""))
    with client(base) as c, pytest.raises(RetryAfterTooLong) as caught:
        c.get("/later")
    assert caught.value.retry_after == 86400
    assert script.count("/later") == 1


def test_http_date_retry_after_is_honoured(server: Server) -> None:
    base, script = server
    # The server's Date is an hour behind our clock: the wait is still 3 s.
    date = time.time() - 3600
    script.on("/dated", (503, {"Date": format_http_date(date),
                               "Retry-After": format_http_date(date + 3)}, b""), 200)
    waits = RecordedWaits()
    with client(base, waits) as c:
        assert c.get("/dated").status_code == 200
    assert 2 <= waits.waits[0] <= 4.5


def test_305_is_never_followed(server: Server) -> None:
    base, script = server
    script.on("/use-proxy", (305, {"Location": "/echo"}, b""))
    with httpx.Client(base_url=base, transport=RetryTransport(), follow_redirects=True) as c:
        response = c.get("/use-proxy")
    assert response.status_code == 305
    assert script.count("/echo") == 0


def test_303_is_followed_with_get(server: Server) -> None:
    base, script = server
    script.on("/see-other", (303, {"Location": "/echo"}, b""))
    with httpx.Client(base_url=base, transport=RetryTransport(), follow_redirects=True) as c:
        response = c.post("/see-other", content=b"form")
    assert response.json() == {"method": "GET", "body": ""}


def test_307_keeps_the_post_and_its_body(server: Server) -> None:
    base, script = server
    script.on("/temp", (307, {"Location": "/echo"}, b""))
    with httpx.Client(base_url=base, transport=RetryTransport(), follow_redirects=True) as c:
        response = c.post("/temp", content=b"payload")
    assert response.json() == {"method": "POST", "body": "payload"}


def test_followed_redirect_from_https_to_http_is_refused() -> None:
    def upstream(request: httpx.Request) -> httpx.Response:
        if request.url.scheme == "http":
            return httpx.Response(200, content=b"plain")
        return httpx.Response(301, headers={"Location": "http://example.test/"})

    transport = RetryTransport(httpx.MockTransport(upstream))
    with httpx.Client(transport=transport, follow_redirects=True) as c, \
            pytest.raises(InsecureRedirect) as refused:
        c.get("https://example.test/")
    assert isinstance(refused.value, httpx.HTTPError)  # a generic httpx handler sees it
    assert [a.status for a in refused.value.attempts] == [301]
    allowed = RetryTransport(httpx.MockTransport(upstream), allow_insecure_redirects=True)
    with httpx.Client(transport=allowed, follow_redirects=True) as c:
        assert c.get("https://example.test/").content == b"plain"


def test_typed_errors_carry_problem_details_and_history(server: Server) -> None:
    base, script = server
    problem = b'{"type":"about:blank","title":"Not Found","status":404,"detail":"no such note"}'
    script.on("/missing", (404, {"Content-Type": "application/problem+json"}, problem))
    script.on("/busy", (429, {"Retry-After": "0"}, b""))
    script.on("/slowpoke", 504)
    with client(base) as c:
        with pytest.raises(NotFound) as not_found:
            raise_for_status(c.get("/missing"))
        with pytest.raises(TooManyRequests) as busy:
            raise_for_status(c.get("/busy"))
        with pytest.raises(ServerTimeout):
            raise_for_status(c.get("/slowpoke"))
    assert not_found.value.problem is not None
    assert not_found.value.problem["detail"] == "no such note"
    assert "no such note" in str(not_found.value)
    assert busy.value.retry_after == 0
    assert len(busy.value.attempts) == 3


def test_on_retry_hook_sees_each_wait(server: Server) -> None:
    base, script = server
    script.on("/hooked", 502, 502, 200)
    events = []
    with client(base, on_retry=events.append) as c:
        assert c.get("/hooked").status_code == 200
    assert [(e.attempt, e.status) for e in events] == [(1, 502), (2, 502)]


def test_connection_refused_is_retried_then_raised() -> None:
    from support.servers import free_port

    waits = RecordedWaits()
    with httpx.Client(transport=RetryTransport(sleep=waits.sleep)) as c, \
            pytest.raises(httpx.ConnectError):
        c.post(f"http://127.0.0.1:{free_port()}/", content=b"x")
    assert len(waits.waits) == 2  # refused before sending: even POST is retried


def test_async_transport_retries_and_records(server: Server) -> None:
    base, script = server
    script.on("/async", 503, 503, 200)
    waits = RecordedWaits()

    async def go() -> httpx.Response:
        transport = AsyncRetryTransport(sleep=waits.async_sleep)
        async with httpx.AsyncClient(base_url=base, transport=transport) as c:
            return await c.get("/async")

    response = asyncio.run(go())
    assert response.status_code == 200
    assert len(waits.waits) == 2
    assert [a.status for a in response.extensions[ATTEMPTS]] == [503, 503, 200]


def test_seed_guidance_does_not_repeat_503(server: Server) -> None:
    base, script = server
    script.on("/seed-503", 503)
    with client(base, policy=RetryPolicy(guidance="seed")) as c, \
            pytest.raises(ServiceUnavailable):
        raise_for_status(c.get("/seed-503"))
    assert script.count("/seed-503") == 1


def test_raise_for_status_on_a_streamed_problem_raises_the_typed_error(server: Server) -> None:
    base, script = server
    problem = b'{"type":"about:blank","title":"Not Found","status":404,"detail":"gone fishing"}'
    script.on("/streamed-404", (404, {"Content-Type": "application/problem+json"}, problem))
    with client(base) as c, c.stream("GET", "/streamed-404") as response, \
            pytest.raises(NotFound) as not_found:
        raise_for_status(response)
    assert not_found.value.problem is not None
    assert not_found.value.problem["detail"] == "gone fishing"
    assert response.is_closed  # read for its details, then its connection freed


def test_error_retry_after_reads_the_date_against_the_responses_own_date(
        server: Server) -> None:
    base, script = server
    # The server's clock is an hour behind ours: it means "20 s from my now".
    date = time.time() - 3600
    fields = {"Date": format_http_date(date), "Retry-After": format_http_date(date + 20)}
    script.on("/skewed", (503, fields, b""))
    waits = RecordedWaits()
    with client(base, waits, policy=RetryPolicy(max_attempts=2)) as c, \
            pytest.raises(ServiceUnavailable) as busy:
        raise_for_status(c.get("/skewed"))
    assert 20 <= waits.waits[0] <= 22  # the policy waited what the server meant
    assert busy.value.retry_after == 20  # and the error says the same, not 0


def test_long_retry_after_can_be_capped_instead_of_raised(server: Server) -> None:
    base, script = server
    script.on("/capped", (503, {"Retry-After": "3600"}, b""), 200)
    waits = RecordedWaits()
    policy = RetryPolicy(max_retry_after=5, long_retry_after="cap")
    with client(base, waits, policy=policy) as c:
        assert c.get("/capped").status_code == 200
    assert 5 <= waits.waits[0] <= 6  # urllib3's retry_after_max does the same, at 6 h


def test_utc_zoned_http_date_is_honoured(server: Server) -> None:
    base, script = server
    # Not IMF-fixdate (one-digit day, "UTC"), but one plain instant; urllib3 takes it.
    script.on("/utc", (503, {"Date": "Mon, 03 Jun 2019 12:00:00 GMT",
                             "Retry-After": "Mon, 3 Jun 2019 12:00:10 UTC"}, b""), 200)
    waits = RecordedWaits()
    with client(base, waits) as c:
        assert c.get("/utc").status_code == 200
    assert 10 <= waits.waits[0] <= 11.1


def test_raise_for_status_on_an_async_streamed_problem_raises_the_typed_error(
        server: Server) -> None:
    base, script = server
    problem = b'{"type":"about:blank","title":"Not Found","status":404,"detail":"async"}'
    script.on("/async-streamed-404", (404, {"Content-Type": "application/problem+json"},
                                      problem))

    async def go() -> tuple[NotFound, NotFound, bool]:
        transport = AsyncRetryTransport(sleep=RecordedWaits().async_sleep)
        async with httpx.AsyncClient(base_url=base, transport=transport) as c, \
                c.stream("GET", "/async-streamed-404") as response:
            with pytest.raises(NotFound) as from_sync:
                raise_for_status(response)  # cannot read an async stream: no details
            assert not response.is_closed  # and leaves it to its ``async with``
            with pytest.raises(NotFound) as from_async:
                await araise_for_status(response)
            return from_sync.value, from_async.value, response.is_closed

    from_sync, from_async, closed = asyncio.run(go())
    assert from_sync.problem is None
    assert isinstance(from_sync, httpx.HTTPStatusError)
    assert from_async.problem is not None and from_async.problem["detail"] == "async"
    assert closed  # read for its details (at most 64 KiB), then its connection freed


def test_long_retry_after_capped_on_defaults_is_waited_as_60_s(server: Server) -> None:
    base, script = server
    script.on("/capped-default", (503, {"Retry-After": "3600"}, b""), 200)
    waits = RecordedWaits()
    with client(base, waits, policy=RetryPolicy(long_retry_after="cap")) as c:
        assert c.get("/capped-default").status_code == 200
    assert 60 <= waits.waits[0] <= 61  # the README's "waited as 60 s", deadline and all


def test_a_45_s_retry_after_is_waited_on_defaults(server: Server) -> None:
    base, script = server
    script.on("/forty-five", (503, {"Retry-After": "45"}, b""), 200)
    waits = RecordedWaits()
    with client(base, waits) as c:
        assert c.get("/forty-five").status_code == 200
    assert 45 <= waits.waits[0] <= 46  # under max_retry_after (60 s): honoured


def test_a_cached_503_whose_retry_after_moment_has_passed_is_not_waited(
        server: Server) -> None:
    base, script = server
    # Made 120 s ago (Age, RFC 9111 §5.1) and asking for a retry 60 s after it was
    # made: that moment is a minute gone.
    made = time.time() - 120
    fields = {"Date": format_http_date(made), "Age": "120",
              "Retry-After": format_http_date(made + 60)}
    script.on("/cached-503", (503, fields, b""), 200)
    waits = RecordedWaits()
    with client(base, waits) as c:
        assert c.get("/cached-503").status_code == 200
    assert waits.waits[0] <= 1.1  # the backoff alone (base 1 s after 503), not 60 s


def test_a_cached_503_whose_retry_after_moment_is_ahead_waits_what_is_left(
        server: Server) -> None:
    base, script = server
    made = time.time()
    fields = {"Date": format_http_date(made), "Age": "20",
              "Retry-After": format_http_date(made + 30)}
    script.on("/cached-503-ahead", (503, fields, b""), 200)
    waits = RecordedWaits()
    with client(base, waits) as c:
        assert c.get("/cached-503-ahead").status_code == 200
    assert 10 <= waits.waits[0] <= 12
