from hypothesis import given
from hypothesis import strategies as st

from statuskit.http import (
    negotiate,
    negotiate_charset,
    negotiate_encoding,
    negotiate_language,
    parse_accept,
    parse_qlist,
)

OFFERS = ["application/json", "text/plain", "text/markdown"]


def test_missing_accept_takes_the_first_offer() -> None:
    assert negotiate(OFFERS, None) == "application/json"


def test_exact_type_wins() -> None:
    assert negotiate(OFFERS, "text/markdown") == "text/markdown"


def test_highest_q_wins() -> None:
    assert negotiate(OFFERS, "application/json;q=0.5, text/plain") == "text/plain"


def test_server_order_breaks_ties() -> None:
    assert negotiate(OFFERS, "text/*") == "text/plain"


def test_q_zero_excludes_a_type() -> None:
    assert negotiate(OFFERS, "*/*, application/json;q=0") == "text/plain"


def test_more_specific_range_decides_the_q() -> None:
    # RFC 9110 §12.5.1: text/plain;q=0 overrides text/* for text/plain
    assert negotiate(["text/plain", "text/markdown"], "text/*, text/plain;q=0") == "text/markdown"


def test_nothing_acceptable_is_none() -> None:
    assert negotiate(OFFERS, "image/png") is None


def test_unusable_accept_is_treated_as_absent() -> None:
    assert negotiate(OFFERS, ";;;") == "application/json"


def test_invalid_q_skips_the_member() -> None:
    assert [r.type for r in parse_accept("text/plain;q=2, text/html;q=0.5")] == ["text"]
    assert parse_accept("text/html;q=0.5")[0].q == 0.5


def test_media_type_parameters_must_match() -> None:
    assert negotiate(["text/plain;charset=utf-8"], "text/plain;charset=latin1") is None
    assert negotiate(["text/plain;charset=utf-8"], "text/plain;charset=utf-8") is not None


def test_qlist_parses_tokens_and_weights() -> None:
    assert parse_qlist("gzip;q=0.5, br, *;q=0") == (("gzip", 0.5), ("br", 1.0), ("*", 0.0))


def test_language_prefix_matches() -> None:
    assert negotiate_language(["de", "en-US"], "en") == "en-US"


def test_language_longest_range_decides() -> None:
    assert negotiate_language(["en-GB", "en-US"], "en;q=0.5, en-US") == "en-US"


def test_language_nothing_acceptable_is_none() -> None:
    assert negotiate_language(["de"], "fr") is None


def test_identity_encoding_is_acceptable_unless_excluded() -> None:
    assert negotiate_encoding(["identity"], "gzip") == "identity"
    assert negotiate_encoding(["identity"], "identity;q=0") is None
    assert negotiate_encoding(["identity"], "*;q=0") is None


def test_encoding_not_named_is_not_acceptable() -> None:
    assert negotiate_encoding(["br", "gzip"], "gzip") == "gzip"


def test_charset_not_named_needs_a_star() -> None:
    assert negotiate_charset(["utf-8"], "iso-8859-1") is None
    assert negotiate_charset(["utf-8"], "iso-8859-1, *;q=0.1") == "utf-8"


@given(st.text())
def test_parsers_never_raise(value: str) -> None:
    assert all(0 <= r.q <= 1 for r in parse_accept(value))  # RFC 9110 §12.4.2
    assert all(0 <= q <= 1 for _, q in parse_qlist(value))
    assert negotiate(OFFERS, value) in (*OFFERS, None)
    assert negotiate_language(["en"], value) in ("en", None)
    assert negotiate_encoding(["gzip", "identity"], value) in ("gzip", "identity", None)
    assert negotiate_charset(["utf-8"], value) in ("utf-8", None)


@given(st.sampled_from(OFFERS), st.integers(1, 1000))
def test_chosen_type_is_always_an_offer_with_positive_q(media: str, q: int) -> None:
    header = f"{media};q={q / 1000:.3f}"
    assert negotiate(OFFERS, header) == media
