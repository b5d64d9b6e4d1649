"""RFC 9110 §13.2.2 before the handler runs, for dynamic routes: the FastAPI dependency
and the plain Starlette call, over a real uvicorn."""

from __future__ import annotations

import itertools

import pytest
from wire import exchange, problem

from statuskit.http import format_http_date, parse_http_date
from support.rawhttp import RawResponse, get

_ids = itertools.count(100)


def _new_doc(port: int, text: str = "first text") -> tuple[str, RawResponse]:
    """A fresh document (PUT to a missing id needs no condition); its path and GET."""
    path = f"/docs/{next(_ids)}"
    assert get(port, path, method="PUT", body=text.encode()).status == 204
    return path, get(port, path)


def test_a_get_carries_etag_and_last_modified(port: int) -> None:
    answer = get(port, "/docs/1")
    assert answer.status == 200
    assert answer.header("etag") == '"d1"'
    assert parse_http_date(answer.header("last-modified") or "") is not None
    assert answer.header("cache-control") == "max-age=60"


def test_if_none_match_is_304_with_the_fields_the_200_carries(port: int) -> None:
    whole = get(port, "/docs/1")
    answer = exchange(port, "GET", "/docs/1", {"If-None-Match": '"d1"'})
    # RFC 9110 §15.4.5: the validator and cache fields the 200 would send, no content,
    # and no other representation metadata: Last-Modified only when there is no ETag.
    assert answer.status == 304
    for name in ("etag", "cache-control", "vary"):
        assert answer.header(name) == whole.header(name), name
    assert answer.header("last-modified") is None
    assert answer.header("content-length") is None and answer.body == b""


def test_if_modified_since_without_etag_is_304_with_last_modified(port: int) -> None:
    whole = get(port, "/dated")
    assert whole.status == 200 and whole.header("etag") is None
    answer = exchange(port, "GET", "/dated",
                      {"If-Modified-Since": whole.header("last-modified") or ""})
    # RFC 9110 §15.4.5: with no ETag, Last-Modified is what guides the cache update.
    assert answer.status == 304
    assert answer.header("last-modified") == whole.header("last-modified")
    assert answer.header("etag") is None
    assert answer.header("content-length") is None and answer.body == b""


def test_a_weak_tag_in_if_none_match_still_matches(port: int) -> None:
    # RFC 9110 §13.1.2: If-None-Match uses the weak comparison.
    answer = exchange(port, "GET", "/docs/1", {"If-None-Match": 'W/"zz", W/"d1"'})
    assert answer.status == 304


def test_head_with_if_none_match_is_304(port: int) -> None:
    answer = exchange(port, "HEAD", "/docs/1", {"If-None-Match": "*"})
    assert answer.status == 304 and answer.header("etag") == '"d1"'


def test_if_modified_since_its_last_modified_is_304(port: int) -> None:
    modified = get(port, "/docs/1").header("last-modified") or ""
    assert exchange(port, "GET", "/docs/1", {"If-Modified-Since": modified}).status == 304


def test_if_modified_since_ignored_when_if_none_match_is_there(port: int) -> None:
    modified = get(port, "/docs/1").header("last-modified") or ""
    # RFC 9110 §13.2.2 step 4 applies only without If-None-Match.
    answer = get(port, "/docs/1", headers={"If-None-Match": '"other"',
                                           "If-Modified-Since": modified})
    assert answer.status == 200 and answer.body


def test_a_stale_if_match_on_put_is_412_and_the_handler_never_runs(port: int) -> None:
    path, before = _new_doc(port)
    answer = exchange(port, "PUT", path, {"If-Match": '"d0"'}, b"lost update")
    problem(answer, 412)  # RFC 9110 §13.1.1: strong comparison fails
    after = get(port, path)
    assert after.header("etag") == before.header("etag") and after.body == before.body


def test_a_weak_tag_in_if_match_never_matches(port: int) -> None:
    path, before = _new_doc(port)
    weak = "W/" + (before.header("etag") or "")
    problem(exchange(port, "PUT", path, {"If-Match": weak}, b"x"), 412)


def test_the_current_if_match_writes_and_returns_the_new_tag(port: int) -> None:
    path, before = _new_doc(port)
    answer = exchange(port, "PUT", path, {"If-Match": before.header("etag") or ""}, b"second")
    assert answer.status == 204 and answer.body == b""
    assert answer.header("etag") != before.header("etag")
    assert get(port, path).header("etag") == answer.header("etag")


def test_if_match_star_on_a_missing_target_is_412(port: int) -> None:
    # RFC 9110 §13.1.1: "*" is false when there is no current representation.
    problem(exchange(port, "PUT", f"/docs/{next(_ids)}", {"If-Match": "*"}, b"x"), 412)


def test_if_none_match_star_creates_only_once(port: int) -> None:
    path = f"/docs/{next(_ids)}"
    assert exchange(port, "PUT", path, {"If-None-Match": "*"}, b"x").status == 204
    # RFC 9110 §13.1.2: "*" is false once a representation exists: 412 for a PUT.
    problem(exchange(port, "PUT", path, {"If-None-Match": "*"}, b"y"), 412)


def test_if_unmodified_since_before_the_change_is_412(port: int) -> None:
    path, before = _new_doc(port)
    modified = parse_http_date(before.header("last-modified") or "")
    assert modified is not None
    earlier = format_http_date(modified.timestamp() - 60)
    problem(exchange(port, "PUT", path, {"If-Unmodified-Since": earlier}, b"x"), 412)


def test_a_write_without_a_condition_is_428_where_the_route_requires_one(port: int) -> None:
    path, _ = _new_doc(port)
    document = problem(exchange(port, "PUT", path, {}, b"unconditional"), 428)
    assert "If-Match" in document["detail"]  # RFC 6585 §3: say how to succeed


def test_a_get_of_a_missing_target_with_if_match_is_404(port: int) -> None:
    # RFC 9110 §13.2.1: a request that would not succeed anyway ignores its conditions.
    problem(exchange(port, "GET", "/docs/999999", {"If-Match": "*"}), 404)


@pytest.mark.parametrize("value", ["garbage", '"unterminated', "W/", "*, \"a\""])
def test_a_malformed_if_match_fails_closed(port: int, value: str) -> None:
    path, _ = _new_doc(port)
    answer = exchange(port, "PUT", path, {"If-Match": value}, b"x")
    # RFC 9110 §13.1.1: an If-Match that names no current tag does not hold.
    assert answer.status == 412
