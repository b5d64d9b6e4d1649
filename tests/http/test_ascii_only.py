"""Every grammar in statuskit.http is ASCII: DIGIT is %x30-39 and ALPHA is
%x41-5A / %x61-7A (RFC 5234 Appendix B.1, used by RFC 9110 §1.2). A Unicode
digit ("١", "🯱") or a letter that only case-folds to ASCII (the Kelvin sign
"K", the long s "ſ") must make a value malformed, never a number or a token.

Each property takes a valid value, puts one non-ASCII character where the
grammar wants an ASCII one, and asserts the parser refuses it.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from statuskit.http import (
    format_http_date,
    parse_accept,
    parse_content_range,
    parse_content_type,
    parse_http_date,
    parse_parameters,
    parse_qlist,
    parse_range,
    parse_retry_after,
    parse_unsatisfied_range,
)

UNICODE_DIGITS = st.characters(categories=["Nd"]).filter(lambda c: not c.isascii())
# Non-ASCII letters that lower-case or case-fold onto ASCII letters.
FOLDING_LETTERS = {"k": "\u212a", "s": "\u017f", "i": "\u0130"}
SECONDS = st.integers(0, 253402300799)  # up to 9999-12-31


def with_unicode_digit(value: str, data: st.DataObject) -> str:
    spots = [i for i, c in enumerate(value) if c in "0123456789"]
    i = data.draw(st.sampled_from(spots))
    return value[:i] + data.draw(UNICODE_DIGITS) + value[i + 1:]


def with_folding_letter(value: str, data: st.DataObject) -> str:
    spots = [i for i, c in enumerate(value) if c.lower() in FOLDING_LETTERS]
    i = data.draw(st.sampled_from(spots))
    return value[:i] + FOLDING_LETTERS[value[i].lower()] + value[i + 1:]


RANGE_SPECS = st.lists(st.one_of(
    st.tuples(st.integers(0, 10**6), st.integers(0, 10**6)).map(
        lambda p: f"{p[0]}-{p[0] + p[1]}"),
    st.integers(0, 10**6).map(lambda n: f"{n}-"),
    st.integers(1, 10**6).map(lambda n: f"-{n}"),
), min_size=1, max_size=5).map(lambda specs: "bytes=" + ", ".join(specs))


@given(RANGE_SPECS, st.data())
def test_range_takes_only_ascii_digits(value: str, data: st.DataObject) -> None:
    assert parse_range(value) is not None
    assert parse_range(with_unicode_digit(value, data)) is None


def test_range_of_mathematical_digits_is_malformed() -> None:
    assert parse_range("bytes=\U0001fbf1\U0001fbf2\U0001fbf3-") is None  # the "🯱🯲🯳-"


@given(st.integers(0, 10**9), st.integers(0, 10**6), st.integers(1, 10**6), st.data())
def test_content_range_takes_only_ascii_digits(first: int, size: int, extra: int,
                                               data: st.DataObject) -> None:
    value = f"bytes {first}-{first + size}/{first + size + extra}"
    assert parse_content_range(value) is not None
    assert parse_content_range(with_unicode_digit(value, data)) is None


@given(st.integers(0, 10**12), st.data())
def test_unsatisfied_range_takes_only_ascii_digits(length: int, data: st.DataObject) -> None:
    value = f"bytes */{length}"
    assert parse_unsatisfied_range(value) == length
    assert parse_unsatisfied_range(with_unicode_digit(value, data)) is None


def test_range_units_take_only_ascii_letters() -> None:
    assert parse_content_range("byte\u017f 0-1/2") is None
    assert parse_unsatisfied_range("byte\u017f */2") is None
    assert parse_range("byte\u017f=0-1") is None


@given(SECONDS, st.sampled_from(["imf", "rfc850", "asctime"]), st.data())
def test_http_date_takes_only_ascii_digits(seconds: int, form: str,
                                           data: st.DataObject) -> None:
    moment = datetime.fromtimestamp(seconds, UTC)
    if form == "imf":
        value = format_http_date(seconds)
    elif form == "rfc850":
        value = time.strftime("%A, %d-%b-%y %H:%M:%S GMT", moment.timetuple())
    else:
        value = time.strftime("%a %b %e %H:%M:%S %Y", moment.timetuple())
    assert parse_http_date(value) is not None
    assert parse_http_date(with_unicode_digit(value, data)) is None


@given(st.integers(0, 10**9), st.data())
def test_retry_after_takes_only_ascii_digits(seconds: int, data: st.DataObject) -> None:
    value = str(seconds)
    assert parse_retry_after(value) == seconds
    assert parse_retry_after(with_unicode_digit(value, data)) is None


QVALUES = st.sampled_from(["0", "1"]).flatmap(
    lambda lead: st.just("1.000") if lead == "1" else
    st.integers(0, 999).map(lambda n: f"0.{n:03d}"))


@given(QVALUES, st.data())
def test_qvalues_take_only_ascii_digits(q: str, data: st.DataObject) -> None:
    assert parse_accept(f"text/plain;q={q}")[0].q == float(q)
    assert parse_accept(f"text/plain;q={with_unicode_digit(q, data)}") == ()
    assert parse_qlist(f"gzip;q={q}") == (("gzip", float(q)),)
    assert parse_qlist(f"gzip;q={with_unicode_digit(q, data)}") == ()


@given(st.sampled_from(["text/markdown", "application/json", "image/svg+xml", "text/x-k"]),
       st.data())
def test_media_types_take_only_ascii_letters(media: str, data: st.DataObject) -> None:
    folded = with_folding_letter(media, data) if any(
        c in FOLDING_LETTERS for c in media) else media.replace("t", "\u212a", 1)
    assert parse_content_type(media) is not None
    assert parse_content_type(folded) is None
    assert parse_accept(folded) == ()


def test_parameter_names_take_only_ascii_letters() -> None:
    assert parse_parameters(["\u212aey=v"]) is None  # Kelvin sign, lower-cases to "k"
    assert parse_qlist("g\u0130p") == ()
    assert parse_qlist("\u212aoi8-r") == ()


def test_huge_numbers_never_raise() -> None:
    digits = "9" * 4301  # past Python's int() limit for str
    assert parse_range(f"bytes={digits}-") is not None
    assert parse_range(f"bytes=-{digits}") is not None
    assert parse_range(f"bytes=0-{digits}") is not None
    assert parse_range(f"bytes={digits}-{digits}1") is not None
    assert parse_range(f"bytes={digits}1-{digits}") is None  # first > last: invalid
    assert parse_content_range(f"bytes 0-1/{digits}") is None
    assert parse_unsatisfied_range(f"bytes */{digits}") is None
