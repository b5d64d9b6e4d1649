"""statuskit's grammar against werkzeug.http on generated valid inputs.

Where the two agree, nothing is asserted beyond agreement. Where werkzeug
departs from RFC 9110, the divergence is listed below with its section and
statuskit's RFC behaviour is asserted instead.
"""

from datetime import UTC, datetime

import werkzeug.http as wz
from hypothesis import given
from hypothesis import strategies as st
from werkzeug.datastructures import MIMEAccept

from statuskit.http import (
    ETag,
    RangeSpec,
    format_http_date,
    negotiate,
    parse_etags,
    parse_http_date,
    parse_range,
    resolve_ranges,
)

moments = st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(9999, 12, 31)).map(
    lambda d: d.replace(microsecond=0, tzinfo=UTC)
)


@given(moments)
def test_imf_fixdate_agrees(moment: datetime) -> None:
    text = format_http_date(moment)
    assert parse_http_date(text) == wz.parse_date(text) == moment
    assert wz.http_date(moment) == text


@given(moments)
def test_asctime_agrees(moment: datetime) -> None:
    text = moment.strftime("%a %b ") + f"{moment.day:>2}" + moment.strftime(" %H:%M:%S %Y")
    assert parse_http_date(text) == wz.parse_date(text) == moment


def test_divergence_dates_outside_the_grammar() -> None:
    # RFC 9110 §5.6.7: HTTP-date is case-sensitive, two-digit day, always GMT.
    # werkzeug (email.utils) accepts all of these; statuskit does not.
    for text in (
        "Sun, 06 Nov 1994 08:49:37 PST",
        "Sun, 06 nov 1994 08:49:37 GMT",
        "Sun, 6 Nov 1994 08:49:37 GMT",
        "Sun, 06 Nov 1994 08:49:37",
    ):
        assert wz.parse_date(text) is not None
        assert parse_http_date(text) is None


def _ascending(points: list[int]) -> list[tuple[int, int]]:
    # werkzeug accepts only ascending, non-overlapping ranges; see the divergence below
    ordered = sorted(set(points))
    return [(ordered[i], ordered[i + 1] - 1) for i in range(0, len(ordered) - 1, 2)]


range_pairs = st.lists(st.integers(0, 10**9), min_size=2, max_size=10).map(_ascending).filter(bool)


@given(range_pairs)
def test_int_ranges_agree(pairs: list[tuple[int, int]]) -> None:
    header = "bytes=" + ",".join(f"{a}-{b}" for a, b in pairs)
    theirs = wz.parse_range_header(header)
    ours = parse_range(header)
    assert theirs is not None and ours is not None
    # werkzeug's stops are exclusive; statuskit keeps the header's inclusive last-pos
    assert [(s.first, s.last) for s in ours] == [(a, b - 1) for a, b in theirs.ranges]


@given(st.integers(1, 10**9))
def test_suffix_ranges_agree(n: int) -> None:
    theirs = wz.parse_range_header(f"bytes=-{n}")
    assert theirs is not None and theirs.ranges == [(-n, None)]
    assert parse_range(f"bytes=-{n}") == (RangeSpec(None, n),)


def test_divergence_overlapping_ranges() -> None:
    # RFC 9110 §14.1.1 allows overlapping or unordered ranges; §14.2 lets the
    # server coalesce them. werkzeug ignores the whole field instead.
    assert wz.parse_range_header("bytes=0-0,0-0") is None
    assert wz.parse_range_header("bytes=5-9,0-1") is None
    assert parse_range("bytes=5-9,0-1") == (RangeSpec(5, 9), RangeSpec(0, 1))


def test_divergence_zero_suffix_range() -> None:
    # RFC 9110 §14.1.3: a suffix-length of 0 is valid syntax that selects nothing,
    # so alone it is unsatisfiable (416). werkzeug 3.1.8 and older read "-0" as the
    # whole representation; 3.1.9 ignores the field (200). Neither gives 416.
    theirs = wz.parse_range_header("bytes=-0")
    assert theirs is None or theirs.ranges == [(0, None)]
    ours = parse_range("bytes=-0")
    assert ours == (RangeSpec(None, 0),)
    assert resolve_ranges(ours, 100) == ()


