from __future__ import annotations

from typing import Any

from asgi import call

from statuskit.resource import Alternate, App, Resource


class Greeting(Resource):
    provides = ("application/json", "text/plain")
    languages = ("en", "de")

    def representation(self, media_type: str) -> Any:
        return {"text": "hi"} if media_type == "application/json" else "hi"


class Guide(Resource):
    provides = ("text/html", "text/markdown")

    def multiple_choices(self) -> list[Alternate]:
        return [Alternate("/guide.html", "text/html", "HTML"),
                Alternate("/guide.md", "text/markdown", "Markdown")]

    def representation(self, media_type: str) -> Any:
        return "# guide" if media_type == "text/markdown" else "<h1>guide</h1>"


APP = App({"/g": Greeting, "/guide": Guide})


def test_no_accept_gets_the_first_type() -> None:
    reply = call(APP, "GET", "/g")
    assert reply.status == 200
    assert reply.header("content-type") == "application/json"
    assert reply.header("vary") == "Accept, Accept-Language"


def test_accept_picks_text() -> None:
    reply = call(APP, "GET", "/g", {"accept": "text/plain"})
    assert reply.header("content-type") == "text/plain; charset=utf-8"
    assert reply.body == b"hi"


def test_unacceptable_type_is_406_with_vary() -> None:
    reply = call(APP, "GET", "/g", {"accept": "image/png"})
    assert reply.status == 406
    assert reply.header("vary") == "Accept, Accept-Language"
    assert reply.header("content-type") == "application/problem+json"


def test_q_zero_excludes_the_only_match() -> None:
    assert call(APP, "GET", "/g", {"accept": "*/*;q=0"}).status == 406


def test_language_is_negotiated_and_named() -> None:
    reply = call(APP, "GET", "/g", {"accept-language": "de-AT, de;q=0.9"})
    assert reply.status == 200
    assert reply.header("content-language") == "de"


def test_unacceptable_language_is_406() -> None:
    assert call(APP, "GET", "/g", {"accept-language": "fr"}).status == 406


def test_multiple_choices_when_accept_does_not_choose() -> None:
    reply = call(APP, "GET", "/guide")
    assert reply.status == 300
    assert reply.header("location") == "/guide.html"
    assert '</guide.md>; rel="alternate"; type="text/markdown"' in (reply.header("link") or "")
    assert [a["href"] for a in reply.json()["alternates"]] == ["/guide.html", "/guide.md"]


def test_accept_that_chooses_skips_multiple_choices() -> None:
    reply = call(APP, "GET", "/guide", {"accept": "text/markdown"})
    assert reply.status == 200
    assert reply.body == b"# guide"
