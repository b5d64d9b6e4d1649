"""Requests of the value phase: one ``Case`` is one set of values for one operation.

An operation's ``Shape`` says what it takes (parameters by location, a JSON body)
and carries the ``Oracle``: the whole request as one JSON Schema instance
(``{"path": {...}, "query": {...}, "header": {...}, "cookie": {...}, "body": ...}``),
judged by jsonschema, a validator this project did not write. Every case the phase
calls valid the oracle finds valid; every case it calls invalid breaks exactly the
one keyword the case names, at the place it names, and nothing else; a case the
oracle does not confirm is never sent. That is what keeps a generator's mistake from
becoming the server's finding.

Built here without any generator: invalid values (``invalid_cases``), the values at
each bound (``boundary_cases``) and bodies that are not UTF-8 or say a charset they
are not in (``encoding_cases``), each from one minimal valid case. Random valid cases
come from ``statuskit.check._values_gen``.
"""

from __future__ import annotations

import copy
import importlib
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Final
from urllib.parse import quote

from statuskit.check._openapi_document import Operation, Parameter
from statuskit.check._values_schema import generation_schema, json_schema, unsure

__all__ = ["NO_BODY", "Case", "Oracle", "Shape", "boundary_cases", "encoding_cases",
           "invalid_cases", "shape_of"]

LOCATIONS = ("path", "query", "header", "cookie")
# OpenAPI 3.1 §4.8.12.1: header parameters with these names are ignored (the request's
# own fields say them).
_IGNORED_HEADERS = frozenset({"accept", "content-type", "authorization"})
_MAX_LENGTH_SENT = 4096  # a longer boundary string is a size probe, not a value probe
_MAX_ITEMS_SENT = 256
_EXTRA = "statuskit_extra"
_NOT_IN_ENUM = "statuskit-not-in-enum"
# Formats whose violation the phase sends: a 5xx for one is a fault, a 2xx is not
# (JSON Schema 2020-12 §7.2.1: format is an annotation unless a server opts in).
_FORMAT_BREAKERS = {"date": "2024-13-45", "date-time": "statuskit", "time": "25:61:61",
                    "uuid": "statuskit-not-a-uuid", "email": "statuskit-no-at-sign",
                    "ipv4": "256.256.256.256", "ipv6": "statuskit", "uri": "statuskit"}
_PATTERN_TRIES = ("statuskit", "", "0", "~", "STATUSKIT", "-1", " ")


class _NoBody:
    def __repr__(self) -> str:
        return "NO_BODY"


NO_BODY: Final = _NoBody()


@dataclass(frozen=True)
class Case:
    """One request's values. ``values`` maps a location to parameter name to a JSON
    value; ``content`` replaces the JSON text of ``body`` (an encoding case)."""

    values: Mapping[str, Mapping[str, Any]]
    body: Any = NO_BODY
    content: bytes | None = None
    media: str = ""  # Content-Type sent with the body
    mode: str = "valid"  # "valid", "boundary", "invalid", "encoding"
    what: str = ""  # "priority: 6 (above its maximum 5)"
    keyword: str = ""  # the keyword broken or reached: "maximum"
    where: str = ""  # the place it is at: "body/priority", "query/page"
    strict: bool = True  # for an invalid case: whether a 2xx is a fault

    @property
    def expects_refusal(self) -> bool:
        return self.mode == "invalid"

    def instance(self) -> dict[str, Any]:
        """The request as the oracle sees it."""
        out: dict[str, Any] = {loc: dict(self.values.get(loc, {})) for loc in LOCATIONS}
        if self.body is not NO_BODY:
            out["body"] = self.body
        return out

    def content_bytes(self) -> bytes:
        if self.content is not None:
            return self.content
        if self.body is NO_BODY:
            return b""
        return json.dumps(self.body, ensure_ascii=False, separators=(",", ":")).encode()

    def words(self, limit: int = 160) -> str:
        """The values in a line: ``page=1001, body={"title":"0"}``."""
        parts = [f"{name}={_text(value)}" for loc in LOCATIONS
                 for name, value in self.values.get(loc, {}).items()]
        if self.content is not None:
            parts.append(f"body={self.content[:80]!r}")
        elif self.body is not NO_BODY:
            parts.append("body=" + self.content_bytes().decode())
        line = ", ".join(parts) or "no values"
        return line if len(line) <= limit else line[:limit - 1] + "\u2026"


