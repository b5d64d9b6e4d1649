"""RFC 9110 §13.2.2 for every combination of the four conditional fields.

The expected status comes from a reading of §13.2.2 written here, step by
step, independently of the graph's code.
"""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from asgi import call

from statuskit.http import format_http_date
from statuskit.resource import App, Created, Done, Resource

MODIFIED = 1_700_000_000  # the resource's Last-Modified
CURRENT = "v7"


class Doc(Resource):
    present = True

    def exists(self) -> bool:
        return self.present

    def etag(self) -> str:
        return CURRENT

    def last_modified(self) -> float:
        return MODIFIED

    def representation(self, media_type: str) -> Any:
        return {"doc": CURRENT}

    def put(self, content: Any) -> Done | Created:
        return Done() if self.present else Created("/doc")


class MissingDoc(Doc):
    present = False


APPS = {True: App({"/doc": Doc}), False: App({"/doc": MissingDoc})}

IF_MATCH = {None: None, "match": f'"{CURRENT}"', "other": '"v1", "v2"', "*": "*",
            "weak": f'W/"{CURRENT}"'}
IF_NONE_MATCH = {None: None, "match": f'W/"{CURRENT}"', "other": '"v1"', "*": "*"}
DATES = {None: None, "before": format_http_date(MODIFIED - 60),
         "at": format_http_date(MODIFIED), "bogus": "yesterday"}


def expected(method: str, exists: bool, im: str | None, inm: str | None,
             ims: str | None, ius: str | None) -> int:
    if not exists:
        # §13.2.1: preconditions are ignored when the request without them would
        # not be 2xx or 412: a GET of a missing resource is 404 whatever it asks.
        if method != "PUT":
            return 404
        # §13.1.1: If-Match is false for a missing resource, even with "*"; the
        # other three cannot fail without a current representation.
        return 412 if im is not None else 201
    # Step 1: If-Match, strong comparison; a weak tag never matches strongly.
    if im is not None:
        if im not in ("match", "*"):
            return 412
    # Step 2: If-Unmodified-Since only without If-Match; an invalid date is ignored.
    elif ius == "before":
        return 412
    # Step 3: If-None-Match, weak comparison.
    if inm is not None:
        if inm in ("match", "*"):
            return 304 if method == "GET" else 412
    # Step 4: If-Modified-Since only for GET/HEAD and only without If-None-Match.
    elif method == "GET" and ims == "at":
        return 304
    return 200 if method == "GET" else 204


CASES = list(itertools.product(["GET", "PUT"], [True, False], IF_MATCH, IF_NONE_MATCH,
                               DATES, DATES))


@pytest.mark.parametrize(("method", "exists", "im", "inm", "ims", "ius"), CASES)
def test_precondition_order(method: str, exists: bool, im: str | None, inm: str | None,
                            ims: str | None, ius: str | None) -> None:
    headers = {name: value for name, value in (
        ("if-match", IF_MATCH[im]), ("if-none-match", IF_NONE_MATCH[inm]),
        ("if-modified-since", DATES[ims]), ("if-unmodified-since", DATES[ius]),
    ) if value is not None}
    body = b'{"x":1}' if method == "PUT" else b""
    reply = call(APPS[exists], method, "/doc", headers, body)
    want = expected(method, exists, im, inm, ims, ius)
    assert reply.status == want, headers
    if want == 304:
        # §15.4.5: the ETag a 200 would carry, and no content; other representation
        # metadata (Last-Modified) SHOULD NOT be sent when an ETag is.
        assert reply.header("etag") == f'"{CURRENT}"'
        assert reply.header("last-modified") is None
        assert reply.body == b""
        assert reply.header("content-length") is None
    if want == 412:
        assert reply.header("content-type") == "application/problem+json"
        assert reply.json()["status"] == 412
        assert b"doc" not in reply.body  # no representation goes out with a 412
    if want == 204:
        assert reply.body == b""


def test_if_match_mismatch_on_put_is_412() -> None:
    reply = call(APPS[True], "PUT", "/doc", {"if-match": '"v1"'}, b"{}")
    assert reply.status == 412
    assert reply.json()["title"] == "Precondition Failed"


