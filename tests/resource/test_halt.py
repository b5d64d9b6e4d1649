"""``raise Halt(...)`` from any question or action is the answer, with the graph's
guarantees: no content on HEAD, 204 or 304; Allow on a 405; in debug mode the
fields a status requires, or an error naming the one missing."""

from __future__ import annotations

from typing import Any

import pytest
from asgi import call

from statuskit.guard import Guard
from statuskit.resource import App, Halt, MissingField, Resource
from statuskit.server import httptools_protocol
from support.rawhttp import get
from support.servers import serve

TEA = Halt(418, content={"tea": True}, headers={"X-Pot": "short"})
JSON_BODY = b'{"a": 1}'
TAKES_JSON = {"POST": {"application/json": bytes}, "PUT": {"application/json": bytes},
              "PATCH": {"application/json": bytes}}


def _writes(content: Any) -> None:
    raise AssertionError("the action ran after a Halt")


def _missing(*_: Any) -> bool:
    return False


def _present(*_: Any) -> bool:
    return True


def _nowhere(*_: Any) -> None:
    return None


# question -> (request method, headers, the defaults it needs to be reached,
# the last node the trace names: the one that asked it)
REACHED_BY: dict[str, tuple[str, dict[str, str], dict[str, Any], str]] = {
    "service_available": ("GET", {}, {}, "b13"),
    "uri_too_long": ("GET", {}, {}, "b11"),
    "allowed_methods": ("GET", {}, {}, "b10"),
    "malformed": ("GET", {}, {}, "b9"),
    "authorized": ("GET", {}, {}, "b8"),
    "proxy_authorized": ("GET", {}, {}, "proxy_authorized"),
    "forbidden": ("GET", {}, {}, "b7"),
    "valid_content_length": ("POST", {"content-type": "application/json"},
                             {"post": _writes}, "b4"),
    "multiple_choices": ("GET", {"accept": "*/*"}, {}, "multiple_choices"),
    "exists": ("GET", {}, {}, "g7"),
    "previously_existed": ("GET", {}, {"exists": _missing}, "k7"),
    "moved_permanently": ("GET", {}, {"exists": _missing, "previously_existed": _present},
                          "k5"),
    "moved_temporarily": ("GET", {}, {"exists": _missing, "previously_existed": _present,
                                      "moved_permanently": _nowhere}, "l5"),
    "allow_missing_post": ("POST", {"content-type": "application/json"},
                           {"exists": _missing, "post": _writes}, "m7"),
    "etag": ("GET", {}, {}, "g7"),
    # Asked where an answer needs it: here the 200's Last-Modified field.
    "last_modified": ("GET", {}, {}, "o18"),
    "cache_control": ("GET", {}, {}, "o18"),
    "expires": ("GET", {}, {}, "o18"),
    "options": ("OPTIONS", {}, {}, "b3"),
    "validate": ("PUT", {"content-type": "application/json"}, {"put": _writes},
                 "validate"),
    "is_conflict": ("PUT", {"content-type": "application/json"}, {"put": _writes}, "o14"),
    "non_authoritative": ("GET", {}, {}, "o18"),
    "representation": ("GET", {}, {}, "o18"),
    "get": ("GET", {}, {}, "o18"),
    "post": ("POST", {"content-type": "application/json"}, {}, "n11"),
    "put": ("PUT", {"content-type": "application/json"}, {}, "validate"),
    "patch": ("PATCH", {"content-type": "application/json"}, {}, "validate"),
    "delete": ("DELETE", {}, {}, "m20"),
}


def _halting(question: str, asynchronous: bool, halt: Halt = TEA) -> type[Resource]:
    def sync_question(self: Resource, *_: Any) -> Any:
        raise halt

    async def async_question(self: Resource, *_: Any) -> Any:
        raise halt

    attrs: dict[str, Any] = {"accepts": TAKES_JSON, **REACHED_BY[question][2]}
    attrs[question] = async_question if asynchronous else sync_question
    if question in ("is_conflict", "validate"):
        attrs.setdefault("put", _writes)
    return type(f"Halts{question}", (Resource,), attrs)