@dataclass(frozen=True)
class Oracle:
    schema: Mapping[str, Any]

    def errors(self, case: Case) -> list[Any]:
        """jsonschema's errors for ``case`` (formats checked where it can check them)."""
        validator = _validator(self.schema)
        return list(validator.iter_errors(case.instance()))

    def valid(self, case: Case) -> bool:
        return not self.errors(case)

    def breaks_only(self, case: Case, keyword: str, where: tuple[str | int, ...]) -> bool:
        """Whether ``case`` breaks ``keyword`` at ``where`` and nothing else."""
        errors = self.errors(case)
        if len(errors) != 1:
            return False
        error = errors[0]
        return error.validator == keyword and tuple(error.absolute_path) == where


_VALIDATORS: dict[int, Any] = {}


def _validator(schema: Mapping[str, Any]) -> Any:
    Draft202012Validator = importlib.import_module("jsonschema").Draft202012Validator

    key = id(schema)
    found = _VALIDATORS.get(key)
    if found is None or found.schema is not schema:
        found = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
        _VALIDATORS[key] = found
    return found


@dataclass(frozen=True)
class Slot:
    """One parameter as the phase fills it."""

    parameter: Parameter
    schema: dict[str, Any]  # JSON Schema, request direction
    generate: dict[str, Any] | None  # what valid values come from (None: cannot)


@dataclass(frozen=True)
class Shape:
    op: Operation
    slots: tuple[Slot, ...]
    body_schema: dict[str, Any] | None  # JSON Schema of a JSON body, request direction
    body_generate: dict[str, Any] | None
    media: str  # the JSON media type the body goes in
    oracle: Oracle
    missing: str = ""  # why no valid case can be made
    dropped: tuple[str, ...] = field(default=())  # optional parameters never sent

    def slots_at(self, location: str) -> list[Slot]:
        return [s for s in self.slots if s.parameter.location == location]


def _json_media(op: Operation) -> str | None:
    for media in op.body_media:
        essence = media.split(";")[0].strip().lower()
        if essence == "application/json" or essence.endswith("+json"):
            return media
    return None


def _parameter_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """A parameter has no null on the wire: an absent one is absent, not null."""
    out = dict(schema)
    kind = out.get("type")
    if isinstance(kind, list) and "null" in kind:
        rest = [k for k in kind if k != "null"]
        out["type"] = rest[0] if len(rest) == 1 else rest
    if isinstance(out.get("enum"), list):
        out["enum"] = [v for v in out["enum"] if v is not None]
    return out


def _serialisable(parameter: Parameter, schema: Mapping[str, Any]) -> bool:
    """Whether the phase can write the parameter's values on the wire unambiguously:
    primitives anywhere, arrays of primitives in a query (form, exploded or with
    commas between numbers)."""
    kind = schema.get("type")
    if kind in ("string", "integer", "number", "boolean") or "enum" in schema:
        return parameter.style in ("", "simple", "form")
    if kind == "array" and parameter.location == "query" and parameter.style in ("", "form"):
        items = schema.get("items")
        item_kind = items.get("type") if isinstance(items, Mapping) else None
        if parameter.explode is False:
            return item_kind in ("integer", "number", "boolean")
        return item_kind in ("string", "integer", "number", "boolean")
    return False


