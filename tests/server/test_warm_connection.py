"""The wire's questions on a connection whose Host already passed. The httptools
protocol starts such a request from a few byte tests when they all pass; each request
here fails exactly one of them, and must still get its verdict."""

from __future__ import annotations

import pytest

from support.rawhttp import RawConnection

PROBLEM = "application/problem+json"
GOOD = b"GET / HTTP/1.1\r\nHost: t\r\n\r\n"
FILLER = b"".join(b"X-Filler-%d: %s\r\n" % (i, b"v" * 100) for i in range(200))


@pytest.mark.parametrize(("data", "status"), [
    # RFC 9112 §3.2: one Host field line, even when both say the same.
    (b"GET / HTTP/1.1\r\nHost: t\r\nHost: t\r\n\r\n", 400),
    # RFC 9110 §15.6.6, on their own and asking to persist like HTTP/1.1.
    (b"GET / HTTP/2.0\r\nHost: t\r\n\r\n", 505),
    (b"GET / HTTP/0.9\r\nHost: t\r\n\r\n", 505),
    (b"GET / HTTP/2.0\r\nHost: t\r\nConnection: keep-alive\r\n\r\n", 505),
    (b"GET / HTTP/2.0\r\nHost: t\r\nProxy-Connection: keep-alive\r\n\r\n", 505),
    # RFC 9112 §3: one SP between the parts of the request-line.
    (b"GET  / HTTP/1.1\r\nHost: t\r\n\r\n", 400),
    (b"GET /  HTTP/1.1\r\nHost: t\r\n\r\n", 400),
    # RFC 9112 §3.2: the four target forms, each where it belongs; no fragment.
    (b"GET * HTTP/1.1\r\nHost: t\r\n\r\n", 400),
    (b"GET notes HTTP/1.1\r\nHost: t\r\n\r\n", 400),
    (b"GET /a#b HTTP/1.1\r\nHost: t\r\n\r\n", 400),
    # RFC 9112 §3.2.3, RFC 9110 §9.3.6: CONNECT takes the authority-form; no tunnel here.
    (b"CONNECT /status/200 HTTP/1.1\r\nHost: t\r\n\r\n", 400),
    (b"CONNECT t:443 HTTP/1.1\r\nHost: t\r\n\r\n", 501),
    # RFC 9110 §15.5.15 and RFC 6585 §5: the default limits (8 KiB target, 16 KiB head).
    (b"GET /" + b"a" * 8192 + b" HTTP/1.1\r\nHost: t\r\n\r\n", 414),
    (b"GET / HTTP/1.1\r\nHost: t\r\n" + FILLER + b"\r\n", 431),
    # RFC 9112 §6.1, §6.3: framing the wire refuses.
    (b"POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 501),
    (b"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n"
     b"Transfer-Encoding: chunked\r\n\r\n", 400),
])
def test_refusal_after_a_served_request_on_the_same_connection(stack, data, status):
    with RawConnection(stack()) as conn:
        conn.send(GOOD)
        assert conn.read_response().status == 200
        conn.send(data)
        refused = conn.read_response()
        assert refused.status == status
        assert refused.header("content-type") == PROBLEM
        assert refused.json()["status"] == status
        assert refused.header("connection") == "close"
        assert conn.is_closed()


def test_large_upload_answered_early_on_a_warm_connection_closes_it(stack):
    # RFC 9112 §9.6: more unread content than the connection discards; the answer
    # says close instead of reading it all.
    with RawConnection(stack()) as conn:
        conn.send(GOOD)
        assert conn.read_response().status == 200
        conn.send(b"POST /status/413 HTTP/1.1\r\nHost: t\r\nContent-Length: 10000000\r\n\r\n")
        answer = conn.read_response()
        assert answer.status == 413
        assert answer.header("connection") == "close"
        assert conn.is_closed()

