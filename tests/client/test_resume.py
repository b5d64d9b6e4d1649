"""A GET whose body breaks mid-way resumes from the byte it reached (RFC 9110 §14.2
Range, §13.1.5 If-Range with a strong validator, §14.3 Accept-Ranges), and the
part is checked to belong to the same representation before a byte of it is
handed out: never a splice of two versions. Raw-socket servers send what no
framework would: bodies cut off, a representation that changes mid-download, a
Range ignored, 206s of the wrong bytes."""

from __future__ import annotations

import random
from typing import Any

import httpx
import httpx2
import pytest
from rawserver import Answer, Request, chunked, raw_server, response
from runners import runner

import statuskit.client.httpx2 as on_httpx2
from statuskit.client import ATTEMPTS, RecordedWaits, ResumeFailed, RetryTransport, attempts_of
from statuskit.http import format_http_date

HTTPX_ADAPTERS = ["httpx", "httpx-async", "httpx2", "httpx2-async"]
V1 = random.Random(1).randbytes(100_000)
V2 = random.Random(2).randbytes(100_000)
CUT = 40_000  # where the first body breaks
RANGED = {"ETag": '"v1"', "Accept-Ranges": "bytes", "Content-Type": "application/octet-stream"}


def first_cut_then(rest: Any) -> Any:
    """A handler: the first GET gets v1 cut off at CUT; later ones ``rest(request)``."""
    def handle(request: Request) -> Answer:
        if request.number == 1:
            return response("200 OK", RANGED, V1, send=CUT)
        answer: Answer = rest(request)
        return answer
    return handle


def part(first: int, body: bytes = V1, **fields: str) -> Answer:
    headers = {**RANGED, "Content-Range": f"bytes {first}-{len(body) - 1}/{len(body)}",
               **fields}
    return response("206 Partial Content", {k: v for k, v in headers.items() if v}, body[first:])


def get(adapter: str, base: str, **options: Any) -> Any:
    client = runner(adapter, base, RecordedWaits(), **options)
    try:
        return client.send("GET", "/file")
    finally:
        client.close()


def transport_error(adapter: str) -> type[Exception]:
    return httpx2.TransportError if adapter.startswith("httpx2") else httpx.TransportError


@pytest.mark.parametrize("adapter", HTTPX_ADAPTERS)
def test_a_broken_get_resumes_from_the_byte_it_reached(adapter: str) -> None:
    with raw_server(first_cut_then(lambda request: part(CUT))) as (base, server):
        got = get(adapter, base)
    assert got.status_code == 200
    assert got.content == V1  # whole, and the same bytes
    first, second = server.requests
    assert "range" not in first.headers
    assert second.headers["range"] == f"bytes={CUT}-"
    assert second.headers["if-range"] == '"v1"'  # RFC 9110 §13.1.5: the strong ETag
    assert server.sent < len(V1) + 1000  # the first 40 kB were not downloaded again
    assert [(a.status, a.decision.split()[0]) for a in attempts_of(got)] == [
        (200, "done"), (None, "retry"), (206, "done")]


@pytest.mark.parametrize("library", [httpx, httpx2])
def test_a_history_read_before_the_body_breaks_shows_the_resumption(library: Any) -> None:
    # The first try's history is built when read: read before the break, it is
    # still the list the resumption's attempts go on.
    transport = (RetryTransport if library is httpx else on_httpx2.RetryTransport)(
        sleep=RecordedWaits().sleep)
    with raw_server(first_cut_then(lambda request: part(CUT))) as (base, server), \
            library.Client(transport=transport) as client, \
            client.stream("GET", f"{base}/file") as streamed:
        history = streamed.extensions[ATTEMPTS]
        assert [(a.status, a.decision) for a in history] == [(200, "done")]
        body = streamed.read()
    assert streamed.status_code == 200
    assert body == V1
    assert [(a.status, a.decision.split()[0]) for a in history] == [
        (200, "done"), (None, "retry"), (206, "done")]
    assert list(history) == attempts_of(streamed)
    assert len(server.requests) == 2