def shape_of(op: Operation) -> Shape:
    """What ``op`` takes, and the oracle for its requests."""
    slots: list[Slot] = []
    dropped: list[str] = []
    missing = ""
    for parameter in op.parameters:
        if parameter.location not in LOCATIONS or (
                parameter.location == "header" and parameter.name.lower() in _IGNORED_HEADERS):
            continue
        schema = _parameter_schema(json_schema(parameter.schema, op.openapi, "request"))
        generate = generation_schema(schema) if _serialisable(parameter, schema) else None
        if generate is None:
            why = unsure(schema) or "a parameter this phase cannot write on the wire"
            if parameter.required:
                missing = missing or f"{parameter.location} parameter {parameter.name!r}: {why}"
            else:
                dropped.append(f"{parameter.location} {parameter.name}")
                continue
        slots.append(Slot(parameter, schema, generate))
    media = _json_media(op)
    body_schema = body_generate = None
    if media is not None and op.body_schema is not None:
        body_schema = json_schema(op.body_schema, op.openapi, "request")
        body_generate = generation_schema(body_schema)
        if body_generate is None:
            missing = missing or f"the request body: {unsure(body_schema) or 'its schema'} " \
                                 "cannot be filled with confidence"
    elif op.body_required:
        missing = missing or "a required body in a media type other than JSON"
    return Shape(op, tuple(slots), body_schema, body_generate, media or "",
                 Oracle(_oracle_schema(slots, body_schema, op.body_required)), missing,
                 tuple(dropped))


def _oracle_schema(slots: list[Slot], body: dict[str, Any] | None,
                   body_required: bool) -> dict[str, Any]:
    properties: dict[str, Any] = {}
    for location in LOCATIONS:
        here = [s for s in slots if s.parameter.location == location]
        properties[location] = {
            "type": "object",
            "properties": {s.parameter.name: s.schema for s in here},
            "required": [s.parameter.name for s in here if s.parameter.required],
        }
    if body is not None:
        properties["body"] = body
    return {"type": "object", "properties": properties,
            "required": [*LOCATIONS, *(["body"] if body is not None and body_required else [])]}


# -- on the wire -----------------------------------------------------------------------------


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


@dataclass(frozen=True)
class Request:
    path: str  # the operation's path with values put in, percent-encoded
    query: list[tuple[str, str]]
    headers: dict[str, str]
    content: bytes


def to_request(shape: Shape, case: Case) -> Request:
    """``case`` as the request it describes (OpenAPI 3.1 §4.8.12.4: simple style in the
    path and headers, form style in the query and cookies)."""
    path = shape.op.path
    for name, value in case.values.get("path", {}).items():
        path = path.replace("{" + name + "}", quote(_text(value), safe=""))
    explode = {s.parameter.name: s.parameter.explode is not False for s in shape.slots}
    query: list[tuple[str, str]] = []
    for name, value in case.values.get("query", {}).items():
        if isinstance(value, list):
            if explode.get(name, True):
                query += [(name, _text(v)) for v in value]
            else:
                query.append((name, ",".join(_text(v) for v in value)))
        else:
            query.append((name, _text(value)))
    headers = {name: _text(value) for name, value in case.values.get("header", {}).items()}
    cookies = case.values.get("cookie", {})
    if cookies:
        headers["Cookie"] = "; ".join(f"{k}={_text(v)}" for k, v in cookies.items())
    content = case.content_bytes()
    if content or case.body is not NO_BODY:
        headers["Content-Type"] = case.media or shape.media or "application/json"
    return Request(path, query, headers, content)


# -- walking a minimal valid case --------------------------------------------------------------


@dataclass(frozen=True)
class Leaf:
    """A place in the request instance, the schema that governs it, and its value
    (``present`` False: an optional property or parameter the case leaves out)."""

    where: tuple[str | int, ...]
    schema: Mapping[str, Any]
    value: Any
    present: bool
    wire: bool  # a parameter: its value goes on the wire as text


