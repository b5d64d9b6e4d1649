import pytest
from hypothesis import given
from hypothesis import strategies as st

from statuskit.http import format_http_date, format_retry_after, parse_retry_after

NOW = 1_700_000_000.0


def test_delta_seconds() -> None:
    assert parse_retry_after("120") == 120.0


def test_http_date_is_measured_from_now() -> None:
    assert parse_retry_after(format_http_date(NOW + 30), now=NOW) == 30.0


def test_past_date_means_no_wait() -> None:
    assert parse_retry_after(format_http_date(NOW - 30), now=NOW) == 0.0


@pytest.mark.parametrize("value", ["-1", "1.5", "", " ", "soon", "5, 10", "+5", "0x10", "1e3",
                                   "١٢", None, b"\xff"])
def test_invalid_values_are_none(value: str | bytes | None) -> None:
    assert parse_retry_after(value) is None


def test_format_rounds_up() -> None:
    assert format_retry_after(0.2) == "1"
    assert format_retry_after(3) == "3"


@given(st.text())
def test_parser_never_raises_on_text(value: str) -> None:
    result = parse_retry_after(value, now=NOW)
    assert result is None or result >= 0


@given(st.binary())
def test_parser_never_raises_on_bytes(value: bytes) -> None:
    result = parse_retry_after(value, now=NOW)
    assert result is None or result >= 0


@given(st.integers(0, 10**9))
def test_format_then_parse_round_trips(seconds: int) -> None:
    assert parse_retry_after(format_retry_after(seconds)) == seconds


@pytest.mark.parametrize("digits", [13, 19, 30, 4_000])
def test_a_delay_seconds_too_large_to_hold_saturates(digits: int) -> None:
    # RFC 9110 §10.2.3 (1*DIGIT, no bound) and RFC 9111 §1.2.2 (too large: 2^31).
    assert parse_retry_after("9" * digits) == 2.0 ** 31
    assert parse_retry_after(("9" * digits).encode()) == 2.0 ** 31


def test_leading_zeros_keep_a_long_delay_seconds_its_value() -> None:
    # 1*DIGIT: zeros in front do not make a delay longer.
    assert parse_retry_after("0" * 40 + "5") == 5.0
    assert parse_retry_after("0" * 4_000 + "2147483648") == 2.0 ** 31
    assert parse_retry_after("2147483647") == 2147483647.0
