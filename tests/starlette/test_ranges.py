"""Byte ranges on a dynamic GET response (RFC 9110 §14), over a real uvicorn."""

from __future__ import annotations

from email import message_from_bytes

from apps import TEXT
from wire import exchange, problem

from statuskit.check.lint import lint_response
from support.rawhttp import RawResponse, get

PLAIN = {"Accept": "text/plain"}


def test_a_route_that_opts_in_advertises_accept_ranges(port: int) -> None:
    assert get(port, "/docs/1", headers=PLAIN).header("accept-ranges") == "bytes"
    assert exchange(port, "HEAD", "/docs/1", PLAIN).header("accept-ranges") == "bytes"


def test_one_range_is_206_with_content_range(port: int) -> None:
    answer = get(port, "/docs/1", headers={**PLAIN, "Range": "bytes=2-5"})
    assert answer.status == 206
    assert answer.header("content-range") == f"bytes 2-5/{len(TEXT)}"
    assert answer.body == TEXT[2:6].encode()
    assert answer.header("content-length") == "4"
    assert answer.header("content-type") == "text/plain; charset=utf-8"


def test_a_suffix_range_is_the_last_bytes(port: int) -> None:
    answer = get(port, "/docs/1", headers={**PLAIN, "Range": "bytes=-3"})
    assert answer.status == 206 and answer.body == TEXT[-3:].encode()


def test_several_ranges_are_multipart_byteranges(port: int) -> None:
    answer = get(port, "/docs/1", headers={**PLAIN, "Range": "bytes=0-1, 10-12"})
    assert answer.status == 206
    media = answer.header("content-type") or ""
    assert media.startswith("multipart/byteranges; boundary=")
    assert answer.header("content-range") is None  # RFC 9110 §15.3.7.2: in each part
    parts = _parts(answer)
    assert [(p["Content-Range"], p.get_payload()) for p in parts] == [
        (f"bytes 0-1/{len(TEXT)}", TEXT[0:2]), (f"bytes 10-12/{len(TEXT)}", TEXT[10:13])]
    assert all(p["Content-Type"] == "text/plain; charset=utf-8" for p in parts)


def _parts(answer: RawResponse) -> list:  # type: ignore[type-arg]
    head = f"Content-Type: {answer.header('content-type')}\r\n\r\n".encode()
    return list(message_from_bytes(head + answer.body).get_payload())  # type: ignore[arg-type]


def test_an_unsatisfiable_range_is_416_with_the_length(port: int) -> None:
    answer = get(port, "/docs/1", headers={**PLAIN, "Range": "bytes=1000-"})
    problem(answer, 416)
    assert answer.header("content-range") == f"bytes */{len(TEXT)}"


def test_if_range_with_the_current_tag_is_206(port: int) -> None:
    etag = get(port, "/docs/1", headers=PLAIN).header("etag") or ""
    answer = get(port, "/docs/1", headers={**PLAIN, "Range": "bytes=0-0", "If-Range": etag})
    assert answer.status == 206 and answer.body == b"0"


def test_if_range_with_an_old_tag_is_the_whole_200(port: int) -> None:
    answer = get(port, "/docs/1", headers={**PLAIN, "Range": "bytes=0-0", "If-Range": '"d0"'})
    # RFC 9110 §13.1.5: the condition fails, so the Range is ignored.
    assert answer.status == 200 and answer.body == TEXT.encode()


def test_another_unit_is_ignored(port: int) -> None:
    answer = get(port, "/docs/1", headers={**PLAIN, "Range": "lines=0-1"})
    assert answer.status == 200 and answer.body == TEXT.encode()


def test_a_range_on_head_is_the_plain_header_section(port: int) -> None:
    answer = exchange(port, "HEAD", "/docs/1", {**PLAIN, "Range": "bytes=0-1"})
    # RFC 9110 §14.2: range handling is for GET; HEAD gets the 200's fields.
    assert answer.status == 200 and answer.header("content-length") == str(len(TEXT))


def test_a_streaming_response_declines(port: int) -> None:
    answer = get(port, "/stream", headers={"Range": "bytes=0-1"})
    assert answer.status == 200 and answer.body == TEXT.encode() * 3
    assert answer.header("accept-ranges") is None


def test_httplint_finds_nothing_wrong_with_the_answers(port: int) -> None:
    for fields in ({}, {"Range": "bytes=0-3"}, {"Range": "bytes=0-1,5-6"},
                   {"Range": "bytes=900-"}, {"If-None-Match": '"d1"'}):
        request = {**PLAIN, **fields}
        answer = get(port, "/docs/1", headers=request)
        notes = lint_response("GET", f"http://127.0.0.1:{port}/docs/1",
                              [("Host", "test"), *request.items()], answer.status,
                              answer.reason, answer.headers, answer.body, levels=("bad",))
        assert notes == [], (fields, notes)


def test_hundreds_of_ranges_are_ignored_not_amplified(port: int) -> None:
    many = "bytes=" + ",".join(f"{i}-{i}" for i in range(500))
    answer = get(port, "/docs/1", headers={**PLAIN, "Range": many})
    # RFC 9110 §17.15: a server may ignore a Range that asks for too many parts.
    assert answer.status == 200 and answer.body == TEXT.encode()


def test_overlapping_ranges_are_coalesced(port: int) -> None:
    answer = get(port, "/docs/1", headers={**PLAIN, "Range": "bytes=0-5,2-8,3-4"})
    # RFC 9110 §14.2: overlapping ranges may be merged; one part left means no multipart.
    assert answer.status == 206 and answer.body == TEXT[0:9].encode()
    assert answer.header("content-range") == f"bytes 0-8/{len(TEXT)}"
