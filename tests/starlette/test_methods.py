"""install(): HEAD, Allow, OPTIONS, 405 and 501 from the app's own route table, over a
real uvicorn, for the same API written in FastAPI and in plain Starlette."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from apps import fastapi_app, starlette_app
from fastapi import FastAPI
from starlette.middleware.cors import CORSMiddleware
from wire import exchange, methods, problem

from statuskit.starlette import install
from support.rawhttp import get
from support.servers import serve


def test_head_on_a_get_route_carries_the_get_fields_and_no_content(port: int) -> None:
    got = get(port, "/items/1")
    head = exchange(port, "HEAD", "/items/1")
    # RFC 9110 §9.3.2: the same header fields GET would send, without the content.
    assert got.status == head.status == 200
    assert head.header("content-type") == got.header("content-type")
    assert head.header("content-length") == got.header("content-length") == str(len(got.body))
    assert head.body == b""


def test_head_of_a_missing_item_is_404_without_content(port: int) -> None:
    head = exchange(port, "HEAD", "/items/99")
    assert head.status == 404
    assert head.header("content-type") == "application/problem+json"
    assert head.body == b""


def test_options_is_204_with_the_allow_of_every_route_on_the_path(port: int) -> None:
    answer = exchange(port, "OPTIONS", "/items/1")
    # The seed: OPTIONS -> 204; RFC 9110 §9.3.7 with §10.2.1: Allow names the methods.
    assert answer.status == 204
    assert methods(answer.header("allow")) == ["GET", "HEAD", "PUT", "DELETE", "OPTIONS"]
    assert answer.header("content-length") is None  # RFC 9110 §8.6: none on 204
    assert answer.body == b""


def test_options_on_an_included_or_mounted_router_lists_its_routes(port: int) -> None:
    answer = exchange(port, "OPTIONS", "/admin/stats")
    assert answer.status == 204
    assert methods(answer.header("allow")) == ["GET", "HEAD", "DELETE", "OPTIONS"]


def test_options_on_an_unknown_path_is_404(port: int) -> None:
    problem(exchange(port, "OPTIONS", "/nothing/here"), 404)


def test_405_lists_every_method_on_the_path_not_only_the_first_route(port: int) -> None:
    answer = exchange(port, "POST", "/items/1", {"Content-Type": "application/json"}, b"{}")
    problem(answer, 405)
    # RFC 9110 §15.5.6: Allow with the target's methods; POST is not among them.
    assert methods(answer.header("allow")) == ["GET", "HEAD", "PUT", "DELETE", "OPTIONS"]


def test_head_where_no_route_takes_get_is_405_with_allow(port: int) -> None:
    answer = exchange(port, "HEAD", "/upload")
    assert answer.status == 405
    assert "POST" in methods(answer.header("allow"))
    assert answer.body == b""


def test_a_method_no_route_implements_is_501_app_wide(port: int) -> None:
    answer = exchange(port, "PATCH", "/items/1", {"Content-Type": "application/json"}, b"{}")
    # RFC 9110 §15.6.2: not supported for any resource.
    document = problem(answer, 501)
    assert "PATCH" in document["detail"]
    assert answer.header("allow") is None


def test_a_method_implemented_elsewhere_is_405_not_501(port: int) -> None:
    # POST exists (on /items), so on /admin/stats it is refused with 405.
    answer = exchange(port, "POST", "/admin/stats", {"Content-Length": "0"})
    problem(answer, 405)
    assert methods(answer.header("allow")) == ["GET", "HEAD", "DELETE", "OPTIONS"]


def test_get_is_never_501_even_where_no_route_takes_it(port: int) -> None:
    # RFC 9110 §9.1: GET and HEAD are supported by every general-purpose server.
    assert exchange(port, "GET", "/upload").status == 405


def test_an_unregistered_method_is_501_from_the_guard() -> None:
    # uvicorn's httptools parser answers 400 to a method it does not know, before any
    # app runs; the h11 parser hands it over.
    with serve(install(starlette_app()), http="h11") as live:
        answer = get(live, "/items", method="BREW")
    problem(answer, 501)


@pytest.fixture(params=["fastapi", "starlette"])
def options_200(request: pytest.FixtureRequest) -> Iterator[int]:
    builder = fastapi_app if request.param == "fastapi" else starlette_app
    with serve(install(builder(), options_status=200)) as live:
        yield live


def test_options_can_answer_200_with_an_empty_body(options_200: int) -> None:
    answer = exchange(options_200, "OPTIONS", "/items")
    assert answer.status == 200
    assert answer.header("content-length") == "0"
    assert methods(answer.header("allow")) == ["GET", "HEAD", "POST", "OPTIONS"]


def test_options_status_other_than_200_or_204_is_refused() -> None:
    with pytest.raises(ValueError, match="204"):
        install(fastapi_app(), options_status=202)


def test_install_twice_is_refused() -> None:
    app = install(fastapi_app())
    with pytest.raises(RuntimeError, match="already"):
        install(app)


def test_an_unknown_guard_setting_fails_at_install() -> None:
    with pytest.raises(TypeError):
        install(fastapi_app(), max_body_sise=10)


def test_a_cors_preflight_reaches_the_apps_cors_middleware() -> None:
    app = fastapi_app()
    app.add_middleware(CORSMiddleware, allow_origins=["https://a.test"], allow_methods=["PUT"])
    with serve(install(app)) as live:
        answer = get(live, "/items/1", method="OPTIONS", headers={
            "Origin": "https://a.test", "Access-Control-Request-Method": "PUT"})
        plain = get(live, "/items/1", method="OPTIONS")
    assert answer.status == 200
    assert answer.header("access-control-allow-origin") == "https://a.test"
    assert plain.status == 204


def test_routes_declared_after_install_are_read_when_serving() -> None:
    app = install(FastAPI())

    @app.get("/late")
    def late() -> dict[str, str]:
        return {}

    with serve(app) as live:
        answer = exchange(live, "OPTIONS", "/late")
    assert methods(answer.header("allow")) == ["GET", "HEAD", "OPTIONS"]


def test_an_http_endpoint_class_is_read_for_its_methods() -> None:
    from starlette.applications import Starlette
    from starlette.endpoints import HTTPEndpoint
    from starlette.responses import JSONResponse, PlainTextResponse
    from starlette.routing import Route

    class Thing(HTTPEndpoint):
        async def get(self, request: object) -> PlainTextResponse:
            return PlainTextResponse("thing")

        async def put(self, request: object) -> PlainTextResponse:
            return PlainTextResponse("put")

    app = Starlette(routes=[Route("/thing", Thing),
                            Route("/items", lambda r: JSONResponse([]), methods=["GET", "POST"])])
    with serve(install(app)) as live:
        options = exchange(live, "OPTIONS", "/thing")
        refused = exchange(live, "POST", "/thing", {"Content-Length": "0"})
        unimplemented = exchange(live, "PATCH", "/thing", {"Content-Length": "0"})
    assert methods(options.header("allow")) == ["GET", "HEAD", "PUT", "OPTIONS"]
    problem(refused, 405)
    assert methods(refused.header("allow")) == ["GET", "HEAD", "PUT", "OPTIONS"]
    problem(unimplemented, 501)


def test_a_method_outside_the_registry_that_a_route_takes_is_served() -> None:
    # RFC 9110 §16.1: an app may implement a method IANA does not list; install()'s
    # 501 is for methods no route takes (a route for REPORT, PURGE, ... is served).
    from starlette.applications import Starlette
    from starlette.responses import PlainTextResponse
    from starlette.routing import Route
    from starlette.testclient import TestClient

    from statuskit.starlette import install

    async def purge(request: object) -> PlainTextResponse:
        return PlainTextResponse("purged")

    app = install(Starlette(routes=[Route("/cache", purge, methods=["PURGE"])]))
    client = TestClient(app)
    assert client.request("PURGE", "/cache").text == "purged"
    refused = client.request("BREW", "/cache")
    assert refused.status_code == 501
    assert refused.headers["content-type"] == "application/problem+json"
