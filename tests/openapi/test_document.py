"""Reading an OpenAPI document: operations, parameters, bodies, security."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from openapi.fastapi_app import create_app
from statuskit.check._openapi_document import (
    DocumentError,
    operations_from_document,
)
from statuskit.check.openapi import api_base

HERE = Path(__file__).parent


def _document(paths: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"openapi": "3.1.0", "info": {"title": "t", "version": "1"}, "paths": paths, **extra}


def test_fastapi_document_yields_every_route_with_its_method() -> None:
    operations = operations_from_document(create_app().openapi())
    assert sorted(op.name for op in operations) == sorted([
        "GET /notes", "POST /notes", "GET /notes/{note_id}", "PUT /notes/{note_id}",
        "DELETE /notes/{note_id}", "GET /users/{username}", "GET /users/by-id/{user_id}",
        "GET /catalog/{category}", "GET /catalog/prices/{amount}", "GET /admin/stats"])


def test_body_schema_ref_is_inlined_with_its_required_fields() -> None:
    operations = {op.name: op for op in operations_from_document(create_app().openapi())}
    create = operations["POST /notes"]
    assert create.body_media == ("application/json",)
    assert create.body_schema is not None
    assert create.body_schema["required"] == ["title"]
    assert create.body_schema["properties"]["title"]["minLength"] == 1
    assert create.success_codes() == (201,)


def test_path_parameter_types_come_from_the_schema() -> None:
    operations = {op.name: op for op in operations_from_document(create_app().openapi())}
    schemas = {op.path_parameters()[0].name: op.path_parameters()[0].schema
               for op in operations.values() if op.path_parameters() and op.method == "GET"}
    assert schemas["note_id"]["type"] == "integer"
    assert schemas["username"]["type"] == "string"
    assert schemas["user_id"]["format"] == "uuid"
    assert schemas["amount"]["type"] == "number"
    assert schemas["category"]["enum"] == ["books", "music"]  # through its $ref


def test_path_methods_list_every_method_the_path_declares() -> None:
    operations = {op.name: op for op in operations_from_document(create_app().openapi())}
    assert operations["GET /notes/{note_id}"].path_methods == {"GET", "PUT", "DELETE"}


def test_operation_parameter_overrides_the_path_items_one() -> None:
    # OpenAPI 3.1 §4.8.10.1: same name and location, the operation's wins.
    shared = {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}
    own = {"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}
    (op,) = operations_from_document(_document({"/x/{id}": {
        "parameters": [shared], "get": {"parameters": [own], "responses": {"200": {}}}}}))
    assert [p.schema for p in op.parameters] == [{"type": "integer"}]


def test_parameter_ref_chain_is_followed() -> None:
    document = _document(
        {"/x/{id}": {"get": {"parameters": [{"$ref": "#/components/parameters/A"}],
                             "responses": {"200": {}}}}},
        components={"parameters": {"A": {"$ref": "#/components/parameters/B"},
                                   "B": {"name": "id", "in": "path",
                                         "schema": {"type": "integer"}}}})
    (op,) = operations_from_document(document)
    assert op.path_parameters()[0].schema == {"type": "integer"}
    assert op.path_parameters()[0].required  # path parameters always are


def test_remote_ref_leaves_the_schema_unknown() -> None:
    (op,) = operations_from_document(_document({"/x": {"post": {
        "requestBody": {"content": {"application/json": {
            "schema": {"$ref": "https://example.com/schema.json"}}}},
        "responses": {"201": {}}}}}))
    assert op.body_schema == {}


def test_self_referencing_schema_is_bounded() -> None:
    document = _document(
        {"/x": {"post": {"requestBody": {"content": {"application/json": {
            "schema": {"$ref": "#/components/schemas/Tree"}}}}, "responses": {"201": {}}}}},
        components={"schemas": {"Tree": {"type": "object", "properties": {
            "child": {"$ref": "#/components/schemas/Tree"}}}}})
    (op,) = operations_from_document(document)
    assert op.body_schema is not None and op.body_schema["type"] == "object"


@pytest.mark.parametrize(("own", "document_level", "secured"), [
    (None, [{"bearer": []}], True),
    ([], [{"bearer": []}], False),  # OpenAPI 3.1 §4.8.10: an empty list removes it
    ([{"bearer": []}, {}], None, False),  # {} makes credentials optional
    ([{"key": []}], None, True),
    (None, None, False),
])
def test_security_requirement(own: Any, document_level: Any, secured: bool) -> None:
    operation: dict[str, Any] = {"responses": {"200": {}}}
    if own is not None:
        operation["security"] = own
    extra = {"security": document_level} if document_level is not None else {}
    (op,) = operations_from_document(_document({"/x": {"get": operation}}, **extra))
    assert op.secured is secured


def test_declared_statuses_by_code_by_class_and_default() -> None:
    (op,) = operations_from_document(_document({"/x": {"get": {
        "responses": {"200": {}, "4XX": {}}}}}))
    assert op.declares(200) and op.declares(404) and op.declares(422)
    assert not op.declares(500) and not op.declares(204)
    (fallback,) = operations_from_document(_document({"/x": {"get": {
        "responses": {"default": {}}}}}))
    assert fallback.declares(503)


@pytest.mark.parametrize("document", [
    {"swagger": "2.0", "paths": {}},
    {"openapi": "3.0.3"},
    [],
    "openapi: 3.1.0",
])
def test_not_an_openapi_3_document_is_refused(document: Any) -> None:
    with pytest.raises(DocumentError):
        operations_from_document(document)


def test_paths_hang_off_the_first_servers_path_on_the_checked_origin() -> None:
    url = "http://127.0.0.1:8000/health"
    assert api_base(url, {"servers": [{"url": "https://api.example.com/v2/"}]}) == \
        "http://127.0.0.1:8000/v2/"
    assert api_base(url, {"servers": [{"url": "/api"}]}) == "http://127.0.0.1:8000/api/"


def test_no_servers_means_the_root_whatever_path_the_url_has() -> None:
    # OpenAPI 3.1 §4.8.1: with no servers the server is "/", not the checked URL's path.
    assert api_base("http://127.0.0.1:8000/health", {}) == "http://127.0.0.1:8000/"
    assert api_base("http://127.0.0.1:8000/health?token=t", {"servers": []}) == \
        "http://127.0.0.1:8000/"


def test_a_relative_server_is_relative_to_where_the_document_was_read() -> None:
    # OpenAPI 3.1 §4.8.5: a relative server URL is relative to the document's location.
    document = {"servers": [{"url": "v1"}]}
    assert api_base("http://h/", document, "http://h/api/openapi.json") == "http://h/api/v1/"
    assert api_base("http://h/", {"servers": [{"url": "/{base}/x", "variables": {
        "base": {"default": "svc"}}}]}) == "http://h/svc/x/"


def test_reference_notes_document_reads() -> None:
    document = json.loads((HERE / "reference_notes.json").read_text())
    operations = {op.name: op for op in operations_from_document(document)}
    item = operations["PUT /notes/{id}"]
    assert item.path_parameters()[0].schema == {"type": "string", "maxLength": 64}
    assert operations["GET /private/notes"].secured
    assert operations["POST /notes"].body_example == {"title": "from the document",
                                                      "body": "an example"}
