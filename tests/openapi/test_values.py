"""Values generated from JSON Schema, judged by jsonschema (an oracle we did not write)."""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest

from openapi.fastapi_app import create_app
from statuskit.check._openapi_document import operations_from_document
from statuskit.check._openapi_values import UNKNOWN, absent_value, invalid_value, valid_value

FORMATS = jsonschema.Draft202012Validator.FORMAT_CHECKER

SCHEMAS: list[dict[str, Any]] = [
    {"type": "string"},
    {"type": "string", "minLength": 20},
    {"type": "string", "maxLength": 3},
    {"type": "string", "format": "uuid"},
    {"type": "string", "format": "date-time"},
    {"type": "string", "format": "email"},
    {"type": "integer", "minimum": 10, "maximum": 20},
    {"type": "integer", "exclusiveMinimum": 5},
    {"type": "number"},
    {"type": "boolean"},
    {"type": "array", "items": {"type": "integer"}, "minItems": 3},
    {"type": "object", "required": ["a", "b"],
     "properties": {"a": {"type": "string"}, "b": {"type": "array",
                                                   "items": {"type": "boolean"}}}},
    {"allOf": [{"type": "object", "required": ["a"], "properties": {"a": {"type": "integer"}}},
               {"required": ["b"], "properties": {"b": {"enum": ["x", "y"]}}}]},
    {"anyOf": [{"type": "string", "pattern": "^[a-z]+$"}, {"type": "integer"}]},
    {"type": ["string", "null"]},
]


@pytest.mark.parametrize("schema", SCHEMAS)
def test_valid_value_validates(schema: dict[str, Any]) -> None:
    value = valid_value(schema)
    assert value is not UNKNOWN
    jsonschema.validate(value, schema, format_checker=FORMATS)


def test_valid_body_for_the_fastapi_model_validates() -> None:
    operations = {op.name: op for op in operations_from_document(create_app().openapi())}
    schema = operations["POST /notes"].body_schema
    assert schema is not None
    jsonschema.validate(valid_value(schema), schema)


@pytest.mark.parametrize("schema", [
    {"type": "string", "pattern": "^[A-Z]{3}$"},  # a generator would need a regex solver
    {"not": {"type": "string"}},
    {"type": "integer", "minimum": 5, "maximum": 3},  # nothing fits
    {"type": "object", "required": ["a"], "properties": {"a": {"pattern": "x+"}}},
])
def test_valid_value_is_unknown_rather_than_guessed(schema: dict[str, Any]) -> None:
    assert valid_value(schema) is UNKNOWN


@pytest.mark.parametrize("schema", [
    {"type": "object", "properties": {"a": {"type": "string"}}},
    {"type": "array", "items": {"type": "string"}},
    {"type": "string"},
    {"type": "integer"},
    {"type": "number"},
    {"type": "boolean"},
])
def test_invalid_value_is_well_formed_and_rejected(schema: dict[str, Any]) -> None:
    value = invalid_value(schema)
    assert value is not UNKNOWN
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(value, schema)


@pytest.mark.parametrize("schema", [
    {},
    {"type": "object", "nullable": True},
    {"anyOf": [{"type": "object"}, {"type": "array"}]},
    {"type": ["object", "array"]},
])
def test_invalid_value_is_unknown_when_any_json_may_be_valid(schema: dict[str, Any]) -> None:
    assert invalid_value(schema) is UNKNOWN


@pytest.mark.parametrize("schema", [
    {"type": "integer"},
    {"type": "integer", "maximum": 1000},
    {"type": "number"},
    {"type": "string"},
    {"type": "string", "maxLength": 8},
    {"type": "string", "format": "uuid"},
])
def test_absent_value_is_of_the_declared_type(schema: dict[str, Any]) -> None:
    value = absent_value(schema)
    assert value is not UNKNOWN
    jsonschema.validate(value, schema, format_checker=FORMATS)


def test_absent_values_differ_between_runs() -> None:
    # Two probes must not agree on a name a server could have created in between.
    assert absent_value({"type": "string"}) != absent_value({"type": "string"})


@pytest.mark.parametrize("schema", [
    {"enum": ["books", "music"]},
    {"type": "boolean"},
    {"type": "string", "pattern": "^[a-z]+$"},
    {"type": "string", "format": "date"},
])
def test_absent_value_is_unknown_when_every_value_may_exist(schema: dict[str, Any]) -> None:
    assert absent_value(schema) is UNKNOWN
