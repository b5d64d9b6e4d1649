"""Field values a careless or hostile client sends: a field repeated on several lines,
a Range on a response the app's own middleware compresses. Over a real uvicorn."""

from __future__ import annotations

import asyncio
import gzip
import json
import threading
from collections.abc import AsyncIterator, Iterator

import pytest
from apps import TEXT, fastapi_app
from fastapi import Depends, FastAPI, HTTPException
from fastapi.responses import StreamingResponse
from pydantic import BaseModel
from starlette.middleware.gzip import GZipMiddleware
from wire import exchange, methods

from statuskit.starlette import install, ranged
from support.rawhttp import RawConnection, RawResponse, request
from support.servers import serve

PLAIN = "Accept: text/plain\r\n"


def _send(port: int, method: str, target: str, fields: str, body: bytes = b"") -> RawResponse:
    length = f"Content-Length: {len(body)}\r\n" if body else ""
    head = f"{method} {target} HTTP/1.1\r\nHost: test\r\n{fields}{length}\r\n"
    return request(port, head.encode("latin-1") + body, head_request=method == "HEAD")


def _etag(port: int) -> str:
    answer = _send(port, "GET", "/docs/1", PLAIN)
    assert answer.status == 200
    etag = answer.header("etag")
    assert etag is not None
    return etag


def test_if_match_on_two_lines_matches_the_tag_on_the_second(port: int) -> None:
    # RFC 9110 §5.3: two If-Match lines mean the list "a", "b"; §13.1.1: the condition
    # is true when any listed tag matches.
    etag = _etag(port)
    answer = _send(port, "PUT", "/docs/1", f'If-Match: "stale"\r\nIf-Match: {etag}\r\n',
                   b"new text")
    assert answer.status == 204, (answer.status, answer.body[:200])
    assert answer.body == b""
    assert answer.header("etag") not in (None, etag)


def test_if_match_on_two_lines_neither_current_is_412(port: int) -> None:
    answer = _send(port, "PUT", "/docs/1", 'If-Match: "stale"\r\nIf-Match: "older"\r\n', b"x")
    assert answer.status == 412
    assert answer.header("content-type") == "application/problem+json"


def test_if_none_match_on_two_lines_is_304_when_the_second_matches(port: int) -> None:
    # RFC 9110 §13.1.2 and §5.3: the list spans both lines; a GET whose tag is listed is 304.
    etag = _etag(port)
    answer = _send(port, "GET", "/docs/1", f'{PLAIN}If-None-Match: "other"\r\n'
                                           f"If-None-Match: {etag}\r\n")
    assert answer.status == 304, answer.status
    assert answer.header("etag") == etag  # RFC 9110 §15.4.5
    assert answer.body == b"" and answer.header("content-length") is None


def test_accept_on_two_lines_is_one_list(port: int) -> None:
    # RFC 9110 §5.3 and §12.5.1: "Accept: image/png" and "Accept: text/plain" accept both.
    answer = _send(port, "GET", "/docs/1", "Accept: image/png\r\nAccept: text/plain\r\n")
    assert answer.status == 200, (answer.status, answer.body[:200])
    assert answer.header("content-type") == "text/plain; charset=utf-8"
    assert answer.body == _send(port, "GET", "/docs/1", PLAIN).body
    assert "Accept" in (answer.header("vary") or "")


@pytest.fixture(scope="module")
def gzip_port() -> Iterator[int]:
    """The FastAPI test app with Starlette's GZipMiddleware of its own."""
    app = fastapi_app()
    app.add_middleware(GZipMiddleware, minimum_size=1)
    with serve(install(app)) as live:
        yield live


def test_a_compressed_response_is_sent_whole_for_a_range(gzip_port: int) -> None:
    # The route's strong ETag names the resource's current text, not the gzip bytes
    # the app's middleware makes of it: a range cut from those bytes under that tag
    # could be spliced into an identity copy (RFC 9110 §8.8.3, §13.1.5 If-Range needs
    # a strong validator of *this* representation). The range is ignored (§14.2).
    etag = _send(gzip_port, "GET", "/docs/1", PLAIN).header("etag")
    answer = _send(gzip_port, "GET", "/docs/1", f"{PLAIN}Accept-Encoding: gzip\r\n"
                                                f"Range: bytes=5-\r\nIf-Range: {etag}\r\n")
    assert answer.status == 200, answer.status
    assert answer.header("content-encoding") == "gzip"
    assert answer.header("content-range") is None
    assert answer.header("accept-ranges") is None  # RFC 9110 §14.3: not offered here
    assert gzip.decompress(answer.body) == TEXT.encode()


def test_an_identity_response_still_takes_a_range_beside_gzip(gzip_port: int) -> None:
    answer = _send(gzip_port, "GET", "/docs/1", f"{PLAIN}Accept-Encoding: identity\r\n"
                                                "Range: bytes=5-9\r\n")
    assert answer.status == 206
    assert answer.header("content-encoding") is None
    assert answer.header("content-range") == f"bytes 5-9/{len(TEXT)}"
    assert answer.body == TEXT[5:10].encode()


class Name(BaseModel):
    name: str


