"""If-Unmodified-Since guards a write as If-Match does (RFC 9110 §13.1.4): a change
the client has not seen, however close in time, gets 412. Over the example app."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from support.rawhttp import RawResponse, get
from support.servers import serve

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from examples.fastapi_notes import create_app  # noqa: E402

JSON = {"Content-Type": "application/json"}


@pytest.fixture(scope="module")
def port() -> Iterator[int]:
    with serve(create_app()) as live:
        yield live


def _put(port: int, item: str, condition: dict[str, str], title: str) -> RawResponse:
    return get(port, f"/items/{item}", method="PUT", headers={**JSON, **condition},
               body=json.dumps({"title": title}).encode())


def test_a_write_since_the_clients_last_modified_is_412_even_within_the_second(
        port: int) -> None:
    created = get(port, "/items", method="POST", headers=JSON, body=b'{"title": "v1"}')
    assert created.status == 201
    item = (created.header("location") or "").rsplit("/", 1)[1]
    seen = get(port, f"/items/{item}")  # client A reads: Last-Modified L
    last_modified = seen.header("last-modified")
    assert seen.status == 200 and last_modified is not None
    # Client B writes (with the tag it read), a few milliseconds later.
    other = _put(port, item, {"If-Match": seen.header("etag") or ""}, "B's title")
    assert other.status == 200
    # A writes on what it read. B's change is later than L, whatever the clock
    # reads now: §13.1.4 makes the condition false, so 412 and no write.
    late = _put(port, item, {"If-Unmodified-Since": last_modified}, "A's title")
    assert late.status == 412, (late.status, late.body[:200])
    assert late.header("content-type") == "application/problem+json"
    assert json.loads(get(port, f"/items/{item}").body)["title"] == "B's title"


def test_an_unchanged_note_takes_a_write_conditioned_on_its_last_modified(port: int) -> None:
    created = get(port, "/items", method="POST", headers=JSON, body=b'{"title": "v1"}')
    item = (created.header("location") or "").rsplit("/", 1)[1]
    # Read in a later second than the write: the Last-Modified then names the write's
    # own second (§8.8.2.1 keeps it before the response's Date). Read within that same
    # second, it would be a second earlier and the write would get 412 until the
    # second ends: the safe side of §8.8.2.2 (a date is only a weak validator).
    time.sleep(1.01 - time.time() % 1)
    last_modified = get(port, f"/items/{item}").header("last-modified") or ""
    answer = _put(port, item, {"If-Unmodified-Since": last_modified}, "v2")
    assert answer.status == 200, (answer.status, answer.body[:200])
    assert json.loads(get(port, f"/items/{item}").body)["title"] == "v2"