def _plain(schema: Mapping[str, Any]) -> bool:
    """Whether one keyword of ``schema`` can be broken alone: no composition around it."""
    return not any(k in schema for k in ("anyOf", "oneOf", "allOf", "not", "if", "$ref")) \
        and not unsure(schema)


def leaves(shape: Shape, base: Case) -> Iterator[Leaf]:
    """Every parameter, and every property of the body the base reaches."""
    for slot in shape.slots:
        location, name = slot.parameter.location, slot.parameter.name
        values = base.values.get(location, {})
        yield Leaf((location, name), slot.schema, values.get(name), name in values, True)
    if shape.body_schema is not None and base.body is not NO_BODY:
        yield from _body_leaves(shape.body_schema, base.body, ("body",), 0)


def _body_leaves(schema: Mapping[str, Any], value: Any, where: tuple[str | int, ...],
                 depth: int) -> Iterator[Leaf]:
    yield Leaf(where, schema, value, True, False)
    if depth > 6 or not _plain(schema):
        return
    properties = schema.get("properties")
    if isinstance(value, dict) and isinstance(properties, Mapping):
        for name, sub in properties.items():
            if not isinstance(sub, Mapping):
                continue
            if name in value:
                yield from _body_leaves(sub, value[name], (*where, name), depth + 1)
            else:
                yield Leaf((*where, name), sub, None, False, False)
    items = schema.get("items")
    if isinstance(value, list) and value and isinstance(items, Mapping):
        yield from _body_leaves(items, value[0], (*where, 0), depth + 1)


def with_value(base: Case, where: tuple[str | int, ...], value: Any, *,
               remove: bool = False) -> Case | None:
    """``base`` with the value at ``where`` replaced (or removed); None when its parent
    is not in the base."""
    if where[0] != "body":
        location, name = str(where[0]), str(where[1])
        values = {k: dict(v) for k, v in base.values.items()}
        here = values.setdefault(location, {})
        if remove:
            here.pop(name, None)
        else:
            here[name] = value
        return replace(base, values=values)
    if len(where) == 1:
        return replace(base, body=NO_BODY if remove else value)
    body = copy.deepcopy(base.body)
    node = body
    for step in where[1:-1]:
        node = _child(node, step)
        if node is _NOWHERE:
            return None
    last = where[-1]
    if isinstance(node, dict) and isinstance(last, str):
        if remove:
            node.pop(last, None)
        else:
            node[last] = value
    elif isinstance(node, list) and isinstance(last, int) and last < len(node):
        node[last] = value
    else:
        return None
    return replace(base, body=body)


_NOWHERE: Final = object()


def _child(node: Any, step: str | int) -> Any:
    if isinstance(node, dict) and isinstance(step, str) and step in node:
        return node[step]
    if isinstance(node, list) and isinstance(step, int) and step < len(node):
        return node[step]
    return _NOWHERE


def _at(where: tuple[str | int, ...]) -> str:
    return "/".join(str(w) for w in where)


def _name(where: tuple[str | int, ...]) -> str:
    """How a report names the place: ``priority``, ``tags[0]``, ``query page``."""
    if where[0] != "body":
        return f"{where[0]} parameter {where[1]}"
    parts = ""
    for step in where[1:]:
        parts += f"[{step}]" if isinstance(step, int) else (f".{step}" if parts else str(step))
    return parts or "the body"


# -- invalid values -----------------------------------------------------------------------------


def _types(schema: Mapping[str, Any]) -> set[str]:
    kind = schema.get("type")
    if isinstance(kind, list):
        return {str(k) for k in kind}
    return {kind} if isinstance(kind, str) else set()


