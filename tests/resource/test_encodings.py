"""Content codings negotiated with Accept-Encoding (RFC 9110 §8.4, §12.5.3), over loopback."""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from typing import Any

import pytest

from statuskit.guard import Guard
from statuskit.resource import App, Resource
from statuskit.server import httptools_protocol
from support.rawhttp import get
from support.servers import serve

TEXT = "compressible " * 200


class Page(Resource):
    provides = ("text/plain",)
    encodings = ("gzip", "identity")
    supports_ranges = True

    def etag(self) -> str:
        return "p7"

    def representation(self, media_type: str) -> Any:
        return TEXT


class GzipOnly(Page):
    encodings = ("gzip",)


@pytest.fixture(scope="module")
def port() -> Iterator[int]:
    with serve(Guard(App({"/p": Page, "/z": GzipOnly})), http=httptools_protocol()) as port:
        yield port


def test_gzip_when_the_client_takes_it(port: int) -> None:
    reply = get(port, "/p", headers={"Accept-Encoding": "gzip, br"})
    assert reply.status == 200
    assert reply.header("content-encoding") == "gzip"
    assert gzip.decompress(reply.body).decode() == TEXT
    assert reply.header("content-length") == str(len(reply.body))
    assert "Accept-Encoding" in (reply.header("vary") or "")  # RFC 9110 §12.5.5


def test_identity_without_accept_encoding_preference(port: int) -> None:
    reply = get(port, "/p", headers={"Accept-Encoding": "br"})
    assert reply.status == 200  # RFC 9110 §12.5.3: identity stays acceptable
    assert reply.header("content-encoding") is None
    assert reply.body.decode() == TEXT
    assert reply.header("etag") == '"p7"'


def test_no_accept_encoding_is_identity_when_the_resource_offers_it(port: int) -> None:
    # RFC 9110 §12.5.3 lets either go out; like nginx and Apache, identity does, so raw
    # clients and range downloaders get the bytes they expect.
    reply = get(port, "/p")
    assert reply.status == 200
    assert reply.header("content-encoding") is None
    assert reply.body == TEXT.encode()
    assert "Accept-Encoding" in (reply.header("vary") or "")  # RFC 9110 §12.5.5


def test_no_accept_encoding_is_the_only_coding_a_resource_offers(port: int) -> None:
    reply = get(port, "/z")
    assert reply.status == 200
    assert reply.header("content-encoding") == "gzip"
    assert gzip.decompress(reply.body) == TEXT.encode()


def test_the_gzip_representation_has_its_own_strong_etag(port: int) -> None:
    zipped = get(port, "/p", headers={"Accept-Encoding": "gzip"})
    plain = get(port, "/p", headers={"Accept-Encoding": "identity"})
    assert zipped.header("etag") == '"p7-gzip"'  # RFC 9110 §8.8.3: other bytes, other tag
    assert plain.header("etag") == '"p7"'


def test_if_none_match_compares_the_negotiated_representation(port: int) -> None:
    cached = get(port, "/p", headers={"Accept-Encoding": "gzip", "If-None-Match": '"p7-gzip"'})
    assert cached.status == 304
    assert cached.body == b""
    assert cached.header("etag") == '"p7-gzip"'
    other = get(port, "/p", headers={"Accept-Encoding": "identity",
                                     "If-None-Match": '"p7-gzip"'})
    assert other.status == 200
    assert other.body.decode() == TEXT


def test_ranges_apply_to_the_encoded_bytes(port: int) -> None:
    whole = get(port, "/p", headers={"Accept-Encoding": "gzip"}).body
    part = get(port, "/p", headers={"Accept-Encoding": "gzip", "Range": "bytes=0-9"})
    assert part.status == 206  # RFC 9110 §14.1.2: ranges count the content's bytes
    assert part.body == whole[:10]
    assert part.header("content-range") == f"bytes 0-9/{len(whole)}"


def test_head_length_is_the_encoded_length(port: int) -> None:
    whole = get(port, "/p", headers={"Accept-Encoding": "gzip"}).body
    head = get(port, "/p", method="HEAD", headers={"Accept-Encoding": "gzip"})
    assert head.header("content-length") == str(len(whole))
    assert head.body == b""


def test_no_acceptable_coding_is_406(port: int) -> None:
    reply = get(port, "/z", headers={"Accept-Encoding": "br, identity;q=0"})
    assert reply.status == 406
    assert reply.header("content-type") == "application/problem+json"
    assert reply.header("content-encoding") is None


def test_an_unsupported_coding_is_refused_at_class_definition() -> None:
    with pytest.raises(ValueError, match="zstd"):
        class Zstd(Resource):
            encodings = ("zstd",)
