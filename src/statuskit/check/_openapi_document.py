"""An OpenAPI 3.x document as the checker needs it: operations, their parameters,
request bodies, declared responses and security requirements.

Only what a probe uses is read. Local ``$ref`` pointers (``#/components/...``)
are followed; a pointer elsewhere makes the schema unknown rather than guessed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "RECURSIVE",
    "DocumentError",
    "Link",
    "Operation",
    "Parameter",
    "operations_from_document",
    "server_url",
]

# RFC 9110 §9: the methods an OpenAPI path item can name (OpenAPI 3.1 §4.8.9).
PATH_ITEM_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_MAX_REF_DEPTH = 32
# Where a schema refers to itself: the recursion is cut here, and generators that meet
# this keyword treat the schema as one they cannot honestly fill.
RECURSIVE = "x-statuskit-recursive"


class DocumentError(ValueError):
    """The document is not an OpenAPI 3.x description this checker can read."""


@dataclass(frozen=True)
class Parameter:
    name: str
    location: str  # "path", "query", "header" or "cookie"
    required: bool
    schema: Mapping[str, Any]
    example: Any = None
    has_example: bool = False
    style: str = ""  # as written; "" for the location's default (OpenAPI 3.1 §4.8.12.4)
    explode: bool | None = None  # as written; None for the style's default


@dataclass(frozen=True)
class Link:
    """An OpenAPI Link (3.1 §4.8.20): a response of one operation feeds another's
    parameters. ``parameters`` maps a parameter name to a runtime expression or value."""

    status: str  # the response it hangs off: "201", "2XX", "default"
    operation_id: str
    parameters: Mapping[str, Any] = field(default_factory=dict)
    request_body: Any = None
    has_request_body: bool = False


@dataclass(frozen=True)
class Operation:
    method: str  # upper case
    path: str  # the template, as the document writes it
    parameters: tuple[Parameter, ...] = ()
    body_media: tuple[str, ...] = ()  # media types the request body may have
    body_schema: Mapping[str, Any] | None = None  # of the JSON media type, if any
    body_example: Any = None
    body_required: bool = False
    responses: frozenset[str] = frozenset()  # "200", "4XX", "default", ...
    produces: tuple[str, ...] = ()  # media types of the success responses
    secured: bool = False
    operation_id: str = ""
    path_methods: frozenset[str] = field(default_factory=frozenset)
    # status ("200", "4XX", "default") -> media type -> schema ({} when none is given)
    response_content: Mapping[str, Mapping[str, Mapping[str, Any]]] = field(
        default_factory=dict)
    links: tuple[Link, ...] = ()
    openapi: str = "3.1.0"  # the document's version: 3.0 schemas are not JSON Schema

    @property
    def name(self) -> str:
        """How reports name the operation: method and path template."""
        return f"{self.method} {self.path}"

    @property
    def is_read(self) -> bool:
        # RFC 9110 §9.2.1: safe methods.
        return self.method in ("GET", "HEAD", "OPTIONS", "TRACE")

    def declares(self, status: int) -> bool:
        """Whether the document lists ``status`` (exactly, by class, or as default)."""
        return (str(status) in self.responses or f"{status // 100}XX" in self.responses
                or "default" in self.responses)

    def success_codes(self) -> tuple[int, ...]:
        return tuple(sorted(int(c) for c in self.responses if c.isdigit() and c[0] == "2"))

    def path_parameters(self) -> tuple[Parameter, ...]:
        return tuple(p for p in self.parameters if p.location == "path")


class _Resolver:
    def __init__(self, document: Mapping[str, Any]) -> None:
        self.document = document

    def resolve(self, node: Any) -> Any:
        """``node`` with a local ``$ref`` followed (chains too); None if it cannot be."""
        for _ in range(_MAX_REF_DEPTH):
            if not isinstance(node, Mapping) or "$ref" not in node:
                return node
            node = self._pointer(str(node["$ref"]))
        return None

    def _pointer(self, ref: str) -> Any:
        if not ref.startswith("#/"):
            return None
        node: Any = self.document
        for part in ref[2:].split("/"):
            part = part.replace("~1", "/").replace("~0", "~")  # RFC 6901 §4
            if not isinstance(node, Mapping) or part not in node:
                return None
            node = node[part]
        return node

    def schema(self, node: Any, depth: int = 0,
               within: tuple[str, ...] = ()) -> dict[str, Any]:
        """A schema with every local ``$ref`` inside it inlined (to a bounded depth).
        A ``$ref`` met again inside itself is cut to ``{RECURSIVE: ref}``: inlining it
        would never end (or, for a tree, grow exponentially)."""
        if isinstance(node, Mapping) and "$ref" in node:
            ref = str(node["$ref"])
            if ref in within:
                return {RECURSIVE: ref}
            within = (*within, ref)
        node = self.resolve(node)
        if not isinstance(node, Mapping) or depth > _MAX_REF_DEPTH:
            return {}
        out: dict[str, Any] = {}
        for key, value in node.items():
            if key in ("properties", "patternProperties") and isinstance(value, Mapping):
                out[key] = {k: self.schema(v, depth + 1, within) for k, v in value.items()}
            elif key in ("items", "additionalProperties", "not") and isinstance(value, Mapping):
                out[key] = self.schema(value, depth + 1, within)
            elif key in ("allOf", "anyOf", "oneOf", "prefixItems") and isinstance(value, list):
                out[key] = [self._branch(node, v, depth, within) for v in value]
            else:
                out[key] = value
        return out

    def _branch(self, parent: Mapping[str, Any], branch: Any, depth: int,
                within: tuple[str, ...]) -> dict[str, Any]:
        """One branch of a composition; under a discriminator (OpenAPI 3.1 §4.8.25) the
        branch also fixes the discriminating property to the name that selects it, which
        JSON Schema alone does not say."""
        schema = self.schema(branch, depth + 1, within)
        discriminator = parent.get("discriminator")
        if not isinstance(discriminator, Mapping) or not isinstance(branch, Mapping) \
                or "$ref" not in branch or RECURSIVE in schema:
            return schema
        name = discriminator.get("propertyName")
        ref = str(branch["$ref"])
        mapping = discriminator.get("mapping")
        chosen = [k for k, v in (mapping.items() if isinstance(mapping, Mapping) else ())
                  if v == ref or v == ref.rsplit("/", 1)[-1]]
        if not isinstance(name, str):
            return schema
        # Without a mapping entry the name is the schema's own (§4.8.25.2.4).
        values = chosen or [ref.rsplit("/", 1)[-1]]
        fixed = {"enum": values} if len(values) > 1 else {"const": values[0]}
        return {"allOf": [schema, {"properties": {name: fixed}, "required": [name]}]}


def _parameter(resolver: _Resolver, raw: Any) -> Parameter | None:
    raw = resolver.resolve(raw)
    if not isinstance(raw, Mapping) or "name" not in raw or "in" not in raw:
        return None
    example, has_example = _example_of(raw)
    schema = resolver.schema(raw.get("schema", {}))
    if not has_example:
        example, has_example = _example_of(schema)
    location = str(raw["in"])
    explode = raw.get("explode")
    return Parameter(str(raw["name"]), location, bool(raw.get("required", location == "path")),
                     schema, example, has_example, str(raw.get("style", "")),
                     explode if isinstance(explode, bool) else None)


def _example_of(node: Mapping[str, Any]) -> tuple[Any, bool]:
    if "example" in node:
        return node["example"], True
    examples = node.get("examples")
    if isinstance(examples, Mapping):
        for value in examples.values():
            if isinstance(value, Mapping) and "value" in value:
                return value["value"], True
    if isinstance(examples, list) and examples:  # JSON Schema 2020-12 "examples"
        return examples[0], True
    return None, False


def _merge_parameters(resolver: _Resolver, shared: Any, own: Any) -> tuple[Parameter, ...]:
    # OpenAPI 3.1 §4.8.10.1: an operation's parameter overrides the path item's one
    # with the same name and location.
    merged: dict[tuple[str, str], Parameter] = {}
    for raw in [*(shared or []), *(own or [])]:
        parameter = _parameter(resolver, raw)
        if parameter is not None:
            merged[(parameter.name, parameter.location)] = parameter
    return tuple(merged.values())


def _is_json(media: str) -> bool:
    essence = media.split(";", 1)[0].strip().lower()
    return essence == "application/json" or essence.endswith("+json")


def _request_body(resolver: _Resolver, raw: Any) -> tuple[tuple[str, ...], dict[str, Any] | None,
                                                           Any, bool]:
    body = resolver.resolve(raw)
    if not isinstance(body, Mapping):
        return (), None, None, False
    content = body.get("content")
    if not isinstance(content, Mapping):
        return (), None, None, False
    media = tuple(str(m) for m in content)
    schema: dict[str, Any] | None = None
    example: Any = None
    for name, entry in content.items():
        if _is_json(str(name)) and isinstance(entry, Mapping):
            schema = resolver.schema(entry.get("schema", {}))
            example, found = _example_of(entry)
            if not found:
                example, _ = _example_of(schema)
            break
    return media, schema, example, bool(body.get("required", False))


def _produces(resolver: _Resolver, responses: Mapping[str, Any]) -> tuple[str, ...]:
    media: list[str] = []
    for code, raw in responses.items():
        response = resolver.resolve(raw)
        if str(code).startswith("2") and isinstance(response, Mapping):
            content = response.get("content")
            if isinstance(content, Mapping):
                media += [str(m) for m in content if str(m) not in media]
    return tuple(media)


def _response_content(resolver: _Resolver, responses: Mapping[str, Any],
                      ) -> dict[str, dict[str, dict[str, Any]]]:
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for code, raw in responses.items():
        response = resolver.resolve(raw)
        if not isinstance(response, Mapping):
            continue
        content = response.get("content")
        key = str(code).upper() if str(code) != "default" else "default"
        out[key] = {str(media): resolver.schema(entry.get("schema", {}))
                    for media, entry in (content.items() if isinstance(content, Mapping)
                                         else ()) if isinstance(entry, Mapping)}
    return out


def _links(resolver: _Resolver, responses: Mapping[str, Any]) -> tuple[Link, ...]:
    links: list[Link] = []
    for code, raw in responses.items():
        response = resolver.resolve(raw)
        listed = response.get("links") if isinstance(response, Mapping) else None
        for raw_link in (listed.values() if isinstance(listed, Mapping) else ()):
            link = resolver.resolve(raw_link)
            # operationRef points anywhere; only operationId is followed here.
            if not isinstance(link, Mapping) or not isinstance(link.get("operationId"), str):
                continue
            parameters = link.get("parameters")
            links.append(Link(str(code).upper(), str(link["operationId"]),
                              dict(parameters) if isinstance(parameters, Mapping) else {},
                              link.get("requestBody"), "requestBody" in link))
    return tuple(links)


def _secured(own: Any, document_level: Any) -> bool:
    # OpenAPI 3.1 §4.8.10: an operation's own list replaces the document's; an empty
    # requirement object ({}) inside it makes credentials optional.
    requirements = own if own is not None else document_level
    if not isinstance(requirements, list) or not requirements:
        return False
    return all(isinstance(r, Mapping) and r for r in requirements)


def operations_from_document(document: Any) -> list[Operation]:
    """Every operation of an OpenAPI 3.x document, in document order."""
    if not isinstance(document, Mapping) or not str(document.get("openapi", "")).startswith("3"):
        raise DocumentError("not an OpenAPI 3.x document (no 'openapi: 3.x' member)")
    paths = document.get("paths")
    if not isinstance(paths, Mapping):
        raise DocumentError("the document has no 'paths' object")
    resolver = _Resolver(document)
    operations: list[Operation] = []
    for path, raw_item in paths.items():
        item = resolver.resolve(raw_item)
        if not isinstance(item, Mapping) or not str(path).startswith("/"):
            continue
        declared = frozenset(m.upper() for m in PATH_ITEM_METHODS if isinstance(item.get(m),
                                                                                 Mapping))
        for method in PATH_ITEM_METHODS:
            raw = item.get(method)
            if not isinstance(raw, Mapping):
                continue
            listed = raw.get("responses")
            responses: Mapping[str, Any] = listed if isinstance(listed, Mapping) else {}
            media, schema, example, required = _request_body(resolver, raw.get("requestBody"))
            operations.append(Operation(
                method=method.upper(),
                path=str(path),
                parameters=_merge_parameters(resolver, item.get("parameters"),
                                             raw.get("parameters")),
                body_media=media,
                body_schema=schema,
                body_example=example,
                body_required=required,
                responses=frozenset(str(c).upper() if str(c) != "default" else "default"
                                    for c in responses),
                produces=_produces(resolver, responses),
                secured=_secured(raw.get("security"), document.get("security")),
                operation_id=str(raw.get("operationId", "")),
                path_methods=declared,
                response_content=_response_content(resolver, responses),
                links=_links(resolver, responses),
                openapi=str(document.get("openapi", "3.1.0")),
            ))
    return operations


def server_url(document: Mapping[str, Any]) -> str:
    """The URL of the document's first server, its variables at their defaults;
    ``/`` when it names none (OpenAPI 3.1 §4.8.1: the default Server Object)."""
    servers = document.get("servers")
    if not isinstance(servers, list) or not servers or not isinstance(servers[0], Mapping):
        return "/"
    server = servers[0]
    url = str(server.get("url", "")) or "/"
    variables = server.get("variables")
    if isinstance(variables, Mapping):
        for name, variable in variables.items():
            if isinstance(variable, Mapping) and "default" in variable:
                url = url.replace("{" + str(name) + "}", str(variable["default"]))
    return url
