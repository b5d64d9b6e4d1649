from __future__ import annotations

import json
from typing import Any

from asgi import call

from statuskit.resource import App, Done, Resource, parse_json


class ReadOnly(Resource):
    def representation(self, media_type: str) -> Any:
        return {"hello": "world"}


class Writable(ReadOnly):
    accepts = {"PUT": {"application/json": parse_json}}

    def put(self, content: Any) -> Done:
        return Done()

    def delete(self) -> Done:
        return Done()


class Ext(ReadOnly):
    extension_methods = frozenset({"FROB"})

    def allowed_methods(self) -> list[str]:
        return ["GET", "HEAD", "FROB", "OPTIONS"]

    def frob(self, content: Any) -> Done:
        return Done()


APP = App({"/ro": ReadOnly, "/rw": Writable, "/ext": Ext})


def test_post_to_read_only_resource_is_405_with_allow() -> None:
    reply = call(APP, "POST", "/ro", {"content-type": "application/json"}, b"{}")
    assert reply.status == 405
    assert reply.header("allow") == "GET, HEAD, OPTIONS"
    assert reply.header("content-type") == "application/problem+json"


def test_allow_lists_every_action_the_class_defines() -> None:
    reply = call(APP, "PATCH", "/rw")
    assert reply.status == 405
    assert reply.header("allow") == "GET, HEAD, PUT, DELETE, OPTIONS"


def test_unregistered_method_is_501() -> None:
    reply = call(APP, "FROB", "/ro")
    assert reply.status == 501
    assert reply.json()["title"] == "Not Implemented"


def test_extension_method_the_resource_answers_is_handled() -> None:
    assert call(APP, "FROB", "/ext").status == 204


def test_extension_method_allowed_without_a_handler_is_501() -> None:
    class NoHandler(ReadOnly):
        extension_methods = frozenset({"FROB"})

        def allowed_methods(self) -> list[str]:
            return ["GET", "FROB"]

    assert call(App({"/n": NoHandler}), "FROB", "/n").status == 501


def test_options_is_204_with_allow_and_no_body() -> None:
    reply = call(APP, "OPTIONS", "/rw")
    assert reply.status == 204
    assert reply.header("allow") == "GET, HEAD, PUT, DELETE, OPTIONS"
    assert reply.body == b""
    assert reply.header("content-length") is None


def test_head_has_the_headers_of_get_and_no_body() -> None:
    get = call(APP, "GET", "/ro")
    head = call(APP, "HEAD", "/ro")
    assert head.status == get.status == 200
    assert head.headers == get.headers
    assert head.header("content-length") == str(len(get.body))
    assert head.body == b""


def test_delete_done_without_body_is_204() -> None:
    reply = call(APP, "DELETE", "/rw")
    assert reply.status == 204
    assert reply.body == b""


def test_put_with_unparsable_json_is_400_problem() -> None:
    reply = call(APP, "PUT", "/rw", {"content-type": "application/json"}, b"{nope")
    assert reply.status == 400
    assert reply.header("content-type") == "application/problem+json"
    assert json.loads(reply.body)["status"] == 400


def test_put_with_wrong_content_type_is_415_with_accept() -> None:
    reply = call(APP, "PUT", "/rw", {"content-type": "text/plain"}, b"hi")
    assert reply.status == 415
    assert reply.header("accept") == "application/json"


def test_put_with_content_but_no_content_type_is_415() -> None:
    assert call(APP, "PUT", "/rw", {}, b"{}").status == 415


def test_put_larger_than_the_resource_takes_is_413() -> None:
    class Small(Writable):
        max_content_length = 4

    reply = call(App({"/s": Small}), "PUT", "/s", {"content-type": "application/json"},
                 b'{"a": 12345}')
    assert reply.status == 413
    assert reply.header("content-type") == "application/problem+json"


def test_service_unavailable_is_503_with_retry_after() -> None:
    class Down(ReadOnly):
        def service_available(self) -> float:
            return 30

    reply = call(App({"/d": Down}), "GET", "/d")
    assert reply.status == 503
    assert reply.header("retry-after") == "30"


def test_uri_too_long_is_414() -> None:
    class Picky(ReadOnly):
        def uri_too_long(self) -> bool:
            return len(self.request.path) > 5

    assert call(App({"/{x:path}": Picky}), "GET", "/abcdefgh").status == 414


def test_malformed_is_400_with_detail() -> None:
    class Strict(ReadOnly):
        def malformed(self) -> str | None:
            return "page must be a number"

    reply = call(App({"/m": Strict}), "GET", "/m")
    assert reply.status == 400
    assert reply.json()["detail"] == "page must be a number"


def test_async_questions_are_awaited() -> None:
    class Async(ReadOnly):
        async def exists(self) -> bool:
            return False

    assert call(App({"/a": Async}), "GET", "/a").status == 404
