"""Bad input gets a clear 4xx with a problem body, and loses no data (items 9-14)."""

from __future__ import annotations

import re
from urllib.parse import quote, unquote, urljoin, urlsplit

import httpx
import pytest

from statuskit.resource import MAX_JSON_DEPTH
from support.rawhttp import RawConnection

PROBLEM = "application/problem+json"
JSON = {"content-type": "application/json"}
HUGE = "1" * 4301  # one digit past CPython's int() conversion limit


def _assert_problem(reply: httpx.Response, status: int) -> dict[str, object]:
    assert reply.status_code == status, reply.text
    assert reply.headers["content-type"] == PROBLEM
    document = reply.json()
    assert document["status"] == status
    return dict(document)


# -- item 9: text SQLite cannot store ----------------------------------------------------

@pytest.mark.parametrize("document", [
    b'{"title": "\\ud800"}',
    b'{"title": "ok", "body": "tail \\udfff"}',
    b'{"title": "ok", "id": "x\\ud83d"}',
    b'{"title": "ok", "\\ud800": 1}',  # a member name: it would be echoed in the 422
])
def test_lone_surrogate_in_a_note_is_400_and_the_store_keeps_working(
        client: httpx.Client, document: bytes) -> None:
    _assert_problem(client.post("/notes", content=document, headers=JSON), 400)
    _assert_problem(client.put("/notes/surrogate-put", content=document, headers=JSON), 400)
    assert client.get("/notes/surrogate-put").status_code == 404
    # Every kind of write still commits and reads back.
    created = client.post("/notes", json={"title": "after"})
    assert created.status_code == 201
    location = created.headers["location"]
    assert client.put(location, json={"title": "changed"}).status_code == 200
    assert client.get(location).json()["title"] == "changed"
    assert client.delete(location).status_code == 204
    assert client.get(location).status_code == 410


def test_lone_surrogate_in_a_job_payload_is_400(client: httpx.Client) -> None:
    _assert_problem(client.post("/jobs", content=b'{"task": "\\ud800"}', headers=JSON), 400)


def test_paired_surrogates_are_ordinary_text(client: httpx.Client) -> None:
    # "\ud83d\ude00" is one character, U+1F600 (RFC 8259 §7): stored and read back.
    reply = client.post("/notes", content=b'{"title": "\\ud83d\\ude00"}', headers=JSON)
    assert reply.status_code == 201
    assert client.get(reply.headers["location"]).json()["title"] == "\U0001F600"


# -- item 10: nesting --------------------------------------------------------------------

# Every route that parses JSON (the moved paths redirect without reading content).
@pytest.mark.parametrize(("method", "path"), [
    ("POST", "/notes"), ("PUT", "/notes/deep"), ("POST", "/jobs"), ("POST", "/feedback"),
    ("POST", "/private/notes"), ("PUT", "/private/notes/deep")])
def test_json_nested_1500_deep_is_400_on_every_json_route(client: httpx.Client, method: str,
                                                          path: str) -> None:
    deep = b"[" * 1500 + b"]" * 1500
    headers = {**JSON, "authorization": "Bearer demo-rw"}
    _assert_problem(client.request(method, path, content=deep, headers=headers), 400)


def test_json_just_inside_the_nesting_limit_is_parsed(client: httpx.Client) -> None:
    inside = {"task": _nested(MAX_JSON_DEPTH - 1)}  # the object itself is one level
    assert client.post("/jobs", json=inside).status_code == 202
    _assert_problem(client.post("/jobs", json={"task": _nested(MAX_JSON_DEPTH)}), 400)


def _nested(levels: int) -> object:
    value: object = 0
    for _ in range(levels):
        value = [value]
    return value


def test_nesting_limit_in_put_is_400_and_nothing_is_written(client: httpx.Client) -> None:
    deep = b'{"title": "t", "body": ' + b"[" * 1500 + b"]" * 1500 + b"}"
    _assert_problem(client.put("/notes/too-deep", content=deep, headers=JSON), 400)
    assert client.get("/notes/too-deep").status_code == 404


