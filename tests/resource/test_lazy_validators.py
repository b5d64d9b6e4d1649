"""The 304 path decided with less work must give the answer and the trace the full
evaluation gives (issue 26).

- Last-Modified is asked only where an answer needs it: a date field to compare
  (RFC 9110 §13.2.2 steps 2 and 4) or the 200's field; a 304 for an echoed ETag
  never needs it (step 4 is skipped with If-None-Match, and §15.4.5 sends
  Last-Modified only without an ETag).
- The echoed-ETag shortcut answers what g8, h10, i12, k13, j18 answer, and a traced
  request names those nodes.
- Repeated field lines are still one comma-joined list (RFC 9110 §5.3).
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from asgi import Reply, call

from statuskit.http import format_http_date
from statuskit.resource import App, Resource

MODIFIED = 1_700_000_000
TAG = '"n1"'


class Counted(Resource):
    asked: list[str] = []

    def etag(self) -> str:
        return "n1"

    def last_modified(self) -> float:
        self.asked.append("last_modified")
        return MODIFIED

    def cache_control(self) -> str:
        return "no-cache"

    def representation(self, media_type: str) -> Any:
        return {"note": 1}


class AsyncCounted(Counted):
    asked: list[str] = []

    async def etag(self) -> str:  # type: ignore[override]
        return "n1"

    async def last_modified(self) -> float:  # type: ignore[override]
        self.asked.append("last_modified")
        return MODIFIED


KINDS = {"sync": Counted, "async": AsyncCounted}


def _app(kind: str, *, debug: bool = False) -> App:
    KINDS[kind].asked.clear()
    return App({"/n": KINDS[kind]}, debug=debug)


def _assert_304(reply: Reply) -> None:
    assert reply.status == 304
    assert reply.header("etag") == TAG
    assert reply.header("cache-control") == "no-cache"
    assert reply.header("last-modified") is None  # RFC 9110 §15.4.5: there is an ETag
    assert reply.header("content-length") is None
    assert reply.header("content-type") is None
    assert reply.body == b""


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_an_echoed_etag_is_304_without_asking_last_modified(kind: str) -> None:
    reply = call(_app(kind), "GET", "/n", {"if-none-match": TAG})
    _assert_304(reply)
    assert KINDS[kind].asked == []


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_the_200_asks_last_modified_once_for_its_field(kind: str) -> None:
    reply = call(_app(kind), "GET", "/n", {"if-none-match": '"other"'})
    assert reply.status == 200
    assert reply.header("etag") == TAG
    assert reply.header("last-modified") == format_http_date(MODIFIED)
    assert reply.json() == {"note": 1}
    assert KINDS[kind].asked == ["last_modified"]


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_a_date_field_is_compared_with_last_modified(kind: str) -> None:
    # RFC 9110 §13.2.2 step 4: If-Modified-Since alone decides.
    reply = call(_app(kind), "GET", "/n", {"if-modified-since": format_http_date(MODIFIED)})
    _assert_304(reply)
    assert KINDS[kind].asked == ["last_modified"]
    # Step 2: a change after If-Unmodified-Since fails the PUT-less GET too.
    reply = call(_app(kind), "GET", "/n",
                 {"if-unmodified-since": format_http_date(MODIFIED - 10)})
    assert reply.status == 412
    assert reply.header("etag") is None


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_the_shortcut_gives_the_traced_answer_and_nodes(kind: str) -> None:
    fast = call(_app(kind), "GET", "/n", {"if-none-match": TAG})
    traced = call(_app(kind, debug=True), "GET", "/n", {"if-none-match": TAG})
    _assert_304(fast)
    _assert_304(traced)
    assert [(k, v) for k, v in fast.headers] == \
        [(k, v) for k, v in traced.headers if not k.startswith("x-statuskit-trace")]
    nodes = (traced.header("x-statuskit-trace") or "").split(",")
    assert nodes[-5:] == ["g8", "h10", "i12", "k13", "j18"]


def test_if_match_first_even_when_if_none_match_is_echoed() -> None:
    # RFC 9110 §13.2.2 step 1 comes before step 3: a failed If-Match is 412.
    reply = call(_app("sync"), "GET", "/n", {"if-match": '"old"', "if-none-match": TAG})
    assert reply.status == 412
    assert reply.header("etag") is None


def test_an_unsafe_method_with_an_echoed_etag_is_412() -> None:
    class Writable(Counted):
        def delete(self) -> Any:
            raise AssertionError("a failed precondition must not act")

    reply = call(App({"/n": Writable}), "DELETE", "/n", {"if-none-match": TAG})
    assert reply.status == 412  # RFC 9110 §13.1.2
    assert reply.header("etag") is None


def test_repeated_if_none_match_lines_are_one_list() -> None:
    # RFC 9110 §5.3: two lines are the list "other", "n1", which matches.
    sent: list[dict[str, Any]] = []
    scope = {"type": "http", "http_version": "1.1", "method": "GET", "scheme": "http",
             "path": "/n", "raw_path": b"/n", "root_path": "", "query_string": b"",
             "headers": [(b"if-none-match", b'"other"'), (b"if-none-match", TAG.encode())],
             "client": ("127.0.0.1", 5000), "server": ("127.0.0.1", 80)}

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    asyncio.run(_app("sync")(scope, receive, send))
    assert sent[0]["status"] == 304
    assert (b"etag", TAG.encode()) in sent[0]["headers"]
    assert sent[1]["body"] == b""