def _ask(resource: type[Resource], question: str, *, debug: bool = True,
         method: str | None = None) -> Any:
    verb, headers, _, _ = REACHED_BY[question]
    method = method or verb
    body = JSON_BODY if method in TAKES_JSON else b""
    return call(App({"/r": resource}, debug=debug), method, "/r", headers, body)


@pytest.mark.parametrize("asynchronous", [False, True], ids=["sync", "async"])
@pytest.mark.parametrize("question", sorted(REACHED_BY))
def test_a_halt_from_any_question_is_the_answer(question: str, asynchronous: bool) -> None:
    reply = _ask(_halting(question, asynchronous), question)
    assert reply.status == 418
    assert reply.json() == {"tea": True}
    assert reply.header("content-type") == "application/json"
    assert reply.header("content-length") == str(len(reply.body))
    assert reply.header("x-pot") == "short"
    # The trace stops at the node that asked the question that halted.
    assert reply.header("x-statuskit-trace").split(",")[-1] == REACHED_BY[question][3]


def test_a_halt_from_handle_exception_is_the_answer() -> None:
    class Breaks(Resource):
        def representation(self, media_type: str) -> Any:
            raise RuntimeError("secret dsn=postgres://u:pw@db")

        async def handle_exception(self, exc: Exception) -> Any:
            raise Halt(503, headers={"Retry-After": "5"})

    reply = call(App({"/r": Breaks}), "GET", "/r")
    assert reply.status == 503
    assert reply.header("retry-after") == "5"
    assert reply.header("content-type") == "application/problem+json"
    assert reply.json()["status"] == 503
    assert b"secret" not in reply.body


@pytest.mark.parametrize("question", ["forbidden", "exists", "representation"])
def test_a_halt_to_head_sends_no_content_but_its_length(question: str) -> None:
    resource = _halting(question, False)
    full = _ask(resource, question, method="GET")
    reply = _ask(resource, question, method="HEAD")
    assert reply.status == 418
    assert reply.body == b""
    # RFC 9110 §9.3.2: HEAD carries the fields a GET would, Content-Length included.
    assert reply.header("content-length") == str(len(full.body)) == "12"
    assert reply.header("content-type") == "application/json"


@pytest.mark.parametrize("status", [204, 304])
def test_a_halt_to_a_no_content_status_sends_no_content(status: int) -> None:
    halt = Halt(status, content="dropped", headers={"Content-Type": "text/plain",
                                                    "ETag": '"v1"'})
    reply = _ask(_halting("forbidden", False, halt), "forbidden")
    assert reply.status == status
    # RFC 9110 §15.3.5 / §15.4.5: no content, so no Content-Type or -Length for it.
    assert reply.body == b""
    assert reply.header("content-type") is None
    assert reply.header("content-length") is None
    assert reply.header("etag") == '"v1"'


def test_a_halt_405_gets_the_resources_allow() -> None:
    class Writable(Resource):
        def forbidden(self) -> bool:
            raise Halt(405)

        def put(self, content: Any) -> Any:
            raise AssertionError

    reply = call(App({"/r": Writable}, debug=True), "GET", "/r")
    assert reply.status == 405
    # RFC 9110 §15.5.6: a 405 MUST carry Allow.
    assert reply.header("allow") == "GET, HEAD, PUT, OPTIONS"
    assert reply.header("content-type") == "application/problem+json"


def test_a_halt_405_from_allowed_methods_itself_gets_the_class_allow() -> None:
    class Refuses(Resource):
        def allowed_methods(self) -> Any:
            raise Halt(405)

    reply = call(App({"/r": Refuses}, debug=True), "GET", "/r")
    assert reply.status == 405
    assert reply.header("allow") == "GET, HEAD, OPTIONS"


def test_a_halt_405_keeps_the_allow_it_names() -> None:
    halt = Halt(405, headers={"Allow": "GET"})
    reply = _ask(_halting("forbidden", False, halt), "forbidden")
    assert reply.header("allow") == "GET"


