"""500 and response hygiene: what the app gets wrong never reaches the wire broken."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from support.rawhttp import RawConnection, get

PROBLEM = "application/problem+json"


def test_exception_before_the_response_is_500_with_error_id(guarded, caplog):
    port = guarded()
    with caplog.at_level(logging.ERROR, logger="statuskit.guard"):
        response = get(port, "/boom")
    assert response.status == 500
    assert response.header("content-type") == PROBLEM
    document = response.json()
    assert document["title"] == "Internal Server Error"
    assert b"secret internal detail" not in response.body
    assert b"Traceback" not in response.body
    error_id = document["error_id"]
    logged = [r for r in caplog.records if error_id in r.getMessage()]
    assert logged and logged[0].exc_info is not None


def test_app_returning_without_a_response_is_500(guarded):
    port = guarded()
    response = get(port, "/silent")
    assert response.status == 500
    assert response.header("content-type") == PROBLEM


def test_exception_after_the_response_started_aborts_the_connection(guarded):
    port = guarded()
    with RawConnection(port) as conn:
        conn.send(b"GET /boom-late HTTP/1.1\r\nHost: t\r\n\r\n")
        assert conn.read_head()[1] == 200
        assert conn.pending(0.5) == b"12345"
        assert conn.is_closed()


@pytest.mark.parametrize("status", [100, 103, 199, 600, 99])
def test_status_outside_final_range_becomes_500(guarded, status):
    port = guarded()
    response = get(port, f"/status/{status}")
    assert response.status == 500
    assert response.interim == []
    assert response.header("content-type") == PROBLEM


def test_204_with_content_is_sent_without_it(guarded):
    port = guarded()
    with RawConnection(port) as conn:
        conn.send(b"GET /status/204 HTTP/1.1\r\nHost: t\r\n\r\n")
        response = conn.read_response()
        assert response.status == 204
        assert response.header("content-length") is None
        assert response.header("transfer-encoding") is None
        # Framing intact: the next request on the connection gets its own answer.
        conn.send(b"GET / HTTP/1.1\r\nHost: t\r\n\r\n")
        follow_up = conn.read_response()
    assert follow_up.status == 200
    assert follow_up.body == b"ok"


def test_304_with_content_is_sent_without_it(guarded):
    port = guarded()
    with RawConnection(port) as conn:
        conn.send(b"GET /status/304 HTTP/1.1\r\nHost: t\r\n\r\nGET / HTTP/1.1\r\nHost: t\r\n\r\n")
        assert conn.read_response().status == 304
        follow_up = conn.read_response()
    assert follow_up.status == 200
    assert follow_up.body == b"ok"


def test_head_response_has_no_content(guarded):
    port = guarded(http="h11")
    with RawConnection(port) as conn:
        conn.send(b"HEAD / HTTP/1.1\r\nHost: t\r\n\r\nGET / HTTP/1.1\r\nHost: t\r\n\r\n")
        head = conn.read_response(head_request=True)
        assert head.status == 200
        assert head.header("content-length") == "2"
        follow_up = conn.read_response()
    assert follow_up.body == b"ok"


def test_content_longer_than_declared_aborts(guarded):
    port = guarded()
    with RawConnection(port) as conn:
        conn.send(b"GET /lie-long HTTP/1.1\r\nHost: t\r\n\r\n")
        assert conn.read_head()[1] == 200
        assert conn.pending(0.3) == b""  # none of the over-long content went out
        assert conn.is_closed()


def test_content_shorter_than_declared_aborts(guarded):
    port = guarded()
    with RawConnection(port) as conn:
        conn.send(b"GET /lie-short HTTP/1.1\r\nHost: t\r\n\r\n")
        assert conn.read_head()[1] == 200
        assert len(conn.pending(0.3)) < 10
        assert conn.is_closed()


async def _304_with_framing(scope: Any, receive: Any, send: Any) -> None:
    await send({"type": "http.response.start", "status": 304, "headers": [
        (b"etag", b'"v1"'), (b"Content-Length", b"12"), (b"vary", b"Accept"),
        (b"transfer-encoding", b"chunked"), (b"cache-control", b"no-cache")]})
    await send({"type": "http.response.body", "body": b"some content"})


def test_304_keeps_its_validators_and_loses_only_its_framing_fields(guarded):
    # RFC 9110 §15.4.5: a 304 carries the fields a 200 would (ETag, Vary, Cache-Control)
    # and no content; RFC 9112 §6.1, §6.3: without its framing fields the next response
    # on the connection stays in step.
    port = guarded(app=_304_with_framing)
    with RawConnection(port) as conn:
        conn.send(b"GET / HTTP/1.1\r\nHost: t\r\n\r\nGET / HTTP/1.1\r\nHost: t\r\n\r\n")
        first = conn.read_response()
        second = conn.read_response()
    for response in (first, second):
        assert response.status == 304
        assert response.header("etag") == '"v1"'
        assert response.header("vary") == "Accept"
        assert response.header("cache-control") == "no-cache"
        assert response.header("content-length") is None
        assert response.header("transfer-encoding") is None
        assert response.body == b""
