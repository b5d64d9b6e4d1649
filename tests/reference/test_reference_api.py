"""The reference API end to end over loopback: every row of its table, every
response linted by httplint (see conftest)."""

from __future__ import annotations

import time
from typing import Any

import httpx

from support.rawhttp import RawConnection, get

PROBLEM = "application/problem+json"
NOTE = {"title": "hello", "body": "world"}


def _new_note(client: httpx.Client, **extra: Any) -> httpx.Response:
    reply = client.post("/notes", json={**NOTE, **extra})
    assert reply.status_code == 201
    return reply


def test_index_has_an_example_for_every_seed_code(client: httpx.Client) -> None:
    from statuskit.codes import seed_codes

    index = client.get("/").json()
    seed = {c.code for c in seed_codes()}
    # The seed lacks 307 and 308; the moved paths show them too.
    assert {e["code"] for e in index["examples"]} == seed | {307, 308}
    assert set(index["statuskit_plan"]["probes"]) == {str(c) for c in seed | {307, 308}}


def test_post_note_is_201_with_location_and_etag(client: httpx.Client) -> None:
    reply = _new_note(client)
    assert reply.headers["location"].startswith("/notes/")
    assert reply.headers["etag"].startswith('"')
    assert client.get(reply.headers["location"]).json()["title"] == "hello"


def test_taken_id_is_409(client: httpx.Client) -> None:
    _new_note(client, id="taken-id")
    reply = client.post("/notes", json={**NOTE, "id": "taken-id"})
    assert reply.status_code == 409
    assert reply.headers["content-type"] == PROBLEM


def test_malformed_json_is_400(client: httpx.Client) -> None:
    reply = client.post("/notes", content=b"{oops", headers={"content-type": "application/json"})
    assert reply.status_code == 400
    assert reply.headers["content-type"] == PROBLEM


def test_wrong_fields_are_422_with_each_field(client: httpx.Client) -> None:
    reply = client.post("/notes", json={"title": "", "body": 3, "colour": "red"})
    assert reply.status_code == 422
    fields = {e["field"] for e in reply.json()["errors"]}
    assert fields == {"title", "body", "colour"}


def test_non_json_content_is_415(client: httpx.Client) -> None:
    reply = client.post("/notes", content=b"hi", headers={"content-type": "text/plain"})
    assert reply.status_code == 415
    assert reply.headers["accept-post"] == "application/json"


def test_note_past_64_kib_is_413(client: httpx.Client) -> None:
    reply = client.post("/notes", json={"title": "big", "body": "x" * 70_000})
    assert reply.status_code == 413
    assert reply.headers["content-type"] == PROBLEM


def test_post_without_length_or_chunks_is_411(server: int) -> None:
    with RawConnection(server) as conn:
        conn.send(b"POST /notes HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\r\n")
        reply = conn.read_response()
    assert reply.status == 411
    assert reply.header("content-type") == PROBLEM


