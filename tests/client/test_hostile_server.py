"""A careless or hostile server's Retry-After and Date: the client never raises on a
value it cannot read, and never comes back sooner because the asked wait is huge."""

from __future__ import annotations

import pytest
from runners import ADAPTERS, runner
from scripted import Script

from statuskit.client import (
    Conflict,
    GiveUp,
    RecordedWaits,
    RetryAfterTooLong,
    RetryPolicy,
    attempts_of,
    raise_for_status,
    retry_after_of,
)
from statuskit.http import format_http_date

Server = tuple[str, Script]
# RFC 9111 §1.2.2's rule for a delta-seconds too large to hold: take it as 2^31.
SATURATED = 2.0 ** 31


@pytest.mark.parametrize("value", ["Mon, 3 Jun 10000 12:00:00 UTC",
                                   "Mon, 3 Jun 99999999 12:00:00 GMT"])
def test_a_retry_after_date_past_year_9999_is_ignored(value: str) -> None:
    # Not an HTTP-date (RFC 9110 §5.6.7: the year is 4DIGIT): invalid, so absent.
    assert retry_after_of({"Retry-After": value}, now=1.7e9) is None


def test_a_date_field_past_year_9999_is_not_the_reference() -> None:
    headers = {"Retry-After": "5", "Date": "Mon, 3 Jun 99999999 12:00:00 UTC"}
    assert retry_after_of(headers, now=1.7e9) == 5.0


@pytest.mark.parametrize("digits", [19, 30, 4_000])
def test_a_delay_seconds_too_large_to_hold_is_a_very_long_wait(digits: int) -> None:
    # RFC 9110 §10.2.3: delay-seconds = 1*DIGIT, no upper bound; a value of any
    # length asks for a long wait, never for none.
    assert retry_after_of({"Retry-After": "9" * digits}) == SATURATED
    decision = RetryPolicy().decide(method="GET", attempt=1, elapsed=0.0, status=503,
                                    headers={"Retry-After": "9" * digits})
    assert isinstance(decision, GiveUp) and decision.retry_after == SATURATED


def test_leading_zeros_do_not_make_a_short_delay_long() -> None:
    # "0000000000000000005" is 1*DIGIT meaning 5 seconds (RFC 9110 §10.2.3).
    assert retry_after_of({"Retry-After": "0" * 18 + "5"}) == 5.0


@pytest.mark.parametrize("adapter", ADAPTERS)
def test_503_with_a_year_10000_retry_after_is_retried_as_if_absent(
        server: Server, adapter: str) -> None:
    base, script = server
    path = f"/year-10000-{adapter}"
    script.on(path, (503, {"Retry-After": "Mon, 3 Jun 10000 12:00:00 UTC"}, b"busy"),
              (200, {}, b"fine"))
    waits = RecordedWaits()
    client = runner(adapter, base, waits)
    try:
        response = client.send("GET", path)
    finally:
        client.close()
    assert response.status_code == 200 and response.content == b"fine"
    assert script.count(path) == 2


@pytest.mark.parametrize("adapter", ADAPTERS)
def test_503_with_a_30_digit_retry_after_is_not_retried_at_once(
        server: Server, adapter: str) -> None:
    base, script = server
    path = f"/huge-delay-{adapter}"
    script.on(path, (503, {"Retry-After": "9" * 30}, b"busy"), (200, {}, b"fine"))
    waits = RecordedWaits()
    client = runner(adapter, base, waits)
    try:
        with pytest.raises(RetryAfterTooLong) as too_long:
            client.send("GET", path)
    finally:
        client.close()
    assert too_long.value.retry_after == SATURATED
    assert too_long.value.response.status_code == 503
    assert script.count(path) == 1


@pytest.mark.parametrize("adapter", ADAPTERS)
def test_a_redirect_loop_raises_with_its_history(server: Server, adapter: str) -> None:
    # The library stops the loop (httpx: TooManyRedirects, requests: the same name);
    # the hops it made are still the exchange's history (attempts_of on any error).
    base, script = server
    path = f"/loop-{adapter}"
    script.on(path, (302, {"Location": path}, b""))
    client = runner(adapter, base)
    try:
        with pytest.raises(Exception, match=r"(?i)redirect") as raised:
            client.send("GET", path, follow=True)
    finally:
        client.close()
    history = attempts_of(raised.value)
    assert len(history) >= 20, len(history)
    assert all(attempt.status == 302 for attempt in history)
    assert script.count(path) == len(history)


