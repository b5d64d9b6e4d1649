"""Monitor as middleware: it watches and changes nothing, raises nothing of its own,
holds bounded memory, passes other scopes through, and runs on asyncio and trio."""

from __future__ import annotations

import asyncio
import json
import logging
import random
import tracemalloc
from typing import Any

import httpx
import pytest
import trio
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.testclient import TestClient

from statuskit.monitor import OTHER_ROUTES, Monitor, Observer, route_of
from statuskit.types import Message, Receive, Scope, Send


def _scope(method: str = "GET", path: str = "/", headers: list[tuple[bytes, bytes]] | None = None,
           **more: Any) -> dict[str, Any]:
    return {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method,
            "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"",
            "root_path": "", "headers": headers or [(b"host", b"testserver")],
            "server": ("testserver", 80), **more}


async def _call(app: Any, scope: dict[str, Any], body: bytes = b"") -> list[Message]:
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    await app(scope, receive, send)
    return sent


def _raw_405(headers: Any = None) -> Any:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 405,
                    "headers": headers if headers is not None else [(b"content-length", b"0")]})
        await send({"type": "http.response.body", "body": b""})

    return app


def test_every_message_reaches_the_server_as_the_app_sent_it() -> None:
    start = {"type": "http.response.start", "status": 405, "headers": [(b"x-a", b"1")]}
    parts = [{"type": "http.response.body", "body": b"ab", "more_body": True},
             {"type": "http.response.body", "body": b"cd"}]

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        for message in (start, *parts):
            await send(message)

    sent = asyncio.run(_call(Monitor(app, logger=None), _scope()))
    assert [id(m) for m in sent] == [id(start), *(id(p) for p in parts)]
    assert start == {"type": "http.response.start", "status": 405, "headers": [(b"x-a", b"1")]}
    assert [p["body"] for p in parts] == [b"ab", b"cd"]


def test_what_the_app_raises_is_raised_unchanged() -> None:
    error = KeyError("the app's own")

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        raise error

    monitor = Monitor(app, logger=None)
    with pytest.raises(KeyError) as raised:
        asyncio.run(_call(monitor, _scope()))
    assert raised.value is error
    assert monitor.observer.exchanges == 0  # an answer never finished is not judged


def test_headers_given_as_an_iterator_are_not_read_and_go_on_untouched() -> None:
    headers = iter([(b"content-length", b"0")])
    monitor = Monitor(_raw_405(headers), logger=None)
    sent = asyncio.run(_call(monitor, _scope()))
    assert sent[0]["headers"] is headers
    assert list(headers) == [(b"content-length", b"0")]  # still all there for the server
    assert monitor.observer.exchanges == 0 and monitor.observer.sightings == []


def test_a_scope_it_cannot_read_is_counted_and_the_app_goes_on() -> None:
    # Header names that are not bytes: the server's or app's business, never a raise of ours.
    monitor = Monitor(_raw_405(), logger=None)
    sent = asyncio.run(_call(monitor, _scope(headers=[("host", "x")])))  # type: ignore[list-item]
    assert sent[0]["status"] == 405
    assert monitor.observer.errors == 1 and monitor.observer.sightings == []


@pytest.mark.parametrize("kind", ["websocket", "lifespan"])
def test_other_scopes_go_to_the_app_as_they_are(kind: str) -> None:
    got: list[Any] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        got.extend([scope, receive, send])

    async def receive() -> Message:
        return {"type": f"{kind}.connect"}

    async def send(message: Message) -> None:
        return None

    scope = {"type": kind}
    asyncio.run(Monitor(app, logger=None)(scope, receive, send))
    assert got[0] is scope and got[1] is receive and got[2] is send


def test_a_websocket_through_the_test_client_is_untouched() -> None:
    async def echo(scope: Scope, receive: Receive, send: Send) -> None:
        assert (await receive())["type"] == "websocket.connect"
        await send({"type": "websocket.accept"})
        message = await receive()
        await send({"type": "websocket.send", "text": message["text"]})
        await send({"type": "websocket.close", "code": 1000})

    monitor = Monitor(echo, logger=None)
    with TestClient(monitor).websocket_connect("/ws") as ws:
        ws.send_text("hello")
        assert ws.receive_text() == "hello"
    assert monitor.observer.exchanges == 0


def test_each_new_finding_is_one_structured_log_record(caplog: pytest.LogCaptureFixture) -> None:
    monitor = Monitor(_raw_405())
    with caplog.at_level(logging.WARNING, logger="statuskit.monitor"):
        for _ in range(3):
            asyncio.run(_call(monitor, _scope("DELETE", "/items/7")))
    (record,) = caplog.records
    assert record.name == "statuskit.monitor" and record.levelno == logging.WARNING
    finding = record.statuskit  # type: ignore[attr-defined]
    assert finding["rule"]["id"] == "allow-on-405" and finding["rule"]["level"] == "MUST"
    assert finding["route"] == "DELETE /items/{}" and finding["count"] == 1
    assert finding["reproducer"]["command"] == "curl -i -X DELETE 'http://testserver/items/7'"
    assert "405 without Allow" in record.getMessage()
    assert monitor.observer.sightings[0].count == 3
    json.dumps(finding)  # structured: a JSON log formatter can write it as it is


