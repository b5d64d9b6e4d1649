"""A hostile server against the checker's bare-socket reader: endless or huge content
in each framing, endless framing lines, endless heads and 1xx answers, a trickle.
What the checker holds stays bounded (CHECK_MAX_BODY of content, CHECK_READ_LIMIT of
heads and framing lines), the exchange ends by its timeout, and the verdict says what
happened: a cut body is no evidence for the rules on whole content, never a crash."""

from __future__ import annotations

import asyncio
import json
import socket
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from statuskit.check import Options, Outcome, check_server
from statuskit.check.raw import RawExchange, raw_exchange
from statuskit.check.target import parse_target
from statuskit.defaults import CHECK_MAX_BODY, CHECK_READ_LIMIT, MiB
from support.cli_memory import run_statuskit
from support.hostile import hostile_server

GET = b"GET / HTTP/1.1\r\nHost: {host}\r\n\r\n"
# Each hostile answer stops on its own after this much (bounded loops): far past
# every limit of the checker, and what an unbounded reader would have kept.
SENT_AT_MOST = 64 * MiB
Answer = Callable[[socket.socket], None]


def _endless(conn: socket.socket, head: bytes, piece: bytes,
             at_most: int = SENT_AT_MOST) -> None:
    conn.sendall(head)
    sent = 0
    while sent < at_most:
        conn.sendall(piece)
        sent += len(piece)


def _serve(answer: Answer) -> Iterator[int]:
    """``answer`` on a free loopback port; each connection stays open after it until the
    client goes or the test ends."""
    with hostile_server(lambda conn, _head, _done: answer(conn)) as port:
        yield port


def _exchange(port: int, timeout: float = 20.0) -> RawExchange:
    target = parse_target(f"http://127.0.0.1:{port}/")
    return asyncio.run(raw_exchange(target, GET, timeout=timeout))


@pytest.fixture
def hostile(request: pytest.FixtureRequest) -> Iterator[int]:
    yield from _serve(request.param)


def _answering(answer: Answer) -> pytest.MarkDecorator:
    return pytest.mark.parametrize("hostile", [answer], indirect=True)


BIG = b"x" * 65536


# -- content past the limit is cut, in each framing (RFC 9112 §6.3) ----------------------


@_answering(lambda c: _endless(c, b"HTTP/1.1 200 OK\r\nContent-Length: 107374182400\r\n\r\n",
                               BIG))
def test_a_100_gb_content_length_is_cut_at_the_limit(hostile: int) -> None:
    raw = _exchange(hostile)
    assert raw.status == 200 and raw.error == ""
    assert raw.cut == CHECK_MAX_BODY and len(raw.body) == CHECK_MAX_BODY
    assert not raw.content_complete and not raw.timed_out


@_answering(lambda c: _endless(c, b"HTTP/1.1 200 OK\r\nContent-Length: " + b"9" * 4000
                               + b"\r\n\r\n", BIG))
def test_a_4000_digit_content_length_is_cut_at_the_limit(hostile: int) -> None:
    raw = _exchange(hostile)
    assert raw.status == 200 and raw.error == ""
    assert raw.cut == CHECK_MAX_BODY and len(raw.body) == CHECK_MAX_BODY


