"""417, 411, 413, 100 Continue and 408: the request's content."""

from __future__ import annotations

import time

from statuskit.guard import Quota
from support.rawhttp import RawConnection, get, request

PROBLEM = "application/problem+json"


def test_unknown_expectation_is_417(guarded):
    port = guarded()
    response = get(port, "/echo", method="POST", headers={"Expect": "fly"}, body=b"abc")
    assert response.status == 417
    assert response.header("content-type") == PROBLEM
    assert response.json()["title"] == "Expectation Failed"


def test_expectation_list_with_an_unknown_member_is_417(guarded):
    port = guarded()
    response = get(port, "/", headers={"Expect": "100-continue, fly"})
    assert response.status == 417


def test_unknown_expectation_on_http_1_0_is_ignored(guarded):
    # RFC 9110 §10.1.1: Expect in an HTTP/1.0 request is ignored.
    port = guarded()
    response = get(port, "/", version="HTTP/1.0", headers={"Expect": "fly"})
    assert response.status == 200
    assert response.body == b"ok"


def test_no_100_continue_before_417(guarded):
    port = guarded()
    with RawConnection(port) as conn:
        conn.send(b"POST /echo HTTP/1.1\r\nHost: t\r\nExpect: fly\r\nContent-Length: 3\r\n\r\n")
        response = conn.read_response()
    assert response.interim == []
    assert response.status == 417


def test_post_without_length_where_required_is_411(guarded):
    port = guarded(require_length={"POST"})
    response = request(port, b"POST /echo HTTP/1.1\r\nHost: t\r\n\r\n")
    assert response.status == 411
    assert response.header("content-type") == PROBLEM
    assert response.json()["title"] == "Length Required"


def test_length_required_by_path_predicate(guarded):
    port = guarded(require_length=lambda method, path: path.startswith("/echo"))
    assert request(port, b"PUT /echo HTTP/1.1\r\nHost: t\r\n\r\n").status == 411
    assert request(port, b"PUT /other HTTP/1.1\r\nHost: t\r\n\r\n").status == 200


def test_length_required_only_of_the_named_methods(guarded):
    port = guarded(require_length={"POST"})
    response = request(port, b"PUT /echo HTTP/1.1\r\nHost: t\r\n\r\n")
    assert response.status == 200
    assert response.body == b"0"


def test_expect_without_length_where_required_is_411_without_100_continue(guarded):
    # RFC 9110 §15.5.12 and §10.1.1: refused before any 100 Continue is sent.
    port = guarded(require_length={"POST"})
    response = request(port, b"POST /echo HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\n\r\n")
    assert response.interim == []
    assert response.status == 411
    assert response.header("content-type") == PROBLEM


def test_length_required_by_predicate_with_a_client_timeout_is_411(guarded):
    port = guarded(require_length=lambda method, path: path.startswith("/echo"))
    response = request(port, b"PUT /echo?timeout=5 HTTP/1.1\r\nHost: t\r\n\r\n")
    assert response.status == 411
    assert response.header("content-type") == PROBLEM


def test_chunked_body_satisfies_length_requirement(guarded):
    port = guarded(require_length={"POST"})
    response = request(port, b"POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
                             b"3\r\nabc\r\n0\r\n\r\n")
    assert response.status == 200
    assert response.body == b"3"


def test_no_length_required_by_default(guarded):
    port = guarded()
    response = request(port, b"POST /echo HTTP/1.1\r\nHost: t\r\n\r\n")
    assert response.status == 200
    assert response.body == b"0"


def test_declared_length_over_limit_is_413_without_100_continue(guarded):
    port = guarded(max_body_size=1000)
    with RawConnection(port) as conn:
        conn.send(b"POST /echo HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\n"
                  b"Content-Length: 1001\r\n\r\n")
        response = conn.read_response()
        assert response.interim == []
        assert response.status == 413
        assert response.header("content-type") == PROBLEM
        assert response.header("connection") == "close"
        assert response.header("retry-after") is None  # a permanent limit
        assert response.json()["title"] == "Content Too Large"
        assert conn.is_closed()


def test_acceptable_body_with_expect_gets_100_then_the_answer(guarded):
    port = guarded(max_body_size=1000)
    with RawConnection(port) as conn:
        conn.send(b"POST /echo HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\n"
                  b"Content-Length: 5\r\n\r\n")
        assert conn.read_head()[1] == 100
        conn.send(b"hello")
        response = conn.read_response()
    assert response.status == 200
    assert response.body == b"5"


def test_chunked_body_past_the_limit_is_413_as_it_streams(guarded):
    port = guarded(max_body_size=100)
    with RawConnection(port) as conn:
        conn.send(b"POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n")
        conn.send(b"40\r\n" + b"a" * 64 + b"\r\n")
        conn.send(b"40\r\n" + b"a" * 64 + b"\r\n")
        response = conn.read_response()
        assert response.status == 413
        assert response.header("content-type") == PROBLEM
        assert response.header("connection") == "close"
        assert conn.is_closed()


def test_chunked_body_within_the_limit_is_served(guarded):
    port = guarded(max_body_size=100)
    response = request(port, b"POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
                             b"40\r\n" + b"a" * 64 + b"\r\n0\r\n\r\n")
    assert response.status == 200
    assert response.body == b"64"


def test_temporary_quota_413_carries_retry_after(guarded):
    port = guarded(quota=lambda scope: Quota(limit=10, retry_after=30))
    response = get(port, "/echo", method="POST", body=b"x" * 11)
    assert response.status == 413
    assert response.header("retry-after") == "30"
    assert response.header("content-type") == PROBLEM


def test_quota_none_falls_back_to_max_body_size(guarded):
    port = guarded(max_body_size=20, quota=lambda scope: None)
    assert get(port, "/echo", method="POST", body=b"x" * 11).status == 200
    assert get(port, "/echo", method="POST", body=b"x" * 21).status == 413


def test_stalled_body_is_408_with_connection_close(guarded):
    port = guarded(body_timeout=0.3)
    with RawConnection(port) as conn:
        conn.send(b"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\nabc")
        started = time.monotonic()
        response = conn.read_response()
        assert time.monotonic() - started < 2
        assert response.status == 408
        assert response.header("connection") == "close"
        assert response.header("content-type") == PROBLEM
        assert response.json()["title"] == "Request Timeout"
        assert conn.is_closed()


def test_steady_body_is_not_a_timeout(guarded):
    port = guarded(body_timeout=0.3)
    with RawConnection(port) as conn:
        conn.send(b"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 6\r\n\r\nabc")
        time.sleep(0.1)
        conn.send(b"def")
        response = conn.read_response()
    assert response.status == 200
    assert response.body == b"6"