@pytest.mark.parametrize("adapter", ["httpx", "httpx2-async"])
def test_a_representation_that_changes_mid_download_is_never_spliced(adapter: str) -> None:
    # If-Range fails on the server (the ETag moved on): it sends v2 whole, as it must.
    changed = response("200 OK", {**RANGED, "ETag": '"v2"'}, V2)
    with raw_server(first_cut_then(lambda request: changed)) as (base, server), \
            pytest.raises(ResumeFailed) as refused:
        get(adapter, base)
    assert isinstance(refused.value, transport_error(adapter))  # the library's own kind
    assert refused.value.received == CUT
    assert "changed" in str(refused.value)
    assert isinstance(refused.value.__cause__, transport_error(adapter))  # the break
    assert len(server.requests) == 2


@pytest.mark.parametrize("adapter", ["httpx", "httpx2-async"])
def test_a_server_that_ignores_range_is_read_again_and_only_the_rest_kept(adapter: str) -> None:
    whole = response("200 OK", RANGED, V1)  # the same version, Range ignored
    with raw_server(first_cut_then(lambda request: whole)) as (base, server):
        got = get(adapter, base)
    assert got.content == V1
    assert len(server.requests) == 2


@pytest.mark.parametrize("adapter", ["httpx-async", "httpx2"])
def test_a_change_before_any_byte_was_handed_out_starts_over(adapter: str) -> None:
    def handle(request: Request) -> Answer:
        if request.number == 1:
            return response("200 OK", RANGED, V1, send=0)  # the head, then nothing
        return response("200 OK", {**RANGED, "ETag": '"v2"'}, V2)

    with raw_server(handle) as (base, _):
        got = get(adapter, base)
    assert got.content == V2
    assert got.headers["etag"] == '"v2"'  # the response is wholly the new version


BAD_PARTS = {
    "starts at 0": lambda request: part(0),
    "starts past the cut": lambda request: part(CUT + 10),
    "overlaps what was handed out": lambda request: part(CUT - 10),
    "a weak ETag of the same opaque tag": lambda request: part(CUT, ETag='W/"v1"'),
    "a Content-Range of 5,000 digits": lambda request: part(
        CUT, **{"Content-Range": f"bytes {CUT}-{'9' * 5000}/{'9' * 5001}"}),
    "a 200 of another length": lambda request: response("200 OK", RANGED, V1 + b"more"),
    "another total length": lambda request: part(CUT, V1 + b"more"),
    "another ETag": lambda request: part(CUT, ETag='"v2"'),
    "no ETag": lambda request: part(CUT, ETag=""),
    "no Content-Range": lambda request: response("206 Partial Content", RANGED, V1[CUT:]),
    "multipart": lambda request: part(
        CUT, **{"Content-Type": "multipart/byteranges; boundary=x"}),
    "another coding": lambda request: part(CUT, **{"Content-Encoding": "gzip"}),
    "a 416": lambda request: response("416 Range Not Satisfiable",
                                      {"Content-Range": "bytes */100000"}, b""),
}


@pytest.mark.parametrize("kind", sorted(BAD_PARTS))
def test_a_part_that_does_not_belong_is_refused_before_a_byte_of_it(kind: str) -> None:
    with raw_server(first_cut_then(BAD_PARTS[kind])) as (base, server), \
            pytest.raises(ResumeFailed) as refused:
        get("httpx", base)
    assert refused.value.received == CUT
    assert len(server.requests) == 2


def test_a_part_that_ends_short_is_resumed_again_from_where_it_ended() -> None:
    def handle(request: Request) -> Answer:
        if request.number == 1:
            return response("200 OK", RANGED, V1, send=CUT)
        if request.number == 2:
            answer = part(CUT)
            return Answer(answer.data[:len(answer.data) - 30_000], drop=True)
        return part(int(request.headers["range"][6:-1]))

    with raw_server(handle) as (base, server):
        got = get("httpx", base)
    assert got.content == V1
    assert [r.headers.get("range") for r in server.requests] == [
        None, f"bytes={CUT}-", f"bytes={len(V1) - 30_000}-"]


def test_a_503_to_the_resumption_is_waited_and_asked_again() -> None:
    def handle(request: Request) -> Answer:
        if request.number == 1:
            return response("200 OK", RANGED, V1, send=CUT)
        if request.number == 2:
            return response("503 Service Unavailable", {"Retry-After": "2"}, b"busy")
        return part(CUT)

    waits = RecordedWaits()
    with raw_server(handle) as (base, _):
        client = runner("httpx", base, waits)
        try:
            got = client.send("GET", "/file")
        finally:
            client.close()
    assert got.content == V1
    assert 2 <= waits.waits[-1] <= 2.5  # the server's Retry-After


