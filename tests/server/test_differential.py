"""Differential: statuskit's protocols against stock uvicorn (httptools and h11) on a
corpus of framing edge cases, the same app behind each.

Every case names what statuskit answers. Where a stock server answers otherwise, the
case must cite the RFC section that makes statuskit's answer the right one; a
difference nobody named fails the test, and so does a stale citation.

Each case ends with a canary request carrying ``Connection: close``: an answer to it
shows the connection stayed in sync after the case.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, suppress
from dataclasses import dataclass

import pytest

from statuskit.server import h11_protocol, httptools_protocol
from support.apps import plain_app
from support.rawhttp import RawConnection
from support.servers import serve

CANARY = b"GET /status/299 HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"
Outcome = tuple[object, ...]


@dataclass(frozen=True)
class Case:
    name: str
    data: bytes
    expected: Outcome  # statuskit's statuses, in order ("timeout" if none came)
    rfc: str = ""  # why statuskit may differ from stock here
    on_h11: Outcome | None = None  # where the RFC allows either and the parsers chose apart

    def expected_on(self, parser: str) -> Outcome:
        return self.on_h11 if parser == "h11" and self.on_h11 is not None else self.expected


H = b"Host: t\r\n"
CASES = [
    Case("plain", b"GET / HTTP/1.1\r\n" + H + b"\r\n", (200, 299)),
    Case("leading empty line", b"\r\nGET / HTTP/1.1\r\n" + H + b"\r\n", (200, 299),
         "RFC 9112 §2.2: a server SHOULD ignore an empty line before the request-line"),
    Case("content-length", b"POST /echo HTTP/1.1\r\n" + H + b"Content-Length: 3\r\n\r\nabc",
         (200, 299)),
    Case("chunked with extension and trailer",
         b"POST /echo HTTP/1.1\r\n" + H + b"Transfer-Encoding: chunked\r\n\r\n"
         b"3;x=1\r\nabc\r\n0\r\nT: v\r\n\r\n", (200, 299)),
    Case("unread body, then next", b"PUT /status/413 HTTP/1.1\r\n" + H
         + b"Content-Length: 70000\r\n\r\n" + b"x" * 70000, (413, 299)),
    Case("gzip, chunked", b"POST /echo HTTP/1.1\r\n" + H
         + b"Transfer-Encoding: gzip, chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n", (501,),
         "RFC 9112 §6.1: a transfer coding the server does not understand gets 501"),
    Case("content-length and transfer-encoding", b"POST /echo HTTP/1.1\r\n" + H
         + b"Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
         (400,), "RFC 9112 §6.3 item 3: MAY reject both framings, MUST close after"),
    Case("two content-lengths", b"POST /echo HTTP/1.1\r\n" + H
         + b"Content-Length: 3\r\nContent-Length: 4\r\n\r\nabcd", (400,)),
    Case("signed content-length", b"POST /echo HTTP/1.1\r\n" + H
         + b"Content-Length: +3\r\n\r\nabc", (400,)),
    Case("arabic-indic digit in content-length", b"POST /echo HTTP/1.1\r\n" + H
         + b"Content-Length: \xd9\xa3\r\n\r\nabc", (400,)),
    Case("bad chunk size", b"POST /echo HTTP/1.1\r\n" + H
         + b"Transfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n", (400,)),
    Case("space before colon", b"GET / HTTP/1.1\r\nHost : t\r\n\r\n", (400,)),
    # RFC 9112 §5.2: reject obs-fold with 400 or replace it with SP; llhttp rejects,
    # h11 replaces.
    Case("obs-fold", b"GET / HTTP/1.1\r\n" + H + b"X: a\r\n b\r\n\r\n", (400,),
         on_h11=(200, 299)),
    Case("no host", b"GET / HTTP/1.1\r\n\r\n", (400,),
         "RFC 9112 §3.2: 400 for an HTTP/1.1 request without Host"),
    Case("two hosts", b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", (400,),
         "RFC 9112 §3.2: 400 for more than one Host field line"),
    Case("invalid host", b"GET / HTTP/1.1\r\nHost: a b/c\r\n\r\n", (400,),
         "RFC 9112 §3.2: 400 for a Host field with an invalid value"),
    Case("double space", b"GET  / HTTP/1.1\r\n" + H + b"\r\n", (400,),
         "RFC 9112 §3: request-line = method SP request-target SP HTTP-version"),
    Case("fragment", b"GET /a#b HTTP/1.1\r\n" + H + b"\r\n", (400,),
         "RFC 9112 §3.2: a request-target has no fragment"),
    Case("relative target", b"GET notes HTTP/1.1\r\n" + H + b"\r\n", (400,),
         "RFC 9112 §3.2: origin-form starts with /"),
    Case("authority-form on GET", b"GET 127.0.0.1:80 HTTP/1.1\r\n" + H + b"\r\n", (400,),
         "RFC 9112 §3.2.3: authority-form is for CONNECT only"),
    Case("asterisk on GET", b"GET * HTTP/1.1\r\n" + H + b"\r\n", (400,),
         "RFC 9112 §3.2.4: asterisk-form is for OPTIONS only"),
    Case("OPTIONS *", b"OPTIONS * HTTP/1.1\r\n" + H + b"\r\n", (204, 299),
         "RFC 9110 §9.3.7: OPTIONS * is about the server, answered without a resource"),
    Case("absolute-form", b"GET http://t/ HTTP/1.1\r\n" + H + b"\r\n", (200, 299)),
    Case("absolute-form, empty path", b"GET http://t HTTP/1.1\r\n" + H + b"\r\n",
         (200, 299), "RFC 9112 §3.2.2: MUST accept it; RFC 3986 §6.2.3: an empty path is /"),
    Case("chunked, then an empty member", b"POST /echo HTTP/1.1\r\n" + H
         + b"Transfer-Encoding: chunked,\r\n\r\n3\r\nabc\r\n0\r\n\r\n", (200, 299),
         "RFC 9110 §5.6.1: a recipient ignores empty list elements"),
    Case("only empty members", b"POST /echo HTTP/1.1\r\n" + H
         + b"Transfer-Encoding: ,\r\n\r\n3\r\nabc\r\n0\r\n\r\n", (400,)),
    Case("empty line between pipelined requests", b"GET / HTTP/1.1\r\n" + H
         + b"\r\n\r\nGET / HTTP/1.1\r\n" + H + b"\r\n", (200, 200, 299),
         "RFC 9112 §2.2: a server SHOULD ignore an empty line before the request-line"),
    Case("CONNECT", b"CONNECT t:443 HTTP/1.1\r\nHost: t:443\r\n\r\n", (501,),
         "RFC 9110 §9.3.6: an origin server opens no tunnel; 501 (RFC 9110 §15.6.2)"),
    Case("unknown method", b"FROB / HTTP/1.1\r\n" + H + b"\r\n", (501,),
         "RFC 9110 §15.6.2: 501 for a method the server does not recognise"),
    Case("HTTP/3.0", b"GET / HTTP/3.0\r\n" + H + b"\r\n", (505,),
         "RFC 9110 §15.6.6: 505 for a major version the server does not support"),
    Case("HTTP/1.0 without host", b"GET / HTTP/1.0\r\n\r\n", (200,)),
    Case("h2c upgrade ignored", b"GET / HTTP/1.1\r\n" + H
         + b"Upgrade: h2c\r\nConnection: Upgrade, HTTP2-Settings\r\n"
         b"HTTP2-Settings: AAMAAABkAAQAoAAAAAIAAAAA\r\n\r\n",
         (200, 299), "RFC 9110 §7.8: a server MAY ignore Upgrade; the request is served"),
    Case("websocket upgrade with body", b"POST /echo HTTP/1.1\r\n" + H
         + b"Upgrade: websocket\r\nConnection: Upgrade\r\nContent-Length: 5\r\n\r\nhello",
         (200, 299), "RFC 9110 §7.8: not a handshake (RFC 6455 §4.2.1), served as HTTP"),
    Case("pipelined garbage after a post", b"POST /echo HTTP/1.1\r\n" + H
         + b"Content-Length: 4\r\n\r\nabcdGARBAGE\r\n\r\n", (200, 400),
         "RFC 9112 §9.3.2: responses in request order; the earlier one is not dropped"),
]


@pytest.fixture(scope="module")
def servers() -> Iterator[dict[str, int]]:
    with ExitStack() as stack:
        yield {
            "stock-httptools": stack.enter_context(serve(plain_app, http="httptools")),
            "stock-h11": stack.enter_context(serve(plain_app, http="h11")),
            "statuskit-httptools": stack.enter_context(serve(plain_app, http=httptools_protocol())),
            "statuskit-h11": stack.enter_context(serve(plain_app, http=h11_protocol())),
        }


def outcome(port: int, data: bytes) -> Outcome:
    statuses: list[object] = []
    with RawConnection(port, timeout=1.5) as conn:
        with suppress(OSError):
            conn.send(data + CANARY)
        while True:
            try:
                statuses.append(conn.read_response().status)
            except TimeoutError:
                statuses.append("timeout")
                break
            except (ConnectionError, ValueError, OSError):
                break
    return tuple(statuses)


@pytest.mark.parametrize("parser", ["httptools", "h11"])
@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_statuskit_differs_from_stock_only_where_an_rfc_says(servers, case, parser):
    ours = outcome(servers[f"statuskit-{parser}"], case.data)
    stock = outcome(servers[f"stock-{parser}"], case.data)
    assert ours == case.expected_on(parser), f"statuskit-{parser}: {ours} (stock {stock})"
    if stock != ours:
        assert case.rfc, f"difference from stock {parser} with no RFC named: {stock} vs {ours}"


def test_every_named_difference_is_one_somewhere(servers):
    # A citation no stock server needs any more is stale.
    for case in CASES:
        if case.rfc:
            stocks = {outcome(servers[f"stock-{p}"], case.data) for p in ("httptools", "h11")}
            assert stocks != {case.expected}, f"{case.name}: both stock servers agree now"
            assert case.on_h11 is None
