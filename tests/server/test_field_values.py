"""Field values mean the same on both parsers (issue 26, H9)."""

from __future__ import annotations

import pytest

from support.memory_server import memory_server
from support.rawhttp import RawConnection


@pytest.mark.parametrize("parser", ["httptools", "h11"])
@pytest.mark.parametrize("spacing", [" ", " \t "])
def test_token_with_trailing_whitespace_is_the_token(parser: str, spacing: str) -> None:
    # RFC 9110 §5.5: OWS before and after a field value is not part of the value, so
    # "Bearer demo-rw " is the demo-rw token on either parser (was 401 on httptools).
    with memory_server(parser, app="reference") as (port, _), \
            RawConnection(port, timeout=10) as conn:
        conn.send(f"GET /private/notes HTTP/1.1\r\nHost: t\r\n"
                  f"Authorization: Bearer demo-rw{spacing}\r\n\r\n".encode())
        answer = conn.read_response()
    assert answer.status == 200
    assert answer.header("content-type") == "application/json"
    assert "notes" in answer.json()
    assert answer.header("www-authenticate") is None
