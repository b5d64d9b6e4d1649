"""PUT that creates (RFC 9110 §9.3.4) and PUT with Content-Range (§14.5), over loopback."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from statuskit.guard import Guard
from statuskit.resource import App, Done, Resource, parse_json
from statuskit.server import httptools_protocol
from support.rawhttp import get
from support.servers import serve

JSON = {"Content-Type": "application/json"}


class Store(Resource):
    """Documents in a dict shared by the test; PUT replaces or creates."""

    provides = ("application/json",)
    accepts = {"PUT": {"application/json": parse_json},
               "POST": {"application/json": parse_json}}
    documents: dict[str, Any] = {}

    def exists(self) -> bool:
        return self.request.params["name"] in self.documents

    def representation(self, media_type: str) -> Any:
        return self.documents[self.request.params["name"]]

    def put(self, content: Any) -> Done:
        self.documents[self.request.params["name"]] = content
        if isinstance(content, dict) and content.get("echo"):
            return Done(content, etag="e1")
        return Done()

    def post(self, content: Any) -> Done:
        self.documents[self.request.params["name"]] = content
        return Done()


class Inbox(Store):
    """A missing inbox is created by the first POST to it (Webmachine's allow_missing_post)."""

    def allow_missing_post(self) -> bool:
        return True


@pytest.fixture()
def port() -> Iterator[int]:
    Store.documents.clear()
    app = Guard(App({"/docs/{name}": Store, "/inbox/{name}": Inbox}))
    with serve(app, http=httptools_protocol()) as port:
        yield port


def test_put_that_creates_is_201(port: int) -> None:
    reply = get(port, "/docs/a", method="PUT", headers=JSON, body=b'{"n": 1}')
    assert reply.status == 201  # RFC 9110 §9.3.4: MUST, the target had no representation
    assert reply.body == b""
    assert reply.header("content-length") == "0"
    assert Store.documents == {"a": {"n": 1}}


def test_put_that_replaces_is_204(port: int) -> None:
    Store.documents["a"] = {"n": 0}
    reply = get(port, "/docs/a", method="PUT", headers=JSON, body=b'{"n": 1}')
    assert reply.status == 204  # §9.3.4: 200 or 204 when an existing one is modified
    assert reply.body == b""
    assert reply.header("content-length") is None  # §8.6: never on a 204


def test_put_that_creates_with_content_is_201_with_it(port: int) -> None:
    reply = get(port, "/docs/b", method="PUT", headers=JSON, body=b'{"echo": true}')
    assert reply.status == 201
    assert reply.header("etag") == '"e1"'
    assert reply.header("content-type") == "application/json"
    assert reply.json() == {"echo": True}


def test_put_with_content_range_is_400_and_changes_nothing(port: int) -> None:
    Store.documents["a"] = {"n": 0}
    reply = get(port, "/docs/a", method="PUT",
                headers={**JSON, "Content-Range": "bytes 0-7/20"}, body=b'{"n": 1}')
    assert reply.status == 400  # RFC 9110 §14.5: partial PUT is not supported here
    assert reply.header("content-type") == "application/problem+json"
    assert "Content-Range" in reply.json()["detail"]
    assert Store.documents == {"a": {"n": 0}}


def test_put_with_content_range_on_a_missing_target_creates_nothing(port: int) -> None:
    reply = get(port, "/docs/z", method="PUT",
                headers={**JSON, "Content-Range": "bytes 0-7/8"}, body=b'{"n": 1}')
    assert reply.status == 400
    assert Store.documents == {}


def test_post_to_a_missing_resource_that_allows_it_creates_it(port: int) -> None:
    reply = get(port, "/inbox/x", method="POST", headers=JSON, body=b'{"m": 1}')
    assert reply.status == 201
    assert reply.body == b""
    assert Store.documents == {"x": {"m": 1}}


def test_post_to_a_missing_resource_is_404_by_default(port: int) -> None:
    reply = get(port, "/docs/x", method="POST", headers=JSON, body=b'{"m": 1}')
    assert reply.status == 404
    assert reply.json()["status"] == 404
    assert Store.documents == {}


def test_if_match_on_a_creating_post_is_412(port: int) -> None:
    # RFC 9110 §13.1.1: If-Match is false without a current representation; this
    # request would otherwise create (2xx), so §13.2.1 lets the precondition count.
    reply = get(port, "/inbox/x", method="POST", headers={**JSON, "If-Match": "*"},
                body=b'{"m": 1}')
    assert reply.status == 412
    assert Store.documents == {}


def test_content_length_of_unicode_digits_is_not_a_length() -> None:
    # RFC 9110 §8.6: Content-Length = 1*DIGIT, ASCII; "٣" is no length to judge by
    # (the wire layer refuses the framing; in-process the graph must not crash on it).
    from asgi import call

    reply = call(App({"/docs/{name}": Store}), "PUT", "/docs/u",
                 {"content-type": "application/json", "content-length": "\u0663"}, b"{}")
    assert reply.status == 201
    Store.documents.clear()