def _breakers(leaf: Leaf) -> Iterator[tuple[str, Any, str, bool]]:
    """(keyword, value, words, strict) for each keyword of the leaf's schema that one
    value can break alone."""
    schema, kinds = leaf.schema, _types(leaf.schema)
    yield from _range_breakers(schema, kinds)
    yield from _length_breakers(schema, kinds, leaf)
    if isinstance(schema.get("enum"), list) and schema["enum"]:
        members = schema["enum"]
        if all(isinstance(m, str) for m in members):
            yield "enum", _NOT_IN_ENUM, "outside its enum", True
        elif all(isinstance(m, int) and not isinstance(m, bool) for m in members):
            yield "enum", max(members) + 1, "outside its enum", True
    if "const" in schema and isinstance(schema["const"], str):
        yield "const", schema["const"] + "-not", "not its constant", True
    if isinstance(schema.get("pattern"), str) and "string" in kinds:
        other = _not_matching(schema)
        if other is not None:
            yield "pattern", other, f"not matching its pattern {schema['pattern']}", True
    fmt = schema.get("format")
    if isinstance(fmt, str) and fmt in _FORMAT_BREAKERS and "string" in kinds:
        yield "format", _FORMAT_BREAKERS[fmt], f"not a {fmt}", False
    yield from _type_breakers(kinds, leaf.wire)


def _range_breakers(schema: Mapping[str, Any], kinds: set[str]) -> Iterator[
        tuple[str, Any, str, bool]]:
    if not kinds & {"integer", "number"}:
        return
    step = 1
    for keyword, sign, words in (("minimum", -1, "below its minimum"),
                                 ("maximum", 1, "above its maximum")):
        bound = schema.get(keyword)
        if isinstance(bound, int | float) and not isinstance(bound, bool):
            yield keyword, _number(bound + sign * step, kinds), f"{words} {bound}", True
    for keyword, words in (("exclusiveMinimum", "at its exclusive minimum"),
                           ("exclusiveMaximum", "at its exclusive maximum")):
        bound = schema.get(keyword)
        if isinstance(bound, int | float) and not isinstance(bound, bool):
            yield keyword, _number(bound, kinds), f"{words} {bound}", True


def _number(value: float, kinds: set[str]) -> int | float:
    if "integer" in kinds and float(value).is_integer():
        return int(value)
    return value


def _length_breakers(schema: Mapping[str, Any], kinds: set[str], leaf: Leaf) -> Iterator[
        tuple[str, Any, str, bool]]:
    low, high = schema.get("minLength"), schema.get("maxLength")
    if "string" in kinds and "format" not in schema:
        # An empty path segment names another route: not a value of this parameter.
        if isinstance(low, int) and low > (1 if leaf.where[0] == "path" else 0):
            yield "minLength", "x" * (low - 1), f"shorter than its minLength {low}", True
        if isinstance(high, int) and high < _MAX_LENGTH_SENT:
            yield "maxLength", "x" * (high + 1), f"longer than its maxLength {high}", True
    low, high = schema.get("minItems"), schema.get("maxItems")
    if "array" in kinds and isinstance(leaf.value, list) and leaf.value:
        item = leaf.value[0]
        if isinstance(low, int) and low > 0:
            yield "minItems", [item] * (low - 1), f"fewer items than its minItems {low}", True
        if isinstance(high, int) and high < _MAX_ITEMS_SENT:
            yield "maxItems", [item] * (high + 1), f"more items than its maxItems {high}", True
        if schema.get("uniqueItems") is True:
            yield "uniqueItems", [item, item], "with a repeated item", True


def _type_breakers(kinds: set[str], wire: bool) -> Iterator[tuple[str, Any, str, bool]]:
    if not kinds:
        return
    if wire:
        # Every parameter is text on the wire: only text no parser of the type reads.
        if kinds <= {"integer", "number", "boolean"}:
            yield "type", "statuskit", f"not {' or '.join(sorted(kinds))}", True
        if kinds == {"integer"}:
            yield "type", 1.5, "not an integer", True
        return
    if "string" not in kinds:
        yield "type", "statuskit", "a string, not " + " or ".join(sorted(kinds)), True
    elif kinds.isdisjoint({"integer", "number"}):
        yield "type", 12345, "a number, not a string", True
    if "null" not in kinds:
        yield "type", None, "null, which it does not allow", True


