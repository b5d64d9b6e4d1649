"""A client timeout written with 400 digits is a valid number (RFC 5234 1*DIGIT), only a
long one: it asks for more than the server's maximum wait, which caps it (issue 26, H11).
Raw sockets over a real uvicorn, on both of its parsers."""

from __future__ import annotations

import pytest

from support.rawhttp import get

PROBLEM = "application/problem+json"
LONG = "9" * 400


@pytest.mark.parametrize("http", ["httptools", "h11"])
def test_a_400_digit_timeout_parameter_is_capped_at_the_maximum(guarded, http: str) -> None:
    port = guarded(http=http, max_client_timeout=0.2)
    response = get(port, f"/slow?timeout={LONG}")  # /slow takes 1 s
    assert response.status == 504, response.body[:200]
    assert response.header("content-type") == PROBLEM
    assert response.json()["status"] == 504


@pytest.mark.parametrize("http", ["httptools", "h11"])
def test_a_400_digit_request_timeout_field_is_capped_at_the_maximum(guarded, http: str) -> None:
    port = guarded(http=http, max_client_timeout=0.2)
    response = get(port, "/slow", headers={"Request-Timeout": f"{LONG}.{LONG}"})
    assert response.status == 504, response.body[:200]
    assert response.header("content-type") == PROBLEM


@pytest.mark.parametrize("http", ["httptools", "h11"])
def test_a_400_digit_timeout_on_a_quick_answer_is_no_400(guarded, http: str) -> None:
    port = guarded(http=http)
    response = get(port, f"/?timeout={LONG}")
    assert response.status == 200
    assert response.body == b"ok"


def test_a_long_fraction_is_read_as_its_microseconds() -> None:
    from statuskit.guard._fields import seconds

    assert seconds(b"0." + b"5" * 5000, "timeout") == pytest.approx(0.555555)
    assert seconds(b"1" * 19, "timeout") == float("inf")