def test_expect_100_continue_gets_100_then_201(server: int) -> None:
    body = b'{"title": "continued"}'
    with RawConnection(server) as conn:
        conn.send(b"POST /notes HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                  b"Expect: 100-continue\r\nContent-Length: %d\r\n\r\n" % len(body))
        assert conn.pending(1.0).startswith(b"HTTP/1.1 100 ")
        conn.send(body)
        final = conn.read_response()
    assert final.status == 201
    assert final.header("location") is not None


def test_delete_on_collection_is_405_with_allow(client: httpx.Client) -> None:
    reply = client.delete("/notes")
    assert reply.status_code == 405
    assert reply.headers["allow"] == "GET, HEAD, POST, OPTIONS"


def test_options_is_204_with_allow(client: httpx.Client) -> None:
    reply = client.options("/notes")
    assert reply.status_code == 204
    assert reply.headers["allow"] == "GET, HEAD, POST, OPTIONS"
    assert reply.content == b""


def test_note_negotiates_json_text_and_markdown(client: httpx.Client) -> None:
    location = _new_note(client).headers["location"]
    assert client.get(location).headers["content-type"] == "application/json"
    md = client.get(location, headers={"accept": "text/markdown"})
    assert md.headers["content-type"] == "text/markdown; charset=utf-8"
    assert md.text.startswith("# hello")
    assert client.get(location, headers={"accept": "text/plain"}).text.startswith("hello")
    refused = client.get(location, headers={"accept": "image/png"})
    assert refused.status_code == 406
    assert refused.headers["vary"] == "Accept"


def test_head_matches_get_without_body(client: httpx.Client) -> None:
    location = _new_note(client).headers["location"]
    get_reply, head_reply = client.get(location), client.head(location)
    assert head_reply.status_code == 200
    assert head_reply.headers["content-length"] == str(len(get_reply.content))
    assert head_reply.headers["etag"] == get_reply.headers["etag"]
    assert head_reply.content == b""


def test_ranges_on_a_note(client: httpx.Client) -> None:
    location = _new_note(client).headers["location"]
    whole = client.get(location).content
    one = client.get(location, headers={"range": "bytes=0-3"})
    assert one.status_code == 206
    assert one.headers["content-range"] == f"bytes 0-3/{len(whole)}"
    assert one.content == whole[:4]
    many = client.get(location, headers={"range": "bytes=0-1, 5-6"})
    assert many.status_code == 206
    assert many.headers["content-type"].startswith("multipart/byteranges; boundary=")
    past = client.get(location, headers={"range": "bytes=99999-"})
    assert past.status_code == 416
    assert past.headers["content-range"] == f"bytes */{len(whole)}"


def test_if_none_match_is_304_with_validators(client: httpx.Client) -> None:
    created = _new_note(client)
    reply = client.get(created.headers["location"],
                       headers={"if-none-match": created.headers["etag"]})
    assert reply.status_code == 304
    assert reply.headers["etag"] == created.headers["etag"]
    assert reply.headers["cache-control"] == "no-cache"
    assert reply.content == b""


def test_put_with_stale_if_match_is_412_and_current_one_is_200(client: httpx.Client) -> None:
    created = _new_note(client)
    location, etag = created.headers["location"], created.headers["etag"]
    stale = client.put(location, json={"title": "x"}, headers={"if-match": '"stale"'})
    assert stale.status_code == 412
    assert stale.headers["content-type"] == PROBLEM
    fresh = client.put(location, json={"title": "x"}, headers={"if-match": etag})
    assert fresh.status_code == 200
    assert fresh.headers["etag"] != etag


def test_put_of_a_new_id_is_201(client: httpx.Client) -> None:
    reply = client.put("/notes/brand-new", json={"title": "new"})
    assert reply.status_code == 201
    assert reply.headers["location"] == "/notes/brand-new"


def test_deleted_note_is_204_then_410(client: httpx.Client) -> None:
    location = _new_note(client).headers["location"]
    assert client.delete(location).status_code == 204
    gone = client.get(location)
    assert gone.status_code == 410
    assert gone.headers["content-type"] == PROBLEM


def test_unknown_note_is_404(client: httpx.Client) -> None:
    assert client.get("/notes/never").status_code == 404


def test_job_is_202_then_200_then_303(client: httpx.Client) -> None:
    accepted = client.post("/jobs", json={"task": "x"})
    assert accepted.status_code == 202
    monitor = accepted.headers["location"]
    assert client.get(monitor).status_code == 200
    time.sleep(0.4)
    done = client.get(monitor)
    assert done.status_code == 303
    assert done.headers["location"] == monitor + "/result"
    assert client.get(done.headers["location"]).json()["status"] == "done"


def test_job_without_body_is_accepted(client: httpx.Client) -> None:
    assert client.post("/jobs").status_code == 202


def test_feedback_form_is_205_without_body(client: httpx.Client) -> None:
    reply = client.post("/feedback", data={"rating": "5"})
    assert reply.status_code == 205
    assert reply.content == b""
    assert client.post("/feedback", json={"any": "thing"}).status_code == 205


def test_guide_is_300_unless_accept_chooses(client: httpx.Client) -> None:
    reply = client.get("/guide")
    assert reply.status_code == 300
    assert reply.headers["location"] == "/guide.html"
    assert "rel=\"alternate\"" in reply.headers["link"]
    assert client.get("/guide", headers={"accept": "text/markdown"}).status_code == 200


def test_moved_paths_each_for_their_reason(client: httpx.Client) -> None:
    assert client.get("/old-notes").status_code == 301
    assert client.post("/old-notes", json=NOTE).status_code == 308
    latest = client.get("/latest-note")
    assert latest.status_code == 302
    assert latest.headers["location"].startswith("/notes")
    drafts = client.post("/drafts", json=NOTE)
    assert drafts.status_code == 307
    assert drafts.headers["location"] == "/notes"


def test_private_notes_need_a_token(client: httpx.Client) -> None:
    missing = client.get("/private/notes")
    assert missing.status_code == 401
    assert missing.headers["www-authenticate"].startswith("Bearer")
    bad = client.get("/private/notes", headers={"authorization": "Bearer nope"})
    assert bad.status_code == 401
    assert client.get("/private/notes",
                      headers={"authorization": "Bearer demo-ro"}).status_code == 200
    writing = client.post("/private/notes", json=NOTE,
                          headers={"authorization": "Bearer demo-ro"})
    assert writing.status_code == 403
    assert client.post("/private/notes", json=NOTE,
                       headers={"authorization": "Bearer demo-rw"}).status_code == 201


PROXY = {"proxy-authorization": "Bearer demo-proxy"}


def test_gateway_transforms_to_203(client: httpx.Client) -> None:
    reply = client.get("/gateway/hello", headers=PROXY)
    assert reply.status_code == 203
    assert reply.json()["via"] == "statuskit-gateway"


def test_gateway_without_proxy_credentials_is_407(client: httpx.Client) -> None:
    reply = client.get("/gateway/hello")
    assert reply.status_code == 407
    assert reply.headers["proxy-authenticate"].startswith("Bearer")


def test_gateway_with_malformed_upstream_is_502(client: httpx.Client) -> None:
    assert client.get("/gateway/broken", headers=PROXY).status_code == 502


def test_gateway_with_slow_upstream_is_504(client: httpx.Client) -> None:
    reply = client.get("/gateway/slow?seconds=2", headers=PROXY)
    assert reply.status_code == 504
    assert reply.headers["content-type"] == PROBLEM


def test_gateway_with_dead_upstream_is_502() -> None:
    from statuskit.reference import create_app
    from statuskit.server import httptools_protocol
    from support.servers import free_port, serve

    dead = f"http://127.0.0.1:{free_port()}"
    with serve(create_app(upstream=dead), http=httptools_protocol()) as port:
        reply = httpx.get(f"http://127.0.0.1:{port}/gateway/hello", headers=PROXY)
    assert reply.status_code == 502
    assert reply.headers["content-type"] == PROBLEM


def test_slow_with_shorter_client_timeout_is_504(client: httpx.Client) -> None:
    started = time.monotonic()
    reply = client.get("/slow?seconds=3&timeout=0.2")
    assert reply.status_code == 504
    assert time.monotonic() - started < 2
    assert client.get("/slow?seconds=0.05").status_code == 200


def test_fail_is_500_without_internals(client: httpx.Client) -> None:
    reply = client.get("/fail")
    assert reply.status_code == 500
    text = reply.text
    assert "Traceback" not in text and "RuntimeError" not in text and "deliberate" not in text
    assert "error_id" in reply.json()


def test_status_endpoint_carries_required_headers(client: httpx.Client) -> None:
    assert client.get("/status/301").headers["location"] == "/"
    assert client.get("/status/307?location=/notes").headers["location"] == "/notes"
    assert client.get("/status/405").headers["allow"] == "GET, HEAD, OPTIONS"
    assert client.get("/status/401").headers["www-authenticate"].startswith("Bearer")
    assert client.get("/status/429?retry_after=7").headers["retry-after"] == "7"
    assert client.get("/status/416").headers["content-range"] == "bytes */0"
    partial = client.get("/status/206", headers={"range": "bytes=10-19"})
    assert partial.status_code == 206
    assert partial.headers["content-range"] == "bytes 10-19/100"
    assert partial.content == b"0123456789"
    assert client.get("/status/206").status_code == 400  # unasked, a 206 is not valid
    for code in (204, 205, 304):
        assert client.get(f"/status/{code}").content == b""


def test_status_endpoint_for_1xx_points_at_the_mechanism(client: httpx.Client) -> None:
    reply = client.get("/status/100")
    assert reply.status_code == 400
    assert "Expect" in reply.json()["detail"]


def test_every_registered_status_code_answer_is_valid_http(client: httpx.Client) -> None:
    from statuskit.codes import all_codes

    # httplint judges these against the request, rightly: 305/306 must never be
    # generated for real (RFC 9110 §15.4.6-7), and a 414 to a short target or a 505 to
    # HTTP/1.1 would be false. /status answers them only so clients can be tested.
    unlinted = {305, 306, 414, 505}
    for record in all_codes():
        if 200 <= record.code <= 599 and record.code not in unlinted:
            reply = client.get(f"/status/{record.code}", headers={"range": "bytes=0-9"})
            assert reply.status_code == record.code  # the linter hook checks each one


def test_unregistered_codes_are_answered_too(server: int) -> None:
    # httplint calls any unregistered code an error, so these go unlinted.
    for code in (209, 299, 305, 306, 414, 450, 505, 599):
        reply = httpx.get(f"http://127.0.0.1:{server}/status/{code}")
        assert reply.status_code == code


def test_http_3_request_line_is_505(server: int) -> None:
    reply = get(server, "/", version="HTTP/3.0")
    assert reply.status == 505
    assert reply.header("connection") == "close"


def test_websocket_echo(server: int) -> None:
    import asyncio

    import websockets

    async def talk() -> str:
        async with websockets.connect(f"ws://127.0.0.1:{server}/ws/echo") as ws:
            await ws.send("ping")
            return str(await ws.recv())

    assert asyncio.run(talk()) == "ping"
