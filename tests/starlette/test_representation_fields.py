"""``representation(...)`` where its per-request work takes a shortcut (issue 23, item 5):
the request's fields read as sent, the response's fields edited in one pass, the
validators called with the path's own groups. Each test is an answer the shortcut must
not change, over a real uvicorn: a field sent on several lines (RFC 9110 §5.3), a
response whose names are not lower case, a coded or streamed body, path parameters of
other types than text."""

# No ``from __future__ import annotations``: FastAPI reads these handlers' annotations,
# which name local functions, at run time.
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI, Request
from fastapi.responses import Response, StreamingResponse
from wire import exchange, problem

from statuskit.starlette import Validators, chosen, install, representation
from support.rawhttp import RawConnection, RawResponse
from support.servers import serve

TEXT = b"0123456789"
MODIFIED = 1_700_000_000.0  # Tue, 14 Nov 2023 22:13:20 GMT
MODIFIED_FIELD = "Tue, 14 Nov 2023 22:13:20 GMT"


def _app() -> FastAPI:
    app = FastAPI()

    async def current(item_id: str) -> Validators | None:
        return Validators(etag="v1") if item_id == "1" else None

    async def numbered(item_id: int) -> Validators | None:
        return Validators(etag=f"n{item_id}") if item_id < 10 else None

    async def owner_only(owner: str) -> Validators | None:
        return Validators(etag=f"o-{owner}")

    async def dated(item_id: str) -> Validators | None:
        return Validators(last_modified=MODIFIED)

    @app.get("/items/{item_id}")
    @representation(provides=("text/plain", "application/json"), validators=current,
                    ranges=True)
    async def read(item_id: str, request: Request) -> Response:
        found = chosen(request)
        if found.validators is None:
            return Response(status_code=404)
        return Response(TEXT, media_type=found.media_type)

    @app.get("/numbered/{item_id}")
    @representation(validators=numbered)
    async def read_numbered(item_id: int, request: Request) -> Response:
        if chosen(request).validators is None:
            return Response(status_code=404)
        return Response(TEXT, media_type="text/plain")

    @app.get("/owners/{owner}/items/{item_id}")
    @representation(validators=owner_only)
    async def read_owned(owner: str, item_id: str) -> Response:
        return Response(f"{owner}/{item_id}".encode(), media_type="text/plain")

    @app.get("/raw/{item_id}")
    @representation(provides=("text/plain", "application/json"), validators=current,
                    ranges=True)
    async def read_raw(item_id: str, request: Request) -> Response:
        response = Response(TEXT, media_type=chosen(request).media_type)
        # Names as a raw ASGI app may send them: not lower case.
        response.raw_headers += [(b"Vary", b"Origin"), (b"ETag", b'"own"')]
        return response

    @app.get("/coded/{coding}")
    @representation(ranges=True)
    async def read_coded(coding: str) -> Response:
        return Response(TEXT, media_type="text/plain", headers={"content-encoding": coding})

    @app.get("/streamed")
    @representation(ranges=True)
    async def read_streamed() -> StreamingResponse:
        async def parts() -> Any:
            yield TEXT

        return StreamingResponse(parts(), media_type="text/plain")

    @app.get("/dated/{item_id}")
    @representation(validators=dated)
    async def read_dated(item_id: str) -> Response:
        return Response(TEXT, media_type="text/plain")

    @app.put("/dated/{item_id}", status_code=204)
    @representation(validators=dated, require=True)
    async def write_dated(item_id: str) -> None:
        return None

    return install(app)


@pytest.fixture(scope="module")
def port() -> Iterator[int]:
    with serve(_app()) as bound:
        yield bound


def _lines(port: int, target: str, fields: list[tuple[str, str]], *,
           method: str = "GET") -> RawResponse:
    """One request whose fields go out as listed, a name on as many lines as given."""
    head = f"{method} {target} HTTP/1.1\r\nHost: test\r\n" + \
        "".join(f"{name}: {value}\r\n" for name, value in fields)
    with RawConnection(port) as conn:
        conn.send(head.encode("latin-1") + b"\r\n")
        return conn.read_response(head_request=method == "HEAD")


def _all(answer: RawResponse, name: str) -> list[str]:
    return [value for key, value in answer.headers if key == name]


def test_accept_on_two_lines_is_one_list(port: int) -> None:
    # RFC 9110 §5.3: the second line's type is as acceptable as if it were on the first.
    answer = _lines(port, "/items/1", [("Accept", "image/png"), ("Accept", "application/json")])
    assert answer.status == 200
    assert (answer.header("content-type") or "").startswith("application/json")
    assert answer.header("vary") == "Accept"
    assert answer.header("etag") == '"v1"'
    assert answer.body == TEXT
    problem(_lines(port, "/items/1", [("Accept", "image/png")]), 406)