@_answering(lambda c: _endless(c, b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n", BIG))
def test_endless_content_read_to_the_close_is_cut_at_the_limit(hostile: int) -> None:
    raw = _exchange(hostile)
    assert raw.status == 200 and raw.error == ""
    assert raw.cut == CHECK_MAX_BODY and len(raw.body) == CHECK_MAX_BODY
    assert not raw.closed  # the checker closed it, not the server


@_answering(lambda c: _endless(c, b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
                               b"10000\r\n" + BIG + b"\r\n"))
def test_endless_chunks_are_cut_at_the_limit(hostile: int) -> None:
    raw = _exchange(hostile)
    assert raw.status == 200 and raw.error == ""
    assert raw.cut == CHECK_MAX_BODY and len(raw.body) == CHECK_MAX_BODY


@_answering(lambda c: _endless(c, b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
                               b"1\r\nx\r\n" * 10000))
def test_endless_one_byte_chunks_end_at_the_timeout_bounded(hostile: int) -> None:
    # Millions of chunks cost time more than memory: the timeout ends them, and what
    # was kept is under the limit whichever came first.
    started = time.monotonic()
    raw = _exchange(hostile, timeout=1.0)
    assert time.monotonic() - started < 5
    assert raw.status == 200 and raw.timed_out and not raw.content_complete
    assert raw.error == "the content of the 200 did not finish within 1 s"
    assert raw.body == b""


def _exactly_the_limit(conn: socket.socket) -> None:
    conn.sendall(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n" + b"y" * CHECK_MAX_BODY)
    conn.shutdown(socket.SHUT_WR)


@_answering(_exactly_the_limit)
def test_content_of_exactly_the_limit_then_a_close_is_read_whole(hostile: int) -> None:
    raw = _exchange(hostile)
    assert raw.status == 200 and raw.error == "" and raw.closed
    assert raw.cut == 0 and raw.content_complete and len(raw.body) == CHECK_MAX_BODY


# -- framing lines and heads past the read limit end the exchange, said so -------------


@_answering(lambda c: _endless(c, b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1",
                               b"0" * 65536))
def test_an_endless_chunk_size_line_ends_the_exchange(hostile: int) -> None:
    raw = _exchange(hostile)
    assert raw.status == 200 and raw.body == b"" and not raw.content_complete
    assert raw.error == "the answer's framing is malformed (a chunk-size line over 1 MiB)"
    assert raw.cause == "the answer's framing is malformed"


@_answering(lambda c: _endless(c, b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                               b"2\r\nok\r\n0\r\n", b"X-Trailer: " + b"t" * 50 + b"\r\n"))
def test_endless_trailer_lines_end_the_exchange(hostile: int) -> None:
    raw = _exchange(hostile)
    assert raw.status == 200 and not raw.content_complete
    assert raw.error == ("the answer's framing is malformed "
                         "(the trailer section is over 1 MiB)")


@_answering(lambda c: _endless(c, b"HTTP/1.1 200 OK\r\n", b"X-Endless: " + b"h" * 50 + b"\r\n"))
def test_an_endless_head_ends_the_exchange(hostile: int) -> None:
    raw = _exchange(hostile)
    assert raw.status == 0 and raw.heads == []
    assert raw.error == "the answer's header section (with any 1xx before it) is over 1 MiB"


@_answering(lambda c: _endless(c, b"", b"HTTP/1.1 100 Continue\r\n\r\n" * 2000))
def test_endless_100_continue_answers_end_the_exchange(hostile: int) -> None:
    raw = _exchange(hostile)
    assert raw.status == 0
    assert raw.error == "the answer's header section (with any 1xx before it) is over 1 MiB"
    assert sum(map(len, raw.heads)) <= CHECK_READ_LIMIT + 64  # not 64 MiB of 1xx kept
    assert len(raw.interim) <= CHECK_READ_LIMIT // 25


@pytest.mark.parametrize("size", [b"0x10", b"+10", b"1_0", b" 10", b"-1"])
def test_a_chunk_size_that_is_not_hex_digits_is_malformed(size: bytes) -> None:
    # RFC 9112 §7.1: chunk-size = 1*HEXDIG (int(..., 16) would take these).
    answer = (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + size
              + b"\r\n" + b"z" * 16 + b"\r\n0\r\n\r\n")
    for port in _serve(lambda c: c.sendall(answer)):
        raw = _exchange(port)
        assert raw.status == 200 and raw.body == b"" and not raw.content_complete
        assert raw.error.startswith("the answer's framing is malformed (chunk-size ")


# -- a trickle: bounded by the timeout, the same verdict every run ----------------------


def _trickle(conn: socket.socket) -> None:
    conn.sendall(b"HTTP/1.1 206 Partial Content\r\nContent-Range: bytes 0-99/1000\r\n"
                 b"Content-Length: 100\r\nContent-Type: text/plain\r\n\r\n")
    for _ in range(30):
        conn.sendall(b"t")
        time.sleep(1)


@_answering(_trickle)
def test_a_trickled_body_ends_at_the_timeout_and_is_no_evidence(hostile: int) -> None:
    raw = _exchange(hostile, timeout=1.5)
    assert raw.status == 206 and raw.timed_out and not raw.content_complete
    assert raw.error == "the content of the 206 did not finish within 1.5 s"


@_answering(_trickle)
def test_a_trickling_server_gets_the_same_verdict_every_run(hostile: int) -> None:
    # The content never finishes: Content-Range and Content-Length are not compared with
    # the bytes that came by the timeout (before: a false "206 whose Content-Range
    # disagrees with its content" and httplint's CL_INCORRECT), and the verdict is the
    # status's (206 to an HTTP/3.0 request, not 505), whatever the timeout.
    url = f"http://127.0.0.1:{hostile}/"
    runs = [asyncio.run(check_server(url, Options(only={505}, timeout=t)))
            for t in (1.0, 2.0)]
    for verdicts in runs:
        (verdict,) = verdicts
        assert verdict.outcome is Outcome.FAIL and verdict.status == 206, verdict
        assert [p.cause for p in verdict.problems] == ["answered 206, expected 505"]
        assert "CL_INCORRECT" not in [n.name for n in verdict.lint]
        assert verdict.reason == ("answered 206, expected 505; the content did not finish: "
                                  "not judged on the content")
        assert "did not finish within" in verdict.evidence[-1].note
    assert [v.reason for v in runs[0]] == [v.reason for v in runs[1]]


# -- the check process's memory, measured -----------------------------------------------


@_answering(lambda c: _endless(c, b"HTTP/1.1 200 OK\r\nContent-Length: 107374182400\r\n\r\n",
                               BIG, at_most=256 * MiB))
def test_check_of_a_100_gb_answer_holds_bounded_memory(hostile: int, tmp_path: Path) -> None:
    code, rss_kib, _, err = run_statuskit(
        ["check", f"http://127.0.0.1:{hostile}/", "--only", "505", "--timeout", "20",
         "--profile", "must", "--json", str(tmp_path / "report.json")], tmp_path)
    assert (code, err) == (0, "")  # a seed-level warning under --profile must
    # The process (interpreter, statuskit, rich, httplint) stays far below the 256 MiB
    # an unbounded reader holds here, twice over (its buffer, then the bytes).
    assert rss_kib < 128 * 1024, rss_kib  # measured: 83 MB (a plain 200: 55 MB; before: 317)
    (verdict,) = json.loads((tmp_path / "report.json").read_text())["verdicts"]
    assert verdict["status"] == 200 and verdict["verdict"] == "fail"
    assert verdict["reason"] == ("answered 200, expected 505; content cut at "
                                 f"{CHECK_MAX_BODY} bytes: not judged on the content")


# -- fields no URL parser takes ---------------------------------------------------------


@_answering(lambda c: c.sendall(b"HTTP/1.1 201 Created\r\nLocation: http://[::1\r\n"
                                b"Content-Length: 0\r\n\r\n"))
def test_a_location_urllib_refuses_is_a_finding_not_a_crash(hostile: int) -> None:
    # RFC 9110 §10.2.2: Location = URI-reference; "http://[::1" is none. Before: the
    # ValueError urlsplit raises went out of check_server as a traceback.
    (verdict,) = asyncio.run(check_server(f"http://127.0.0.1:{hostile}/",
                                          Options(only={505}, timeout=5)))
    assert verdict.outcome is Outcome.FAIL and verdict.status == 201
    assert [p.cause for p in verdict.problems] == [
        "answered 201, expected 505", "Location does not resolve to an http(s) URL"]