def _echoing_app() -> FastAPI:
    """Routes that quote the client's input, or a value JSON cannot carry, in their
    HTTPException detail object."""
    app = FastAPI()

    @app.post("/lookups")
    async def look_up(query: Name) -> None:
        raise HTTPException(404, {"detail": f"No note is named {query.name}.",
                                  "name": query.name})

    @app.get("/scores")
    async def score() -> None:
        raise HTTPException(409, {"detail": "Not scored yet.", "score": float("nan")})

    return install(app)


@pytest.fixture(scope="module")
def echo_port() -> Iterator[int]:
    with serve(_echoing_app()) as live:
        yield live


def _strict_json(body: bytes) -> dict[str, object]:
    def refuse(constant: str) -> None:
        raise AssertionError(f"{constant} is not JSON (RFC 8259 §6)")
    document: dict[str, object] = json.loads(body.decode("utf-8"), parse_constant=refuse)
    return document


def test_a_detail_object_quoting_a_lone_surrogate_is_still_the_problem(echo_port: int) -> None:
    # The client's JSON names "\ud800" (valid JSON text, RFC 8259 §8.2 leaves it to the
    # receiver); the app quotes it. The answer is the app's 404, not the guard's 500.
    answer = _send(echo_port, "POST", "/lookups", "Content-Type: application/json\r\n",
                   b'{"name": "a\\ud800"}')
    assert answer.status == 404, (answer.status, answer.body[:200])
    assert answer.header("content-type") == "application/problem+json"
    assert int(answer.header("content-length") or -1) == len(answer.body)
    document = _strict_json(answer.body)
    assert document["status"] == 404 and str(document["detail"]).startswith("No note is named a")


def test_a_nan_member_is_dropped_not_sent_as_invalid_json(echo_port: int) -> None:
    answer = _send(echo_port, "GET", "/scores", "")
    assert answer.status == 409
    assert answer.header("content-type") == "application/problem+json"
    document = _strict_json(answer.body)
    assert document["status"] == 409 and "score" not in document


STREAMED_CHUNK = 512 * 1024
STREAMED_CHUNKS = 8  # 4 MiB in all: under MAX_RANGE_BUFFER, far over what one range needs
HELD_BEFORE_WAIT = 3  # 1.5 MiB sent before the app waits for the client


def _streaming_app(first_part_read: threading.Event) -> FastAPI:
    """A route streaming a body with a declared length; the rest of it waits until the
    client has seen its first bytes."""
    app = FastAPI()

    @app.get("/big", dependencies=[Depends(ranged())])
    async def big() -> StreamingResponse:
        async def chunks() -> AsyncIterator[bytes]:
            yield b"a" * STREAMED_CHUNK
            for _ in range(HELD_BEFORE_WAIT - 1):  # past the hold: it must go out now
                yield b"b" * STREAMED_CHUNK
            read = await asyncio.get_running_loop().run_in_executor(
                None, first_part_read.wait, 5)
            if not read:
                raise RuntimeError("the client never saw the first part: it was held")
            for _ in range(STREAMED_CHUNKS - HELD_BEFORE_WAIT):
                yield b"c" * STREAMED_CHUNK
        length = str(STREAMED_CHUNK * STREAMED_CHUNKS)
        return StreamingResponse(chunks(), media_type="application/octet-stream",
                                 headers={"Content-Length": length})

    return install(app)


def test_a_range_on_a_streamed_body_does_not_hold_it_whole() -> None:
    # One tiny range must not make the server buffer megabytes of a body it would
    # otherwise stream (a memory amplification): past a small hold, the range is
    # ignored and the 200 streams on (RFC 9110 §14.2 lets a server ignore Range).
    first_part_read = threading.Event()
    with serve(_streaming_app(first_part_read)) as port, RawConnection(port, 15) as conn:
        conn.send(b"GET /big HTTP/1.1\r\nHost: test\r\nRange: bytes=0-0\r\n\r\n")
        _, status, _, headers = conn.read_head()
        fields = dict(headers)
        assert status == 200, status
        assert "content-range" not in fields
        assert "accept-ranges" not in fields  # RFC 9110 §14.3: not offered for this one
        first = conn._read_exact(STREAMED_CHUNK)
        assert first == b"a" * STREAMED_CHUNK
        first_part_read.set()
        rest = conn._read_exact(STREAMED_CHUNK * (STREAMED_CHUNKS - 1))
        assert rest[:STREAMED_CHUNK] == b"b" * STREAMED_CHUNK
        assert rest[-STREAMED_CHUNK:] == b"c" * STREAMED_CHUNK


def test_options_asterisk_is_about_the_server_not_a_missing_resource(port: int) -> None:
    # RFC 9110 §9.3.7: "OPTIONS *" applies to the server in general (a ping); it names
    # no resource, so a 404 is wrong. Allow lists the methods some route implements.
    answer = exchange(port, "OPTIONS", "*")
    assert answer.status == 204, answer.status
    assert answer.body == b"" and answer.header("content-length") is None
    allowed = methods(answer.header("allow"))
    assert {"GET", "HEAD", "OPTIONS", "PUT", "POST", "DELETE"} <= set(allowed)
