"""Judging one answer's content against its declared response, with no network: what a
server may send (deep JSON, 5,000-digit numbers, one-way properties, OpenAPI 3.0's
nullable) is never a finding; content off its schema or media type always is."""

from __future__ import annotations

from typing import Any

from statuskit.check._openapi_document import Operation
from statuskit.check._values_judge import response_problems
from statuskit.check.record import Exchange


def _op(schema: dict[str, Any], *, media: str = "application/json",
        openapi: str = "3.1.0") -> Operation:
    return Operation("GET", "/things", responses=frozenset({"200"}),
                     response_content={"200": {media: schema}}, openapi=openapi)


def _answer(body: bytes, media: str = "application/json", status: int = 200) -> Exchange:
    return Exchange("GET", "http://127.0.0.1:9/things", [], status, "OK",
                    [("content-type", media)], body)


def _problems(op: Operation, seen: Exchange) -> list[str]:
    return [p.cause for p in response_problems(op, seen, {})]


def test_content_off_its_schema_names_the_place_and_keyword() -> None:
    op = _op({"type": "object", "properties": {"n": {"type": "integer"}}})
    assert _problems(op, _answer(b'{"n": "3"}')) == [
        "GET /things: a 200 breaks its declared schema at n (type)"]


def test_an_undeclared_media_type_is_a_finding() -> None:
    assert _problems(_op({}), _answer(b"<p>hi</p>", "text/html; charset=utf-8")) == [
        "GET /things: a 200 in text/html, which its document does not declare"]


def test_a_media_range_in_the_document_takes_any_type_in_it() -> None:
    # OpenAPI 3.1 §4.8.14: application/* covers application/json.
    assert _problems(_op({"type": "object"}, media="application/*"), _answer(b"{}")) == []


def test_json_declared_and_not_json_is_a_finding() -> None:
    assert _problems(_op({"type": "object"}), _answer(b'{"cut": ')) == [
        "GET /things: a 200 declared as JSON is not JSON"]


def test_no_declared_content_is_nothing_to_judge() -> None:
    op = Operation("GET", "/things", responses=frozenset({"200"}),
                   response_content={"200": {}})
    assert _problems(op, _answer(b"anything", "text/plain")) == []


def test_1500_deep_json_is_no_crash_and_no_finding() -> None:
    deep = b"[" * 100_000 + b"]" * 100_000
    assert _problems(_op({"type": "array"}), _answer(deep)) == []
    nested = b"[" * 1500 + b"]" * 1500
    assert _problems(_op({"type": "array"}), _answer(nested)) == []


def test_a_5000_digit_integer_is_json_and_an_integer() -> None:
    big = b'{"n": ' + b"9" * 5000 + b"}"
    op = _op({"type": "object", "properties": {"n": {"type": "integer", "minimum": 0}}})
    assert _problems(op, _answer(big)) == []
    negative = b'{"n": -' + b"9" * 5000 + b"}"
    assert _problems(op, _answer(negative)) == [
        "GET /things: a 200 breaks its declared schema at n (minimum)"]


def test_openapi_30_nullable_takes_null() -> None:
    op = _op({"type": "object", "properties": {"n": {"type": "integer", "nullable": True}}},
             openapi="3.0.3")
    assert _problems(op, _answer(b'{"n": null}')) == []


def test_a_required_write_only_property_is_not_required_in_a_response() -> None:
    # OpenAPI 3.1 §4.8.24.4 (readOnly / writeOnly): a password is sent, never returned.
    op = _op({"type": "object", "required": ["name", "password"], "properties": {
        "name": {"type": "string"}, "password": {"type": "string", "writeOnly": True}}})
    assert _problems(op, _answer(b'{"name": "ada"}')) == []


def test_a_closed_all_of_branch_is_read_as_a_merge() -> None:
    closed = {"type": "object", "properties": {"title": {"type": "string"}},
              "additionalProperties": False}
    op = _op({"allOf": [closed, {"properties": {"id": {"type": "string"}}}]})
    assert _problems(op, _answer(b'{"title": "t", "id": "1"}')) == []
    assert _problems(op, _answer(b'{"title": 3, "id": "1"}')) == [
        "GET /things: a 200 breaks its declared schema at title (type)"]


def test_a_status_answered_by_class_uses_the_class_entry() -> None:
    op = Operation("GET", "/things", responses=frozenset({"4XX"}),
                   response_content={"4XX": {"application/problem+json": {
                       "type": "object", "required": ["title"]}}})
    seen = _answer(b'{"detail": "x"}', "application/problem+json", 404)
    assert _problems(op, seen) == [
        "GET /things: a 404 breaks its declared schema at the top (required)"]