def test_divergence_unknown_range_unit() -> None:
    # RFC 9110 §14.2: a Range in a unit the server does not support is ignored.
    # werkzeug parses it and leaves the unit check to the caller.
    theirs = wz.parse_range_header("items=0-1")
    assert theirs is not None and theirs.units == "items"
    assert parse_range("items=0-1") is None


def test_divergence_empty_range_list_members() -> None:
    # RFC 9110 §5.6.1: empty list elements are ignored; werkzeug rejects the field.
    assert wz.parse_range_header("bytes=0-1,,2-3") is None
    assert parse_range("bytes=0-1,,2-3") == (RangeSpec(0, 1), RangeSpec(2, 3))


opaque = st.text(
    st.characters(codec="ascii", exclude_characters='"\\,\x7f ', min_codepoint=0x21),
    min_size=1,
    max_size=12,
)


@given(st.lists(st.tuples(opaque, st.booleans()), min_size=1, max_size=5))
def test_etag_lists_agree(tags: list[tuple[str, bool]]) -> None:
    header = ", ".join(str(ETag(o, w)) for o, w in tags)
    ours = parse_etags(header)
    theirs = wz.parse_etags(header)
    assert ours != "*" and ours is not None
    for tag in ours:
        assert theirs.contains_weak(tag.opaque)
        assert theirs.contains(tag.opaque) == any(
            not t.weak and t.opaque == tag.opaque for t in ours
        )


def test_divergence_empty_opaque_tag() -> None:
    # RFC 9110 §8.8.3: opaque-tag = DQUOTE *etagc DQUOTE, so "" is a valid tag;
    # werkzeug reads it as the tag "None".
    assert not wz.parse_etags('""').contains("")
    assert parse_etags('""') == (ETag(""),)


def test_divergence_etag_syntax() -> None:
    # RFC 9110 §8.8.3: entity-tags are quoted and "W/" is case-sensitive;
    # werkzeug accepts an unquoted tag and a lowercase "w/".
    assert wz.parse_etags('"a", b').contains("b")
    assert parse_etags('"a", b') is None
    assert wz.parse_etags('w/"a"').contains_weak("a")
    assert parse_etags('w/"a"') is None


OFFERS = ["text/plain", "application/json", "text/html"]
# Exact types only: with wildcards the two disagree on which range decides (below).
media_ranges = st.sampled_from([*OFFERS, "image/png"])
qs = st.integers(1, 1000).map(lambda q: q / 1000)


@given(st.lists(st.tuples(media_ranges, qs), min_size=1, max_size=4, unique_by=lambda t: t[0]))
def test_accept_best_match_agrees_on_positive_q(members: list[tuple[str, float]]) -> None:
    header = ", ".join(f"{m};q={q:.3f}" for m, q in members)
    theirs = MIMEAccept(wz.parse_accept_header(header)).best_match(OFFERS)
    ours = negotiate(OFFERS, header)
    # Equal q-values may be broken differently (werkzeug prefers the more specific
    # range's offer); both must then pick an offer of the same weight.
    if theirs != ours:
        assert ours is not None and theirs is not None
        weight = dict(members)
        assert _q(weight, ours) == _q(weight, theirs)


def _q(weights: dict[str, float], media: str) -> float:
    kind = media.split("/")[0]
    for key in (media, f"{kind}/*", "*/*"):
        if key in weights:
            return weights[key]
    return 0.0


def test_divergence_q_decides_not_specificity() -> None:
    # RFC 9110 §12.5.1: specificity picks the range that applies to a type; the
    # q-value then decides. werkzeug lets the more specific range win outright.
    header = "*/*;q=0.002, text/*;q=0.001"
    assert MIMEAccept(wz.parse_accept_header(header)).best_match(OFFERS) == "text/plain"
    assert negotiate(OFFERS, header) == "application/json"


def test_divergence_more_specific_q_zero_wins() -> None:
    # RFC 9110 §12.5.1: the most specific range decides a type's q, so
    # "text/plain;q=0" excludes text/plain even under "text/*".
    header = "text/*, text/plain;q=0"
    assert MIMEAccept(wz.parse_accept_header(header)).best_match(OFFERS) == "text/plain"
    assert negotiate(OFFERS, header) == "text/html"
