from hypothesis import given
from hypothesis import strategies as st

from statuskit.http import ETag, parse_etag, parse_etags, strong_match, weak_match

etagc = st.characters(
    codec="latin-1", exclude_characters='"\x7f', min_codepoint=0x21
)
etags = st.builds(ETag, st.text(etagc, max_size=20), st.booleans())


def test_strong_tag_parses() -> None:
    assert parse_etag('"xyzzy"') == ETag("xyzzy")


def test_weak_tag_parses() -> None:
    assert parse_etag('W/"xyzzy"') == ETag("xyzzy", weak=True)


def test_unquoted_tag_is_invalid() -> None:
    assert parse_etag("xyzzy") is None


def test_lowercase_weak_prefix_is_invalid() -> None:
    # RFC 9110 §8.8.3: the weak indicator is case-sensitive "W/"
    assert parse_etag('w/"xyzzy"') is None


def test_star_is_any() -> None:
    assert parse_etags(" * ") == "*"


def test_list_with_comma_inside_a_tag() -> None:
    assert parse_etags('"a,b", W/"c"') == (ETag("a,b"), ETag("c", weak=True))


def test_list_with_empty_members_ignores_them() -> None:
    assert parse_etags('"a", , "b"') == (ETag("a"), ETag("b"))


def test_malformed_list_is_none() -> None:
    assert parse_etags('"a", b') is None
    assert parse_etags("") is None


def test_comparison_table_of_rfc_9110_8_8_3_2() -> None:
    w1, w2, s1 = ETag("1", weak=True), ETag("2", weak=True), ETag("1")
    assert (strong_match(w1, w1), weak_match(w1, w1)) == (False, True)
    assert (strong_match(w1, w2), weak_match(w1, w2)) == (False, False)
    assert (strong_match(w1, s1), weak_match(w1, s1)) == (False, True)
    assert (strong_match(s1, s1), weak_match(s1, s1)) == (True, True)


@given(etags)
def test_format_then_parse_round_trips(tag: ETag) -> None:
    assert parse_etag(str(tag)) == tag


@given(st.lists(etags, min_size=1, max_size=5))
def test_list_round_trips(tags: list[ETag]) -> None:
    assert parse_etags(", ".join(map(str, tags))) == tuple(tags)


@given(st.text())
def test_parsers_never_raise(value: str) -> None:
    tag = parse_etag(value)
    assert tag is None or parse_etag(str(tag)) == tag  # what parses, formats back the same
    tags = parse_etags(value)
    assert tags is None or tags == "*" or all(isinstance(t, ETag) for t in tags)
