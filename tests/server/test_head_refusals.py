"""A HEAD the parser itself refuses gets its 400 without content, on both parsers
(RFC 9110 §9.3.2: the server MUST NOT send content in a response to HEAD; issue 26, H4:
h11's own refusals carried 113 bytes of problem+json)."""

from __future__ import annotations

import pytest

from statuskit.server import h11_protocol, httptools_protocol
from support.apps import plain_app
from support.rawhttp import RawConnection
from support.servers import serve


@pytest.fixture(scope="module", params=["httptools", "h11"])
def port(request: pytest.FixtureRequest):
    factory = httptools_protocol if request.param == "httptools" else h11_protocol
    with serve(plain_app, http=factory()) as port:
        yield port


@pytest.mark.parametrize("head", [
    b"HEAD / HTTP/1.1\r\n\r\n",  # no Host (RFC 9112 §3.2)
    b"HEAD / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",  # two Hosts
    b"HEAD / HTTP/1.1\r\nHost: t\r\nContent-Length: 1x\r\n\r\n",  # bad Content-Length
    b"HEAD / HTTP/1.1\r\nHost: t\r\nBad Name: v\r\n\r\n",  # not a field name
    b"HEAD / HTTP/1.1\r\nHost: t\r\nX: a\x00b\r\n\r\n",  # NUL (RFC 9110 §5.5)
    b"HEAD / HTTP/1.1\r\nHost: t\r\nX: a\rb\r\n\r\n",  # bare CR (RFC 9112 §2.2)
])
def test_head_refused_by_the_parser_is_400_without_content(port: int, head: bytes) -> None:
    with RawConnection(port) as conn:
        conn.send(head)
        answer = conn.read_response(head_request=True)
        assert answer.status == 400
        assert answer.header("content-type") == "application/problem+json"
        assert answer.header("connection") == "close"
        assert conn.pending(0.3) == b""  # nothing after the head: no content