def test_a_strong_last_modified_is_the_validator_when_there_is_no_etag() -> None:
    date, modified = format_http_date(1_700_000_100), format_http_date(1_700_000_000)
    fields = {"Accept-Ranges": "bytes", "Last-Modified": modified, "Date": date}

    def handle(request: Request) -> Answer:
        if request.number == 1:
            return response("200 OK", fields, V1, send=CUT)
        return response("206 Partial Content",
                        {**fields, "Content-Range": f"bytes {CUT}-99999/100000"}, V1[CUT:])

    with raw_server(handle) as (base, server):
        got = get("httpx", base)
    assert got.content == V1
    assert server.requests[1].headers["if-range"] == modified


@pytest.mark.parametrize("fields", [
    {"ETag": 'W/"v1"', "Accept-Ranges": "bytes"},  # §13.1.5: never If-Range with a weak tag
    {"ETag": '"v1"'},  # no Accept-Ranges: the server did not offer ranges
    {"ETag": '"v1"', "Accept-Ranges": "none"},
    {"Accept-Ranges": "bytes", "Last-Modified": format_http_date(1_700_000_000),
     "Date": format_http_date(1_700_000_000)},  # a date within its own second is weak
])
def test_a_response_that_cannot_be_resumed_raises_the_break_with_its_history(
        fields: dict[str, str]) -> None:
    with raw_server(lambda request: response("200 OK", fields, V1, send=CUT)) as (base, server), \
            pytest.raises(httpx.RemoteProtocolError) as broken:
        get("httpx", base)
    assert len(server.requests) == 1  # no Range asked of it
    assert [a.status for a in attempts_of(broken.value)] == [200]


def test_resume_false_switches_it_off() -> None:
    with raw_server(first_cut_then(lambda request: part(CUT))) as (base, server), \
            pytest.raises(httpx.RemoteProtocolError):
        get("httpx", base, resume=False)
    assert len(server.requests) == 1


def test_a_streamed_read_resumes_too_and_hands_out_each_byte_once() -> None:
    with raw_server(first_cut_then(lambda request: part(CUT))) as (base, _), \
            httpx.Client(transport=runner("httpx", base).client._transport) as client, \
            client.stream("GET", base + "/file") as streamed:  # type: ignore[attr-defined]
        chunks = list(streamed.iter_bytes())
    assert b"".join(chunks) == V1


def test_a_new_representation_in_another_coding_is_refused_even_before_any_byte() -> None:
    from statuskit.client._resume import Refuse, StartOver, judge, resumable_of

    resumable = resumable_of("GET", httpx.Headers(), 200, httpx.Headers(RANGED))
    assert resumable is not None
    changed = httpx.Headers({**RANGED, "ETag": '"v2"'})
    assert isinstance(judge(resumable, 0, 200, changed), StartOver)
    recoded = httpx.Headers({**RANGED, "ETag": '"v2"', "Content-Encoding": "gzip"})
    assert isinstance(judge(resumable, 0, 200, recoded), Refuse)


def test_an_etag_that_changes_between_the_second_and_third_parts_is_refused() -> None:
    def handle(request: Request) -> Answer:
        if request.number == 1:
            return response("200 OK", RANGED, V1, send=CUT)
        if request.number == 2:
            answer = part(CUT)
            return Answer(answer.data[:len(answer.data) - 30_000], drop=True)
        return part(int(request.headers["range"][6:-1]), ETag='"v2"')

    with raw_server(handle) as (base, server), pytest.raises(ResumeFailed) as refused:
        get("httpx", base)
    assert refused.value.received == len(V1) - 30_000
    assert "ETag" in str(refused.value)
    assert len(server.requests) == 3


def test_a_lowercase_w_etag_is_no_validator_so_nothing_is_resumed() -> None:
    # RFC 9110 §8.8.3: weak = %s"W/", case-sensitive; w/"v1" is no entity-tag at all.
    fields = {**RANGED, "ETag": 'w/"v1"'}
    with raw_server(lambda request: response("200 OK", fields, V1, send=CUT)) as (base, server), \
            pytest.raises(httpx.RemoteProtocolError):
        get("httpx", base)
    assert len(server.requests) == 1


