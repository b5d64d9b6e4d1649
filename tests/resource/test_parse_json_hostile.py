"""parse_json, the graph's JSON parser, on content that is not storable JSON text."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from statuskit.guard import Guard
from statuskit.resource import MAX_JSON_DEPTH, App, Done, Resource, parse_json
from statuskit.server import httptools_protocol
from support.rawhttp import get
from support.servers import serve

JSON = {"Content-Type": "application/json"}


class Box(Resource):
    """Stores what a PUT sends; GET gives it back."""

    provides = ("application/json",)
    accepts = {"PUT": {"application/json": parse_json}}
    content: dict[str, Any] = {}

    def exists(self) -> bool:
        return "value" in self.content

    def representation(self, media_type: str) -> Any:
        return self.content["value"]

    def put(self, content: Any) -> Done:
        self.content["value"] = content
        return Done()


@pytest.fixture()
def port() -> Iterator[int]:
    Box.content.clear()
    with serve(Guard(App({"/box": Box})), http=httptools_protocol()) as port:
        yield port


def _nested(levels: int) -> bytes:
    return b"[" * levels + b"]" * levels


@pytest.mark.parametrize("content", [
    b'"a\\ud800"', b'{"\\udc00": 1}', b'{"n": NaN}', b"[Infinity]", b"-Infinity", b"[1e400]",
    _nested(1500), _nested(MAX_JSON_DEPTH + 1), b"9" * 5000, b'{"n": -' + b"1" * 4301 + b"}",
], ids=["lone-surrogate", "surrogate-name", "nan", "infinity", "minus-infinity", "past-a-float",
        "1500-deep", "one-past-the-limit", "5000-digit-int", "4301-digit-negative"])
def test_content_that_is_not_json_text_is_400_and_nothing_is_stored(
        port: int, content: bytes) -> None:
    # RFC 8259 §6 (no NaN), §8.2 (a lone surrogate has no UTF-8 form, so what is stored
    # could never be sent back); nesting and digits past the documented limits are
    # hostile input, not a RecursionError or a later 500.
    reply = get(port, "/box", method="PUT", headers=JSON, body=content)
    assert reply.status == 400, reply.status
    assert reply.header("content-type") == "application/problem+json"
    assert Box.content == {}
    after = get(port, "/box")
    assert after.status == 404  # never a stored value every later GET answers 500 for
    assert after.header("content-type") == "application/problem+json"


def test_json_at_the_depth_limit_is_stored_and_given_back(port: int) -> None:
    content = _nested(MAX_JSON_DEPTH)
    assert get(port, "/box", method="PUT", headers=JSON, body=content).status == 201
    back = get(port, "/box")
    assert back.status == 200
    assert json.loads(back.body) == json.loads(content)


def test_a_4300_digit_integer_is_stored_exactly(port: int) -> None:
    digits = b"7" * 4300
    assert get(port, "/box", method="PUT", headers=JSON, body=digits).status == 201
    assert Box.content["value"] == int(digits)


def test_parse_json_raises_value_error_for_each_refusal() -> None:
    for content in (b'"\\ud800"', b"NaN", _nested(MAX_JSON_DEPTH + 1), b"1" * 4301):
        with pytest.raises(ValueError):
            parse_json(content)