def _not_matching(schema: Mapping[str, Any]) -> str | None:
    try:
        pattern = re.compile(str(schema["pattern"]))
    except re.error:
        return None
    low, high = int(schema.get("minLength", 0)), schema.get("maxLength")
    for text in _PATTERN_TRIES:
        candidate = text.ljust(low, "x")
        if isinstance(high, int) and len(candidate) > high:
            continue
        if not pattern.search(candidate):
            return candidate
    return None


def invalid_cases(shape: Shape, base: Case) -> Iterator[Case]:
    """Cases that break one keyword at one place, each confirmed by the oracle."""
    for leaf in leaves(shape, base):
        if not _plain(leaf.schema):
            continue
        for keyword, value, words, strict in _breakers(leaf):
            if (leaf.where[0] == "path" and value in ("", ".", "..")) or (
                    leaf.where[0] == "path" and isinstance(value, str) and "/" in value):
                continue
            case = with_value(base, leaf.where, value)
            if case is None:
                continue
            case = replace(case, mode="invalid", keyword=keyword, where=_at(leaf.where),
                           strict=strict,
                           what=f"{_name(leaf.where)}: {_text(value)[:40]} ({words})")
            oracle_where = leaf.where if keyword != "required" else leaf.where[:-1]
            if shape.oracle.breaks_only(case, keyword, oracle_where):
                yield case
        yield from _structure_breakers(shape, base, leaf)


def _structure_breakers(shape: Shape, base: Case, leaf: Leaf) -> Iterator[Case]:
    """A required property or parameter left out; a property its object forbids."""
    schema = leaf.schema
    parent = leaf.where[:-1]
    if leaf.present and leaf.where[0] != "path" and len(leaf.where) >= 2 and (
            _required_here(shape, leaf)):
        case = with_value(base, leaf.where, None, remove=True)
        if case is not None:
            case = replace(case, mode="invalid", keyword="required", where=_at(leaf.where),
                           what=f"{_name(leaf.where)} left out (required)")
            if shape.oracle.breaks_only(case, "required", parent):
                yield case
    if leaf.where[0] == "body" and isinstance(leaf.value, dict) \
            and schema.get("additionalProperties") is False and _EXTRA not in leaf.value:
        value = {**leaf.value, _EXTRA: True}
        case = with_value(base, leaf.where, value)
        if case is not None:
            case = replace(case, mode="invalid", keyword="additionalProperties",
                           where=_at(leaf.where),
                           what=f"{_name(leaf.where)} with a property it forbids ({_EXTRA})")
            if shape.oracle.breaks_only(case, "additionalProperties", leaf.where):
                yield case


def _required_here(shape: Shape, leaf: Leaf) -> bool:
    if leaf.where[0] != "body":
        return any(s.parameter.required and s.parameter.name == leaf.where[1]
                   and s.parameter.location == leaf.where[0] for s in shape.slots)
    return len(leaf.where) >= 2 and isinstance(leaf.where[-1], str)


# -- values at the bounds -------------------------------------------------------------------------


