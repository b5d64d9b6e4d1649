"""505, 501, 414: the request line, checked before the app runs."""

from __future__ import annotations

from support.rawhttp import get, request

PROBLEM = "application/problem+json"


def test_http_2_0_request_line_on_http1_is_505(guarded):
    # h11 hands the app whatever version the request line claims.
    port = guarded(http="h11")
    response = get(port, "/", version="HTTP/2.0")
    assert response.status == 505
    assert response.header("content-type") == PROBLEM
    assert response.json()["status"] == 505
    assert response.json()["title"] == "HTTP Version Not Supported"


def test_http_3_0_request_line_is_505(guarded):
    port = guarded(http="h11")
    assert get(port, "/", version="HTTP/3.0").status == 505


def test_http_1_2_is_served_as_http_1_1(guarded):
    # RFC 9110 §6.2: a later minor version of HTTP/1 is processed as HTTP/1.1.
    port = guarded(http="h11")
    response = get(port, "/", version="HTTP/1.2")
    assert response.status == 200
    assert response.body == b"ok"


def test_head_with_unsupported_version_gets_headers_only(guarded):
    port = guarded(http="h11")
    response = get(port, "/", method="HEAD", version="HTTP/3.0")
    assert response.status == 505
    assert response.header("content-type") == PROBLEM
    assert response.body == b""


def test_method_outside_the_registry_is_501(guarded):
    # llhttp knows PURGE, the IANA registry does not.
    port = guarded()
    response = get(port, "/", method="PURGE")
    assert response.status == 501
    assert response.header("content-type") == PROBLEM
    assert response.json()["title"] == "Not Implemented"


def test_unknown_method_token_is_501_on_h11(guarded):
    port = guarded(http="h11")
    response = get(port, "/", method="FROB")
    assert response.status == 501
    assert response.header("content-type") == PROBLEM


def test_lowercase_get_is_an_unknown_method(guarded):
    # RFC 9110 §9.1: methods are case-sensitive.
    port = guarded(http="h11")
    assert get(port, "/", method="get").status == 501


def test_configured_extension_method_reaches_the_app(guarded):
    port = guarded(extension_methods={"PURGE"})
    response = get(port, "/", method="PURGE")
    assert response.status == 200
    assert response.body == b"ok"


def test_registered_method_reaches_the_app(guarded):
    port = guarded()
    assert get(port, "/", method="PROPFIND").status == 200


def test_target_over_the_limit_is_414(guarded):
    port = guarded(max_target_length=100)
    response = get(port, "/" + "a" * 60 + "?" + "q" * 40)
    assert response.status == 414
    assert response.header("content-type") == PROBLEM
    assert response.json()["title"] == "URI Too Long"


def test_target_at_the_limit_is_served(guarded):
    port = guarded(max_target_length=100)
    assert get(port, "/" + "a" * 59 + "?" + "q" * 39).status == 200


def test_default_target_limit_is_8_kib(guarded):
    port = guarded()
    assert get(port, "/" + "a" * 8191).status == 200
    assert get(port, "/" + "a" * 8192).status == 414


def test_malformed_content_length_is_400(guarded):
    port = guarded(http="h11")
    # h11 folds nothing; two different lengths cannot frame a message.
    response = request(port, b"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n"
                             b"Content-Length: 4\r\n\r\nabcd")
    assert response.status == 400
