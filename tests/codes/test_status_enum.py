"""The Status IntEnum view and the predicates."""

from __future__ import annotations

import http

import pytest

from statuskit.codes import (
    Status,
    all_codes,
    allows_body,
    is_client_error,
    is_error,
    is_informational,
    is_redirect,
    is_retryable,
    is_server_error,
    is_success,
    lookup,
)


def test_one_member_per_catalogue_code() -> None:
    assert sorted(int(m) for m in Status) == [c.code for c in all_codes()]


def test_members_are_named_from_the_phrase() -> None:
    assert Status.NOT_FOUND == 404
    assert Status.GATEWAY_TIMEOUT == 504
    assert Status.CONTENT_TOO_LARGE == 413
    assert Status.URI_TOO_LONG == 414
    assert Status.UNPROCESSABLE_CONTENT == 422
    assert Status(404) is Status.NOT_FOUND


def test_http_status_spellings_are_aliases() -> None:
    assert Status.REQUEST_ENTITY_TOO_LARGE is Status.CONTENT_TOO_LARGE
    assert Status.IM_A_TEAPOT == 418


def test_written_out_enum_matches_the_catalogue() -> None:
    # _status.py is generated so type checkers see the members; it must not drift.
    from pathlib import Path

    import statuskit.codes._generate as generate

    written = Path(generate.__file__).with_name("_status.py").read_text("utf-8")
    assert written == generate.render(), "run: python -m statuskit.codes._generate"


@pytest.mark.parametrize("member", list(http.HTTPStatus), ids=lambda m: str(m.value))
def test_every_http_status_has_an_equal_member(member: http.HTTPStatus) -> None:
    ours: int = Status(member.value)
    assert ours == member
    assert hash(ours) == hash(member)
    keyed: dict[int, str] = {member: "x"}
    assert keyed[ours] == "x"  # usable as a key where HTTPStatus is


def test_members_sharing_a_name_with_http_status_share_the_value() -> None:
    shared = set(Status.__members__) & set(http.HTTPStatus.__members__)
    assert len(shared) >= 50
    for name in shared:
        ours: int = Status[name]
        assert ours == http.HTTPStatus[name], name


def test_codes_http_status_lacks_are_still_members() -> None:
    # 104 and 306 are in the IANA registry but not in http.HTTPStatus on 3.11.
    assert Status(104).name == "UPLOAD_RESUMPTION_SUPPORTED"
    assert Status(306).name == "UNUSED"


def test_lookup_accepts_members_of_both_enums() -> None:
    assert lookup(Status["NOT_FOUND"]).code == 404
    assert lookup(http.HTTPStatus.SERVICE_UNAVAILABLE).code == 503


@pytest.mark.parametrize("number", [c.code for c in all_codes()])
def test_class_predicates_agree_with_status_class(number: int) -> None:
    klass = lookup(number).status_class
    assert is_informational(number) is (klass == "1xx")
    assert is_success(number) is (klass == "2xx")
    assert is_redirect(number) is (klass == "3xx")
    assert is_client_error(number) is (klass == "4xx")
    assert is_server_error(number) is (klass == "5xx")
    assert is_error(number) is (klass in ("4xx", "5xx"))


@pytest.mark.parametrize("number", [100, 101, 103, 204, 205, 304])
def test_allows_body_is_false_for_bodiless_codes(number: int) -> None:
    assert allows_body(number) is False
    assert allows_body(Status(number)) is False


@pytest.mark.parametrize("number", [200, 201, 206, 301, 404, 413, 500, 503])
def test_allows_body_is_true_otherwise(number: int) -> None:
    assert allows_body(number) is True


def test_allows_body_for_unregistered_codes_follows_the_class() -> None:
    # RFC 9110 §15: an unrecognised code is treated as the x00 of its class.
    assert allows_body(199) is False
    assert allows_body(299) is True
    assert allows_body(599) is True


@pytest.mark.parametrize("number", [408, 429, 502, 503, 504])
def test_is_retryable(number: int) -> None:
    assert is_retryable(number)
    assert is_retryable(http.HTTPStatus(number))


@pytest.mark.parametrize("number", [200, 301, 400, 401, 404, 405, 413, 500, 501, 505])
def test_is_not_retryable(number: int) -> None:
    assert not is_retryable(number)


def test_413_is_retryable_only_with_retry_after() -> None:
    # RFC 9110 §15.5.14
    assert not is_retryable(413)
    assert is_retryable(413, retry_after=True)
    assert not is_retryable(404, retry_after=True)


@pytest.mark.parametrize(("number", "expected"), [(520, False), (599, False), (499, False),
                                                  (299, False)])
def test_unregistered_codes_follow_the_x00_of_their_class(number: int, expected: bool) -> None:
    # RFC 9110 §15: an unrecognised code is treated as the x00 of its class; no
    # private list of "retryable" numbers.
    assert is_retryable(number) is expected
    assert is_retryable(number) is is_retryable(number // 100 * 100)
