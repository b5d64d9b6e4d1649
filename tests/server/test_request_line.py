"""Issue 12 item 7: the smaller wire rules, each over a real run() stack."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from support.rawhttp import RawConnection, request

PROBLEM = "application/problem+json"


def _refused(port: int, data: bytes, status: int) -> None:
    with RawConnection(port) as conn:
        conn.send(data)
        answer = conn.read_response()
        assert answer.status == status
        assert answer.header("content-type") == PROBLEM
        assert answer.json()["status"] == status
        assert answer.header("connection") == "close"
        assert conn.is_closed()


def test_transfer_coding_other_than_chunked_is_501(stack):
    # RFC 9112 §6.1: a transfer coding the server does not understand: 501.
    _refused(stack(), b"POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"
                      b"1\r\na\r\n0\r\n\r\n", 501)


@pytest.mark.parametrize("target", [b"notes", b"127.0.0.1:80", b"/\xff", b"/a#frag",
                                    b"localhost:80"])
def test_target_outside_the_request_forms_is_400(stack, target):
    # RFC 9112 §3.2: origin-form starts with "/"; authority-form is for CONNECT; no
    # fragment; VCHAR only.
    _refused(stack(), b"GET " + target + b" HTTP/1.1\r\nHost: t\r\n\r\n", 400)


def test_absolute_form_is_served(stack):
    # RFC 9112 §3.2.2: a server MUST accept the absolute-form.
    answer = request(stack(), b"GET http://t/x HTTP/1.1\r\nHost: t\r\n\r\n")
    assert (answer.status, answer.body) == (200, b"ok")


async def _where(scope: Any, receive: Any, send: Any) -> None:
    body = f"{scope['path']} {scope['query_string'].decode()}".encode()
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"text/plain"),
                            (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


@pytest.mark.parametrize(("target", "seen"), [
    (b"http://t/items/1?x=2", b"/items/1 x=2"),
    (b"HTTP://t:80/items/1", b"/items/1 "),
])
def test_absolute_form_reaches_the_app_as_its_path_and_query(stack, target, seen):
    # RFC 9112 §3.2.2: the target's path and query are what the request is for; on h11
    # the whole URL reached the app as its path (issue 26, H7), so routes answered 404.
    answer = request(stack(app=_where), b"GET " + target + b" HTTP/1.1\r\nHost: t\r\n\r\n")
    assert (answer.status, answer.body) == (200, seen)
    assert answer.header("content-type") == "text/plain"


@pytest.mark.parametrize("target", [b"http://", b"http:///x", b"http://@/x",
                                    b"http://t:99999/x", b"http://t:" + b"9" * 4000 + b"/x"])
def test_absolute_form_without_a_host_or_with_no_tcp_port_is_400(stack, target):
    # RFC 9110 §4.2.1: an http URI with an empty host is invalid and MUST be rejected;
    # RFC 3986 §3.2.3 with TCP: no port past 65535. The same on both parsers.
    _refused(stack(), b"GET " + target + b" HTTP/1.1\r\nHost: t\r\n\r\n", 400)


def test_options_asterisk_is_answered_by_the_server(stack):
    # RFC 9110 §9.3.7: OPTIONS * is about the server; a success with no content.
    with RawConnection(stack()) as conn:
        conn.send(b"OPTIONS * HTTP/1.1\r\nHost: t\r\n\r\nGET / HTTP/1.1\r\nHost: t\r\n\r\n")
        answer = conn.read_response()
        assert answer.status == 204
        assert answer.header("content-length") is None
        assert answer.header("transfer-encoding") is None
        assert conn.read_response().body == b"ok"  # the connection stays in sync


def test_asterisk_with_another_method_is_400(stack):
    _refused(stack(), b"GET * HTTP/1.1\r\nHost: t\r\n\r\n", 400)


def test_connect_to_an_origin_path_is_400(stack):
    # RFC 9112 §3.2.3: CONNECT takes the authority-form only.
    _refused(stack(), b"CONNECT /status/200 HTTP/1.1\r\nHost: t\r\n\r\n", 400)


def test_connect_is_not_implemented_by_an_origin_server(stack):
    # RFC 9110 §9.3.6: no tunnel here; never a 2xx with Content-Length.
    _refused(stack(), b"CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n", 501)


def test_double_space_in_request_line_is_400(stack):
    _refused(stack(), b"GET  / HTTP/1.1\r\nHost: t\r\n\r\n", 400)


@pytest.mark.parametrize("field", [b"Content-Length: \xd9\xa3", b"Content-Length: \xef\xbc\x93"])
def test_non_ascii_digits_in_content_length_are_400(stack, field):
    # RFC 5234 B.1: DIGIT is %x30-39 only.
    _refused(stack(), b"POST /echo HTTP/1.1\r\nHost: t\r\n" + field + b"\r\n\r\nabc", 400)


def test_non_ascii_digits_in_the_version_are_400(stack):
    _refused(stack(), b"GET / HTTP/\xd9\xa1.\xd9\xa1\r\nHost: t\r\n\r\n", 400)


async def _raising(scope: Any, receive: Any, send: Any) -> None:
    raise RuntimeError("boom")


def test_percent_encoded_crlf_cannot_forge_a_log_line(stack, caplog):
    # The scope's path is decoded; the guard logs it on a 500. A CR/LF in it would
    # start a forged line of its own.
    port = stack(app=_raising)
    with caplog.at_level(logging.INFO):
        answer = request(port, b"GET /a%0d%0aFAKE%20200 HTTP/1.1\r\nHost: t\r\n\r\n")
    assert answer.status == 500
    lines = [r.getMessage() for r in caplog.records if "/a" in r.getMessage()]
    assert lines
    assert all("\r" not in line and "\n" not in line for line in lines)
    assert any("/a\\x0d\\x0aFAKE" in line for line in lines)


def test_early_answer_to_a_large_upload_arrives_whole_then_closes(stack):
    # RFC 9112 §9.6: lingering close. Without it the kernel answers the unread upload
    # with RST, which can destroy the 413 before the client reads it.
    port = stack(max_body_size=1000)
    for _ in range(5):
        with RawConnection(port, timeout=10) as conn:
            conn.send(b"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 300000\r\n\r\n"
                      + b"u" * 60_000)
            answer = conn.read_response()
            assert answer.status == 413
            assert answer.json()["status"] == 413
            conn.send(b"u" * 100_000)  # still sending when the server closes
            assert conn.is_closed(5)



@pytest.mark.parametrize(("target", "seen"), [
    (b"http://t", b"/ "),
    (b"http://t:80", b"/ "),
    (b"http://t?x=2", b"/ x=2"),
    (b"https://127.0.0.1:8443?a=1&b", b"/ a=1&b"),
])
def test_absolute_form_with_an_empty_path_routes_to_the_root(stack, target, seen):
    # RFC 9112 §3.2.2 with RFC 3986 §6.2.3: an empty path is "/". httptools found no
    # path in it and uvicorn answered 400; h11 routed it (issue 26 brief item 2).
    answer = request(stack(app=_where), b"GET " + target + b" HTTP/1.1\r\nHost: t\r\n\r\n")
    assert (answer.status, answer.body) == (200, seen)
    assert answer.header("content-type") == "text/plain"
