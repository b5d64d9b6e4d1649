"""RetryPolicy alone: a pure decision."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from urllib3.util.retry import Retry as Urllib3Retry

from statuskit.client import GiveUp, Retry, RetryPolicy
from statuskit.http import format_http_date

NO_JITTER = RetryPolicy(random=lambda: 1.0)


def decide(policy: RetryPolicy = NO_JITTER, **kwargs: object) -> Retry | GiveUp:
    args: dict[str, object] = {"method": "GET", "attempt": 1, "elapsed": 0.0}
    args.update(kwargs)
    return policy.decide(**args)  # type: ignore[arg-type]


def test_503_is_retried_under_rfc_guidance() -> None:
    assert isinstance(decide(status=503), Retry)


def test_503_is_not_retried_under_seed_guidance() -> None:
    policy = RetryPolicy(guidance="seed", random=lambda: 1.0)
    assert isinstance(decide(policy, status=503), GiveUp)
    assert isinstance(decide(policy, status=429), Retry)  # the seed says wait for Retry-After


@pytest.mark.parametrize("status", [400, 401, 403, 404, 405, 409, 412, 422, 501, 505])
def test_client_errors_and_permanent_server_errors_are_not_retried(status: int) -> None:
    assert isinstance(decide(status=status), GiveUp)


def test_500_only_when_the_policy_lists_it() -> None:
    assert isinstance(decide(status=500), GiveUp)
    listed = RetryPolicy(retry_statuses=frozenset({500, 503}), random=lambda: 1.0)
    assert isinstance(decide(listed, status=500), Retry)  # no second switch needed
    assert isinstance(decide(listed, status=502), GiveUp)  # the set replaces the default


def test_post_is_not_retried_without_idempotency_key() -> None:
    assert isinstance(decide(method="POST", status=503), GiveUp)
    keyed = decide(method="POST", status=503, request_headers={"Idempotency-Key": "k1"})
    assert isinstance(keyed, Retry)


def test_connection_refused_before_sending_retries_any_method() -> None:
    assert isinstance(decide(method="POST", error=ConnectionError(), sent=False), Retry)
    assert isinstance(decide(method="POST", error=ConnectionError(), sent=True), GiveUp)


def test_413_only_with_retry_after() -> None:
    assert isinstance(decide(status=413), GiveUp)
    assert isinstance(decide(status=413, headers={"Retry-After": "2"}), Retry)


def test_wait_is_at_least_retry_after() -> None:
    decision = decide(status=429, headers={"Retry-After": "7"})
    assert isinstance(decision, Retry)
    assert 7 <= decision.after <= 8


def test_http_date_retry_after_is_measured_from_the_response_date() -> None:
    date = 1_700_000_000
    headers = {"Date": format_http_date(date), "Retry-After": format_http_date(date + 5)}
    decision = decide(status=503, headers=headers, now=date + 1000)  # our clock is off
    assert isinstance(decision, Retry)
    assert 5 <= decision.after < 6


def test_retry_after_past_the_limit_gives_up_with_the_value() -> None:
    decision = decide(status=503, headers={"Retry-After": "3600"})
    assert isinstance(decision, GiveUp)
    assert decision.retry_after == 3600


def test_retry_after_past_the_deadline_gives_up_with_the_value() -> None:
    decision = decide(status=503, headers={"Retry-After": "20"}, elapsed=75)  # deadline 90
    assert isinstance(decision, GiveUp) and decision.retry_after == 20


@pytest.mark.parametrize("value", ["-5", "1.5", "", "soon", "5, 10",
                                   "Wed, 21 Oct 2015 07:28:00 PST"])
def test_invalid_retry_after_is_ignored(value: str) -> None:
    decision = decide(status=503, headers={"Retry-After": value})
    assert isinstance(decision, Retry)
    assert decision.retry_after is None


def test_past_date_retry_after_means_no_extra_wait() -> None:
    decision = decide(status=503, headers={"Retry-After": format_http_date(1_000_000_000)})
    assert isinstance(decision, Retry)
    assert decision.retry_after == 0


def test_attempt_cap() -> None:
    assert isinstance(decide(status=503, attempt=3), GiveUp)
    for nonsense in (0, -1, True, 2.5):
        with pytest.raises(ValueError, match="max_attempts"):
            RetryPolicy(max_attempts=nonsense)  # type: ignore[arg-type]


def test_more_than_five_attempts_when_asked_explicitly() -> None:
    policy = RetryPolicy(max_attempts=8, random=lambda: 1.0)
    assert isinstance(decide(policy, status=503, attempt=7), Retry)
    assert isinstance(decide(policy, status=503, attempt=8), GiveUp)


def test_backoff_of_a_huge_attempt_number_is_the_cap_not_an_overflow() -> None:
    # 2 ** 2000 is no float: the doubling stops counting long before that.
    policy = RetryPolicy(max_attempts=10 ** 4, cap=2, deadline=1e9, random=lambda: 1.0)
    decision = decide(policy, status=502, attempt=2000)
    assert isinstance(decision, Retry) and decision.after == 2


def test_backoff_doubles_and_is_capped() -> None:
    waits = [decide(status=502, attempt=a).after for a in (1, 2)]  # type: ignore[union-attr]
    assert waits == [0.5, 1.0]
    big = RetryPolicy(max_attempts=5, cap=2, random=lambda: 1.0)
    assert decide(big, status=502, attempt=4).after == 2  # type: ignore[union-attr]


@given(status=st.sampled_from([408, 413, 429, 500, 502, 503, 504, 404]),
       attempt=st.integers(1, 6), elapsed=st.floats(0, 60),
       retry_after=st.one_of(st.none(), st.integers(0, 100).map(str), st.text(max_size=8)),
       jitter=st.floats(0, 1))
def test_properties_of_every_decision(status: int, attempt: int, elapsed: float,
                                      retry_after: str | None, jitter: float) -> None:
    policy = RetryPolicy(random=lambda: jitter)
    headers = {"Retry-After": retry_after} if retry_after is not None else {}
    decision = policy.decide(method="GET", attempt=attempt, elapsed=elapsed, status=status,
                             headers=headers)
    if isinstance(decision, Retry):
        assert attempt < policy.max_attempts  # never past the attempt cap
        assert elapsed + decision.after <= policy.deadline  # never a sleep past the deadline
        if decision.retry_after is not None:
            assert decision.after >= decision.retry_after  # never earlier than asked
            assert decision.retry_after <= policy.max_retry_after


@pytest.mark.parametrize("jitter", [0.0, 0.5, 1.0])
def test_retry_after_within_the_deadline_is_honoured_whatever_the_jitter(jitter: float) -> None:
    policy = RetryPolicy(deadline=30, random=lambda: jitter)
    decision = decide(policy, status=503, elapsed=0.5, headers={"Retry-After": "29"})
    assert isinstance(decision, Retry)
    assert 29 <= decision.after <= 29.5  # never before the server's time, never past ours


def test_retry_after_just_past_the_deadline_gives_up_with_the_value() -> None:
    decision = decide(RetryPolicy(deadline=30, random=lambda: 0.0), status=503, elapsed=0.5,
                      headers={"Retry-After": "30"})
    assert isinstance(decision, GiveUp)
    assert decision.retry_after == 30


@given(st.floats(0, 1), st.floats(0, 29.9), st.integers(0, 40))
def test_the_server_not_the_jitter_decides_near_the_deadline(
        jitter: float, elapsed: float, retry_after: int) -> None:
    decision = decide(RetryPolicy(deadline=30, max_retry_after=100, random=lambda: jitter),
                      status=429, elapsed=elapsed, headers={"Retry-After": str(retry_after)})
    if retry_after <= 30 - elapsed:
        assert isinstance(decision, Retry)
        assert retry_after <= decision.after <= 30 - elapsed
    else:
        assert isinstance(decision, GiveUp)
        assert decision.retry_after == retry_after


def test_allowed_methods_are_configurable() -> None:
    only_get = RetryPolicy(allowed_methods=frozenset({"get"}), random=lambda: 1.0)
    assert isinstance(decide(only_get, method="GET", status=503), Retry)
    assert isinstance(decide(only_get, method="PUT", status=503), GiveUp)
    with_post = RetryPolicy(allowed_methods=frozenset({"GET", "POST"}), random=lambda: 1.0)
    assert isinstance(decide(with_post, method="POST", status=503), Retry)
    assert isinstance(decide(with_post, method="POST", error=OSError(), sent=True), Retry)


def test_default_statuses_are_the_catalogues() -> None:
    from statuskit.codes import retryable_codes

    for status in range(400, 600):
        retried = isinstance(decide(status=status, headers={"Retry-After": "1"}), Retry)
        assert retried is (status in retryable_codes()), status


def test_listed_413_still_needs_retry_after() -> None:
    # RFC 9110 §15.5.14: without Retry-After a 413 is not temporary.
    policy = RetryPolicy(retry_statuses=frozenset({413}), random=lambda: 1.0)
    assert isinstance(decide(policy, status=413), GiveUp)
    assert isinstance(decide(policy, status=413, headers={"Retry-After": "1"}), Retry)


def test_long_retry_after_caps_to_max_retry_after() -> None:
    policy = RetryPolicy(max_retry_after=10, long_retry_after="cap", random=lambda: 0.0)
    decision = decide(policy, status=503, headers={"Retry-After": "3600"})
    assert isinstance(decision, Retry)
    assert decision.after == 10


def test_a_set_of_statuses_and_methods_is_taken_and_the_policy_still_hashes() -> None:
    policy = RetryPolicy(retry_statuses={429, 503}, allowed_methods=["get"])
    assert policy.retry_statuses == frozenset({429, 503})
    assert policy.allowed_methods == frozenset({"GET"})
    assert hash(policy) == hash(RetryPolicy(retry_statuses=[503, 429], allowed_methods={"GET"}))


def test_a_string_is_not_taken_for_a_collection_of_methods() -> None:
    with pytest.raises(ValueError, match="not a string"):
        RetryPolicy(allowed_methods="GET")


@pytest.mark.parametrize(("retry", "attempts"), [
    (Urllib3Retry(total=2), 3),
    (Urllib3Retry(), 11),  # urllib3's own default: total=10
    (Urllib3Retry(total=5, connect=1), 2),  # one cap here: the smallest count
    (Urllib3Retry(total=None, status=4), 5),
    (Urllib3Retry(total=False), 1),
    (Urllib3Retry(total=0), 1),
])
def test_a_urllib3_retry_becomes_the_policy_with_its_counts(retry: Urllib3Retry,
                                                            attempts: int) -> None:
    assert RetryPolicy.from_urllib3(retry).max_attempts == attempts


def test_a_urllib3_retry_keeps_its_statuses_methods_and_backoff() -> None:
    retry = Urllib3Retry(total=3, status_forcelist=[500, 502], allowed_methods=["GET", "POST"],
                         backoff_factor=0.3, backoff_max=7)
    policy = RetryPolicy.from_urllib3(retry, deadline=12)
    assert policy.retry_statuses == frozenset({500, 502})
    assert policy.allowed_methods == frozenset({"GET", "POST"})
    assert (policy.base, policy.throttled_base, policy.cap) == (0.3, 0.3, 7)
    assert policy.deadline == 12  # statuskit's own limits stay, or are overridden
    assert policy.max_retry_after == RetryPolicy().max_retry_after


def test_a_urllib3_retry_on_any_verb_repeats_post() -> None:
    policy = RetryPolicy.from_urllib3(Urllib3Retry(total=2, allowed_methods=None),
                                      random=lambda: 1.0)
    assert isinstance(decide(policy, method="POST", status=503), Retry)


def test_a_urllib3_retry_without_any_count_is_refused() -> None:
    with pytest.raises(ValueError, match="retries forever"):
        RetryPolicy.from_urllib3(Urllib3Retry(total=None))


@pytest.mark.parametrize(("name", "value"), [
    ("base", -1.0), ("throttled_base", -0.5), ("cap", -1.0), ("deadline", -5.0),
    ("max_retry_after", -1.0), ("base", float("nan")), ("cap", float("nan")),
    ("deadline", float("nan")), ("cap", float("inf")), ("base", float("inf")),
])
def test_a_negative_or_nan_time_is_refused_when_the_policy_is_made(name: str,
                                                                   value: float) -> None:
    # A negative cap made the wait negative, and time.sleep raised ValueError at the
    # first retry, mid-request; a NaN compares false with every limit.
    with pytest.raises(ValueError, match=name):
        RetryPolicy(**{name: value})  # type: ignore[arg-type]


def test_no_deadline_and_no_retry_after_limit_are_infinities() -> None:
    policy = RetryPolicy(deadline=float("inf"), max_retry_after=float("inf"),
                         random=lambda: 1.0)
    decision = decide(policy, status=503, headers={"Retry-After": "86400"}, elapsed=1e9)
    assert isinstance(decision, Retry) and decision.after >= 86400


@pytest.mark.parametrize("retry", [
    Urllib3Retry(total=2, status_forcelist=[503], backoff_factor=-2),
    Urllib3Retry(total=2, status_forcelist=[503], backoff_factor=1, backoff_max=-3),
    Urllib3Retry(total=2, status_forcelist=[503], backoff_factor=float("inf")),
])
def test_a_urllib3_retry_whose_backoff_urllib3_clamps_is_clamped_the_same(
        retry: Urllib3Retry) -> None:
    # urllib3 waits max(0, min(backoff_max, factor * 2^n)): never below 0, never
    # past backoff_max. The conversion keeps that meaning instead of refusing.
    policy = RetryPolicy.from_urllib3(retry, deadline=float("inf"))  # urllib3 has none
    for attempt in (1, 2):
        decision = decide(policy, status=503, attempt=attempt)
        assert isinstance(decision, Retry)
        assert 0 <= decision.after <= max(0.0, retry.backoff_max)
