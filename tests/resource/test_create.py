"""Actions report outcomes; the graph turns them into 201/202/204/205/303/409/412/422/203."""

from __future__ import annotations

from typing import Any

from asgi import call

from statuskit.resource import (
    Accepted,
    App,
    Conflict,
    Created,
    Done,
    Invalid,
    PreconditionLost,
    ResetContent,
    Resource,
    SeeOther,
    parse_json,
)

JSON = {"content-type": "application/json"}


class Collection(Resource):
    accepts = {"POST": {"application/json": parse_json}}

    def validate(self, content: Any) -> list[dict[str, Any]] | None:
        if not isinstance(content, dict) or "title" not in content:
            return [{"field": "title", "problem": "required"}]
        return None

    def post(self, content: Any) -> Any:
        kind = content.get("kind")
        if kind == "elsewhere":
            return SeeOther("/results/1")
        if kind == "later":
            return Accepted("/jobs/1")
        if kind == "form":
            return ResetContent()
        if kind == "taken":
            return Conflict("id 7 is taken")
        if kind == "invalid":
            return Invalid([{"field": "kind", "problem": "unknown"}])
        return Created("/items/7", {"id": 7})


class Item(Resource):
    accepts = {"PUT": {"application/json": parse_json}}

    def is_conflict(self, content: Any) -> str | None:
        return "locked" if content.get("locked") else None

    def put(self, content: Any) -> Any:
        if content.get("race"):
            return PreconditionLost()
        return Done({"saved": True}) if content.get("echo") else Done()

    def delete(self) -> Any:
        return Accepted()


class Mirror(Resource):
    def non_authoritative(self) -> bool:
        return True

    def representation(self, media_type: str) -> Any:
        return {"copied": True}


APP = App({"/items": Collection, "/items/{id:int}": Item, "/mirror": Mirror})


def post(doc: str) -> Any:
    return call(APP, "POST", "/items", JSON, doc.encode())


def test_post_create_is_201_with_location() -> None:
    reply = post('{"title": "a"}')
    assert reply.status == 201
    assert reply.header("location") == "/items/7"
    assert reply.json() == {"id": 7}


def test_post_processed_elsewhere_is_303_with_location() -> None:
    reply = post('{"title": "a", "kind": "elsewhere"}')
    assert reply.status == 303
    assert reply.header("location") == "/results/1"


def test_post_accepted_for_later_is_202_with_monitor() -> None:
    reply = post('{"title": "a", "kind": "later"}')
    assert reply.status == 202
    assert reply.header("location") == "/jobs/1"


def test_reset_content_is_205_without_body() -> None:
    reply = post('{"title": "a", "kind": "form"}')
    assert reply.status == 205
    assert reply.body == b""
    assert reply.header("content-length") == "0"


def test_conflict_is_409_problem() -> None:
    reply = post('{"title": "a", "kind": "taken"}')
    assert reply.status == 409
    assert reply.json()["detail"] == "id 7 is taken"


def test_validation_errors_are_422_with_errors_member() -> None:
    reply = post('{"nope": 1}')
    assert reply.status == 422
    assert reply.header("content-type") == "application/problem+json"
    assert reply.json()["errors"] == [{"field": "title", "problem": "required"}]


def test_outcome_invalid_is_422() -> None:
    assert post('{"title": "a", "kind": "invalid"}').json()["errors"][0]["field"] == "kind"


def test_malformed_json_is_400_not_500() -> None:
    reply = post("{not json")
    assert reply.status == 400
    assert reply.header("content-type") == "application/problem+json"


def test_put_conflict_is_409() -> None:
    assert call(APP, "PUT", "/items/7", JSON, b'{"locked": true}').status == 409


def test_put_that_lost_a_race_is_412() -> None:
    reply = call(APP, "PUT", "/items/7", JSON, b'{"race": true}')
    assert reply.status == 412
    assert reply.header("content-type") == "application/problem+json"


def test_put_done_with_body_is_200_without_204() -> None:
    assert call(APP, "PUT", "/items/7", JSON, b'{"echo": true}').status == 200
    assert call(APP, "PUT", "/items/7", JSON, b"{}").status == 204


def test_deferred_delete_is_202() -> None:
    assert call(APP, "DELETE", "/items/7").status == 202


def test_transformed_representation_is_203() -> None:
    reply = call(APP, "GET", "/mirror")
    assert reply.status == 203
    assert reply.json() == {"copied": True}
