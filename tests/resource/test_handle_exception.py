"""``handle_exception`` may answer the 500 with the resource's own content, or any
status through a ``Halt``; nothing of the exception goes out unless it puts it there."""

from __future__ import annotations

from typing import Any

import pytest
from asgi import call

from statuskit.guard import Guard
from statuskit.resource import App, BadGateway, Halt, Resource
from statuskit.server import httptools_protocol
from support.rawhttp import get
from support.servers import serve

SECRET = "dsn=postgres://admin:hunter2@db.internal"


class Breaks(Resource):
    provides = ("application/json", "text/plain")

    def representation(self, media_type: str) -> Any:
        raise RuntimeError(SECRET)


class OwnContent(Breaks):
    def handle_exception(self, exc: Exception) -> Any:
        return {"error": "the notes store is unreachable", "retry": True}


class OwnContentAsync(Breaks):
    async def handle_exception(self, exc: Exception) -> Any:
        return "the notes store is unreachable"


class OwnStatus(Breaks):
    def handle_exception(self, exc: Exception) -> Any:
        return Halt(503, content={"error": "down for a moment"},
                    headers={"Retry-After": "30"})


class Outcome(Breaks):
    def handle_exception(self, exc: Exception) -> Any:
        return BadGateway("the upstream answered nonsense")


class Declines(Breaks):
    def handle_exception(self, exc: Exception) -> Any:
        return None


class BreaksEarly(Resource):
    provides = ("text/plain", "application/json")

    def forbidden(self) -> bool:
        raise KeyError(SECRET)

    def handle_exception(self, exc: Exception) -> Any:
        return "sorry"


APP = App({"/own": OwnContent, "/own-async": OwnContentAsync, "/status": OwnStatus,
           "/outcome": Outcome, "/declines": Declines, "/early": BreaksEarly})


def test_handle_exception_content_is_the_500s_content() -> None:
    reply = call(APP, "GET", "/own")
    assert reply.status == 500
    assert reply.header("content-type") == "application/json"
    assert reply.json() == {"error": "the notes store is unreachable", "retry": True}
    assert reply.header("content-length") == str(len(reply.body))
    assert b"hunter2" not in reply.body


def test_async_handle_exception_content_in_the_negotiated_media_type() -> None:
    reply = call(APP, "GET", "/own-async", {"accept": "text/plain"})
    assert reply.status == 500
    assert reply.header("content-type") == "text/plain; charset=utf-8"
    assert reply.body == b"the notes store is unreachable"


def test_handle_exception_content_before_negotiation_is_in_the_first_media_type() -> None:
    reply = call(APP, "GET", "/early", {"accept": "application/json"})
    assert reply.status == 500
    assert reply.header("content-type") == "text/plain; charset=utf-8"
    assert reply.body == b"sorry"


def test_handle_exception_halt_gives_its_own_status_and_fields() -> None:
    reply = call(APP, "GET", "/status")
    assert reply.status == 503
    assert reply.header("retry-after") == "30"
    assert reply.json() == {"error": "down for a moment"}
    assert b"hunter2" not in reply.body


def test_handle_exception_content_to_head_is_only_its_length() -> None:
    full = call(APP, "GET", "/own")
    head = call(APP, "HEAD", "/own")
    assert head.status == 500
    assert head.body == b""
    assert head.header("content-length") == str(len(full.body))


def test_handle_exception_outcome_still_answers_its_status() -> None:
    reply = call(APP, "GET", "/outcome")
    assert reply.status == 502
    assert reply.header("content-type") == "application/problem+json"
    assert reply.json()["detail"] == "the upstream answered nonsense"


def test_handle_exception_none_lets_the_exception_through() -> None:
    with pytest.raises(RuntimeError, match="hunter2"):
        call(APP, "GET", "/declines")


def test_over_a_real_socket_the_500_is_the_resources_and_leaks_nothing() -> None:
    with serve(Guard(App({"/own": OwnContent, "/declines": Declines})),
               http=httptools_protocol()) as port:
        own = get(port, "/own")
        assert own.status == 500
        assert own.header("content-type") == "application/json"
        assert b"unreachable" in own.body
        assert b"hunter2" not in own.body
        # Declined: the guard's own 500, which names nothing of the exception either.
        declined = get(port, "/declines")
        assert declined.status == 500
        assert declined.header("content-type") == "application/problem+json"
        assert b"hunter2" not in declined.body
        assert b"RuntimeError" not in declined.body
