"""Numbers in header fields and versions are ASCII DIGITs only (RFC 5234 §B.1).

Python's str.isdigit() and float() take other scripts' digits, "1_0" and "1e1";
none of them is a DIGIT, and a value that is not one is malformed (400) or, for a
version, not one this server speaks (505).
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from statuskit.guard import Guard
from support.apps import plain_app
from support.rawhttp import get
from support.servers import serve

PROBLEM = "application/problem+json"


def _reporting_version(version: str, app: Any) -> Any:
    """The app as a server would call it that reports ``version`` for the request."""

    async def reporting(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            scope = {**scope, "http_version": version}
        await app(scope, receive, send)

    return reporting


@pytest.mark.parametrize("version", ["1.\u0662", "1.\u00b2", "1.\uff12"],
                         ids=["arabic-indic-2", "superscript-2", "fullwidth-2"])
def test_a_minor_version_in_another_script_is_505(version):
    # RFC 9110 §6.2 and §15.6.6: "1.٢" is not HTTP/1.2, so it is no version we speak.
    with serve(_reporting_version(version, Guard(plain_app))) as port:
        response = get(port, "/")
    assert response.status == 505
    assert response.header("content-type") == PROBLEM
    assert response.json()["status"] == 505


def test_a_later_ascii_minor_version_is_served():
    # RFC 9110 §6.2: HTTP/1.2 is processed as HTTP/1.1.
    with serve(_reporting_version("1.2", Guard(plain_app))) as port:
        response = get(port, "/")
    assert response.status == 200
    assert response.body == b"ok"


@pytest.mark.parametrize("value", ["1e1", "1_0", "10s", "+5", "0x10", "\u0661\u0660"],
                         ids=["exponent", "underscore", "unit", "sign", "hex",
                              "arabic-indic"])
def test_request_timeout_that_is_not_digits_is_400(guarded, value):
    port = guarded()
    encoded = value.encode("utf-8").decode("latin-1")  # the octets as sent on the wire
    response = get(port, "/", headers={"Request-Timeout": encoded})
    assert response.status == 400
    assert response.header("content-type") == PROBLEM
    assert "Request-Timeout" in response.json()["detail"]


@pytest.mark.parametrize("value", ["1_0", "1e1", "%D9%A1"], ids=["underscore", "exponent",
                                                               "arabic-indic-percent-encoded"])
def test_timeout_parameter_that_is_not_digits_is_400(guarded, value):
    port = guarded()
    response = get(port, f"/slow?timeout={value}")
    assert response.status == 400
    assert response.header("content-type") == PROBLEM


def test_timeout_with_a_fraction_is_still_a_timeout(guarded):
    port = guarded()
    response = get(port, "/slow?timeout=0.25")
    assert response.status == 504
    assert response.header("content-type") == PROBLEM


async def _call(guard: Guard, headers: list[tuple[bytes, bytes]]) -> list[dict[str, Any]]:
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "http", "http_version": "1.1", "method": "POST", "path": "/echo",
             "raw_path": b"/echo", "query_string": b"", "headers": headers}
    await guard(scope, receive, send)
    return sent


def test_a_4000_digit_content_length_is_413_not_an_int_overflow():
    # RFC 9110 §8.6: recipients anticipate large numerals and avoid overflow. CPython's
    # int() refuses numerals past 4,300 digits; real parsers stop such a request before
    # the app, so the guard is called directly as a lenient server would call it.
    sent = asyncio.run(_call(Guard(plain_app), [(b"content-length", b"9" * 4400)]))
    assert sent[0]["status"] == 413
    assert (b"connection", b"close") in sent[0]["headers"]
    assert sent[1]["body"]