@pytest.mark.parametrize("number", [b"NaN", b"Infinity", b"-Infinity", HUGE.encode()])
def test_numbers_json_does_not_have_are_400(client: httpx.Client, number: bytes) -> None:
    # RFC 8259 §6: no NaN or Infinity; a 4,301-digit integer hits int()'s limit.
    _assert_problem(client.post("/jobs", content=b'{"seconds": ' + number + b"}",
                                headers=JSON), 400)


# -- item 11: a Range with 4,301 digits --------------------------------------------------

@pytest.mark.parametrize("value", [f"bytes={HUGE}-", f"bytes=0-{HUGE}", f"bytes=-{HUGE}",
                                   f"bytes={HUGE}-{HUGE}"])
def test_4301_digit_range_on_a_note_is_ignored_or_416(client: httpx.Client, value: str) -> None:
    location = client.post("/notes", json={"title": "ranged"}).headers["location"]
    whole = client.get(location).content
    reply = client.get(location, headers={"range": value})
    # RFC 9110 §14.2: a server MAY ignore Range (200, the whole); or the range is
    # read and judged (§14.1.1: 206 when it overlaps, §15.5.17: 416 when not).
    assert reply.status_code in (200, 206, 416)
    if reply.status_code == 200:
        assert reply.content == whole
        assert "content-range" not in reply.headers
    elif reply.status_code == 416:
        assert reply.headers["content-range"] == f"bytes */{len(whole)}"
    else:
        assert reply.headers["content-range"] == f"bytes 0-{len(whole) - 1}/{len(whole)}"


def test_4301_digit_range_on_status_206_is_a_4xx_problem(client: httpx.Client) -> None:
    # The endpoint answers 206 only to one satisfiable range: an ignored field
    # leaves it unasked (400); read as a first-pos past the end it is 416.
    reply = client.get("/status/206", headers={"range": f"bytes={HUGE}-"})
    assert reply.status_code in (400, 416)
    assert reply.headers["content-type"] == PROBLEM
    if reply.status_code == 416:
        assert reply.headers["content-range"] == "bytes */100"


def test_unsatisfiable_range_on_status_206_is_416(client: httpx.Client) -> None:
    reply = client.get("/status/206", headers={"range": "bytes=500-"})
    _assert_problem(reply, 416)
    assert reply.headers["content-range"] == "bytes */100"  # RFC 9110 §15.5.17


# -- item 12: the id alphabet ------------------------------------------------------------

CONTROLS = ["a\rb", "a\nb", "a\0b", "a\tb", "\x1b[31m", "a\x7fb", "a\x85b", "a b",
            "a\u2028b", "a\u202eb", "a\ue000b", ".", "..", "", "x" * 65, "a/b"]


@pytest.mark.parametrize("bad", CONTROLS)
def test_post_with_an_id_outside_the_alphabet_is_422(client: httpx.Client, bad: str) -> None:
    document = _assert_problem(client.post("/notes", json={"title": "t", "id": bad}), 422)
    assert [e["field"] for e in document["errors"]] == ["id"]  # type: ignore[attr-defined]
    assert bad not in [n["id"] for n in client.get("/notes").json()["notes"]]


