"""A charset the client prefers that cannot carry the text (RFC 9110 §12.5.2, §15.5.7)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from statuskit.guard import Guard
from statuskit.resource import App, Created, Resource
from statuskit.server import httptools_protocol
from support.rawhttp import get
from support.servers import serve


class Price(Resource):
    provides = ("text/plain",)
    charsets = ("utf-8", "iso-8859-1")

    def representation(self, media_type: str) -> Any:
        return "5 \u20ac"  # the euro sign has no ISO-8859-1 form


class Plain(Resource):
    provides = ("text/plain",)
    charsets = ("utf-8", "iso-8859-1")

    def representation(self, media_type: str) -> Any:
        return "caf\u00e9"


class Prices(Resource):
    """POST creates a price; the 201 carries its text."""

    provides = ("text/plain",)
    charsets = ("utf-8", "iso-8859-1")
    accepts = {"POST": {"text/plain": bytes.decode}}
    created: list[str] = []

    def representation(self, media_type: str) -> Any:
        return ", ".join(self.created)

    def post(self, content: Any) -> Created:
        self.created.append(content)
        return Created("/price", content)


class Stored(Resource):
    """JSON whose text holds a lone surrogate: the resource's own fault, not the client's."""

    provides = ("application/json",)
    charsets = ("utf-8", "iso-8859-1")

    def representation(self, media_type: str) -> Any:
        return {"name": "a\ud800"}


@pytest.fixture(scope="module")
def port() -> Iterator[int]:
    with serve(Guard(App({"/price": Price, "/plain": Plain, "/prices": Prices,
                          "/stored": Stored})),
               http=httptools_protocol()) as port:
        yield port


def test_a_preferred_charset_that_cannot_carry_the_text_falls_back_to_one_that_can(
        port: int) -> None:
    # utf-8 is acceptable (q=0.5) and carries the text: the client gets it, not a 500.
    reply = get(port, "/price", headers={"Accept-Charset": "iso-8859-1, utf-8;q=0.5"})
    assert reply.status == 200, reply.status
    assert reply.header("content-type") == "text/plain; charset=utf-8"
    assert reply.body == "5 \u20ac".encode()
    assert "Accept-Charset" in (reply.header("vary") or "")


def test_only_a_charset_that_cannot_carry_the_text_is_406(port: int) -> None:
    # RFC 9110 §15.5.7: no representation the client accepts; never a 500 it chose.
    reply = get(port, "/price", headers={"Accept-Charset": "iso-8859-1"})
    assert reply.status == 406, reply.status
    assert reply.header("content-type") == "application/problem+json"
    assert "Accept-Charset" in (reply.header("vary") or "")


def test_head_for_a_charset_that_cannot_carry_the_text_is_406_without_content(
        port: int) -> None:
    reply = get(port, "/price", method="HEAD", headers={"Accept-Charset": "iso-8859-1"})
    assert reply.status == 406, reply.status
    assert reply.body == b""


def test_a_preferred_charset_that_carries_the_text_is_kept(port: int) -> None:
    reply = get(port, "/plain", headers={"Accept-Charset": "iso-8859-1, utf-8;q=0.5"})
    assert reply.status == 200
    assert reply.header("content-type") == "text/plain; charset=iso-8859-1"
    assert reply.body == "caf\u00e9".encode("latin-1")


def test_a_write_whose_answer_the_charset_cannot_carry_is_done_and_sent_in_utf8(
        port: int) -> None:
    # The POST has acted: RFC 9110 §12.5.2 lets the server disregard Accept-Charset,
    # which beats a 500 for a write that happened.
    reply = get(port, "/prices", method="POST", body="7 \u20ac".encode(),
                headers={"Content-Type": "text/plain", "Accept-Charset": "iso-8859-1"})
    assert reply.status == 201, reply.status
    assert reply.header("content-type") == "text/plain; charset=utf-8"
    assert reply.body == "7 \u20ac".encode()
    assert Prices.created == ["7 \u20ac"]


def test_json_the_resource_cannot_encode_is_its_own_500_not_a_406(port: int) -> None:
    # Not a charset the client chose: no fallback hides the resource's fault.
    reply = get(port, "/stored", headers={"Accept-Charset": "iso-8859-1, utf-8"})
    assert reply.status == 500, reply.status
    assert reply.header("content-type") == "application/problem+json"