def test_sample_zero_judges_nothing() -> None:
    monitor = Monitor(_raw_405(), sample=0.0, logger=None)
    for _ in range(20):
        asyncio.run(_call(monitor, _scope()))
    assert monitor.observer.exchanges == 0


def test_sample_judges_about_its_share() -> None:
    monitor = Monitor(_raw_405(), sample=0.25, logger=None)
    random.seed(29)
    for _ in range(400):
        asyncio.run(_call(monitor, _scope()))
    assert 60 <= monitor.observer.exchanges <= 140
    assert monitor.observer.sightings[0].count == monitor.observer.exchanges


@pytest.mark.parametrize("sample", [1.5, -0.1, float("nan"), True, "1"])
def test_a_sample_that_is_no_share_is_refused(sample: Any) -> None:
    with pytest.raises(ValueError, match="sample must be a share"):
        Monitor(_raw_405(), sample=sample)


def test_a_long_stream_is_judged_by_its_length_in_bounded_memory() -> None:
    # 32 MiB streamed, declared as 16: the monitor counts every byte and keeps none past
    # its limit.
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-length", str(16 * 2**20).encode()),
                                (b"content-type", b"application/problem+json")]})
        for _ in range(32):
            await send({"type": "http.response.body", "body": b"x" * 2**20, "more_body": True})
        await send({"type": "http.response.body", "body": b""})

    async def discard(message: Message) -> None:
        return None

    async def receive() -> Message:
        return {"type": "http.request", "body": b""}

    monitor = Monitor(app, logger=None, lint=False)
    tracemalloc.start()
    asyncio.run(monitor(_scope(), receive, discard))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 8 * 2**20
    (sighting,) = monitor.observer.sightings
    assert sighting.rule.id == "content-length"  # problem-json: not read whole, not judged
    assert sighting.problem.detail == f"says {16 * 2**20}, sent {32 * 2**20} bytes"


def test_routes_past_the_limit_share_one_entry() -> None:
    class Template:  # what a router puts in scope["route"]: a template and its endpoint
        def __init__(self, path: str) -> None:
            self.path, self.endpoint = path, None

    inner = _raw_405()

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        scope["route"] = Template(scope["path"])
        await inner(scope, receive, send)

    monitor = Monitor(app, observer=Observer(max_routes=50, logger=None))
    for n in range(300):
        asyncio.run(_call(monitor, _scope(path=f"/r{'x' * (n % 7)}/{n}")))
    sightings = monitor.observer.sightings
    assert len(sightings) == 51
    (other,) = [s for s in sightings if s.route == OTHER_ROUTES]
    assert other.count == 250


def test_findings_past_the_limit_fold_into_other_routes() -> None:
    observer = Observer(max_findings=3, logger=None)
    monitor = Monitor(_raw_405(), observer=observer)
    for n in range(10):
        asyncio.run(_call(monitor, _scope("DELETE", f"/items/{'a' * 30}{n}")))
        asyncio.run(_call(monitor, _scope("PUT", f"/{'b' * n}")))
    assert len(observer.sightings) <= 4
    assert sum(s.count for s in observer.sightings) == 20


async def _streamed_chunks() -> Any:
    for part in (b"ab", b"cd", b"ef"):
        yield part


def _app() -> Starlette:
    async def stream(request: Request) -> StreamingResponse:
        return StreamingResponse(_streamed_chunks(), media_type="text/plain",
                                 headers={"Content-Length": "6"})

    async def gone(request: Request) -> Response:
        return Response(status_code=405)

    async def text(request: Request) -> Response:
        return Response(b"hello", media_type="text/plain")

    return Starlette(routes=[Route("/stream", stream), Route("/gone", gone, methods=["PUT"]),
                             Route("/text", text)])


def test_a_streamed_answer_is_judged_whole() -> None:
    monitor = Monitor(_app(), logger=None)
    response = TestClient(monitor).get("/stream")
    assert response.status_code == 200 and response.content == b"abcdef"
    assert monitor.observer.exchanges == 1 and monitor.observer.sightings == []


def test_content_an_app_sends_to_head_is_left_to_the_server() -> None:
    # Starlette sends GET's content to HEAD and every ASGI server drops it (uvicorn's
    # h11 and httptools protocols, hypercorn); on the wire nothing is wrong.
    monitor = Monitor(_app(), logger=None)
    client = TestClient(monitor)
    assert client.head("/text").status_code == 200
    assert client.head("/stream").headers["content-length"] == "6"
    assert monitor.observer.exchanges == 2 and monitor.observer.sightings == []


