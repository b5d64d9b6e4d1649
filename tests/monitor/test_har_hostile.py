"""``statuskit check --har`` on recordings nobody should trust: a file that is no HAR
is one line on stderr and exit 2; an entry that cannot be what a wire carried is
skipped with a note; the rest is judged, never a traceback, never a false finding;
and a big file is read as a stream, its memory measured."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from statuskit.cli import main
from statuskit.defaults import MONITOR_MAX_BODY
from statuskit.monitor.har import HarError, read_har
from support.cli_memory import run_statuskit


def _entry(status: Any = 200, headers: Any = None, *, method: str = "GET",
           url: str = "http://127.0.0.1:8000/items/1", text: str = "ok",
           version: str = "HTTP/1.1", start: str = "2026-01-01T00:00:00.000Z",
           request_headers: Any = None, **response: Any) -> dict[str, Any]:
    fields = headers if headers is not None else [
        {"name": "Content-Type", "value": "text/plain"},
        {"name": "Content-Length", "value": str(len(text.encode()))}]
    return {
        "startedDateTime": start, "time": 1,
        "request": {"method": method, "url": url, "httpVersion": version,
                    "headers": request_headers if request_headers is not None else [],
                    "queryString": [], "cookies": [], "headersSize": -1, "bodySize": 0},
        "response": {"status": status, "statusText": "OK", "httpVersion": version,
                     "headers": fields, "cookies": [], "redirectURL": "", "headersSize": -1,
                     "bodySize": len(text), "content": {"size": len(text.encode()),
                                                        "mimeType": "text/plain",
                                                        "text": text}, **response},
        "cache": {}, "timings": {"send": 0, "wait": 1, "receive": 0}}


def _har(*entries: Any) -> dict[str, Any]:
    return {"log": {"version": "1.2", "creator": {"name": "hand", "version": "1"},
                    "entries": list(entries)}}


def _run(tmp_path: Path, capsys: Any, text: str | bytes) -> tuple[int, dict[str, Any] | None,
                                                                  str, str]:
    """``statuskit check --har``: (exit code, JSON report or None, stdout, stderr)."""
    har, report = tmp_path / "hostile.har", tmp_path / "report.json"
    if isinstance(text, str):
        har.write_text(text, encoding="utf-8", errors="surrogatepass")
    else:
        har.write_bytes(text)
    code = main(["check", "--har", str(har), "--json", str(report)])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, json.loads(report.read_text()) if report.exists() else None, out, err


def _findings(report: dict[str, Any] | None) -> set[str]:
    assert report is not None
    return {f["cause"] for f in report["findings"]}


def _unusable(tmp_path: Path, capsys: Any, text: str | bytes) -> str:
    code, report, out, err = _run(tmp_path, capsys, text)
    assert (code, report, out) == (2, None, "")
    assert err.count("\n") == 1 and err.startswith("statuskit: ")
    return err


# -- a file that is no HAR: one line, exit 2 --------------------------------------------


@pytest.mark.parametrize(("text", "says"), [
    ("", "not JSON (line 1 column 1: Expecting value)"),
    ("<html>", "not JSON (line 1 column 1: Expecting value)"),
    ('{"log": {"entries": [}', "not JSON (line 1 column 22: Expecting value)"),
    ('{"log": {"entries": []}} trailing', "not JSON (line 1 column 26: Extra data)"),
    ("[1, 2]", "not a HAR file (no log.entries list)"),
    ('"a string"', "not a HAR file (no log.entries list)"),
    ('{"log": []}', "not a HAR file (no log.entries list)"),
    ('{"log": {"pages": []}}', "not a HAR file (no log.entries list)"),
    ('{"log": {"entries": 5}}', "not a HAR file (no log.entries list)"),
])
def test_json_that_is_no_har_is_one_line_and_exit_2(tmp_path: Path, capsys: Any, text: str,
                                                    says: str) -> None:
    assert says in _unusable(tmp_path, capsys, text)


@pytest.mark.parametrize("where", ["entries", "top", "pages"])
def test_1500_deep_json_is_one_line_and_exit_2(tmp_path: Path, capsys: Any,
                                               where: str) -> None:
    deep = "[" * 1500 + "]" * 1500
    text = {"entries": '{"log": {"entries": [' + deep + "]}}", "top": deep,
            "pages": '{"log": {"pages": ' + deep + ', "entries": []}}'}[where]
    assert "JSON past what can be read (nesting too deep)" in _unusable(tmp_path, capsys, text)


def test_an_error_far_into_a_big_file_is_placed_as_json_loads_places_it(
        tmp_path: Path, capsys: Any) -> None:
    # The file is read a window at a time; the line and column are still the file's.
    entry = json.dumps(_entry(text="x" * 3000), indent=1)
    text = '{"log": {"entries": [' + ",\n".join([entry] * 800) + ',\n {"a": 1 "b": 2}]}}'
    with pytest.raises(json.JSONDecodeError) as oracle:
        json.loads(text)
    err = _unusable(tmp_path, capsys, text)
    assert f"(line {oracle.value.lineno} column {oracle.value.colno}: " \
           f"{oracle.value.msg})" in err


def test_a_device_with_no_size_is_read_no_further_than_its_first_bytes(capsys: Any) -> None:
    # /dev/zero has no size to refuse up front: NUL is no JSON, found in the first window
    # (before: 256 MiB read into memory first).
    assert main(["check", "--har", "/dev/zero"]) == 2
    assert capsys.readouterr().err == ("statuskit: /dev/zero: not JSON (line 1 column 1: "
                                       "Expecting value)\n")


def test_text_that_is_not_utf8_is_placed_at_its_byte(tmp_path: Path, capsys: Any) -> None:
    text = b'{"log": {"entries": [' + b'{"a": "' + b"x" * (3 << 20) + b'\xff"}]}}'
    at = text.index(b"\xff")
    assert f"not UTF-8 at byte {at}: a HAR is JSON text" in _unusable(tmp_path, capsys, text)


# -- entries no wire carried: skipped with a note, the rest judged ------------------------


def _one_skipped(tmp_path: Path, capsys: Any, bad: Any, note: str) -> None:
    """``bad`` between two good entries: it is skipped, with ``note``; they are judged."""
    good = _entry()
    code, report, out, err = _run(tmp_path, capsys, json.dumps(_har(good, bad, good)))
    assert (code, err) == (0, "")
    assert report is not None and report["target"].endswith("(2 of 3 entries judged)")
    assert _findings(report) == set()
    assert "1 of 3 entries not judged:" in out and f"entry 2: {note}" in " ".join(out.split())


@pytest.mark.parametrize(("name", "value"), [
    ("X-Token", "\ud800"), ("X-\udcff", "v"),  # lone surrogates (as JSON escapes)
    ("X-Token", "a\r"), ("X-Token", "a\x00b"), ("X\x00Token", "v"), ("X\nToken", "v"),
    ("X\rToken", "v"), ("X-Token", "\u20ac\r"),
])
def test_a_field_no_wire_carries_skips_its_entry(tmp_path: Path, capsys: Any, name: str,
                                                 value: str) -> None:
    bad = _entry(headers=[{"name": "Allow", "value": "GET"}, {"name": name, "value": value}],
                 status=405)
    _one_skipped(tmp_path, capsys, bad, "response header")


@pytest.mark.parametrize(("headers", "note"), [
    ([{"name": "Content-Length", "value": 2}], "response header 1 is not a name and a text"),
    ([{"name": "Allow"}], "response header 1 is not a name and a text value"),
    ([None], "response header 1 is not a name and a text value"),
    ({"Allow": "GET"}, "no response headers list"),
])
def test_headers_that_are_no_name_value_list_skip_the_entry(tmp_path: Path, capsys: Any,
                                                            headers: Any, note: str) -> None:
    # Left out, the field would be judged missing: a 405 "without Allow" it had.
    _one_skipped(tmp_path, capsys, _entry(405, headers), note)


def test_request_headers_that_are_no_list_skip_the_entry(tmp_path: Path, capsys: Any) -> None:
    # Without the request's fields a 304's If-None-Match is "missing": a false finding.
    bad = _entry(304, [{"name": "ETag", "value": '"v1"'}], text="", request_headers="none")
    _one_skipped(tmp_path, capsys, bad, "no request headers list")


@pytest.mark.parametrize(("status", "note"), [
    (0, "no response status (0: blocked, failed or cancelled)"),
    (-200, "response status -200 is no status code"),
    (99, "response status 99 is no status code"),
    (1000, "response status 1000 is no status code"),
    (10**3999, "response status 10000000000000000000... (4000 characters) is no status"),
    (200.0, "response status 200.0 is no status code"),
    ("200", "response status '200' is no status code"),
    (True, "response status True is no status code"),
    (None, "no response status"),
])
def test_a_status_that_is_no_status_code_skips_the_entry(tmp_path: Path, capsys: Any,
                                                         status: Any, note: str) -> None:
    _one_skipped(tmp_path, capsys, _entry(status), note)


def test_a_status_past_pythons_int_digits_skips_its_entry(tmp_path: Path,
                                                          capsys: Any) -> None:
    good = json.dumps(_entry())
    text = json.dumps(_har(_entry(), _entry(777), _entry())).replace('"status": 777',
                                                                    '"status": ' + "9" * 5000)
    code, report, out, err = _run(tmp_path, capsys, text)
    assert (code, err) == (0, "") and good
    assert report is not None and report["target"].endswith("(2 of 3 entries judged)")
    assert "entry 2: response status '9999999999999999999... (5002 characters) is no " \
           "status code" in " ".join(out.split())


@pytest.mark.parametrize("bad", [
    "not an entry", 5, None, [], {}, {"request": {}}, {"response": {"status": 200}},
    {"request": {"method": "GET", "url": "http://x/"}},
])
def test_an_entry_missing_what_judging_needs_is_skipped(tmp_path: Path, capsys: Any,
                                                        bad: Any) -> None:
    _one_skipped(tmp_path, capsys, bad, "no ")


@pytest.mark.parametrize("url", ["http://[::1/items", "http://x/\ud800", "ftp://x/",
                                 "/relative", "http://x/a\nb", 5])
def test_a_url_that_is_no_http_url_skips_the_entry(tmp_path: Path, capsys: Any,
                                                   url: Any) -> None:
    _one_skipped(tmp_path, capsys, _entry(url=url), "no http(s) URL")


# -- entries judged on what they hold exactly -----------------------------------------------


def _judged(tmp_path: Path, capsys: Any, *entries: Any) -> tuple[set[str], str]:
    code, report, out, err = _run(tmp_path, capsys, json.dumps(_har(*entries)))
    assert err == "" and report is not None
    assert report["target"].endswith(f"({len(entries)} of {len(entries)} entries judged)")
    found = _findings(report)
    assert code == (1 if found else 0)
    return found, out


def test_content_that_is_not_base64_is_judged_without_it(tmp_path: Path, capsys: Any) -> None:
    entry = _entry()
    entry["response"]["content"] = {"size": 2, "text": "!!not base64!!", "encoding": "base64"}
    found, out = _judged(tmp_path, capsys, entry)
    assert found == set()  # not "Content-Length disagrees" with the 0 bytes decoded
    assert "entry 1: its response content is not base64: judged without it" in out


@pytest.mark.parametrize("size", [-5, 10**3999, "big", None])
def test_sizes_that_are_no_byte_count_give_no_finding(tmp_path: Path, capsys: Any,
                                                      size: Any) -> None:
    entry = _entry(text="caf\u00e9", bodySize=size, headersSize=size)
    entry["response"]["content"]["size"] = size
    # Not ASCII: its UTF-8 length is not known to be the recorder's, so no comparison.
    found, _ = _judged(tmp_path, capsys, entry)
    assert found == set()


def test_a_content_length_of_4000_digits_is_a_finding_not_a_crash(tmp_path: Path,
                                                                  capsys: Any) -> None:
    entry = _entry(headers=[{"name": "Content-Length", "value": "9" * 4000}])
    found, _ = _judged(tmp_path, capsys, entry)
    assert found == {"Content-Length disagrees with the content"}  # RFC 9110 §8.6


def test_text_past_latin1_in_a_field_is_its_utf8_bytes(tmp_path: Path, capsys: Any) -> None:
    # RFC 9110 §5.5: obs-text in a field value is no error (before: UnicodeEncodeError).
    entry = _entry(headers=[{"name": "Content-Type", "value": "text/plain"},
                            {"name": "X-Price", "value": "5 \u20ac"}])
    found, _ = _judged(tmp_path, capsys, entry)
    assert found == set()


def test_duplicate_fields_are_judged_as_the_lines_they_were(tmp_path: Path,
                                                            capsys: Any) -> None:
    # RFC 9110 §8.6: Content-Length lines that agree are one length (httplint holds the
    # repetition against the sender); that disagree, none.
    agree = _entry(headers=[{"name": "Content-Length", "value": "2"},
                            {"name": "content-length", "value": "2"}])
    found, _ = _judged(tmp_path, capsys, agree)
    assert found == {"Only one Content-Length field is allowed in a message."}
    disagree = _entry(headers=[{"name": "Content-Length", "value": "2"},
                               {"name": "Content-Length", "value": "3"}])
    found, _ = _judged(tmp_path, capsys, disagree)
    assert found == {"Content-Length is not one number of bytes",
                     "Only one Content-Length field is allowed in a message."}


def test_lf_joined_repeated_fields_are_split_as_the_wire_had_them(tmp_path: Path,
                                                                  capsys: Any) -> None:
    # A recorder that keeps a field's lines as one value joins them with LF; as lines
    # they are two Allow fields, "GET" and "HEAD", and a 405 to DELETE is right.
    entry = _entry(405, [{"name": "Allow", "value": "GET\nHEAD"}], method="DELETE", text="")
    found, _ = _judged(tmp_path, capsys, entry)
    assert found == set()
    entry = _entry(405, [{"name": "Allow", "value": "GET\nDELETE"}], method="DELETE",
                   text="")
    found, _ = _judged(tmp_path, capsys, entry)
    assert found == {"405 whose Allow lists the method it refused"}


def test_http2_pseudo_fields_as_chromium_records_them_are_left_out(tmp_path: Path,
                                                                   capsys: Any) -> None:
    entry = _entry(version="h2", request_headers=[
        {"name": ":method", "value": "GET"}, {"name": ":authority", "value": "127.0.0.1"},
        {"name": ":scheme", "value": "http"}, {"name": ":path", "value": "/items/1"}])
    entry["response"]["headers"].insert(0, {"name": ":status", "value": "200"})
    found, _ = _judged(tmp_path, capsys, entry)
    assert found == set()


def test_a_location_no_url_parser_takes_is_the_location_finding(tmp_path: Path,
                                                                capsys: Any) -> None:
    # RFC 9110 §10.2.2: Location is a URI-reference; "http://[::1" is none (before: a
    # ValueError out of urllib, a traceback).
    entry = _entry(201, [{"name": "Location", "value": "http://[::1"}], text="")
    found, _ = _judged(tmp_path, capsys, entry)
    assert found == {"Location does not resolve to an http(s) URL",
                     "The Location header isn't a valid URI."}  # httplint, the same


# -- order and size -------------------------------------------------------------------------


def _304_after_200(etag_on_304: bool) -> list[dict[str, Any]]:
    ok = _entry(headers=[{"name": "ETag", "value": '"v1"'},
                         {"name": "Content-Length", "value": "2"}],
                start="2026-01-01T00:00:01.000Z")
    fields = [{"name": "ETag", "value": '"v1"'}] if etag_on_304 else []
    cached = _entry(304, fields, text="", start="2026-01-01T00:00:02.000Z",
                    request_headers=[{"name": "If-None-Match", "value": '"v1"'}])
    return [ok, cached]


@pytest.mark.parametrize("etag_on_304", [True, False])
def test_entries_out_of_order_are_judged_in_time_order(tmp_path: Path, capsys: Any,
                                                       etag_on_304: bool) -> None:
    # A 304 is compared with the 200 before it in time (HAR 1.2: the reader sorts).
    in_order, _ = _judged(tmp_path, capsys, *_304_after_200(etag_on_304))
    reversed_, _ = _judged(tmp_path, capsys, *reversed(_304_after_200(etag_on_304)))
    assert in_order == reversed_
    missing = {"304 without fields the 200 to the same request carried"}
    assert in_order == (set() if etag_on_304 else missing)


def test_an_entry_longer_than_the_read_window_is_read_whole(tmp_path: Path) -> None:
    big = "b" * (3 << 20)  # past the 1 MiB window, and past what an out-of-order file holds
    entries = [_entry(text=big, start="2026-01-01T00:00:02.000Z"),
               _entry(headers=[{"name": "Content-Length", "value": "3"}],
                      start="2026-01-01T00:00:01.000Z")]
    path = tmp_path / "big.har"
    path.write_text(json.dumps(_har(*entries)))
    run = read_har(str(path))
    assert [v.evidence[0].body_length for v in run.verdicts] == [2, len(big)]
    assert [p.cause for v in run.verdicts for p in v.problems] == [
        "Content-Length disagrees with the content"]
    assert len(big) > MONITOR_MAX_BODY


def test_read_har_raises_har_error_not_json_errors(tmp_path: Path) -> None:
    path = tmp_path / "cut.har"
    path.write_text(json.dumps(_har(_entry()))[:-7])
    with pytest.raises(HarError, match="not JSON"):
        read_har(str(path))


def test_a_big_har_is_judged_in_bounded_memory(tmp_path: Path) -> None:
    path, body = tmp_path / "big.har", "b" * 6000
    with open(path, "w") as har:
        har.write('{"log": {"version": "1.2", "creator": {"name": "t", "version": "1"}, '
                  '"entries": [')
        for i in range(8000):
            entry = _entry(text=body, url=f"http://127.0.0.1:8000/items/{i}",
                           start=f"2026-01-01T00:{i // 60000:02d}:{i // 1000 % 60:02d}."
                                 f"{i % 1000:03d}Z")
            har.write(("," if i else "") + json.dumps(entry))
        har.write("]}}")
    size_mib = path.stat().st_size >> 20
    code, rss_kib, _, err = run_statuskit(["check", "--har", str(path)], tmp_path)
    assert (code, err) == (0, "") and size_mib >= 48
    # Measured: 71 MB for this 50 MB file (before: 206 MB, the document and its copies).
    assert rss_kib < 120 * 1024, rss_kib