def test_if_none_match_on_two_lines_is_one_list(port: int) -> None:
    answer = _lines(port, "/items/1", [("If-None-Match", '"v0"'), ("If-None-Match", '"v1"')])
    assert answer.status == 304
    assert answer.header("etag") == '"v1"'
    assert answer.header("vary") == "Accept"
    assert answer.header("content-length") is None
    assert answer.body == b""


def test_an_accept_and_a_range_on_several_lines_are_both_read(port: int) -> None:
    answer = _lines(port, "/items/1", [("Accept", "text/html"), ("Range", "bytes=2-4"),
                                       ("Accept", "text/plain")])
    assert answer.status == 206
    assert answer.header("content-range") == "bytes 2-4/10"
    assert (answer.header("content-type") or "").startswith("text/plain")
    assert answer.body == b"234"


def test_response_names_not_in_lower_case_are_still_the_fields_they_name(port: int) -> None:
    answer = exchange(port, "GET", "/raw/1", {"Accept": "application/json"})
    assert answer.status == 200
    # The app's own Vary gets Accept added, in the one field; its own ETag stays alone.
    assert _all(answer, "vary") == ["Origin, Accept"]
    assert _all(answer, "etag") == ['"own"']
    assert answer.header("accept-ranges") == "bytes"
    assert answer.body == TEXT


def test_a_coded_body_takes_no_range_and_an_identity_one_does(port: int) -> None:
    coded = exchange(port, "GET", "/coded/gzip", {"Range": "bytes=0-1"})
    assert coded.status == 200
    assert coded.header("accept-ranges") is None  # RFC 9110 §14.3
    assert coded.header("content-range") is None
    assert coded.body == TEXT
    plain = exchange(port, "GET", "/coded/identity", {"Range": "bytes=0-1"})
    assert plain.status == 206
    assert plain.header("content-range") == "bytes 0-1/10"
    assert plain.body == b"01"


def test_a_streamed_body_declines_ranges(port: int) -> None:
    answer = exchange(port, "GET", "/streamed", {"Range": "bytes=0-1"})
    assert answer.status == 200
    assert answer.header("accept-ranges") is None
    assert answer.header("content-range") is None
    assert answer.body == TEXT


def test_head_gets_the_fields_of_the_get_and_no_content(port: int) -> None:
    answer = exchange(port, "HEAD", "/items/1", {"Accept": "application/json"})
    assert answer.status == 200
    assert answer.header("etag") == '"v1"'
    assert answer.header("vary") == "Accept"
    assert answer.header("accept-ranges") == "bytes"
    assert answer.body == b""


def test_a_path_parameter_read_as_a_number(port: int) -> None:
    answer = exchange(port, "GET", "/numbered/3", {"If-None-Match": '"n3"'})
    assert answer.status == 304
    assert answer.header("etag") == '"n3"'
    assert answer.body == b""
    assert exchange(port, "GET", "/numbered/3", {"If-None-Match": '"n4"'}).status == 200
    assert exchange(port, "GET", "/numbered/12").status == 404
    # Not a number: the handler's own refusal (FastAPI's, made 404 by install()).
    problem(exchange(port, "GET", "/numbered/x", {"If-None-Match": '"n3"'}), 404)


def test_validators_that_take_some_of_the_path_parameters(port: int) -> None:
    answer = exchange(port, "GET", "/owners/ann/items/7", {"If-None-Match": '"o-ann"'})
    assert answer.status == 304
    assert answer.header("etag") == '"o-ann"'
    answer = exchange(port, "GET", "/owners/bob/items/7", {"If-None-Match": '"o-ann"'})
    assert answer.status == 200
    assert answer.header("etag") == '"o-bob"'
    assert answer.body == b"bob/7"


def test_if_modified_since_alone(port: int) -> None:
    answer = exchange(port, "GET", "/dated/1", {"If-Modified-Since": MODIFIED_FIELD})
    assert answer.status == 304
    assert answer.header("last-modified") == MODIFIED_FIELD
    assert answer.body == b""
    answer = exchange(port, "GET", "/dated/1")
    assert answer.status == 200
    assert answer.header("last-modified") == MODIFIED_FIELD
    # RFC 6585 §3: on a write that requires one, If-Modified-Since is no condition.
    problem(exchange(port, "PUT", "/dated/1", {"If-Modified-Since": MODIFIED_FIELD}), 428)
    assert exchange(port, "PUT", "/dated/1",
                    {"If-Unmodified-Since": MODIFIED_FIELD}).status == 204
