from hypothesis import given
from hypothesis import strategies as st

from statuskit.http import (
    RangeSpec,
    format_content_range,
    format_unsatisfied_range,
    parse_content_range,
    parse_range,
    parse_unsatisfied_range,
    resolve_ranges,
)
from statuskit.http.ranges import MAX_RANGES


def test_first_last_range() -> None:
    assert parse_range("bytes=0-499") == (RangeSpec(0, 499),)


def test_open_ended_range() -> None:
    assert parse_range("bytes=9500-") == (RangeSpec(9500, None),)


def test_suffix_range() -> None:
    assert parse_range("bytes=-500") == (RangeSpec(None, 500),)


def test_several_ranges_with_whitespace() -> None:
    assert parse_range("bytes=0-0 , -1") == (RangeSpec(0, 0), RangeSpec(None, 1))


def test_unit_is_case_insensitive() -> None:
    assert parse_range("Bytes=1-2") == (RangeSpec(1, 2),)


def test_unknown_unit_is_ignored() -> None:
    assert parse_range("items=0-5") is None


def test_first_after_last_is_ignored() -> None:
    assert parse_range("bytes=5-1") is None


def test_garbage_is_ignored() -> None:
    for value in ("bytes=", "bytes=-", "bytes=a-b", "bytes 0-1", "bytes=1-2-3"):
        assert parse_range(value) is None, value


def test_too_many_ranges_are_ignored() -> None:
    many = ",".join(f"{i}-{i}" for i in range(MAX_RANGES + 1))
    assert parse_range("bytes=" + many) is None


def test_resolve_clamps_last_to_the_end() -> None:
    assert resolve_ranges(parse_range("bytes=90-200") or (), 100) == ((90, 99),)


def test_resolve_suffix_longer_than_the_representation_is_all_of_it() -> None:
    assert resolve_ranges((RangeSpec(None, 500),), 100) == ((0, 99),)


def test_resolve_first_past_the_end_is_unsatisfiable() -> None:
    assert resolve_ranges((RangeSpec(100, None),), 100) == ()


def test_resolve_zero_suffix_is_unsatisfiable() -> None:
    assert resolve_ranges((RangeSpec(None, 0),), 100) == ()


def test_resolve_keeps_only_satisfiable_parts() -> None:
    assert resolve_ranges((RangeSpec(0, 0), RangeSpec(500, None)), 100) == ((0, 0),)


def test_content_range_formats() -> None:
    assert format_content_range(0, 9, 100) == "bytes 0-9/100"
    assert format_content_range(0, 9, None) == "bytes 0-9/*"
    assert format_unsatisfied_range(100) == "bytes */100"


def test_content_range_parses() -> None:
    assert parse_content_range("bytes 0-9/100") == (0, 9, 100)
    assert parse_content_range("bytes 0-9/*") == (0, 9, None)
    assert parse_content_range("bytes 9-0/100") is None
    assert parse_content_range("bytes 0-100/100") is None
    assert parse_unsatisfied_range("bytes */100") == 100


@given(st.text())
def test_parsers_never_raise(value: str) -> None:
    specs = parse_range(value)
    assert specs is None or (len(specs) > 0 and all(isinstance(s, RangeSpec) for s in specs))
    content_range = parse_content_range(value)
    if content_range is not None:
        first, last, complete = content_range
        assert 0 <= first <= last
        assert complete is None or last < complete  # RFC 9110 §14.4
    length = parse_unsatisfied_range(value)
    assert length is None or length >= 0


@given(
    st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 10**6)), min_size=1, max_size=8),
    st.integers(0, 2 * 10**6),
)
def test_resolved_ranges_lie_inside_the_representation(
    pairs: list[tuple[int, int]], length: int
) -> None:
    specs = parse_range("bytes=" + ",".join(f"{min(p)}-{max(p)}" for p in pairs))
    assert specs is not None
    for first, last in resolve_ranges(specs, length):
        assert 0 <= first <= last < length


@given(st.integers(0, 10**9), st.integers(0, 10**9), st.integers(1, 10**9))
def test_content_range_round_trips(a: int, b: int, extra: int) -> None:
    first, last = min(a, b), max(a, b)
    length = last + extra
    assert parse_content_range(format_content_range(first, last, length)) == (first, last, length)
