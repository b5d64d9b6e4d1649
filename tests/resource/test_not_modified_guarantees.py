"""What the decision graph's 304 must keep, however fast it gets (issue 18).

RFC 9110 §15.4.5: a 304 carries the fields a 200 would have sent among ETag, Vary,
Cache-Control, Expires (and Content-Location, Date), no content, and other
representation metadata only to guide a cache update: Last-Modified when there is no
ETag. The oracle for "the fields a 200 would have sent" is the 200 itself, asked of
the same resource in the same test.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import pytest
from asgi import Reply, call

from statuskit.guard import Guard
from statuskit.http import ETag, format_http_date
from statuskit.resource import App, Done, Resource
from statuskit.server import h11_protocol, httptools_protocol
from support.rawhttp import RawConnection
from support.servers import serve

MODIFIED = 1_700_000_000
TAG = '"n1"'
CACHE_FIELDS = ("etag", "vary", "cache-control", "expires")


class Note(Resource):
    """Two formats (so Vary: Accept), a field of its own in Vary, and every validator
    and caching question answered."""

    provides = ("application/json", "text/plain")
    vary = ("Authorization",)

    def etag(self) -> str:
        return "n1"

    def last_modified(self) -> float:
        return MODIFIED

    def cache_control(self) -> str:
        return "max-age=60, must-revalidate"

    def expires(self) -> float:
        return MODIFIED + 3600

    def representation(self, media_type: str) -> Any:
        return {"note": 1} if media_type == "application/json" else "note 1"


class AsyncNote(Note):
    """The same answers from ``async def`` questions."""

    async def etag(self) -> str:  # type: ignore[override]
        return "n1"

    async def cache_control(self) -> str:  # type: ignore[override]
        return "max-age=60, must-revalidate"

    async def expires(self) -> float:  # type: ignore[override]
        return MODIFIED + 3600


class DatedNote(Note):
    """Only a modification date: no ETag."""

    def etag(self) -> None:  # type: ignore[override]
        return None


APP = App({"/note": Note, "/async": AsyncNote, "/dated": DatedNote})


def assert_not_modified(reply: Reply, full: Reply, *, etag: bool = True) -> None:
    assert reply.status == 304
    for name in CACHE_FIELDS:
        if name == "etag" and not etag:
            assert reply.header(name) is None
        else:
            assert reply.header(name) is not None, name
            assert reply.header(name) == full.header(name), name
    if etag:
        # Other representation metadata SHOULD NOT be sent when an ETag is.
        assert reply.header("last-modified") is None
    else:
        assert reply.header("last-modified") == full.header("last-modified") is not None
    assert reply.header("content-length") is None
    assert reply.header("transfer-encoding") is None
    assert reply.body == b""


@pytest.mark.parametrize("path", ["/note", "/async"])
@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_if_none_match_304_repeats_the_200s_caching_fields(path, method):
    full = call(APP, "GET", path)
    assert full.status == 200 and full.header("etag") == TAG
    reply = call(APP, method, path, {"if-none-match": TAG})
    assert_not_modified(reply, full)


@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_if_modified_since_304_with_an_etag_still_leaves_last_modified_out(method):
    # RFC 9110 §13.1.3: without If-None-Match the date decides; the 304's fields do not
    # depend on which precondition produced it.
    full = call(APP, "GET", "/note")
    reply = call(APP, method, "/note", {"if-modified-since": format_http_date(MODIFIED)})
    assert_not_modified(reply, full)


@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_304_without_an_etag_carries_last_modified_and_the_caching_fields(method):
    full = call(APP, "GET", "/dated")
    assert full.header("etag") is None
    reply = call(APP, method, "/dated", {"if-modified-since": format_http_date(MODIFIED)})
    assert_not_modified(reply, full, etag=False)


def test_the_304_follows_the_negotiated_representation():
    # RFC 9110 §15.4.5: the fields are those of the representation a 200 would
    # select for this request (Accept: text/plain here).
    full = call(APP, "GET", "/note", {"accept": "text/plain"})
    assert (full.header("content-type") or "").startswith("text/plain")
    reply = call(APP, "GET", "/note", {"accept": "text/plain", "if-none-match": TAG})
    assert_not_modified(reply, full)


def test_a_change_within_a_second_matches_the_date_it_was_given():
    # RFC 9110 §5.6.7: HTTP dates have one-second resolution. A change at
    # x.7 s is dated x; a client echoing that date has the current representation.
    class Fractional(Note):
        def etag(self) -> None:  # type: ignore[override]
            return None

        def last_modified(self) -> float:
            return MODIFIED + 0.7

    app = App({"/f": Fractional})
    full = call(app, "GET", "/f")
    assert full.header("last-modified") == format_http_date(MODIFIED)
    reply = call(app, "GET", "/f", {"if-modified-since": full.header("last-modified") or ""})
    assert_not_modified(reply, full, etag=False)


def test_last_modified_is_never_later_than_the_response():
    # RFC 9110 §8.8.2.1: an origin server with a clock MUST NOT send a Last-Modified
    # later than its Date; a source dated in the future is sent as now or earlier.
    class Skewed(Note):
        def etag(self) -> None:  # type: ignore[override]
            return None

        def last_modified(self) -> float:
            return time.time() + 3600

    reply = call(App({"/s": Skewed}), "GET", "/s")
    sent = parsedate_to_datetime(reply.header("last-modified") or "")
    assert reply.status == 200
    assert sent <= datetime.now(UTC)


class Weak(Resource):
    def etag(self) -> ETag:
        return ETag("w1", weak=True)

    def representation(self, media_type: str) -> Any:
        return {"w": 1}

    def put(self, content: Any) -> Done:
        return Done()


def test_if_match_echoing_a_weak_tag_is_412():
    # RFC 9110 §13.1.1: If-Match uses the strong comparison; a weak tag never
    # matches, even the very one the client was given.
    full = call(App({"/w": Weak}), "GET", "/w")
    assert full.header("etag") == 'W/"w1"'
    reply = call(App({"/w": Weak}), "PUT", "/w", {"if-match": 'W/"w1"'}, b"{}")
    assert reply.status == 412
    assert reply.header("content-type") == "application/problem+json"
    assert reply.json()["status"] == 412


def test_if_none_match_echoing_a_weak_tag_is_304():
    # RFC 9110 §13.1.2: If-None-Match uses the weak comparison.
    full = call(App({"/w": Weak}), "GET", "/w")
    reply = call(App({"/w": Weak}), "GET", "/w", {"if-none-match": 'W/"w1"'})
    assert reply.status == 304
    assert reply.header("etag") == full.header("etag")
    assert reply.body == b""


class Posted(Note):
    def post(self, content: Any) -> Done:
        return Done()


def test_if_modified_since_on_a_post_is_ignored():
    # RFC 9110 §13.2.2 step 4: If-Modified-Since counts only for GET and HEAD.
    reply = call(App({"/p": Posted}), "POST", "/p",
                 {"if-modified-since": format_http_date(MODIFIED),
                  "content-type": "application/json"}, b"{}")
    assert reply.status == 204
    assert reply.body == b""


@pytest.mark.parametrize("protocol", [httptools_protocol, h11_protocol])
def test_304_on_the_wire_has_no_content_and_the_connection_goes_on(protocol):
    # RFC 9112 §6.3 item 1: a 304 ends at its header section whatever fields it
    # carries; anything after it would be read as the next response.
    with serve(Guard(App({"/note": Note})), http=protocol()) as port, \
            RawConnection(port) as conn:
        conn.send(b"GET /note HTTP/1.1\r\nHost: t\r\n\r\n")
        full = conn.read_response()
        assert full.status == 200
        for method in (b"GET", b"HEAD"):
            conn.send(method + b" /note HTTP/1.1\r\nHost: t\r\nIf-None-Match: " + TAG.encode()
                      + b"\r\n\r\n")
            cached = conn.read_response(head_request=method == b"HEAD")
            assert cached.status == 304
            assert cached.header("etag") == full.header("etag")
            assert cached.header("vary") == full.header("vary")
            assert cached.header("cache-control") == full.header("cache-control")
            assert cached.header("last-modified") is None
            assert cached.header("content-length") is None
            assert cached.header("transfer-encoding") is None
        conn.send(b"GET /note HTTP/1.1\r\nHost: t\r\n\r\n")
        again = conn.read_response()
        assert (again.status, again.body) == (200, full.body)
        assert conn.pending(0.1) == b""
