from __future__ import annotations

import re
from typing import Any

from asgi import call

from statuskit.http import format_http_date
from statuskit.resource import App, Resource

TEXT = "0123456789abcdefghij"


class Text(Resource):
    provides = ("text/plain",)
    supports_ranges = True

    def etag(self) -> str:
        return "t1"

    def last_modified(self) -> float:
        return 1_700_000_000

    def representation(self, media_type: str) -> Any:
        return TEXT


APP = App({"/t": Text})


def test_ranges_are_advertised() -> None:
    assert call(APP, "GET", "/t").header("accept-ranges") == "bytes"


def test_one_range_is_206_with_content_range() -> None:
    reply = call(APP, "GET", "/t", {"range": "bytes=2-5"})
    assert reply.status == 206
    assert reply.header("content-range") == "bytes 2-5/20"
    assert reply.body == b"2345"
    assert reply.header("content-length") == "4"


def test_suffix_range() -> None:
    reply = call(APP, "GET", "/t", {"range": "bytes=-3"})
    assert reply.status == 206
    assert reply.body == b"hij"


def test_several_ranges_are_multipart_byteranges() -> None:
    reply = call(APP, "GET", "/t", {"range": "bytes=0-1, 10-11"})
    assert reply.status == 206
    media = reply.header("content-type") or ""
    boundary = re.fullmatch(r"multipart/byteranges; boundary=(\w+)", media)
    assert boundary is not None
    assert reply.header("content-range") is None
    parts = reply.body.split(b"--" + boundary.group(1).encode())
    assert b"Content-Range: bytes 0-1/20\r\n\r\n01\r\n" in parts[1]
    assert b"Content-Range: bytes 10-11/20\r\n\r\nab\r\n" in parts[2]
    assert parts[-1] == b"--\r\n"


def test_overlapping_ranges_are_coalesced() -> None:
    reply = call(APP, "GET", "/t", {"range": "bytes=0-4, 2-6"})
    assert reply.status == 206
    assert reply.header("content-range") == "bytes 0-6/20"


def test_unsatisfiable_range_is_416_with_length() -> None:
    reply = call(APP, "GET", "/t", {"range": "bytes=50-60"})
    assert reply.status == 416
    assert reply.header("content-range") == "bytes */20"
    assert reply.header("content-type") == "application/problem+json"


def test_unknown_unit_is_ignored() -> None:
    reply = call(APP, "GET", "/t", {"range": "lines=1-2"})
    assert reply.status == 200
    assert reply.body == TEXT.encode()


def test_malformed_range_is_ignored() -> None:
    assert call(APP, "GET", "/t", {"range": "bytes=5-1"}).status == 200


def test_if_range_with_current_etag_gives_the_range() -> None:
    reply = call(APP, "GET", "/t", {"range": "bytes=0-0", "if-range": '"t1"'})
    assert reply.status == 206


def test_if_range_with_old_etag_gives_everything() -> None:
    reply = call(APP, "GET", "/t", {"range": "bytes=0-0", "if-range": '"t0"'})
    assert reply.status == 200
    assert reply.body == TEXT.encode()


def test_if_range_with_weak_etag_never_matches() -> None:
    assert call(APP, "GET", "/t", {"range": "bytes=0-0", "if-range": 'W/"t1"'}).status == 200


def test_if_range_with_exact_date_gives_the_range() -> None:
    date = format_http_date(1_700_000_000)
    assert call(APP, "GET", "/t", {"range": "bytes=0-0", "if-range": date}).status == 206


def test_range_on_head_is_ignored() -> None:
    reply = call(APP, "HEAD", "/t", {"range": "bytes=0-1"})
    assert reply.status == 200
    assert reply.header("content-length") == "20"
    assert reply.body == b""


def test_resource_without_range_support_ignores_range() -> None:
    class Plain(Text):
        supports_ranges = False

    reply = call(App({"/p": Plain}), "GET", "/p", {"range": "bytes=0-1"})
    assert reply.status == 200
    assert reply.header("accept-ranges") is None


class Long(Text):
    def representation(self, media_type: str) -> Any:
        return "".join(chr(ord("a") + i % 26) for i in range(300))


def multipart_ranges(reply: Any) -> list[str]:
    media = reply.header("content-type") or ""
    boundary = re.fullmatch(r"multipart/byteranges; boundary=(\w+)", media)
    assert boundary is not None
    return re.findall(rb"Content-Range: (bytes [0-9]+-[0-9]+/[0-9]+)\r\n",
                      reply.body.replace(b"--" + boundary.group(1).encode(), b""))


def test_multipart_parts_keep_request_order() -> None:
    # RFC 9110 §15.3.7.2: parts go in the order the range-specs were sent; the
    # coalesced 0-15 + 10-50 takes the place of its earliest member.
    reply = call(App({"/l": Long}), "GET", "/l", {"range": "bytes=100-200, 0-15, 10-50"})
    assert reply.status == 206
    assert reply.header("content-range") is None
    assert multipart_ranges(reply) == [b"bytes 100-200/300", b"bytes 0-50/300"]


def test_multipart_parts_in_descending_order_stay_descending() -> None:
    reply = call(App({"/l": Long}), "GET", "/l", {"range": "bytes=-5, 10-12, 0-1"})
    assert multipart_ranges(reply) == [b"bytes 295-299/300", b"bytes 10-12/300",
                                       b"bytes 0-1/300"]
