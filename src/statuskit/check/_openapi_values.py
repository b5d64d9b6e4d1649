"""Values for probes, from JSON Schema: one that validates, one that validates but
names nothing that exists, one that is well-formed JSON yet cannot validate.

Each function answers ``Unknown`` rather than guess when the schema asks for
something it cannot honestly produce (a ``pattern``, a ``not``), so a probe that
would test the generator instead of the server is reported not applicable.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Mapping
from typing import Any, Final

__all__ = ["UNKNOWN", "absent_value", "invalid_value", "valid_value"]


class _Unknown:
    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN: Final = _Unknown()

# Past any real row counter, yet exact in an IEEE double (JavaScript clients).
_ABSENT_INTEGER = 2**53 - 1
_ABSENT_NUMBER = 1e15 + 0.5  # exact in a double, and printed without an exponent
_MAX_DEPTH = 8

_STRING_FORMATS: dict[str, str] = {
    "date": "2024-02-29",
    "date-time": "2024-02-29T12:00:00Z",
    "time": "12:00:00Z",
    "email": "probe@example.com",
    "idn-email": "probe@example.com",
    "uri": "https://example.com/statuskit",
    "url": "https://example.com/statuskit",
    "hostname": "example.com",
    "ipv4": "192.0.2.1",  # RFC 5737 documentation range
    "ipv6": "2001:db8::1",  # RFC 3849
    "byte": "c3RhdHVza2l0",
    "binary": "statuskit",
    "password": "statuskit-probe",
}


def _types(schema: Mapping[str, Any]) -> list[str]:
    kind = schema.get("type")
    if isinstance(kind, list):
        return [str(k) for k in kind if k != "null"]
    if isinstance(kind, str):
        return [kind]
    if "properties" in schema:
        return ["object"]
    if "items" in schema:
        return ["array"]
    return []


def _merged_all_of(schema: Mapping[str, Any]) -> dict[str, Any]:
    merged: dict[str, Any] = {k: v for k, v in schema.items() if k != "allOf"}
    for part in schema.get("allOf", []):
        if not isinstance(part, Mapping):
            continue
        part = _merged_all_of(part)
        merged.setdefault("properties", {}).update(part.get("properties", {}))
        merged["required"] = [*merged.get("required", []), *part.get("required", [])]
        for key, value in part.items():
            if key not in ("properties", "required"):
                merged.setdefault(key, value)
    return merged


def valid_value(schema: Mapping[str, Any], depth: int = 0) -> Any:
    """A value ``schema`` accepts, or UNKNOWN."""
    if depth > _MAX_DEPTH:
        return UNKNOWN
    schema = _merged_all_of(schema)
    for key in ("const", "default", "example"):
        if key in schema:
            return schema[key]
    if isinstance(schema.get("examples"), list) and schema["examples"]:
        return schema["examples"][0]
    if isinstance(schema.get("enum"), list) and schema["enum"]:
        return schema["enum"][0]
    for key in ("anyOf", "oneOf"):
        for branch in schema.get(key, []):
            value = valid_value(branch, depth + 1) if isinstance(branch, Mapping) else UNKNOWN
            if value is not UNKNOWN:
                return value
    if "not" in schema or "pattern" in schema:
        return UNKNOWN
    types = _types(schema)
    if not types:
        return UNKNOWN if schema else "statuskit"
    return _valid_of_type(types[0], schema, depth)


def _valid_of_type(kind: str, schema: Mapping[str, Any], depth: int) -> Any:
    if kind == "object":
        return _valid_object(schema, depth)
    if kind == "array":
        item = valid_value(schema.get("items", {}), depth + 1)
        if item is UNKNOWN:
            return UNKNOWN
        return [item] * max(1, int(schema.get("minItems", 1)))
    if kind in ("integer", "number"):
        low = schema.get("minimum", schema.get("exclusiveMinimum", 0))
        if isinstance(schema.get("exclusiveMinimum"), int | float):
            low = schema["exclusiveMinimum"] + 1
        value = max(1, int(low)) if isinstance(low, int | float) else 1
        high = schema.get("maximum")
        if isinstance(high, int | float) and value > high:
            return UNKNOWN
        return value
    if kind == "boolean":
        return True
    if kind == "string":
        return _valid_string(schema)
    return UNKNOWN


def _valid_object(schema: Mapping[str, Any], depth: int) -> Any:
    properties = schema.get("properties", {})
    out: dict[str, Any] = {}
    for name in schema.get("required", []):
        value = valid_value(properties.get(name, {}), depth + 1)
        if value is UNKNOWN:
            return UNKNOWN
        out[name] = value
    return out


def _valid_string(schema: Mapping[str, Any]) -> Any:
    fmt = schema.get("format")
    if fmt == "uuid":
        return str(uuid.uuid4())
    text = _STRING_FORMATS.get(str(fmt), "statuskit") if fmt else "statuskit"
    low, high = int(schema.get("minLength", 0)), schema.get("maxLength")
    text = text.ljust(low, "x")
    if isinstance(high, int) and len(text) > high:
        return UNKNOWN if fmt else text[:high]
    return text


def absent_value(schema: Mapping[str, Any]) -> Any:
    """A value of the declared type that names nothing a server holds, or UNKNOWN.

    An enum or a boolean has no such value: every member may exist.
    """
    schema = _merged_all_of(schema)
    if "enum" in schema or "const" in schema or "pattern" in schema or "not" in schema:
        return UNKNOWN
    types = _types(schema)
    kind = types[0] if types else "string"
    if kind == "integer":
        high = schema.get("maximum")
        return int(high) if isinstance(high, int | float) else _ABSENT_INTEGER
    if kind == "number":
        high = schema.get("maximum")
        return float(high) if isinstance(high, int | float) else _ABSENT_NUMBER
    if kind != "string":
        return UNKNOWN
    if schema.get("format") == "uuid":
        return str(uuid.uuid4())
    if schema.get("format"):
        return UNKNOWN  # a date or an address may well exist
    text = f"statuskit-absent-{secrets.token_hex(6)}"
    high = schema.get("maxLength")
    if isinstance(high, int) and len(text) > high:
        text = secrets.token_hex(max(1, high // 2 + 1))[:high]
    return text if len(text) >= int(schema.get("minLength", 0)) else UNKNOWN


def invalid_value(schema: Mapping[str, Any]) -> Any:
    """Well-formed JSON that ``schema`` rejects by its type, or UNKNOWN."""
    merged = _merged_all_of(schema)
    types = set(_types(merged))
    if not types or merged.get("nullable") or any(k in merged for k in ("anyOf", "oneOf")):
        return UNKNOWN
    if "object" not in types:
        return {"statuskit": True}  # an object where a scalar or an array belongs
    if "array" not in types:
        return ["statuskit"]  # an array where an object belongs
    return UNKNOWN
