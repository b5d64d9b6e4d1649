"""Issue 12 item 3: RFC 9112 §3.2: "A server MUST respond with a 400 (Bad Request)
status code to any HTTP/1.1 request message that lacks a Host header field and to
any request message that contains more than one Host header field line or a Host
header field with an invalid field value." """

from __future__ import annotations

import pytest

from support.rawhttp import RawConnection, request

PROBLEM = "application/problem+json"


@pytest.mark.parametrize("fields", [
    b"",  # missing on HTTP/1.1
    b"Host: a\r\nHost: b\r\n",  # two field lines
    b"Host: a\r\nHost: a\r\n",  # two, even if equal
    b"Host: a b/c\r\n",  # not uri-host [":" port]
    b"Host: a/b\r\n",
    b"Host: a:80x\r\n",
    b"Host: a:\xd9\xa3\r\n",  # port is ASCII DIGIT only (RFC 5234)
    b"Host: [::1\r\n",
])
def test_bad_host_is_400(stack, fields):
    port = stack()
    with RawConnection(port) as conn:
        conn.send(b"GET / HTTP/1.1\r\n" + fields + b"\r\n")
        answer = conn.read_response()
        assert answer.status == 400
        assert answer.header("content-type") == PROBLEM
        assert answer.json()["status"] == 400
        assert answer.header("connection") == "close"
        assert conn.is_closed()


@pytest.mark.parametrize("fields", [
    b"Host: example.com\r\n",
    b"Host: example.com:8080\r\n",
    b"Host: 127.0.0.1:80\r\n",
    b"Host: [::1]:80\r\n",
    b"Host: \r\n",  # empty: allowed where the target has no authority (RFC 9112 §3.2)
])
def test_valid_host_is_served(stack, fields):
    answer = request(stack(), b"GET / HTTP/1.1\r\n" + fields + b"\r\n")
    assert (answer.status, answer.body) == (200, b"ok")


def test_http_1_0_without_host_is_served(stack):
    answer = request(stack(), b"GET / HTTP/1.0\r\n\r\n")
    assert (answer.status, answer.body) == (200, b"ok")


def test_bad_host_after_a_good_one_on_the_same_connection_is_400(stack):
    # The httptools protocol remembers the Host values that passed; a different one is
    # judged again.
    with RawConnection(stack()) as conn:
        conn.send(b"GET / HTTP/1.1\r\nHost: good\r\n\r\n")
        assert conn.read_response().status == 200
        conn.send(b"GET / HTTP/1.1\r\nHost: good\r\n\r\n")
        assert conn.read_response().status == 200
        conn.send(b"GET / HTTP/1.1\r\nHost: bad host\r\n\r\n")
        refused = conn.read_response()
        assert refused.status == 400
        assert refused.header("content-type") == PROBLEM
        assert conn.is_closed()


def test_remembered_hosts_stay_bounded(wire):
    # Each passed Host is remembered for the process (httptools); many distinct ones
    # from clients must not grow that memory without bound.
    from statuskit.server._httptools import _PASSED_HOSTS, PASSED_HOSTS_LIMIT

    port = wire()
    with RawConnection(port) as conn:
        for i in range(PASSED_HOSTS_LIMIT + 36):
            conn.send(b"GET / HTTP/1.1\r\nHost: h%d.example\r\n\r\n" % i)
            assert conn.read_response().status == 200
    assert len(_PASSED_HOSTS) <= PASSED_HOSTS_LIMIT