def _boundary_values(leaf: Leaf) -> Iterator[tuple[str, Any, str]]:
    schema, kinds = leaf.schema, _types(leaf.schema)
    if kinds & {"integer", "number"}:
        for keyword in ("minimum", "maximum"):
            bound = schema.get(keyword)
            if isinstance(bound, int | float) and not isinstance(bound, bool):
                yield keyword, _number(bound, kinds), f"at its {keyword} {bound}"
        if "integer" in kinds:
            for keyword, step in (("exclusiveMinimum", 1), ("exclusiveMaximum", -1)):
                bound = schema.get(keyword)
                if isinstance(bound, int) and not isinstance(bound, bool):
                    yield keyword, bound + step, f"next to its {keyword} {bound}"
    if "string" in kinds and not any(k in schema for k in ("format", "pattern", "enum",
                                                           "const")):
        low, high = schema.get("minLength"), schema.get("maxLength")
        # An empty value is a boundary only in a body: an empty parameter is absent.
        if isinstance(low, int) and (low > 0 or leaf.where[0] == "body"):
            yield "minLength", "x" * low, f"exactly its minLength {low}"
        if isinstance(high, int) and 0 < high <= _MAX_LENGTH_SENT:
            yield "maxLength", "x" * high, f"exactly its maxLength {high}"
    if "array" in kinds and isinstance(leaf.value, list) and leaf.value:
        high = schema.get("maxItems")
        if isinstance(high, int) and 0 < high <= _MAX_ITEMS_SENT:
            unique = schema.get("uniqueItems") is True
            if not unique:
                yield "maxItems", [leaf.value[0]] * high, f"exactly its maxItems {high}"
        if schema.get("minItems", 0) == 0:
            yield "minItems", [], "empty"
    if "null" in kinds and leaf.where[0] == "body":
        yield "type", None, "null, which it allows"


def boundary_cases(shape: Shape, base: Case) -> Iterator[Case]:
    """Valid cases with one value at a bound, each confirmed valid by the oracle."""
    for leaf in leaves(shape, base):
        if not _plain(leaf.schema):
            continue
        for keyword, value, words in _boundary_values(leaf):
            if leaf.present and leaf.value == value:
                continue
            case = with_value(base, leaf.where, value)
            if case is None:
                continue
            case = replace(case, mode="boundary", keyword=keyword, where=_at(leaf.where),
                           what=f"{_name(leaf.where)}: {_text(value)[:40]} ({words})")
            if shape.oracle.valid(case):
                yield case


# -- bodies that are not UTF-8 ---------------------------------------------------------------------

_ACCENTED = "statuskit-\u00e9"  # é: one byte in Latin-1, not UTF-8 on its own


def _free_string(shape: Shape, base: Case) -> tuple[str | int, ...] | None:
    """A string in the body that takes any text: where a non-ASCII letter can go."""
    for leaf in leaves(shape, base):
        schema = leaf.schema
        if leaf.where[0] == "body" and leaf.present and isinstance(leaf.value, str) \
                and _plain(schema) and not any(k in schema for k in (
                    "format", "pattern", "enum", "const")) \
                and int(schema.get("maxLength", len(_ACCENTED))) >= len(_ACCENTED):
            return leaf.where
    return None


def encoding_cases(shape: Shape, base: Case) -> Iterator[Case]:
    """The base body with a non-ASCII letter, sent as bytes a JSON reader must refuse or
    may read: never a 5xx (RFC 8259 §8.1: JSON between systems is UTF-8; §11: the
    media type has no charset parameter)."""
    where = _free_string(shape, base) if shape.body_schema is not None else None
    if where is None:
        return
    case = with_value(base, where, _ACCENTED)
    if case is None or not shape.oracle.valid(case):
        return
    text = json.dumps(case.body, ensure_ascii=False)
    media = shape.media.split(";")[0].strip()
    at = _name(where)
    yield replace(case, mode="encoding", keyword="utf-8", content=text.encode("latin-1"),
                  media=media, what=f"{at} in Latin-1 bytes, not UTF-8")
    yield replace(case, mode="encoding", keyword="charset", content=text.encode("latin-1"),
                  media=f"{media}; charset=iso-8859-1",
                  what=f"{at} in Latin-1 bytes, declared charset=iso-8859-1")
    yield replace(case, mode="encoding", keyword="charset", content=text.encode(),
                  media=f"{media}; charset=us-ascii",
                  what=f"{at} in UTF-8 bytes, declared charset=us-ascii, which they are not in")
    yield replace(case, mode="encoding", keyword="utf-16",
                  content=text.encode("utf-16"), media=f"{media}; charset=utf-16",
                  what=f"{at} in UTF-16 with a byte order mark")