@pytest.mark.parametrize(("status", "field"), [(301, "Location"), (303, "Location"),
                                               (401, "WWW-Authenticate"),
                                               (407, "Proxy-Authenticate"), (426, "Upgrade")])
def test_in_debug_a_halt_without_a_required_field_is_an_error(status: int, field: str) -> None:
    with pytest.raises(MissingField, match=field):
        _ask(_halting("forbidden", False, Halt(status)), "forbidden")


def test_out_of_debug_a_halt_goes_out_as_given() -> None:
    reply = _ask(_halting("forbidden", False, Halt(401)), "forbidden", debug=False)
    assert reply.status == 401
    assert reply.header("www-authenticate") is None
    assert reply.header("x-statuskit-trace") is None


def test_a_halt_redirect_carries_its_location_and_no_problem() -> None:
    halt = Halt(307, headers=[("Location", "/elsewhere")])
    reply = _ask(_halting("forbidden", False, halt), "forbidden")
    assert reply.status == 307
    assert reply.header("location") == "/elsewhere"
    assert reply.body == b""
    assert reply.header("content-length") == "0"


def test_a_halt_content_in_its_own_media_type() -> None:
    halt = Halt(200, content="<p>hi</p>", media_type="text/html")
    reply = _ask(_halting("exists", False, halt), "exists")
    assert reply.status == 200
    assert reply.header("content-type") == "text/html; charset=utf-8"
    assert reply.body == b"<p>hi</p>"


def test_a_halt_renders_in_the_negotiated_media_type() -> None:
    class Texts(Resource):
        provides = ("application/json", "text/plain")

        def exists(self) -> bool:
            raise Halt(409, content="taken")

    reply = call(App({"/r": Texts}), "GET", "/r", {"accept": "text/plain"})
    assert reply.status == 409
    assert reply.header("content-type") == "text/plain; charset=utf-8"
    assert reply.body == b"taken"


def test_a_halt_cannot_frame_the_message_itself() -> None:
    # The App frames the content it sends (RFC 9112 §6.3): one Content-Length only.
    halt = Halt(418, content="abc", headers={"Content-Length": "99",
                                             "Transfer-Encoding": "chunked"})
    reply = _ask(_halting("forbidden", False, halt), "forbidden")
    assert reply.body == b"abc"
    assert [v for k, v in reply.headers if k == "content-length"] == ["3"]
    assert reply.header("transfer-encoding") is None


@pytest.mark.parametrize("status", [100, 103, 199, 600, 99, -1])
def test_a_halt_needs_a_final_status(status: int) -> None:
    with pytest.raises(ValueError, match="final status"):
        Halt(status)


def test_a_halt_status_is_an_int_not_a_bool_or_str() -> None:
    with pytest.raises(ValueError, match="final status"):
        Halt(True)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="final status"):
        Halt("404")  # type: ignore[arg-type]


@pytest.mark.parametrize("value", ["a\r\nSet-Cookie: x=1", "a\nb", "a\x00b"])
def test_a_halt_field_value_cannot_split_the_head(value: str) -> None:
    # RFC 9110 §5.5: CR, LF and NUL are never in a field value.
    with pytest.raises(ValueError, match=r"RFC 9110 §5\.5"):
        Halt(418, headers={"X-Note": value})


@pytest.mark.parametrize("name", ["Bad Name", "", "X:Y", "caf\u00e9"])
def test_a_halt_field_name_is_a_token(name: str) -> None:
    with pytest.raises(ValueError, match=r"RFC 9110 §5\.1"):
        Halt(418, headers={name: "v"})


def test_a_halt_over_a_real_socket_keeps_head_content_free() -> None:
    class Teapot(Resource):
        async def forbidden(self) -> bool:
            raise Halt(418, content={"tea": True})

    with serve(Guard(App({"/t": Teapot})), http=httptools_protocol()) as port:
        head = get(port, "/t", method="HEAD")
        assert head.status == 418
        assert head.header("content-length") == "12"
        assert head.body == b""
        full = get(port, "/t")
        assert full.status == 418
        assert full.header("date") is not None  # RFC 9110 §6.6.1: the server's field
        assert full.body == b'{"tea":true}'
