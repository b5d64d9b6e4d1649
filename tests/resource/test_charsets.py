"""Charsets: declared once, honoured when encoding text, negotiated with Accept-Charset."""

from __future__ import annotations

from collections.abc import Iterator
from email.message import Message
from typing import Any

import pytest
from asgi import call

from statuskit.guard import Guard
from statuskit.resource import App, Resource
from statuskit.server import httptools_protocol
from support.rawhttp import get
from support.servers import serve

TEXT = "café – naïve"


class Latin(Resource):
    provides = ("text/html;charset=iso8859-1",)

    def representation(self, media_type: str) -> Any:
        return "café"


class Menu(Resource):
    provides = ("text/plain",)
    charsets = ("utf-8", "iso-8859-1")
    languages = ("en", "fr")

    def representation(self, media_type: str) -> Any:
        # the chosen language is handed to the representation (Webmachine's language_chosen)
        return "cafe" if self.language == "en" else "café"


class Unicode(Resource):
    provides = ("text/plain",)

    def representation(self, media_type: str) -> Any:
        return TEXT


APP = App({"/latin": Latin, "/menu": Menu, "/unicode": Unicode})


def charset_params(field: str) -> list[str]:
    # The standard library's MIME parser, not ours, reads the parameters.
    message = Message()
    message["content-type"] = field
    return [value for name, value in message.get_params() or [] if name == "charset"]


@pytest.fixture(scope="module")
def port() -> Iterator[int]:
    with serve(Guard(APP), http=httptools_protocol()) as port:
        yield port


def test_declared_charset_is_named_once(port: int) -> None:
    reply = get(port, "/latin")
    assert reply.status == 200
    field = reply.header("content-type") or ""
    assert charset_params(field) == ["iso8859-1"]  # RFC 6838 §4.3: a parameter appears once


def test_str_body_is_encoded_in_the_declared_charset(port: int) -> None:
    reply = get(port, "/latin")
    assert reply.body == b"caf\xe9"
    assert reply.header("content-length") == "4"


def test_text_without_a_charset_goes_out_as_utf8(port: int) -> None:
    reply = get(port, "/unicode")
    assert charset_params(reply.header("content-type") or "") == ["utf-8"]
    assert reply.body.decode("utf-8") == TEXT


def test_accept_charset_picks_latin1(port: int) -> None:
    reply = get(port, "/menu", headers={"Accept-Charset": "iso-8859-1",
                                        "Accept-Language": "fr"})
    assert reply.status == 200
    assert charset_params(reply.header("content-type") or "") == ["iso-8859-1"]
    assert reply.body == "café".encode("iso-8859-1")
    assert reply.header("content-language") == "fr"
    assert reply.header("vary") == "Accept-Language, Accept-Charset"  # RFC 9110 §12.5.5


def test_chosen_language_reaches_the_representation(port: int) -> None:
    reply = get(port, "/menu", headers={"Accept-Language": "en"})
    assert reply.body == b"cafe"
    assert reply.header("content-language") == "en"


def test_no_acceptable_charset_is_406_with_vary(port: int) -> None:
    reply = get(port, "/menu", headers={"Accept-Charset": "koi8-r"})
    assert reply.status == 406  # RFC 9110 §12.5.2, §15.5.7
    assert reply.header("content-type") == "application/problem+json"
    assert "iso-8859-1" in reply.json()["detail"]
    assert "Accept-Charset" in (reply.header("vary") or "")


def test_accept_charset_star_takes_the_servers_first() -> None:
    reply = call(APP, "GET", "/menu", {"accept-charset": "*"})
    assert charset_params(reply.header("content-type") or "") == ["utf-8"]


def test_a_charset_python_cannot_encode_is_refused_at_class_definition() -> None:
    with pytest.raises(ValueError, match="x-klingon"):
        class Bad(Resource):
            provides = ("text/plain;charset=x-klingon",)
