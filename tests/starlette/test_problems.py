"""install(): every error the app raises as problem+json, RFC 9110's 400/415/422 split of
FastAPI's validation errors, the guard's 500 and one 413 decision, over a real uvicorn."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest
from apps import fastapi_app, starlette_app
from wire import exchange, problem

from statuskit.starlette import install
from support.rawhttp import get
from support.servers import serve

JSON = {"Content-Type": "application/json"}


@pytest.fixture(scope="module")
def fastapi_port() -> Iterator[int]:
    with serve(install(fastapi_app())) as live:
        yield live


def test_an_http_exception_keeps_its_detail_and_fields(port: int) -> None:
    answer = exchange(port, "GET", "/secret")
    document = problem(answer, 401)
    assert document["detail"] == "Token required."
    # RFC 9110 §15.5.2: 401 carries a challenge; the app's field survives.
    assert answer.header("www-authenticate") == "Bearer"


def test_an_unknown_path_is_a_problem_404(port: int) -> None:
    assert "detail" not in problem(exchange(port, "GET", "/no/such/path"), 404)


def test_an_app_404_keeps_the_apps_detail(port: int) -> None:
    assert problem(exchange(port, "GET", "/items/99"), 404)["detail"] == "No such note."


def test_an_exception_is_the_guards_500_with_an_error_id_and_no_internals(
        port: int, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.CRITICAL, logger="statuskit.guard"):
        answer = get(port, "/boom")
    document = problem(answer, 500)
    assert len(document["error_id"]) == 16 and document["error_id"] in document["detail"]
    assert b"internal detail" not in answer.body and b"Traceback" not in answer.body


def test_debug_mode_still_sends_no_traceback(caplog: pytest.LogCaptureFixture) -> None:
    with serve(install(starlette_app(debug=True))) as live, \
            caplog.at_level(logging.CRITICAL, logger="statuskit.guard"):
        answer = get(live, "/boom")
    problem(answer, 500)
    assert b"internal detail" not in answer.body and b"Traceback" not in answer.body


def test_malformed_json_is_400_not_422(fastapi_port: int) -> None:
    answer = exchange(fastapi_port, "PUT", "/items/1", JSON, b'{"title": ')
    # RFC 9110 §15.5.1: content the server cannot parse is a malformed request.
    assert "JSON" in problem(answer, 400)["detail"]


def test_a_content_type_the_route_does_not_take_is_415_not_422(fastapi_port: int) -> None:
    answer = exchange(fastapi_port, "PUT", "/items/1", {"Content-Type": "text/plain"},
                      b'{"title": "x"}')
    problem(answer, 415)
    # RFC 9110 §15.5.16: the answer may say which formats would have been taken.
    assert answer.header("accept") == "application/json"


def test_a_post_in_the_wrong_format_names_accept_post(fastapi_port: int) -> None:
    answer = exchange(fastapi_port, "POST", "/items", {"Content-Type": "application/xml"},
                      b"<note/>")
    problem(answer, 415)
    assert answer.header("accept-post") == "application/json"


def test_content_without_a_content_type_is_415(fastapi_port: int) -> None:
    answer = exchange(fastapi_port, "POST", "/items", {}, b'{"title": "x"}')
    problem(answer, 415)


def test_a_json_suffix_type_is_taken(fastapi_port: int) -> None:
    answer = exchange(fastapi_port, "PUT", "/items/1",
                      {"Content-Type": "application/merge-patch+json"}, b'{"title": "x"}')
    assert answer.status == 200


def test_well_formed_but_invalid_content_is_422_with_field_errors(fastapi_port: int) -> None:
    answer = exchange(fastapi_port, "PUT", "/items/1", JSON, b'{"title": 5, "priority": "hi"}')
    document = problem(answer, 422)
    pointers = {e["pointer"]: e for e in document["errors"]}
    # RFC 9457 §3: field errors as an extension member, located by JSON Pointer.
    assert set(pointers) == {"#/title", "#/priority"}
    assert all(e["in"] == "body" and e["detail"] and e["type"] for e in pointers.values())
    assert b'"hi"' not in answer.body  # the input is not echoed back


def test_an_invalid_path_parameter_is_404(fastapi_port: int) -> None:
    document = problem(exchange(fastapi_port, "GET", "/items/abc"), 404)
    assert document["errors"][0]["name"] == "item_id"


def test_an_invalid_query_parameter_is_400(fastapi_port: int) -> None:
    document = problem(exchange(fastapi_port, "GET", "/search?limit=many"), 400)
    assert document["errors"] == [
        {"detail": document["errors"][0]["detail"], "type": "int_parsing", "in": "query",
         "name": "limit"}]


def test_1500_deep_json_is_400_not_500(fastapi_port: int) -> None:
    # Python's parser gives up on the depth (RecursionError): the content is not parsed.
    answer = exchange(fastapi_port, "PUT", "/items/1", JSON, b"[" * 1500 + b"]" * 1500)
    assert problem(answer, 400)["detail"] == "There was an error parsing the body"


def test_a_5000_digit_number_is_400_and_not_echoed(fastapi_port: int) -> None:
    # Past Python's 4300-digit limit for int(): the content cannot be parsed.
    body = b'{"title": "x", "priority": ' + b"9" * 5000 + b"}"
    answer = exchange(fastapi_port, "PUT", "/items/1", JSON, body)
    problem(answer, 400)
    assert b"9999" not in answer.body


def test_a_lone_surrogate_in_a_field_name_is_a_422_not_a_500(fastapi_port: int) -> None:
    answer = exchange(fastapi_port, "PUT", "/items/1", JSON, b'{"title": "x", "\\ud800": 1}')
    assert problem(answer, 422)["errors"][0]["type"] == "string_unicode"


def test_a_field_name_is_escaped_in_its_json_pointer(fastapi_port: int) -> None:
    answer = exchange(fastapi_port, "PUT", "/items/1", JSON, b'{"title": "x", "a/b~c": 1}')
    # RFC 6901 §3: "/" is "~1" and "~" is "~0".
    assert problem(answer, 422)["errors"][0]["pointer"] == "#/a~1b~0c"


def test_ten_thousand_errors_are_summarised(fastapi_port: int) -> None:
    body = json.dumps({"title": "x", **{f"extra{i}": i for i in range(10_000)}}).encode()
    document = problem(exchange(fastapi_port, "PUT", "/items/1", JSON, body), 422)
    assert len(document["errors"]) == 50
    assert document["errors_not_listed"] == 10_000 - 50


@pytest.mark.parametrize("builder", [fastapi_app, starlette_app])
def test_the_apps_own_body_limit_is_its_413_as_a_problem(builder: object) -> None:
    app = builder(max_body_size=10)  # type: ignore[operator]
    with serve(install(app)) as live:
        small = get(live, "/upload", method="POST", body=b"x" * 10)
        # Expect: 100-continue with a length past the limit: refused before any 100
        # (Starlette's limit refuses the declared length before it reads).
        large = get(live, "/upload", method="POST", body=b"x" * 11,
                    headers={"Expect": "100-continue"})
    assert small.status == 200
    problem(large, 413)
    assert large.interim == []
    assert app.max_body_size == 10  # the app's setting is left as it was


def test_the_guard_limit_wins_when_it_is_smaller() -> None:
    with serve(install(starlette_app(max_body_size=1000), max_body_size=5)) as live:
        problem(get(live, "/upload", method="POST", body=b"x" * 6), 413)


def test_guard_settings_pass_through() -> None:
    with serve(install(fastapi_app(), maintenance=True, maintenance_retry_after=7)) as live:
        answer = get(live, "/items")
    problem(answer, 503)
    assert answer.header("retry-after") == "7"


def test_an_app_with_its_own_500_handler_keeps_it() -> None:
    from starlette.responses import PlainTextResponse

    app = starlette_app(exception_handlers={500: lambda r, e: PlainTextResponse("ours", 500)})
    with serve(install(app)) as live:
        answer = get(live, "/boom")
    assert answer.status == 500 and answer.body == b"ours"
