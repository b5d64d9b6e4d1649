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
                                   "9" * 40, "١٢", None, b"\xff"])
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
