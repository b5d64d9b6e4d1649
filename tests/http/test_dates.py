from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from statuskit.http import format_http_date, parse_http_date

NOV_6_1994 = datetime(1994, 11, 6, 8, 49, 37, tzinfo=UTC)


def test_imf_fixdate_parses() -> None:
    assert parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT") == NOV_6_1994


def test_rfc850_date_parses() -> None:
    assert parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT") == NOV_6_1994


def test_asctime_date_parses() -> None:
    assert parse_http_date("Sun Nov  6 08:49:37 1994") == NOV_6_1994


def test_rfc850_year_more_than_50_years_ahead_is_last_century() -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC).timestamp()
    parsed = parse_http_date("Friday, 01-Jan-77 00:00:00 GMT", now=now)
    assert parsed is not None and parsed.year == 2077 - 100


def test_rfc850_year_within_50_years_stays_in_this_century() -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC).timestamp()
    parsed = parse_http_date("Saturday, 01-Jan-67 00:00:00 GMT", now=now)
    assert parsed is not None and parsed.year == 2067


def test_bytes_are_accepted() -> None:
    assert parse_http_date(b"Sun, 06 Nov 1994 08:49:37 GMT") == NOV_6_1994


def test_non_gmt_zone_is_not_an_http_date() -> None:
    assert parse_http_date("Sun, 06 Nov 1994 08:49:37 PST") is None


def test_impossible_day_is_not_an_http_date() -> None:
    assert parse_http_date("Mon, 31 Feb 2000 00:00:00 GMT") is None


def test_lowercase_month_is_not_an_http_date() -> None:
    # RFC 9110 §5.6.7: day-name and month are case-sensitive
    assert parse_http_date("Sun, 06 nov 1994 08:49:37 GMT") is None


def test_format_is_imf_fixdate() -> None:
    assert format_http_date(NOV_6_1994) == "Sun, 06 Nov 1994 08:49:37 GMT"
    assert format_http_date(0) == "Thu, 01 Jan 1970 00:00:00 GMT"


def test_naive_datetime_is_taken_as_utc() -> None:
    assert format_http_date(datetime(1994, 11, 6, 8, 49, 37)) == "Sun, 06 Nov 1994 08:49:37 GMT"


@given(st.text())
def test_parser_never_raises_on_text(value: str) -> None:
    parsed = parse_http_date(value)
    assert parsed is None or parsed.utcoffset() == timedelta(0)  # RFC 9110 §5.6.7: GMT


@given(st.binary())
def test_parser_never_raises_on_bytes(value: bytes) -> None:
    parsed = parse_http_date(value)
    assert parsed is None or parsed.utcoffset() == timedelta(0)


@given(st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31)))
def test_format_then_parse_round_trips_to_the_second(moment: datetime) -> None:
    moment = moment.replace(microsecond=0, tzinfo=UTC)
    assert parse_http_date(format_http_date(moment)) == moment
