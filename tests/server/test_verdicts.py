"""What the app never sees: the parser's verdicts as 505, 501, 414, 431 and 400."""

from __future__ import annotations

import pytest

from support.rawhttp import RawConnection, get, request

PROBLEM = "application/problem+json"


def _refused(port: int, data: bytes, status: int, *, head: bool = False) -> None:
    with RawConnection(port) as conn:
        conn.send(data)
        response = conn.read_response(head_request=head)
        assert response.status == status
        assert response.header("connection") == "close"
        assert response.header("content-type") == PROBLEM
        if head:
            assert conn.pending(0.2) == b""
        else:
            assert response.json()["status"] == status
        assert conn.is_closed()


@pytest.mark.parametrize("version", ["HTTP/3.0", "HTTP/2.0", "HTTP/0.9"])
def test_unsupported_version_is_505(wire, version):
    _refused(wire(), f"GET / {version}\r\nHost: t\r\n\r\n".encode(), 505)


@pytest.mark.parametrize("field", ["Connection: keep-alive", "Proxy-Connection: keep-alive"])
@pytest.mark.parametrize("version", ["HTTP/2.0", "HTTP/0.9"])
def test_unsupported_version_asking_to_persist_is_505(wire, version, field):
    # llhttp keeps these alive as it does HTTP/1.1, so the keep-alive answer alone
    # cannot stand for the version here (RFC 9110 §15.6.6).
    _refused(wire(), f"GET / {version}\r\nHost: t\r\n{field}\r\n\r\n".encode(), 505)


def test_http_1_0_asking_to_persist_gets_no_100_continue(wire):
    # Kept alive like HTTP/1.1 by llhttp, still HTTP/1.0: Expect is ignored (RFC 9110 §10.1.1).
    with RawConnection(wire()) as conn:
        conn.send(b"POST /echo HTTP/1.0\r\nConnection: keep-alive\r\nExpect: 100-continue\r\n"
                  b"Content-Length: 3\r\n\r\n")
        assert conn.pending(0.3) == b""  # no interim response while the body is withheld
        conn.send(b"abc")
        response = conn.read_response()
    assert response.interim == []
    assert (response.status, response.body) == (200, b"3")


def test_unsupported_version_on_head_has_no_content(wire):
    _refused(wire(), b"HEAD / HTTP/3.0\r\nHost: t\r\n\r\n", 505, head=True)


def test_http_1_2_is_served_as_http_1_1(wire):
    response = get(wire(), "/", version="HTTP/1.2")
    assert response.status == 200
    assert response.body == b"ok"


@pytest.mark.parametrize("method", ["FROB", "get", "BREW"])
def test_unknown_method_token_is_501(wire, method):
    _refused(wire(), f"{method} / HTTP/1.1\r\nHost: t\r\n\r\n".encode(), 501)


def test_method_that_is_not_a_token_is_400(wire):
    _refused(wire(), b"G@T / HTTP/1.1\r\nHost: t\r\n\r\n", 400)


def test_target_over_the_limit_is_414(wire):
    port = wire(max_target_length=1000)
    _refused(port, b"GET /" + b"a" * 1000 + b" HTTP/1.1\r\nHost: t\r\n\r\n", 414)
    assert get(port, "/" + "a" * 999).status == 200


def test_64_kib_target_is_414_by_default(wire):
    _refused(wire(), b"GET /" + b"a" * 65536 + b" HTTP/1.1\r\nHost: t\r\n\r\n", 414)


def test_header_section_over_the_limit_is_431(wire):
    port = wire(max_header_size=4096)
    fields = b"".join(b"X-Filler-%d: %s\r\n" % (i, b"v" * 100) for i in range(60))
    _refused(port, b"GET / HTTP/1.1\r\nHost: t\r\n" + fields + b"\r\n", 431)
    assert get(port, "/", headers={"X-Small": "v" * 100}).status == 200


def test_malformed_header_is_400(wire):
    _refused(wire(), b"GET / HTTP/1.1\r\nHost t\r\n\r\n", 400)


def test_malformed_version_is_400(wire):
    _refused(wire(), b"GET / HTTX/1.1\r\nHost: t\r\n\r\n", 400)


def test_http_1_0_gets_no_100_continue(wire):
    port = wire()
    with RawConnection(port) as conn:
        conn.send(b"POST /echo HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n")
        assert conn.pending(0.3) == b""  # no interim response while the body is withheld
        conn.send(b"abc")
        response = conn.read_response()
    assert response.interim == []
    assert response.status == 200
    assert response.body == b"3"


def test_http_1_1_expect_gets_100_continue(wire):
    port = wire()
    with RawConnection(port) as conn:
        conn.send(b"POST /echo HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\n"
                  b"Content-Length: 3\r\n\r\n")
        assert conn.read_head()[1] == 100
        conn.send(b"abc")
        assert conn.read_response().body == b"3"


def test_app_status_1xx_becomes_500(wire):
    response = request(wire(), b"GET /status/103 HTTP/1.1\r\nHost: t\r\n\r\n")
    assert response.status == 500
    assert response.interim == []
    assert response.header("content-type") == PROBLEM


@pytest.mark.parametrize("status", [204, 304])
def test_app_content_on_204_and_304_is_dropped(wire, status):
    with RawConnection(wire()) as conn:
        conn.send(f"GET /status/{status} HTTP/1.1\r\nHost: t\r\n\r\n".encode()
                  + b"GET / HTTP/1.1\r\nHost: t\r\n\r\n")
        first = conn.read_response()
        assert first.status == status
        assert first.header("content-length") is None
        assert first.header("transfer-encoding") is None
        follow_up = conn.read_response()
    assert follow_up.status == 200
    assert follow_up.body == b"ok"


def test_app_exception_is_a_problem_500(wire):
    response = request(wire(), b"GET /boom HTTP/1.1\r\nHost: t\r\n\r\n")
    assert response.status == 500
    assert response.header("content-type") == PROBLEM
    assert b"secret" not in response.body