HOSTILE_PROBLEMS = {
    "1500-deep": b'{"detail": ' + b"[" * 1_500 + b"]" * 1_500 + b"}",
    "nan-status": b'{"status": NaN, "title": Infinity, "detail": "x"}',
    "lone-surrogate": b'{"title": "Bad", "detail": "no \\ud800 here"}',
}


@pytest.mark.parametrize("adapter", ADAPTERS)
@pytest.mark.parametrize("kind", sorted(HOSTILE_PROBLEMS))
def test_a_hostile_problem_document_still_raises_the_codes_class(
        server: Server, adapter: str, kind: str) -> None:
    # The status decides the class; a document that is not JSON (RFC 8259 §6: no NaN;
    # nesting past what the parser takes) is no problem document, and text that UTF-8
    # cannot carry never reaches the message, which a log must be able to write.
    base, script = server
    path = f"/hostile-problem-{kind}-{adapter}"
    script.on(path, (409, {"Content-Type": "application/problem+json"},
                     HOSTILE_PROBLEMS[kind]))
    client = runner(adapter, base)
    try:
        response = client.send("GET", path)
    finally:
        client.close()
    with pytest.raises(Conflict) as raised:
        raise_for_status(response)
    error = raised.value
    assert error.status_code == 409
    str(error).encode("utf-8")  # a log line can carry it
    if kind == "lone-surrogate":
        assert error.problem is not None and error.problem["title"] == "Bad"
    else:
        assert error.problem is None


def _waits_for(server: Server, adapter: str, path: str,
               fields: dict[str, str]) -> tuple[list[float], int]:
    base, script = server
    script.on(path, (503, fields, b"busy"), (200, {}, b"fine"))
    waits = RecordedWaits()
    client = runner(adapter, base, waits)
    try:
        response = client.send("GET", path)
    finally:
        client.close()
    assert response.status_code == 200 and response.content == b"fine"
    return waits.waits, script.count(path)


@pytest.mark.parametrize("adapter", ADAPTERS)
def test_a_negative_age_is_no_age_and_the_server_clock_still_decides(
        server: Server, adapter: str) -> None:
    # RFC 9111 §5.1: Age = delta-seconds, no sign; "-600" is invalid, so 0: the
    # HTTP-date is 3 s after the response's own Date, and 3 s is waited.
    made = 1_700_000_000
    fields = {"Date": format_http_date(made), "Age": "-600",
              "Retry-After": format_http_date(made + 3)}
    waits, count = _waits_for(server, adapter, f"/negative-age-{adapter}", fields)
    assert count == 2
    assert 3 <= waits[0] <= 3.5


@pytest.mark.parametrize("adapter", ADAPTERS)
def test_a_5000_digit_age_saturates_so_the_moment_has_passed(server: Server, adapter: str) -> None:
    # Past 2^31 an Age saturates (RFC 9111 §1.2.2): a 68-year-old cached 503 whose
    # moment is long gone is retried on backoff, never a ValueError from int().
    made = 1_700_000_000
    fields = {"Date": format_http_date(made), "Age": "9" * 5000,
              "Retry-After": format_http_date(made + 3)}
    waits, count = _waits_for(server, adapter, f"/huge-age-{adapter}", fields)
    assert count == 2
    assert waits[0] < 2.5


@pytest.mark.parametrize("adapter", ADAPTERS)
def test_a_5000_digit_retry_after_over_the_wire_is_too_long_not_a_crash(
        server: Server, adapter: str) -> None:
    # int() refuses strings past 4,300 digits (CVE-2020-10735); the value must be
    # read without it, and it asks for the longest wait there is.
    base, script = server
    path = f"/5000-digits-{adapter}"
    script.on(path, (503, {"Retry-After": "9" * 5000}, b"busy"))
    client = runner(adapter, base)
    try:
        with pytest.raises(RetryAfterTooLong) as too_long:
            client.send("GET", path)
    finally:
        client.close()
    assert too_long.value.retry_after == SATURATED
    assert too_long.value.response.content == b"busy"  # read, and its connection freed
    assert script.count(path) == 1


@pytest.mark.parametrize("value", ["-5", "1.5", "5, 6", "0x10", "+3", "٣", "3 s"])
def test_a_retry_after_that_is_not_delay_seconds_or_a_date_is_absent(
        server: Server, value: str) -> None:
    # RFC 9110 §10.2.3: delay-seconds = 1*DIGIT (ASCII digits, no sign, no
    # fraction, one value): anything else is no Retry-After at all.
    assert retry_after_of({"Retry-After": value}) is None
    waits, count = _waits_for(server, "httpx", f"/not-delay-{value.encode().hex()}",
                              {"Retry-After": value})
    assert count == 2
    assert waits[0] < 2.5  # backoff, not the value