@pytest.mark.parametrize("bad", ["a\rb", "a\nb", "a\0b", "a\tb", "a\x7fb", "a\u202eb"])
def test_put_creating_an_id_outside_the_alphabet_is_422_with_a_response(
        server: int, bad: str) -> None:
    # Over a raw socket: the defect was a connection closed with no answer at all.
    body = b'{"title": "t"}'
    target = "/notes/" + quote(bad, safe="")
    with RawConnection(server) as conn:
        conn.send(f"PUT {target} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                  f"Content-Length: {len(body)}\r\n\r\n".encode() + body)
        reply = conn.read_response()
    assert reply.status == 422
    assert reply.header("content-type") == PROBLEM
    assert reply.header("location") is None
    with httpx.Client(base_url=f"http://127.0.0.1:{server}") as client:
        assert client.get(target).status_code == 404


# -- item 13: Location names exactly the id ------------------------------------------------

# RFC 3986 appendix A: path-absolute, every octet a pchar or pct-encoded.
_PATH_ABSOLUTE = re.compile(r"(/(?:[A-Za-z0-9\-._~!$&'()*+,;=:@]|%[0-9A-F]{2})+)+")


@pytest.mark.parametrize("note_id", ["%6e1", "n1?x", "a#b", "café", "ノート", "a%2Fb",
                                     "a\\b", "~tilde", "50%", "...", "[x]"])
def test_location_is_percent_encoded_and_leads_to_the_same_note(
        client: httpx.Client, note_id: str) -> None:
    client.put("/notes/n1", json={"title": "the decoy n1"})
    created = client.post("/notes", json={"title": f"id {note_id}", "id": note_id})
    assert created.status_code == 201
    location = created.headers["location"]
    assert _PATH_ABSOLUTE.fullmatch(location), location
    assert unquote(urlsplit(urljoin("http://h/", location)).path) == f"/notes/{note_id}"
    found = client.get(location)
    assert found.status_code == 200
    assert found.json()["id"] == note_id
    assert found.json()["title"] == f"id {note_id}"


def test_put_location_is_percent_encoded(client: httpx.Client) -> None:
    reply = client.put("/notes/" + quote("put-é?#", safe=""), json={"title": "t"})
    assert reply.status_code == 201  # RFC 9110 §9.3.4: it created the note
    assert reply.headers["location"] == "/notes/put-%C3%A9%3F%23"


# -- item 14: /status/3xx?location= ------------------------------------------------------

# What browsers do to a Location before resolving it (WHATWG URL §4.4, basic URL
# parser): strip leading/trailing C0 controls and spaces, remove every tab and
# newline, and read "\" as "/" in http(s) URLs.
def _as_a_browser_reads_it(location: str) -> str:
    cleaned = location.strip("".join(map(chr, range(0x21))))
    cleaned = re.sub(r"[\t\n\r]", "", cleaned).replace("\\", "/")
    return urljoin("http://statuskit.test/", cleaned)


TRICKS = ["/%00", "/%01", "/%7f", "/%09/evil.example", "/%5Cevil.example", "/%0D%0Aset:x",
          "//evil.example", "///evil.example", "%20//evil.example",
          "https://evil.example/", "/\u00e9", "/%C2%A0", "/a b", "/%0A/evil.example",
          "/%5C%5Cevil.example", "/" + "a" * 3000]


@pytest.mark.parametrize("trick", TRICKS)
def test_status_redirect_with_a_tricky_location_is_400_not_a_crash(
        client: httpx.Client, trick: str) -> None:
    reply = client.get(f"/status/302?location={trick}")
    _assert_problem(reply, 400)
    assert "location" not in reply.headers


@pytest.mark.parametrize("fine", ["/", "/notes", "/notes/a%20b?x=1&y=%2F#top", "/a:b@c/(d)"])
def test_status_redirect_keeps_a_same_origin_location(client: httpx.Client, fine: str) -> None:
    reply = client.get("/status/307", params={"location": fine})
    assert reply.status_code == 307
    location = reply.headers["location"]
    assert location == fine
    assert urlsplit(_as_a_browser_reads_it(location)).netloc == "statuskit.test"


# -- found while attacking the rest of the reference -------------------------------------

def test_gateway_path_with_a_nul_is_forwarded_encoded_not_a_500(client: httpx.Client) -> None:
    reply = client.get("/gateway/%00", headers={"proxy-authorization": "Bearer demo-proxy"})
    assert reply.status_code == 203  # the upstream's 404 document, reshaped
    assert reply.json()["upstream_status"] == 404


@pytest.mark.parametrize("path", ["/status/\u0662\u0660\u0660", "/status/503?retry_after=\u0661"])
def test_status_takes_ascii_digits_only(client: httpx.Client, path: str) -> None:
    # Arabic-Indic digits pass str.isdigit; HTTP's DIGIT is %x30-39 (RFC 5234 B.1).
    reply = client.get(path)
    assert reply.status_code in (400, 404)
    assert reply.headers["content-type"] == PROBLEM
    assert "retry-after" not in reply.headers
