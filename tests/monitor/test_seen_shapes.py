"""Counting seen shapes changes no verdict: an answer like many clean ones before it is
counted cheaply, and a defect that appears after them is still found, once, counted.

``Monitor`` skips work for an answer whose shape (route, method, status, fields) it has
seen clean: by its field names (``Observer.triage``) and, from the third such answer on,
by every field as sent (``Observer.clean``). These tests drive the same route many
times and then change one thing; and they compare, over mixed traffic, every sighting
and count with an observer that judges each exchange in full.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.testclient import TestClient

from monitor.planted import EXCHANGES, planted_app
from statuskit.monitor import Monitor, Observer
from statuskit.types import Message, Receive, Scope, Send

CLEAN_RUN = 50  # identical clean answers before the defect: well past the third


def _flipping(clean: Callable[[], Response], broken: Callable[[], Response],
              after: int = CLEAN_RUN) -> Starlette:
    """One route that answers ``clean()`` ``after`` times, then ``broken()``."""
    calls = iter(range(after + 1))

    async def endpoint(request: Request) -> Response:
        return clean() if next(calls) < after else broken()

    return Starlette(routes=[Route("/items/{item_id}", endpoint,
                                   methods=["GET", "POST", "DELETE"])])


def _drive(app: Starlette, method: str, times: int = CLEAN_RUN + 1) -> Monitor:
    monitor = Monitor(app, logger=None)
    with TestClient(monitor) as client:
        for n in range(times):
            client.request(method, f"/items/{n}", follow_redirects=False)
    return monitor


def test_an_allow_that_disappears_after_many_clean_405s_is_found() -> None:
    # RFC 9110 §15.5.6: the same route and status, the Allow field gone the 51st time.
    monitor = _drive(_flipping(lambda: Response(status_code=405, headers={"Allow": "GET"}),
                               lambda: Response(status_code=405)), "DELETE")
    (sighting,) = monitor.observer.sightings
    assert sighting.rule.id == "allow-on-405" and sighting.count == 1
    assert sighting.route == "DELETE /items/{item_id}" and sighting.first.status == 405
    assert "allow:" not in sighting.first.evidence[0].response.lower()
    assert monitor.observer.exchanges == CLEAN_RUN + 1 and monitor.observer.errors == 0


def test_a_www_authenticate_that_disappears_after_many_clean_401s_is_found() -> None:
    # RFC 9110 §15.5.2
    monitor = _drive(_flipping(
        lambda: Response(status_code=401, headers={"WWW-Authenticate": 'Bearer realm="x"'}),
        lambda: Response(status_code=401)), "GET")
    (sighting,) = monitor.observer.sightings
    assert sighting.rule.id == "www-authenticate-on-401" and sighting.count == 1
    assert monitor.observer.exchanges == CLEAN_RUN + 1


def test_a_content_length_that_stops_matching_after_many_clean_answers_is_found() -> None:
    # RFC 9110 §8.6: every field as before (Content-Length: 5), one byte fewer sent.
    def answer(content: bytes) -> Callable[[], Response]:
        def build() -> Response:
            response = Response(content, media_type="text/plain")
            response.headers["content-length"] = "5"
            return response
        return build

    monitor = _drive(_flipping(answer(b"12345"), answer(b"1234")), "GET")
    (sighting,) = monitor.observer.sightings
    assert sighting.rule.id == "content-length" and sighting.count == 1
    assert sighting.problem.detail == "says 5, sent 4 bytes"
    assert monitor.observer.exchanges == CLEAN_RUN + 1


def test_a_location_that_disappears_after_many_clean_201s_is_found() -> None:
    # RFC 9110 §9.3.3
    monitor = _drive(_flipping(
        lambda: Response(b"{}", 201, media_type="application/json",
                         headers={"Location": "/items/1"}),
        lambda: Response(b"{}", 201, media_type="application/json")), "POST")
    (sighting,) = monitor.observer.sightings
    assert sighting.rule.id == "created-201" and sighting.first.status == 201
    assert sighting.count == 1 and monitor.observer.exchanges == CLEAN_RUN + 1


def test_content_on_a_204_after_many_empty_ones_is_found() -> None:
    # RFC 9110 §15.3.5: a 204 has no content; the fields stay the same, content appears.
    class Sloppy(Response):
        def init_headers(self, headers: Any = None) -> None:
            self.raw_headers = []  # no Content-Length to compare: only the content tells

    monitor = _drive(_flipping(lambda: Sloppy(b"", 204), lambda: Sloppy(b"oops", 204)), "GET")
    (sighting,) = monitor.observer.sightings
    assert sighting.rule.id == "no-content" and sighting.count == 1
    assert monitor.observer.exchanges == CLEAN_RUN + 1


class _JudgesEverything(Observer):
    """The reference: every exchange recorded and judged by every rule, no shape kept."""

    def triage(self, *args: Any, **kwargs: Any) -> bool:
        return False  # and so nothing ever goes into Observer.clean


def _mixed(seed: int) -> Any:
    """Each request answered by the planted app or its clean twin, one in four planted."""
    clean, planted = planted_app(False), planted_app(True)
    choose = random.Random(seed).random

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await (planted if choose() < 0.25 else clean)(scope, receive, send)

    return app


def test_mixed_traffic_gives_every_sighting_and_count_a_full_judge_gives() -> None:
    monitors = [Monitor(_mixed(29), logger=None),
                Monitor(_mixed(29), observer=_JudgesEverything(logger=None))]
    for monitor in monitors:
        with TestClient(monitor, raise_server_exceptions=False) as client:
            for _ in range(20):
                for method, path, fields, content in EXCHANGES:
                    client.request(method, path, headers=fields, content=content or None,
                                   follow_redirects=False)
    fast, full = ({s.key: (s.count, s.first.status) for s in m.observer.sightings}
                  for m in monitors)
    assert fast == full and len(fast) >= 18  # most planted defects drawn at least once
    assert [m.observer.exchanges for m in monitors] == [20 * len(EXCHANGES)] * 2
    assert [m.observer.errors for m in monitors] == [0, 0]


def test_an_app_that_sends_one_dict_twice_goes_on_unjudged() -> None:
    # The monitor reads messages after they went on; a dict sent again has lost what it
    # held the first time, so the exchange is left out rather than judged wrongly.
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-length", b"4")]})
        part: dict[str, Any] = {"type": "http.response.body", "more_body": True}
        for chunk, more in ((b"ab", True), (b"cd", False)):
            part["body"], part["more_body"] = chunk, more
            await send(part)

    sent: list[bytes] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b""}

    async def send(message: Message) -> None:
        if message["type"] == "http.response.body":
            sent.append(message["body"])

    monitor = Monitor(app, logger=None)
    scope = {"type": "http", "method": "GET", "path": "/", "raw_path": b"/",
             "query_string": b"", "root_path": "", "headers": [(b"host", b"t")]}
    asyncio.run(monitor(scope, receive, send))
    assert sent == [b"ab", b"cd"]
    assert monitor.observer.exchanges == 0 and monitor.observer.sightings == []
    assert monitor.observer.errors == 0