def chunked_first_then(rest: Any) -> Any:
    """The first GET gets v1 chunked (no length declared), cut at CUT."""
    def handle(request: Request) -> Answer:
        if request.number == 1:
            return chunked("200 OK", RANGED, V1, send=CUT)
        answer: Answer = rest(request)
        return answer
    return handle


def test_a_chunked_part_longer_than_its_content_range_is_never_handed_out_whole() -> None:
    # RFC 9110 §14.4: the Content-Range says which bytes these are; 60,000 of them.
    # A server that sends more is not sending that part.
    def longer(request: Request) -> Answer:
        return chunked("206 Partial Content",
                       {**RANGED, "Content-Range": f"bytes {CUT}-99999/100000"},
                       V1[CUT:] + b"spliced tail")

    with raw_server(first_cut_then(longer)) as (base, _), \
            pytest.raises(ResumeFailed) as refused:
        get("httpx", base)
    assert "Content-Range" in str(refused.value)


def test_a_chunked_part_that_ends_cleanly_short_of_its_range_is_resumed_again() -> None:
    # The last chunk came early: the part ended before the byte its Content-Range
    # promised (§14.4), so the body is not complete; the rest is asked for again.
    def handle(request: Request) -> Answer:
        if request.number == 1:
            return response("200 OK", RANGED, V1, send=CUT)
        first = int(request.headers["range"][6:-1])
        fields = {**RANGED, "Content-Range": f"bytes {first}-99999/100000"}
        if request.number == 2:
            return chunked("206 Partial Content", fields, V1[first:70_000])
        return part(first)

    with raw_server(handle) as (base, server):
        got = get("httpx", base)
    assert got.content == V1
    assert [r.headers.get("range") for r in server.requests] == [
        None, f"bytes={CUT}-", "bytes=70000-"]


def test_a_chunked_body_resumed_by_a_shorter_200_of_the_same_tag_is_refused() -> None:
    # Range ignored, the "same" version sent whole, yet shorter than what was
    # already handed out: it is not the same bytes, and the caller must not get a
    # body that ends at the break as if it were complete.
    short = chunked("200 OK", RANGED, V1[:1000])
    with raw_server(chunked_first_then(lambda request: short)) as (base, _), \
            pytest.raises(ResumeFailed) as refused:
        get("httpx", base)
    assert refused.value.received == CUT


def test_a_chunked_body_resumed_by_the_same_200_whole_is_whole() -> None:
    whole = chunked("200 OK", RANGED, V1)
    with raw_server(chunked_first_then(lambda request: whole)) as (base, _):
        got = get("httpx-async", base)
    assert got.content == V1


def test_a_chunked_body_resumed_by_a_part_of_unknown_length_is_whole() -> None:
    # bytes 40000-99999/*: the complete length is unknown (§14.4), the part's own
    # bounds still hold.
    def rest(request: Request) -> Answer:
        return chunked("206 Partial Content",
                       {**RANGED, "Content-Range": f"bytes {CUT}-99999/*"}, V1[CUT:])

    with raw_server(chunked_first_then(rest)) as (base, _):
        got = get("httpx", base)
    assert got.content == V1


@pytest.mark.parametrize("adapter", ["httpx", "httpx2-async"])
def test_a_body_that_breaks_at_every_part_is_resumed_a_bounded_number_of_times(
        adapter: str) -> None:
    # Each answer sends 5,000 more bytes and drops the connection: the policy's
    # three attempts (one request, two resumptions) are all it gets.
    def handle(request: Request) -> Answer:
        if request.number == 1:
            return response("200 OK", RANGED, V1, send=5000)
        first = int(request.headers["range"][6:-1])
        answer = part(first)
        head = len(answer.data) - (len(V1) - first)
        return Answer(answer.data[:head + 5000], drop=True)

    with raw_server(handle) as (base, server), \
            pytest.raises(transport_error(adapter)) as broken:
        get(adapter, base)
    assert len(server.requests) == 3
    attempts = attempts_of(broken.value)
    assert [a.status for a in attempts] == [200, None, 206, None, 206, None]
    assert attempts[-1].decision == "3 attempts made"


def test_a_body_that_breaks_before_any_byte_every_time_is_bounded_too() -> None:
    def handle(request: Request) -> Answer:
        if request.number == 1:
            return response("200 OK", RANGED, V1, send=CUT)
        return Answer(part(CUT).data[:200], drop=True)  # the head, cut

    with raw_server(handle) as (base, server), pytest.raises(httpx.TransportError):
        get("httpx", base)
    assert len(server.requests) == 3


