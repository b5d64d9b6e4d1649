"""DIGIT is %x30-39 (RFC 5234 B.1): header grammar refuses other Unicode digits,
which Python's \\d, str.isdigit() and int() all accept."""

from __future__ import annotations

import pytest

from statuskit.http.accept import parse_accept
from statuskit.http.dates import parse_http_date
from statuskit.http.ranges import parse_content_range, parse_range, parse_unsatisfied_range

ARABIC_ZERO_ONE = "\u0660-\u0661"


def test_range_with_arabic_indic_digits_is_not_a_range():
    assert parse_range(f"bytes={ARABIC_ZERO_ONE}") is None
    assert parse_range("bytes=0-1") is not None


def test_content_range_with_fullwidth_digits_is_not_parsed():
    assert parse_content_range("bytes \uff10-\uff11/\uff13") is None
    assert parse_unsatisfied_range("bytes */\uff13") is None
    assert parse_content_range("bytes 0-1/3") == (0, 1, 3)


@pytest.mark.parametrize("value", [
    "Sun, \u0660\u0666 Nov 1994 08:49:37 GMT",
    "Sunday, 06-Nov-\u0669\u0664 08:49:37 GMT",
    "Sun Nov  6 08:49:37 \u0661\u0669\u0669\u0664",
])
def test_http_date_with_non_ascii_digits_is_not_a_date(value):
    assert parse_http_date(value) is None


def test_qvalue_with_non_ascii_digit_is_refused():
    assert parse_accept("text/html;q=0.5") is not None
    assert parse_accept("text/html;q=0.\u0665") == ()  # a bad qvalue drops the member
