"""The precondition and range functions other layers share, called with plain values."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from statuskit.http import ETag, format_http_date
from statuskit.resource import (
    NOT_MODIFIED,
    PRECONDITION_FAILED,
    coalesce_ranges,
    evaluate_preconditions,
    if_range_holds,
    multipart_byteranges,
    select_range,
)

TAG = ETag("v7")
MODIFIED = 1_700_000_000.0


def test_unconditional_request_goes_on() -> None:
    assert evaluate_preconditions("GET", etag=TAG, last_modified=MODIFIED) is None


def test_if_none_match_on_get_is_304_and_on_put_412() -> None:
    assert evaluate_preconditions("GET", if_none_match='"v7"', etag=TAG) == NOT_MODIFIED
    assert evaluate_preconditions("PUT", if_none_match='"v7"', etag=TAG) == PRECONDITION_FAILED


def test_if_match_on_a_missing_get_is_ignored() -> None:
    # RFC 9110 §13.2.1: without If-Match the answer is 404, so If-Match does not count.
    assert evaluate_preconditions("GET", if_match="*", exists=False) is None
    assert evaluate_preconditions("DELETE", if_match='"v7"', exists=False) is None


def test_if_match_on_a_missing_put_is_412() -> None:
    assert evaluate_preconditions("PUT", if_match="*", exists=False) == PRECONDITION_FAILED
    assert evaluate_preconditions("PUT", if_none_match="*", exists=False) is None


def test_a_post_that_creates_says_so() -> None:
    assert evaluate_preconditions("POST", if_match="*", exists=False, creates=True) == 412


def test_dates_may_be_datetimes() -> None:
    moment = datetime.fromtimestamp(MODIFIED, UTC)
    since = format_http_date(MODIFIED)
    assert evaluate_preconditions("GET", if_modified_since=since, last_modified=moment,
                                  now=MODIFIED + 10) == NOT_MODIFIED


def test_if_modified_since_in_the_future_is_ignored() -> None:
    since = format_http_date(MODIFIED + 100)
    assert evaluate_preconditions("GET", if_modified_since=since, last_modified=MODIFIED,
                                  now=MODIFIED + 10) is None


def test_the_trace_names_the_nodes() -> None:
    nodes: list[str] = []
    evaluate_preconditions("GET", if_none_match="*", etag=TAG, note=nodes.append)
    assert nodes == ["g8", "h10", "i12", "i13", "j18"]


def test_select_range_one_part() -> None:
    part = select_range("GET", "bytes=1-2", None, b"abcd", "text/plain")
    assert part is not None
    assert (part.status, part.content_range, part.content_type, part.body) == \
        (206, "bytes 1-2/4", None, b"bc")


def test_select_range_unsatisfiable_is_416_with_length() -> None:
    part = select_range("GET", "bytes=9-", None, b"abcd", "text/plain")
    assert part is not None
    assert (part.status, part.content_range, part.body) == (416, "bytes */4", b"")


def test_select_range_ignores_head_and_stale_if_range() -> None:
    assert select_range("HEAD", "bytes=0-0", None, b"abcd", "text/plain") is None
    assert select_range("GET", "bytes=0-0", '"v6"', b"abcd", "text/plain", etag=TAG) is None


def test_if_range_date_must_equal_last_modified() -> None:
    assert if_range_holds(format_http_date(MODIFIED), None, MODIFIED)
    assert not if_range_holds(format_http_date(MODIFIED - 1), None, MODIFIED)


def test_multipart_byteranges_layout() -> None:
    media, body = multipart_byteranges(b"abcdef", [(4, 5), (0, 1)], "text/plain", "XYZ")
    assert media == "multipart/byteranges; boundary=XYZ"
    assert body == (b"--XYZ\r\nContent-Type: text/plain\r\nContent-Range: bytes 4-5/6\r\n\r\n"
                    b"ef\r\n--XYZ\r\nContent-Type: text/plain\r\nContent-Range: bytes 0-1/6"
                    b"\r\n\r\nab\r\n--XYZ--\r\n")


RANGES = st.lists(st.tuples(st.integers(0, 200), st.integers(0, 50))
                  .map(lambda p: (p[0], p[0] + p[1])), min_size=1, max_size=12)


@given(RANGES)
def test_coalescing_covers_the_same_bytes_in_disjoint_parts(parts: list[tuple[int, int]]) -> None:
    merged = coalesce_ranges(parts)
    asked = {i for first, last in parts for i in range(first, last + 1)}
    sent = [i for first, last in merged for i in range(first, last + 1)]
    assert sorted(sent) == sorted(asked)  # every byte asked for, each once
    spans = sorted(merged)
    assert all(a[1] + 1 < b[0] for a, b in itertools.pairwise(spans))


@given(RANGES)
def test_coalesced_parts_keep_request_order(parts: list[tuple[int, int]]) -> None:
    # RFC 9110 §15.3.7.2: each part sits where the earliest range it holds was asked.
    merged = coalesce_ranges(parts)

    def earliest(span: tuple[int, int]) -> int:
        return min(i for i, (first, last) in enumerate(parts)
                   if span[0] <= first and last <= span[1])

    places = [earliest(span) for span in merged]
    assert places == sorted(places)
