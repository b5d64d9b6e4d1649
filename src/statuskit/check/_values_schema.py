"""OpenAPI schemas as the JSON Schema the value phase generates from and validates with.

Three views of one schema, each a pure function:

- ``json_schema``: what the document means, as JSON Schema 2020-12. OpenAPI 3.0
  schemas are not JSON Schema (``nullable``, boolean ``exclusiveMinimum``); a request
  leaves out ``readOnly`` properties and a response ``writeOnly`` ones (OpenAPI 3.1
  §4.8.24.4, 3.0 §4.7.25: a required read-only property is required in responses only).
- ``generation_schema``: a part of that meaning the checker is sure a server takes as
  valid: only declared properties, integers within 2**53, ECMAScript's ASCII ``\\d``
  and ``\\w`` in patterns, no optional property whose schema it cannot honestly fill.
  Narrowing only ever drops valid values, never adds invalid ones.
- ``unsure``: why a schema cannot be generated from at all (a recursion, a format no
  generator here knows), or "".

Nothing here imports a generator: ``statuskit.check._values_gen`` does.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from typing import Any, Literal

from statuskit.check._openapi_document import RECURSIVE

__all__ = ["FORMATS", "SAFE_INTEGER", "Direction", "generation_schema", "json_schema",
           "unsure"]

Direction = Literal["request", "response"]

# String formats a generator here fills with values every validator takes.
FORMATS = frozenset({"date", "date-time", "time", "email", "idn-email", "uri", "url",
                     "hostname", "ipv4", "ipv6", "uuid", "uuid1", "uuid3", "uuid4", "uuid5",
                     "byte", "binary", "password"})
# Formats of numbers (OpenAPI 3.1 §4.8.24.x): a range, not a string shape.
_NUMBER_FORMATS = {"int32": (-(2**31), 2**31 - 1), "int64": (-(2**63), 2**63 - 1)}
# Past 2**53 an integer is not exact in a double: a JavaScript or JSON-as-double server
# may round it, and that is not a fault the checker can be sure of.
SAFE_INTEGER = 2**53 - 1
_SCHEMA_LISTS = ("allOf", "anyOf", "oneOf", "prefixItems")
_SCHEMA_VALUES = ("items", "additionalProperties", "not", "contains", "propertyNames")
# ECMAScript's classes (ECMA-262 §22.2.2.9) without the u flag are ASCII; Python's are
# Unicode. A Unicode digit that Python's \d accepts, a JavaScript server refuses.
_ASCII_CLASSES = {r"\d": "[0-9]", r"\D": "[^0-9]", r"\w": "[A-Za-z0-9_]",
                  r"\W": "[^A-Za-z0-9_]"}
_CLASS = re.compile(r"\\\\|\\[dDwW]")


def json_schema(schema: Mapping[str, Any], openapi: str, direction: Direction) -> dict[str, Any]:
    """``schema`` as JSON Schema 2020-12 for one direction of the exchange."""
    out: dict[str, Any] = _convert(schema, openapi.startswith("3.0"), direction)
    return out


def _convert(node: Any, v30: bool, direction: Direction) -> Any:
    if not isinstance(node, Mapping):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in ("properties", "patternProperties", "$defs") and isinstance(value, Mapping):
            out[key] = {k: _convert(v, v30, direction) for k, v in value.items()}
        elif key in _SCHEMA_VALUES and isinstance(value, Mapping):
            out[key] = _convert(value, v30, direction)
        elif key in _SCHEMA_LISTS and isinstance(value, list):
            out[key] = [_convert(v, v30, direction) for v in value]
        elif key in ("example", "examples", "discriminator", "xml", "externalDocs"):
            continue  # annotations; 3.0's "example" is no JSON Schema keyword
        else:
            out[key] = value
    if v30:
        _from_openapi_30(out)
    _drop_one_way(out, "readOnly" if direction == "request" else "writeOnly")
    return out


def _from_openapi_30(out: dict[str, Any]) -> None:
    # OpenAPI 3.0 §4.7.25: nullable adds null; boolean exclusive bounds make the
    # bound itself excluded (JSON Schema draft 4's form).
    if out.pop("nullable", False) is True:
        if isinstance(out.get("type"), str):
            out["type"] = [out["type"], "null"]
        elif "enum" in out and None not in out["enum"]:
            out["enum"] = [*out["enum"], None]
    for exclusive, bound in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
        flag = out.get(exclusive)
        if isinstance(flag, bool):
            del out[exclusive]
            if flag and bound in out:
                out[exclusive] = out.pop(bound)


def _drop_one_way(out: dict[str, Any], flag: str) -> None:
    properties = out.get("properties")
    if not isinstance(properties, dict):
        return
    gone = {k for k, v in properties.items() if isinstance(v, Mapping) and v.get(flag) is True}
    if not gone:
        return
    out["properties"] = {k: v for k, v in properties.items() if k not in gone}
    if isinstance(out.get("required"), list):
        out["required"] = [r for r in out["required"] if r not in gone]
    if out.get("additionalProperties") is False and flag == "writeOnly":
        # A write-only property never comes back; it is not an extra one either.
        out["additionalProperties"] = {}


def unsure(schema: Any) -> str:
    """Why no value of ``schema`` can be generated with confidence ("" when it can)."""
    if not isinstance(schema, Mapping):
        return "" if isinstance(schema, bool) else "not a schema"
    if RECURSIVE in schema:
        return f"a recursive schema ({schema[RECURSIVE]})"
    if "$ref" in schema:
        return f"a reference the document does not resolve ({schema['$ref']})"
    fmt = schema.get("format")
    if isinstance(fmt, str) and _is_string(schema) and fmt not in FORMATS \
            and not _has_fixed_value(schema):
        return f"a string of format {fmt!r}, which no generator here knows"
    return ""


def _is_string(schema: Mapping[str, Any]) -> bool:
    kind = schema.get("type")
    return kind == "string" or (isinstance(kind, list) and "string" in kind) or kind is None


def _has_fixed_value(schema: Mapping[str, Any]) -> bool:
    return "const" in schema or "enum" in schema


def generation_schema(schema: Mapping[str, Any]) -> dict[str, Any] | None:
    """The part of ``schema`` (already ``json_schema``) to generate valid values from,
    or None when a value it requires cannot be generated with confidence."""
    narrowed: dict[str, Any] | None = _narrow(copy.deepcopy(dict(schema)))
    return narrowed


def _narrow(node: Any) -> Any:
    if not isinstance(node, dict):
        return node
    if unsure(node):
        return None
    for key in _SCHEMA_LISTS:
        if isinstance(node.get(key), list):
            branches = [_narrow(b) for b in node[key]]
            if key == "allOf" and any(b is None for b in branches):
                return None
            node[key] = [b for b in branches if b is not None] if key != "prefixItems" \
                else branches
            if key in ("anyOf", "oneOf") and not node[key]:
                return None
            if key == "prefixItems" and any(b is None for b in branches):
                return None
    for key in ("items", "contains"):
        if isinstance(node.get(key), dict):
            narrowed = _narrow(node[key])
            if narrowed is None:
                if key == "contains" or int(node.get("minItems", 0)) > 0:
                    return None
                node["maxItems"] = 0  # no item can be made: only the empty array
                node.pop(key)
            else:
                node[key] = narrowed
    if not _narrow_properties(node):
        return None
    _narrow_numbers(node)
    if isinstance(node.get("pattern"), str):
        node["pattern"] = _ascii_classes(node["pattern"])
    return node


def _narrow_properties(node: dict[str, Any]) -> bool:
    properties = node.get("properties")
    if isinstance(properties, dict):
        required = set(node.get("required", []) if isinstance(node.get("required"), list)
                       else [])
        kept = {}
        for name, sub in properties.items():
            narrowed = _narrow(sub)
            if narrowed is None:
                if name in required:
                    return False
                continue  # an optional property the checker cannot fill: never sent
            kept[name] = narrowed
        node["properties"] = kept
        missing = required - set(kept)
        if missing:
            return False  # required, yet the document gives it no schema at all
    if _is_object(node) and not isinstance(node.get("additionalProperties"), Mapping | bool):
        # Only declared properties: a server that forbids others without saying so
        # would refuse a value the schema allows, and that is no fault of its own.
        node["additionalProperties"] = False
        node.pop("patternProperties", None)
    return True


def _is_object(node: Mapping[str, Any]) -> bool:
    kind = node.get("type")
    return kind == "object" or (isinstance(kind, list) and "object" in kind) \
        or (kind is None and "properties" in node)


def _narrow_numbers(node: dict[str, Any]) -> None:
    kind = node.get("type")
    kinds = kind if isinstance(kind, list) else [kind]
    if "integer" not in kinds and "number" not in kinds:
        return
    low, high = _NUMBER_FORMATS.get(str(node.get("format")), (-SAFE_INTEGER, SAFE_INTEGER))
    low, high = max(low, -SAFE_INTEGER), min(high, SAFE_INTEGER)
    if not isinstance(node.get("minimum"), int | float) \
            and not isinstance(node.get("exclusiveMinimum"), int | float):
        node["minimum"] = low
    if not isinstance(node.get("maximum"), int | float) \
            and not isinstance(node.get("exclusiveMaximum"), int | float):
        node["maximum"] = high


def _ascii_classes(pattern: str) -> str:
    return _CLASS.sub(lambda m: _ASCII_CLASSES.get(m.group(0), m.group(0)), pattern)
