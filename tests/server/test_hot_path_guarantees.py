"""What the wire's per-request path must keep, however fast it gets (issue 18).

The httptools protocol asks every question of the first request on a connection and
only a few byte tests of the next ones whose Host matched before (its fast path). A
check dropped from that fast path shows only on a kept-alive connection, so each
verdict here is asked as the second request of one. Raw sockets over a real uvicorn:
all of this lives below HTTP client libraries.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from typing import Any

import pytest

from statuskit.server import h11_protocol, httptools_protocol
from support.apps import plain_app
from support.rawhttp import RawConnection
from support.servers import serve

PROBLEM = "application/problem+json"
FIRST = b"GET / HTTP/1.1\r\nHost: a\r\n\r\n"

Message = dict[str, Any]


@pytest.fixture(scope="module", params=["httptools", "h11"])
def plain(request: pytest.FixtureRequest) -> Iterator[int]:
    """One server per parser for the tests that need no settings of their own."""
    factory = httptools_protocol if request.param == "httptools" else h11_protocol
    with serve(plain_app, http=factory()) as port:
        yield port


def _served_first(conn: RawConnection) -> None:
    """A plain request on ``conn`` is answered 200 ``ok``."""
    conn.send(FIRST)
    first = conn.read_response()
    assert (first.status, first.body) == (200, b"ok")


def _assert_refused(conn: RawConnection, status: int, *, head: bool = False) -> None:
    response = conn.read_response(head_request=head)
    assert response.status == status
    assert response.header("content-type") == PROBLEM
    assert response.header("connection") == "close"
    if head:
        assert conn.pending(0.2) == b""  # RFC 9110 §9.3.2: no content for HEAD
    else:
        assert response.json()["status"] == status
        assert response.body != b"ok"
    assert conn.is_closed()


SECOND_REQUEST_REFUSALS = {
    # RFC 9112 §3.2: a fragment is no part of a request-target.
    "fragment": (b"GET /#x HTTP/1.1\r\nHost: a\r\n\r\n", 400),
    # RFC 9112 §3.2: more than one Host field line, even one repeating the value
    # that passed on this connection.
    "repeated host": (b"GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n", 400),
    "no host": (b"GET / HTTP/1.1\r\nAccept: */*\r\n\r\n", 400),
    # RFC 9110 §15.6.6: an HTTP/2.0 request line on HTTP/1 is not spoken here.
    "http/2.0 line": (b"GET / HTTP/2.0\r\nHost: a\r\n\r\n", 505),
    # RFC 9112 §3.2.4: asterisk-form is for OPTIONS only.
    "asterisk get": (b"GET * HTTP/1.1\r\nHost: a\r\n\r\n", 400),
    # RFC 9112 §3: one SP between the parts of the request-line.
    "double space": (b"GET  / HTTP/1.1\r\nHost: a\r\n\r\n", 400),
    # RFC 9112 §6.1: chunked is the only coding decoded here: another is 501, and
    # chunked not last (RFC 9112 §6.3 item 4) or beside Content-Length (item 3) is 400.
    "gzip coding": (b"POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked"
                    b"\r\n\r\n0\r\n\r\n", 501),
    # RFC 9110 §9.3.6: CONNECT asks for a tunnel this origin server does not open
    # (501); its target is authority-form only (RFC 9112 §3.2.3), else 400.
    "connect origin-form": (b"CONNECT / HTTP/1.1\r\nHost: a\r\n\r\n", 400),
    "connect authority": (b"CONNECT a:443 HTTP/1.1\r\nHost: a\r\n\r\n", 501),
    "length and chunked": (b"POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n"
                           b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400),
}


@pytest.mark.parametrize("case", SECOND_REQUEST_REFUSALS)
def test_refusal_as_the_second_request_of_a_connection(plain, case):
    data, status = SECOND_REQUEST_REFUSALS[case]
    with RawConnection(plain) as conn:
        _served_first(conn)
        conn.send(data)
        _assert_refused(conn, status)


@pytest.mark.parametrize("parser", [
    "httptools",
    "h11",
])
@pytest.mark.parametrize("coding", [b"chunked, gzip", b"gzip", b"chunked, chunked"])
def test_chunked_not_the_final_coding_is_400(parser, coding):
    # RFC 9112 §6.3 item 4: when chunked is not the final coding of a request the
    # length cannot be determined; the server MUST answer 400 and close (not 501,
    # which §6.1 leaves for a coding it does not understand on a length it can find).
    factory = httptools_protocol if parser == "httptools" else h11_protocol
    with serve(plain_app, http=factory()) as port, RawConnection(port) as conn:
        _served_first(conn)
        conn.send(b"POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: " + coding
                  + b"\r\n\r\n")
        _assert_refused(conn, 400)


def test_target_over_the_limit_as_the_second_request_is_414(wire):
    # RFC 9110 §15.5.15.
    with RawConnection(wire(max_target_length=100)) as conn:
        _served_first(conn)
        conn.send(b"GET /" + b"a" * 100 + b" HTTP/1.1\r\nHost: a\r\n\r\n")
        _assert_refused(conn, 414)


def test_header_section_over_the_limit_as_the_second_request_is_431(wire):
    # RFC 6585 §5: a complete head past the limit, arriving in one read.
    with RawConnection(wire(max_header_size=4096)) as conn:
        _served_first(conn)
        conn.send(b"GET / HTTP/1.1\r\nHost: a\r\nX-Big: " + b"b" * 5000 + b"\r\n\r\n")
        _assert_refused(conn, 431)


def test_head_refused_as_the_second_request_has_no_content(plain):
    # RFC 9110 §9.3.2 and §15.6.6: the 505 to a HEAD is its header section only.
    with RawConnection(plain) as conn:
        _served_first(conn)
        conn.send(b"HEAD / HTTP/3.0\r\nHost: a\r\n\r\n")
        _assert_refused(conn, 505, head=True)


def test_head_with_a_bad_host_has_no_content(plain):
    # A verdict on a complete head (RFC 9112 §3.2) keeps HEAD's rule too.
    with RawConnection(plain) as conn:
        conn.send(b"HEAD / HTTP/1.1\r\nHost: a b\r\n\r\n")
        _assert_refused(conn, 400, head=True)


def test_options_asterisk_as_the_second_request_is_answered_by_the_server(plain):
    # RFC 9110 §9.3.7: OPTIONS * asks about the server; a 204 without content or
    # framing fields, and the connection goes on.
    with RawConnection(plain) as conn:
        _served_first(conn)
        conn.send(b"OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n")
        answer = conn.read_response()
        assert answer.status == 204
        assert answer.header("content-length") is None
        assert answer.header("transfer-encoding") is None
        _served_first(conn)  # and the connection goes on


def test_empty_lines_before_a_request_line_are_ignored(plain):
    # RFC 9112 §2.2: a server SHOULD ignore at least one empty line before the
    # request-line (some clients add CRLF after a POST's content).
    with RawConnection(plain) as conn:
        conn.send(b"\r\n\r\n" + FIRST)
        first = conn.read_response()
        assert (first.status, first.body) == (200, b"ok")
        conn.send(b"\r\n" + FIRST)
        second = conn.read_response()
    assert (second.status, second.body) == (200, b"ok")


# -- the app's mistakes, with no Guard in front (response_hygiene) -----------------------


async def _hygiene_app(scope: Message, receive: Any, send: Any) -> None:
    path = scope["path"]
    if path == "/empty-chunked":
        await send({"type": "http.response.start", "status": 204,
                    "headers": [(b"transfer-encoding", b"chunked")]})
        await send({"type": "http.response.body", "body": b"", "more_body": False})
    elif path == "/stale":
        await send({"type": "http.response.start", "status": 304,
                    "headers": [(b"etag", b'"v1"'), (b"content-length", b"5")]})
        await send({"type": "http.response.body", "body": b"hello", "more_body": False})
    else:
        await plain_app(scope, receive, send)


def test_app_204_with_transfer_encoding_keeps_the_connection_in_step(wire):
    # RFC 9112 §6.1: a 204 carries no Transfer-Encoding. Framed chunked, it would be
    # followed by a last-chunk the client never reads, ahead of the next response.
    with RawConnection(wire(app=_hygiene_app)) as conn:
        conn.send(b"GET /empty-chunked HTTP/1.1\r\nHost: a\r\n\r\n")
        empty = conn.read_response()
        assert empty.status == 204
        assert empty.header("transfer-encoding") is None
        assert empty.header("content-length") is None
        _served_first(conn)  # and the connection goes on


def test_app_304_with_length_and_content_sends_neither(wire):
    # RFC 9110 §15.4.5: a 304 has no content; the fields that would frame it go too.
    with RawConnection(wire(app=_hygiene_app)) as conn:
        conn.send(b"GET /stale HTTP/1.1\r\nHost: a\r\n\r\n")
        stale = conn.read_response()
        assert stale.status == 304
        assert stale.header("etag") == '"v1"'
        assert stale.header("content-length") is None
        _served_first(conn)  # and the connection goes on


def test_head_to_an_app_that_raises_is_500_without_content(plain):
    # RFC 9110 §15.6.1 and §9.3.2: the wire's own 500 to HEAD is headers only.
    with RawConnection(plain) as conn:
        conn.send(b"HEAD /boom HTTP/1.1\r\nHost: a\r\n\r\n")
        _assert_refused(conn, 500, head=True)


# -- bad content: a refusal in its turn, and never a second answer -----------------------


async def _answers_before_reading(scope: Message, receive: Any, send: Any) -> None:
    """Starts its answer at once, finishes it later, never reads the content."""
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"text/plain"), (b"content-length", b"4")]})
    await asyncio.sleep(0.5)
    await send({"type": "http.response.body", "body": b"done", "more_body": False})


def test_bad_chunk_after_the_answer_started_closes_after_it_without_a_400(httptools_wire):
    # RFC 9112 §9.3.2: one response per request. The 200 is already on its way when
    # the content turns out malformed; too late for a 400, so the connection closes
    # once the 200 is complete (RFC 9112 §9.6).
    with RawConnection(httptools_wire(app=_answers_before_reading)) as conn:
        conn.send(b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
                  b"4\r\nabcd\r\n")
        status = conn.read_head()[1]
        assert status == 200
        conn.send(b"zz-not-a-chunk-size\r\n")
        assert conn.pending(1.5) == b"done"
        assert conn.is_closed()


def test_bad_chunk_while_the_app_reads_is_400_and_the_app_hears_a_disconnect(plain):
    # RFC 9112 §7.1: a chunk-size that is not hex is a malformed message, 400; the
    # app waiting for the rest of the content is told the client is gone.
    with RawConnection(plain, timeout=5) as conn:
        conn.send(b"POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
                  b"4\r\nabcd\r\n")
        conn.send(b"zz-not-a-chunk-size\r\n")
        _assert_refused(conn, 400)


def test_large_unread_content_on_a_kept_alive_connection_closes(wire):
    # RFC 9112 §9.6: answered before its content was read, a request whose remainder
    # is past the discard limit ends the connection, and says so.
    port = wire(discard_limit=1000)
    with RawConnection(port) as conn:
        _served_first(conn)
        conn.send(b"PUT /status/413 HTTP/1.1\r\nHost: a\r\nContent-Length: 100000\r\n\r\n"
                  + b"x" * 500)
        early = conn.read_response()
        assert early.status == 413
        assert early.header("connection") == "close"
        assert conn.is_closed()


# -- what the app is told about the request, on the fast path ----------------------------


async def _version_app(scope: Message, receive: Any, send: Any) -> None:
    content = b""
    while True:
        message = await receive()
        content += message.get("body", b"")
        if not message.get("more_body", False):
            break
    reply = scope["http_version"].encode() + b" " + content
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-length", str(len(reply)).encode())]})
    await send({"type": "http.response.body", "body": reply, "more_body": False})


@pytest.mark.parametrize("connection", [b"", b"Connection: keep-alive\r\n"])
def test_http_1_0_as_the_second_request_is_served_as_1_0(wire, connection):
    # RFC 9112 §2.3, §9.3: the version is the request's own, whatever the connection
    # carried before; Expect is ignored in HTTP/1.0 (RFC 9110 §10.1.1): no 100.
    with RawConnection(wire(app=_version_app)) as conn:
        conn.send(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n")
        assert conn.read_response().body == b"1.1 "
        conn.send(b"POST / HTTP/1.0\r\nHost: a\r\n" + connection
                  + b"Expect: 100-continue\r\nContent-Length: 3\r\n\r\nabc")
        second = conn.read_response()
        assert second.interim == []
        assert (second.status, second.body) == (200, b"1.0 abc")
        if not connection:
            assert conn.is_closed()  # RFC 9112 §9.3: 1.0 persists only when asked


@pytest.mark.parametrize("parser", [
    "httptools",
    "h11",
])
def test_double_space_in_a_pipelined_request_of_the_same_read_is_400(parser):
    # RFC 9112 §3: one SP between the parts of a request-line, in every request of a
    # read; the clean requests before it are answered first (RFC 9112 §9.3.2).
    factory = httptools_protocol if parser == "httptools" else h11_protocol
    with serve(plain_app, http=factory()) as port, RawConnection(port) as conn:
        conn.send(FIRST + FIRST + b"GET  / HTTP/1.1\r\nHost: a\r\n\r\n")
        for _ in range(2):
            clean = conn.read_response()
            assert (clean.status, clean.body) == (200, b"ok")
        _assert_refused(conn, 400)


def test_double_space_inside_a_field_value_is_no_fault(plain):
    # RFC 9110 §5.5: a field value may hold spaces; only the request-line's are counted.
    with RawConnection(plain) as conn:
        _served_first(conn)
        conn.send(b"GET / HTTP/1.1\r\nHost: a\r\nUser-Agent: a  b\r\n\r\n" + FIRST)
        for _ in range(2):
            served = conn.read_response()
            assert (served.status, served.body) == (200, b"ok")


@pytest.mark.parametrize("protocol", [httptools_protocol, h11_protocol])
def test_idle_kept_alive_connection_closes_silently_after_keep_alive_timeout(protocol):
    # RFC 9112 §9.5: an idle connection may close at any time, but with no response
    # nobody asked for; one that is not idle (a head begun) is the header deadline's.
    with serve(plain_app, http=protocol(header_timeout=30), timeout_keep_alive=1) as port, \
            RawConnection(port, timeout=10) as conn:
        _served_first(conn)
        assert conn.is_closed(wait=8)
        assert conn.buffer == b""


def test_content_after_an_unread_body_reaches_the_next_request(plain):
    # RFC 9112 §9.6 and §6.3: the unread content of an answered request is read and
    # dropped, and framing starts again at the next request: its own content is its
    # app's, whole.
    with RawConnection(plain) as conn:
        conn.send(b"PUT /status/401 HTTP/1.1\r\nHost: a\r\nContent-Length: 2000\r\n\r\n"
                  + b"x" * 100)
        early = conn.read_response()
        assert early.status == 401
        assert early.header("connection") != "close"
        conn.send(b"x" * 1900)
        for size in (5, 7):
            conn.send(b"POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: %d\r\n\r\n" % size
                      + b"y" * size)
            echoed = conn.read_response()
            assert (echoed.status, echoed.body) == (200, str(size).encode())
        assert conn.pending(0.1) == b""


@pytest.mark.parametrize("parser", [
    "httptools",
    "h11",
])
@pytest.mark.parametrize("method", [b"GET", b"HEAD"])
def test_target_past_the_limit_before_the_line_ends_is_414(parser, method):
    # RFC 9110 §15.5.15: the target alone is past what this server interprets, even
    # before the request-line ends; a HEAD's answer has no content (§9.3.2).
    factory = httptools_protocol if parser == "httptools" else h11_protocol
    settings = {"max_target_length": 1000, "max_header_size": 4096}
    with serve(plain_app, http=factory(**settings)) as port, RawConnection(port) as conn:
        conn.send(method + b" /" + b"a" * 5000)
        _assert_refused(conn, 414, head=method == b"HEAD")


def test_refusal_followed_by_bytes_in_flight_arrives_whole_then_closes(plain):
    # RFC 9112 §9.6: closing with unread bytes would reset the connection and could
    # destroy the response; the server half-closes, reads and drops, then closes.
    with RawConnection(plain) as conn:
        conn.send(b"GET / HTTP/9.9\r\nHost: a\r\n\r\n" + b"x" * 300_000)
        refused = conn.read_response()
        assert refused.status == 505
        assert refused.header("connection") == "close"
        assert refused.json()["status"] == 505
        assert conn.buffer == b""
        conn.sock.settimeout(5)
        assert conn.sock.recv(1) == b""  # a FIN: a reset would raise ConnectionResetError


@pytest.mark.parametrize("host", [b"a b", b"a/b", b"[::1"])
def test_an_invalid_host_is_400_on_every_connection_it_comes_on(plain, host):
    # RFC 9112 §3.2: a Host with an invalid value is 400, the first time and every
    # time after (nothing learnt from a refused request may let it through).
    for _ in range(2):
        with RawConnection(plain) as conn:
            conn.send(b"GET / HTTP/1.1\r\nHost: " + host + b"\r\n\r\n")
            _assert_refused(conn, 400)


@pytest.mark.parametrize("parser", ["httptools", "h11"])
def test_double_spaced_line_inside_content_is_no_fault_of_the_next_request(parser):
    # RFC 9112 §6.3: content is framed by its Content-Length, so a request-line-shaped
    # text inside it is data, not a request; the clean request after it in the same
    # read is judged by its own line (RFC 9112 §3) and served.
    factory = httptools_protocol if parser == "httptools" else h11_protocol
    content = b"GET  / HTTP/1.1\r\n"
    with serve(plain_app, http=factory()) as port, RawConnection(port) as conn:
        conn.send(b"POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: %d\r\n\r\n"
                  % len(content) + content + FIRST + b"GET  / HTTP/1.1\r\nHost: a\r\n\r\n")
        echoed = conn.read_response()
        assert (echoed.status, echoed.body) == (200, str(len(content)).encode())
        clean = conn.read_response()
        assert (clean.status, clean.body) == (200, b"ok")
        _assert_refused(conn, 400)


@pytest.mark.parametrize("parser", ["httptools", "h11"])
def test_unfinished_head_past_the_limit_with_a_short_target_is_431_without_content_to_head(
        parser):
    # RFC 6585 §5: the header section, not the target, is past its limit, before the
    # head ends; the answer to a HEAD is its header section only (RFC 9110 §9.3.2).
    factory = httptools_protocol if parser == "httptools" else h11_protocol
    settings = {"max_target_length": 1000, "max_header_size": 4096}
    with serve(plain_app, http=factory(**settings)) as port, RawConnection(port) as conn:
        conn.send(b"HEAD / HTTP/1.1\r\nHost: a\r\nX-Big: " + b"b" * 5000)
        _assert_refused(conn, 431, head=True)


@pytest.mark.parametrize("parser", ["httptools", "h11"])
def test_head_with_chunked_not_the_final_coding_is_400_without_content(parser):
    # RFC 9112 §6.3 item 4 (400, then close) and RFC 9110 §9.3.2 (no content to HEAD),
    # as the second request of a connection whose first was not HEAD.
    factory = httptools_protocol if parser == "httptools" else h11_protocol
    with serve(plain_app, http=factory()) as port, RawConnection(port) as conn:
        _served_first(conn)
        conn.send(b"HEAD / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, gzip\r\n\r\n")
        _assert_refused(conn, 400, head=True)


def test_a_request_after_pipelined_ones_is_still_read(wire):
    # RFC 9112 §9.3.2: pipelined requests are answered in order, and the connection
    # goes on reading once they are: a request sent after their answers is served.
    with RawConnection(wire()) as conn:
        conn.send(FIRST * 3)  # parsed in one read: the second and third wait their turn
        answers = [conn.read_response() for _ in range(3)]
        assert [(a.status, a.body) for a in answers] == [(200, b"ok")] * 3
        _served_first(conn)  # and the connection goes on


@pytest.mark.parametrize("protocol", [httptools_protocol, h11_protocol])
def test_header_deadline_counts_from_the_last_response_on_an_old_connection(protocol):
    # RFC 9110 §15.5.9: the head has header_timeout from the end of the previous
    # response, however long the connection has lived: a head sent in two parts well
    # within that time is served, not refused 408. (The connection is older than the
    # deadline once the two slow answers are out; the pause spans a tick of the clock.)
    slow = b"GET /slow HTTP/1.1\r\nHost: a\r\n\r\n"
    with serve(plain_app, http=protocol(header_timeout=1.5), timeout_keep_alive=0.5) as port, \
            RawConnection(port, timeout=10) as conn:
        conn.send(slow + slow)
        assert [conn.read_response().body for _ in range(2)] == [b"slow", b"slow"]
        conn.send(b"GET / HTTP/1.1\r\n")
        time.sleep(0.8)
        conn.send(b"Host: a\r\n\r\n")
        late = conn.read_response()
    assert (late.status, late.body) == (200, b"ok")


def test_a_host_in_the_trailer_section_is_no_host_of_the_next_request(plain):
    # RFC 9112 §3.2: a request without Host is 400. A Host field in the previous
    # request's trailer section is no field of the next head (RFC 9110 §6.5: a trailer
    # belongs to its own message), however the wire counts Host fields.
    with RawConnection(plain) as conn:
        _served_first(conn)
        conn.send(b"POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
                  b"2\r\nhi\r\n0\r\nHost: a\r\n\r\n")
        echoed = conn.read_response()
        assert (echoed.status, echoed.body) == (200, b"2")
        conn.send(b"GET / HTTP/1.1\r\n\r\n")
        _assert_refused(conn, 400)