def test_if_none_match_star_on_existing_put_is_412() -> None:
    assert call(APPS[True], "PUT", "/doc", {"if-none-match": "*"}, b"{}").status == 412


def test_if_none_match_star_on_missing_put_creates() -> None:
    reply = call(APPS[False], "PUT", "/doc", {"if-none-match": "*"}, b"{}")
    assert reply.status == 201
    assert reply.header("location") == "/doc"


def test_if_match_star_on_missing_resource_is_412() -> None:
    assert call(APPS[False], "PUT", "/doc", {"if-match": "*"}, b"{}").status == 412


def test_if_modified_since_in_the_future_is_ignored() -> None:
    future = format_http_date(4_000_000_000)
    assert call(APPS[True], "GET", "/doc", {"if-modified-since": future}).status == 200


class DatedDoc(Resource):
    """Only a modification date: no ETag."""

    def last_modified(self) -> float:
        return MODIFIED

    def cache_control(self) -> str:
        return "no-cache"


def test_not_modified_without_etag_carries_last_modified() -> None:
    # RFC 9110 §15.4.5: Last-Modified guides the cache update when there is no ETag;
    # Cache-Control is one of the fields a 304 MUST repeat from the 200.
    reply = call(App({"/doc": DatedDoc}), "GET", "/doc",
                 {"if-modified-since": format_http_date(MODIFIED)})
    assert reply.status == 304
    assert reply.header("last-modified") == format_http_date(MODIFIED)
    assert reply.header("cache-control") == "no-cache"
    assert reply.header("etag") is None
    assert reply.header("content-length") is None and reply.body == b""


def test_head_not_modified_has_no_body() -> None:
    reply = call(APPS[True], "HEAD", "/doc", {"if-none-match": f'"{CURRENT}"'})
    assert reply.status == 304
    assert reply.body == b""


class Gone(MissingDoc):
    def previously_existed(self) -> bool:
        return True


class Moved(MissingDoc):
    def previously_existed(self) -> bool:
        return True

    def moved_permanently(self) -> str:
        return "/elsewhere"

    def delete(self) -> Done:
        return Done()

    def post(self, content: Any) -> Done:
        return Done()


MISSING = App({"/doc": MissingDoc, "/gone": Gone, "/moved": Moved})


@pytest.mark.parametrize("if_match", ['"v7"', "*"])
@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_if_match_on_missing_get_is_404(method: str, if_match: str) -> None:
    # RFC 9110 §13.2.1: without If-Match this is a 404, so If-Match is ignored.
    reply = call(MISSING, method, "/doc", {"if-match": if_match})
    assert reply.status == 404
    assert reply.header("etag") is None
    if method == "GET":
        assert reply.json()["status"] == 404
    else:
        assert reply.body == b""


@pytest.mark.parametrize("if_match", ['"v7"', "*"])
def test_if_match_on_gone_resource_is_410(if_match: str) -> None:
    reply = call(MISSING, "GET", "/gone", {"if-match": if_match})
    assert reply.status == 410  # RFC 9110 §13.2.1, §15.5.11
    assert reply.json()["status"] == 410


@pytest.mark.parametrize(("method", "status"), [("GET", 301), ("DELETE", 308), ("POST", 308),
                                                ("PUT", 308)])
def test_if_match_on_moved_resource_is_the_redirect(method: str, status: int) -> None:
    # RFC 9110 §13.2.1: "redirects and failures take precedence" over preconditions.
    body = b"{}" if method in ("POST", "PUT") else b""
    reply = call(MISSING, method, "/moved", {"if-match": "*"}, body)
    assert reply.status == status
    assert reply.header("location") == "/elsewhere"


def test_if_match_on_missing_delete_is_404() -> None:
    class Deletable(MissingDoc):
        def delete(self) -> Done:
            raise AssertionError("a missing resource is never deleted")

    reply = call(App({"/doc": Deletable}), "DELETE", "/doc", {"if-match": '"v7"'})
    assert reply.status == 404
    assert reply.json()["status"] == 404