def test_starlette_static_files_ranges_and_304_are_clean(tmp_path: Any) -> None:
    # Starlette's StaticFiles, a peer's ranges and revalidation: single and
    # multipart/byteranges 206s, a 416, and a 304 that repeats the 200's validators.
    (tmp_path / "data.bin").write_bytes(bytes(range(256)) * 4)
    app = Starlette(routes=[Mount("/static", StaticFiles(directory=tmp_path))])
    monitor = Monitor(app, logger=None)
    client = TestClient(monitor)
    one = client.get("/static/data.bin", headers={"Range": "bytes=0-9"})
    many = client.get("/static/data.bin", headers={"Range": "bytes=0-9,100-199,1000-"})
    past = client.get("/static/data.bin", headers={"Range": "bytes=5000-"})
    assert (one.status_code, many.status_code, past.status_code) == (206, 206, 416)
    assert many.headers["content-type"].startswith("multipart/byteranges")
    etag = client.get("/static/data.bin").headers["etag"]
    again = client.get("/static/data.bin", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert monitor.observer.exchanges == 5
    assert monitor.observer.sightings == []


def test_routes_under_mounts_are_named_by_their_templates(tmp_path: Any) -> None:
    async def gone(request: Request) -> Response:
        return Response(status_code=405)

    inner = Starlette(routes=[Route("/items/{item_id}", gone)])
    app = Starlette(routes=[Mount("/api", inner), Mount("/files", StaticFiles(directory=tmp_path))])
    monitor = Monitor(app, logger=None)
    client = TestClient(monitor)
    assert client.get("/api/items/3").status_code == 405
    assert client.get("/files/nothing.txt").status_code == 404
    assert [s.route for s in monitor.observer.sightings] == ["GET /api/items/{item_id}"]
    assert route_of({"path": "/a/12/b", "root_path": ""}) == "/a/{}/b"


def test_a_planted_405_is_found_under_trio() -> None:
    monitor = Monitor(_app(), logger=None)

    async def main() -> int:
        transport = httpx.ASGITransport(app=monitor)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            return (await client.put("/gone")).status_code

    assert trio.run(main) == 405
    (sighting,) = monitor.observer.sightings
    assert sighting.key == ("allow-on-405", "405 without Allow", "PUT /gone")


def test_a_file_sent_by_path_goes_on_and_its_length_is_not_guessed() -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-length", b"99")]})
        await send({"type": "http.response.pathsend", "path": "/etc/hostname"})

    monitor = Monitor(app, logger=None)
    sent = asyncio.run(_call(monitor, _scope()))
    assert sent[1] == {"type": "http.response.pathsend", "path": "/etc/hostname"}
    assert monitor.observer.exchanges == 1 and monitor.observer.sightings == []


def _answers(*answers: tuple[list[tuple[bytes, bytes]], bytes]) -> Any:
    """An app whose n-th call sends the n-th (fields, content)."""
    queue = list(answers)

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        headers, body = queue.pop(0)
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    return app


def test_a_shape_seen_clean_still_judges_a_wrong_content_length_later() -> None:
    # RFC 9110 §8.6: the same route and fields, 5 bytes declared, 4 sent the second time.
    fields = [(b"content-length", b"5"), (b"content-type", b"text/plain")]
    monitor = Monitor(_answers((fields, b"12345"), (fields, b"12345"), (fields, b"1234")),
                      logger=None)
    for _ in range(3):
        asyncio.run(_call(monitor, _scope()))
    (sighting,) = monitor.observer.sightings
    assert sighting.rule.id == "content-length" and sighting.count == 1
    assert sighting.problem.detail == "says 5, sent 4 bytes"
    assert monitor.observer.exchanges == 3


def test_a_problem_document_in_a_seen_shape_is_read_each_time() -> None:
    # RFC 9457 §3: each application/problem+json answer is judged on its own content.
    fields = [(b"content-type", b"application/problem+json")]
    monitor = Monitor(_answers((fields, b'{"title": "a"}'), (fields, b'{"title": "a"}'),
                               (fields, b"[1]")), logger=None)
    for _ in range(3):
        asyncio.run(_call(monitor, _scope()))
    (sighting,) = monitor.observer.sightings
    assert sighting.rule.id == "problem-json" and sighting.count == 1


def test_field_names_in_capitals_are_judged_each_time() -> None:
    # An app that sends "Content-Length" (ASGI asks for lower case; servers accept it).
    fields = [(b"Content-Length", b"5")]
    monitor = Monitor(_answers((fields, b"12345"), (fields, b"12345"), (fields, b"123")),
                      logger=None)
    for _ in range(3):
        asyncio.run(_call(monitor, _scope()))
    (sighting,) = monitor.observer.sightings
    assert sighting.rule.id == "content-length" and monitor.observer.exchanges == 3


def test_a_routed_shape_seen_clean_still_judges_a_wrong_content_length_later() -> None:
    # The router's endpoint stands for the route in the shape; RFC 9110 §8.6 each time.
    lengths = iter([b"5", b"5", b"4"])

    async def note(request: Request) -> Response:
        response = Response(b"12345", media_type="text/plain")
        response.headers["content-length"] = next(lengths).decode()
        return response

    monitor = Monitor(Starlette(routes=[Route("/notes/{n}", note)]), logger=None)
    with TestClient(monitor) as client:
        for n in range(3):
            client.get(f"/notes/{n}")
    (sighting,) = monitor.observer.sightings
    assert sighting.rule.id == "content-length" and sighting.route == "GET /notes/{n}"
    assert monitor.observer.exchanges == 3 and monitor.observer.errors == 0


def test_uvicorn_takes_the_monitor_for_an_asgi_3_app() -> None:
    import uvicorn

    # Its __call__ is a plain function handing back the app's awaitable; uvicorn tells
    # ASGI 3 from ASGI 2 by a coroutine function, and an ASGI 2 reading would call it
    # with the scope alone.
    config = uvicorn.Config(Monitor(_raw_405(headers=[]), logger=None), lifespan="off")
    config.load()
    assert config.interface == "asgi3"


def test_an_answer_is_judged_when_its_last_message_goes_on_not_when_the_app_returns() -> None:
    seen: list[int] = []
    monitor: Monitor

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        # RFC 9110 §15.5.6: a 405 sends Allow; this one does not.
        await send({"type": "http.response.start", "status": 405,
                    "headers": [(b"content-length", b"0")]})
        await send({"type": "http.response.body", "body": b""})
        seen.append(len(monitor.observer.sightings))  # as a background task would run
        await send({"type": "http.response.body", "body": b"late"})  # the server's to refuse

    monitor = Monitor(app, logger=None)
    sent = asyncio.run(_call(monitor, _scope()))
    assert [m["type"] for m in sent] == ["http.response.start", "http.response.body",
                                         "http.response.body"]
    assert seen == [1] and monitor.observer.exchanges == 1
    assert [s.problem.rule.id for s in monitor.observer.sightings] == ["allow-on-405"]


def test_a_server_asking_inspect_takes_the_monitor_for_an_asgi_app() -> None:
    import inspect
    import sys

    from hypercorn.app_wrappers import ASGIWrapper
    from hypercorn.utils import wrap_app

    # Hypercorn tells an ASGI app from a WSGI one by inspect.iscoroutinefunction of its
    # __call__ (asyncio's marker does not count there): a monitored app must still be
    # one, on 3.11 as on 3.12 and later. Servers ask the instance's attribute; from
    # 3.12 the class's plain call is marked as well.
    monitor = Monitor(_raw_405(headers=[]), logger=None)
    assert inspect.iscoroutinefunction(monitor.__call__)
    assert isinstance(wrap_app(monitor, 1024, None), ASGIWrapper)  # Hypercorn's own reading
    if sys.version_info >= (3, 12):
        assert inspect.iscoroutinefunction(type(monitor).__call__)


def test_the_call_a_server_makes_hands_back_the_apps_own_awaitable() -> None:
    # monitor(...) is no coroutine of ours on any version (what a request costs); the
    # __call__ a server asks about, called itself, judges the same exchange.
    handed: list[Any] = []

    def app(scope: Scope, receive: Receive, send: Send) -> Any:
        handed.append(_raw_405(headers=[])(scope, receive, send))
        return handed[-1]

    monitor = Monitor(app, logger=None)

    async def both() -> list[list[Message]]:
        sent: list[list[Message]] = [[], []]

        async def receive() -> Message:
            return {"type": "http.request", "body": b"", "more_body": False}

        for n, call in enumerate((monitor, monitor.__call__)):
            async def send(message: Message, n: int = n) -> None:
                sent[n].append(message)

            awaitable = call(_scope(), receive, send)
            assert (awaitable is handed[-1]) == (n == 0)
            await awaitable
        return sent

    plain, asked = asyncio.run(both())
    # RFC 9110 §15.5.6: a 405 sends Allow; this one does not, found once with a count.
    assert plain == asked == [{"type": "http.response.start", "status": 405, "headers": []},
                              {"type": "http.response.body", "body": b""}]
    (sighting,) = monitor.observer.sightings
    assert sighting.problem.rule.id == "allow-on-405" and sighting.count == 2
    assert monitor.observer.exchanges == 2
