"""Issue 26, H8: Transfer-Encoding is a list, and a list may hold empty members.

RFC 9110 §5.6.1: a recipient accepts and ignores empty list elements, so ``,chunked``,
``chunked,`` and ``chunked, ,`` all mean chunked. A field whose members are all empty
names no coding at all, yet says the content is coded: the framing is invalid
(RFC 9112 §6.1, §6.3) and the answer is 400. Before, h11 answered 501 to each of these
and httptools 400 to two of the chunked ones: the same request, two answers.
"""

from __future__ import annotations

import pytest

from support.rawhttp import RawConnection

PROBLEM = "application/problem+json"
BODY = b"3\r\nabc\r\n0\r\n\r\n"
NEXT = b"GET /status/200 HTTP/1.1\r\nHost: t\r\n\r\n"


@pytest.mark.parametrize("lines", [
    [b",chunked"],
    [b"chunked,"],
    [b"chunked, ,"],
    [b" , chunked , "],
    [b"", b"chunked"],  # two field lines: one list, ", chunked" (RFC 9110 §5.3)
    [b"CHUNKED,"],  # RFC 9112 §7: coding names are case-insensitive
])
def test_chunked_with_empty_list_members_is_chunked(wire, lines):
    fields = b"".join(b"Transfer-Encoding: " + value + b"\r\n" for value in lines)
    with RawConnection(wire()) as conn:
        conn.send(b"POST /echo HTTP/1.1\r\nHost: t\r\n" + fields + b"\r\n" + BODY + NEXT)
        answer = conn.read_response()
        # The content was decoded as chunked: /echo counts its three bytes.
        assert (answer.status, answer.body) == (200, b"3")
        assert answer.header("connection") is None
        # ...and the connection is still in step: the next request is read as one.
        following = conn.read_response()
        assert (following.status, following.body) == (200, b"some content")


@pytest.mark.parametrize("lines", [[b","], [b" , , "], [b""], [b",", b""]])
def test_transfer_encoding_of_only_empty_members_is_400(wire, lines):
    fields = b"".join(b"Transfer-Encoding: " + value + b"\r\n" for value in lines)
    with RawConnection(wire()) as conn:
        conn.send(b"POST /echo HTTP/1.1\r\nHost: t\r\n" + fields + b"\r\n" + BODY)
        answer = conn.read_response()
        assert answer.status == 400
        assert answer.header("content-type") == PROBLEM
        assert answer.json()["status"] == 400
        assert answer.header("connection") == "close"
        assert conn.is_closed()


def test_empty_members_on_a_head_request_keep_its_answer_without_content(wire):
    with RawConnection(wire()) as conn:
        conn.send(b"HEAD / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: ,\r\n\r\n")
        answer = conn.read_response(head_request=True)
        assert answer.status == 400
        assert answer.header("content-type") == PROBLEM
        assert conn.pending(0.3) == b""  # RFC 9110 §9.3.2: no content for HEAD


@pytest.mark.parametrize(("value", "status"), [
    (b"gzip, , chunked", 501),  # RFC 9112 §6.1: a coding this server does not decode
    (b"chunked, , gzip", 400),  # RFC 9112 §6.3 item 4: chunked not final
    (b"chunked, , chunked", 400),  # chunked twice
])
def test_empty_members_leave_the_other_framing_rules_in_force(wire, value, status):
    with RawConnection(wire()) as conn:
        conn.send(b"POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: " + value
                  + b"\r\n\r\n" + BODY)
        answer = conn.read_response()
        assert answer.status == status
        assert answer.header("content-type") == PROBLEM
        assert answer.header("connection") == "close"
        assert conn.is_closed()


def test_empty_members_next_to_content_length_are_still_both_framings(wire):
    # RFC 9112 §6.3 item 3: Transfer-Encoding beside Content-Length; rejected, closed.
    with RawConnection(wire()) as conn:
        conn.send(b"POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked,\r\n"
                  b"Content-Length: 13\r\n\r\n" + BODY)
        answer = conn.read_response()
        assert answer.status == 400
        assert answer.header("content-type") == PROBLEM
        assert conn.is_closed()


def test_chunked_with_empty_members_pipelined_behind_a_request_is_chunked(wire):
    with RawConnection(wire()) as conn:
        conn.send(NEXT + b"POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked, ,\r\n\r\n"
                  + BODY + NEXT)
        statuses = [(a.status, a.body) for a in (conn.read_response() for _ in range(3))]
    assert statuses == [(200, b"some content"), (200, b"3"), (200, b"some content")]
