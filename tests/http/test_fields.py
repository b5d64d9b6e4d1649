import pytest
from hypothesis import given
from hypothesis import strategies as st

from statuskit.http import (
    IDEMPOTENT_METHODS,
    REGISTERED_METHODS,
    SAFE_METHODS,
    format_allow,
    is_token,
    parse_allow,
    parse_content_type,
    parse_list,
)

methods = st.sampled_from(sorted(REGISTERED_METHODS))


def test_list_drops_empty_members_and_whitespace() -> None:
    assert parse_list(" a, ,b ,,c") == ["a", "b", "c"]


def test_list_keeps_commas_inside_quotes() -> None:
    assert parse_list('"a, b", c') == ['"a, b"', "c"]


def test_token() -> None:
    assert is_token("GET") and is_token("x-custom!")
    assert not is_token("") and not is_token("a b") and not is_token("a/b")


def test_content_type_lowercases_type_and_parameter_names() -> None:
    assert parse_content_type('Text/Plain; Charset="utf-8"') == ("text/plain", {"charset": "utf-8"})


def test_malformed_content_type_is_none() -> None:
    for value in ("text", "text/", "/plain", "text/plain; charset", 'text/plain; a="b'):
        assert parse_content_type(value) is None, value


def test_allow_formats_each_method_once_in_order() -> None:
    assert format_allow(["GET", "HEAD", "GET", "OPTIONS"]) == "GET, HEAD, OPTIONS"


def test_allow_refuses_a_non_token() -> None:
    with pytest.raises(ValueError):
        format_allow(["GET", "BAD METHOD"])


def test_empty_allow_means_no_methods() -> None:
    assert parse_allow("") == frozenset()


def test_registry_classifies_methods() -> None:
    assert {"GET", "HEAD", "OPTIONS", "QUERY"} <= SAFE_METHODS
    assert "POST" not in IDEMPOTENT_METHODS and "PATCH" not in IDEMPOTENT_METHODS
    assert {"PUT", "DELETE"} <= IDEMPOTENT_METHODS
    assert SAFE_METHODS <= IDEMPOTENT_METHODS <= REGISTERED_METHODS
    assert "FROB" not in REGISTERED_METHODS


@given(st.lists(methods, max_size=10))
def test_allow_round_trips(values: list[str]) -> None:
    assert parse_allow(format_allow(values)) == frozenset(values)


@given(st.text())
def test_parsers_never_raise(value: str) -> None:
    # RFC 9110 §5.6.1: empty members dropped, optional whitespace (SP, HTAB) trimmed
    assert all(member and member == member.strip(" \t") for member in parse_list(value))
    assert all(is_token(method) for method in parse_allow(value))  # RFC 9110 §10.2.1
    content_type = parse_content_type(value)
    if content_type is not None:
        media_type, params = content_type
        assert media_type == media_type.lower() and media_type.count("/") == 1
        assert isinstance(params, dict)
    assert is_token(value) == (value != "" and all(is_token(c) for c in value))