@pytest.mark.parametrize("adapter", HTTPX_ADAPTERS)
def test_a_hook_that_raises_at_the_break_leaks_no_connection(adapter: str) -> None:
    # The break is an attempt the hook hears; when the hook raises there, the
    # caller gets its error and the pool's one connection is free for the next GET.
    def metrics(attempt: Any) -> None:
        if attempt.status is None:
            raise RuntimeError("the metrics backend is down")

    def handle(request: Request) -> Answer:
        if request.target == "/file":
            return response("200 OK", RANGED, V1, send=CUT)
        return response("200 OK", {}, b"fine")

    one = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    with raw_server(handle) as (base, server):
        client = runner(adapter, base, limits=one, on_attempt=metrics)
        try:
            with pytest.raises(RuntimeError, match="metrics backend"):
                client.send("GET", "/file")
            fine = client.send("GET", "/fine")
        finally:
            client.close()
    assert fine.content == b"fine"
    assert [r.target for r in server.requests] == ["/file", "/fine"]  # no resumption


@pytest.mark.parametrize("adapter", ["httpx", "httpx2-async"])
def test_a_resume_failed_pickles_into_another_process_as_the_librarys_error(
        adapter: str, tmp_path: Any) -> None:
    # multiprocessing, Celery and ProcessPoolExecutor unpickle in an interpreter
    # that never made the flavoured class: it is made again there, from the pair.
    import pickle
    import subprocess
    import sys

    changed = response("200 OK", {**RANGED, "ETag": '"v2"'}, V2)
    with raw_server(first_cut_then(lambda request: changed)) as (base, _), \
            pytest.raises(ResumeFailed) as refused:
        get(adapter, base)
    library = "httpx2" if adapter.startswith("httpx2") else "httpx"
    (tmp_path / "error.pickle").write_bytes(pickle.dumps(refused.value))
    reader = (
        "import pickle, sys\n"
        f"import {library} as library\n"
        "from statuskit.client import ResumeFailed, attempts_of\n"
        "error = pickle.loads(open(sys.argv[1], 'rb').read())\n"
        "assert isinstance(error, ResumeFailed) and isinstance(error, library.TransportError)\n"
        "print(error.received, [a.status for a in attempts_of(error)], error.url, "
        "any('statuskit attempts' in n for n in error.__notes__))\n")
    done = subprocess.run([sys.executable, "-c", reader, str(tmp_path / "error.pickle")],
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == [str(CUT), "[200,", "None,", "200]", f"{base}/file", "True"]


def test_a_marked_break_pickles_with_its_history() -> None:
    import pickle

    fields = {"ETag": '"v1"'}  # no Accept-Ranges: not resumed, the break is raised
    with raw_server(lambda request: response("200 OK", fields, V1, send=CUT)) as (base, _), \
            pytest.raises(httpx.RemoteProtocolError) as broken:
        get("httpx", base)
    back = pickle.loads(pickle.dumps(broken.value))
    assert type(back) is httpx.RemoteProtocolError
    assert attempts_of(back) == attempts_of(broken.value) != []


@pytest.mark.parametrize("adapter", ["httpx", "httpx2-async"])
def test_a_gzip_body_resumes_by_its_encoded_bytes_and_decodes_whole(adapter: str) -> None:
    # RFC 9110 §14.1.2: ranges count the bytes of the representation as sent, its
    # content coding applied. The break is counted in gzip bytes, not the decoded
    # ones, or the rest asked for starts at the wrong byte and the decoder fails.
    import gzip

    encoded = gzip.compress(V1 + V1[:30_000])  # random: gzip barely shrinks it
    fields = {**RANGED, "Content-Encoding": "gzip"}

    def handle(request: Request) -> Answer:
        if request.number == 1:
            return response("200 OK", fields, encoded, send=CUT)
        first = int(request.headers["range"][6:-1])
        return response("206 Partial Content", {
            **fields, "Content-Range": f"bytes {first}-{len(encoded) - 1}/{len(encoded)}"},
            encoded[first:])

    with raw_server(handle) as (base, server):
        got = get(adapter, base)
    assert got.content == V1 + V1[:30_000]
    assert [r.headers.get("range") for r in server.requests] == [None, f"bytes={CUT}-"]
