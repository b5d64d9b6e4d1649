"""Finding a record by number, seed label, phrase or enum-style name."""

from __future__ import annotations

import pytest

from statuskit.codes import UnknownCode, all_codes, lookup


def test_lookup_by_number() -> None:
    assert lookup(404).code == 404


def test_lookup_by_number_as_text() -> None:
    assert lookup("404").code == 404
    assert lookup(" 504 ").code == 504


def test_lookup_by_seed_label_server_timeout_is_504() -> None:
    record = lookup("ServerTimeout")
    assert record.code == 504
    assert record.phrase == "Gateway Timeout"


@pytest.mark.parametrize("name", ["not found", "NOT_FOUND", "not-found", "NotFound", "Not Found"])
def test_lookup_ignores_case_and_separators(name: str) -> None:
    assert lookup(name).code == 404


@pytest.mark.parametrize(
    ("name", "number"),
    [
        ("Request-URI Too Large", 414),  # seed label
        ("URI Too Long", 414),  # RFC 9110 phrase
        ("uri_too_long", 414),
        ("Request Time-out", 408),
        ("request timeout", 408),
        ("Request Entity Too Large", 413),
        ("content-too-large", 413),
        ("Requested range not satisfiable", 416),
        ("RANGE_NOT_SATISFIABLE", 416),
        ("UnprocessableEntity", 422),
        ("Unprocessable Content", 422),
        ("too many requests", 429),
        ("HTTP Version not supported", 505),
        ("Non-Authoritative Information", 203),
        ("service_unavailable", 503),
    ],
)
def test_lookup_by_label_or_phrase(name: str, number: int) -> None:
    assert lookup(name).code == number


def test_every_phrase_and_label_finds_its_own_record() -> None:
    for record in all_codes():
        if record.code != 418:  # shares "(Unused)" with 306, which keeps the phrase
            assert lookup(record.phrase) is record
        assert lookup(record.code) is record
        if record.label is not None:
            assert lookup(record.label) is record


@pytest.mark.parametrize("key", [999, 299, 0, -1, "999", "no such status", "Not Founds", "", "   "])
def test_unknown_key_raises_unknown_code(key: int | str) -> None:
    with pytest.raises(UnknownCode):
        lookup(key)


def test_unknown_code_is_a_lookup_error_that_names_the_key() -> None:
    with pytest.raises(LookupError, match="299"):
        lookup(299)


def test_shared_unused_phrase_names_306_and_teapot_names_418() -> None:
    assert lookup("(Unused)").code == 306
    assert lookup("im a teapot").code == 418


def test_a_code_record_cannot_be_changed_by_a_caller() -> None:
    record = lookup(404)
    with pytest.raises(AttributeError):
        record.phrase = "Gone"  # type: ignore[misc]
    assert lookup(404).phrase == "Not Found"
