"""If-Unmodified-Since / If-Modified-Since after a change in the current second, over loopback.

The Last-Modified field is moved a second back when the change is recent (RFC 9110
§8.8.2.1: never later than Date); the date a client sends is compared with the change's
own second (§13.1.3, §13.1.4), or a write just after the client's read is lost.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from statuskit.guard import Guard
from statuskit.http import parse_http_date
from statuskit.resource import App, Done, Resource, parse_json
from statuskit.server import httptools_protocol
from support.rawhttp import get
from support.servers import serve

JSON = {"Content-Type": "application/json"}


class Dated(Resource):
    """One document and the time of its last change."""

    provides = ("application/json",)
    accepts = {"PUT": {"application/json": parse_json}}
    state: dict[str, Any] = {}

    def last_modified(self) -> float:
        return float(self.state["changed"])

    def representation(self, media_type: str) -> Any:
        return self.state["doc"]

    def put(self, content: Any) -> Done:
        self.state.update(doc=content, changed=time.time())
        return Done()


@pytest.fixture()
def port() -> Iterator[int]:
    Dated.state.update(doc={"v": 1}, changed=time.time())
    with serve(Guard(App({"/doc": Dated})), http=httptools_protocol()) as port:
        yield port


def test_if_unmodified_since_refuses_a_write_made_after_the_clients_read(port: int) -> None:
    seen = get(port, "/doc")  # client A reads
    assert seen.status == 200
    since = seen.header("last-modified") or ""
    # client B writes, a few milliseconds later
    assert get(port, "/doc", method="PUT", headers=JSON, body=b'{"v": "B"}').status == 204
    # client A writes on what it read: B's change is later than its date (§13.1.4)
    late = get(port, "/doc", method="PUT", headers={**JSON, "If-Unmodified-Since": since},
               body=b'{"v": "A"}')
    assert late.status == 412, late.status
    assert late.header("content-type") == "application/problem+json"
    assert Dated.state["doc"] == {"v": "B"}


def test_if_modified_since_is_not_a_stale_304_after_a_change_this_second(port: int) -> None:
    seen = get(port, "/doc")
    since = seen.header("last-modified") or ""
    assert get(port, "/doc", method="PUT", headers=JSON, body=b'{"v": "new"}').status == 204
    # RFC 9110 §13.1.3: the representation changed after the client's date: 200, new bytes
    fresh = get(port, "/doc", headers={"If-Modified-Since": since})
    assert fresh.status == 200, fresh.status
    assert fresh.body == b'{"v":"new"}'


def test_last_modified_field_is_never_later_than_date(port: int) -> None:
    # RFC 9110 §8.8.2.1: the field keeps its clamp, whatever is compared with.
    assert get(port, "/doc", method="PUT", headers=JSON, body=b'{"v": 2}').status == 204
    reply = get(port, "/doc")
    assert reply.status == 200
    date = parse_http_date(reply.header("date") or "")
    modified = parse_http_date(reply.header("last-modified") or "")
    assert date is not None and modified is not None
    assert modified <= date
    assert modified.timestamp() <= int(Dated.state["changed"])
