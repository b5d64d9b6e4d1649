"""FastAPI's generated OpenAPI document, made to declare what ``install()`` answers.

FastAPI declares 422 for every operation that takes parameters or content, in its own
``{"detail": [...]}`` shape. Under ``install()`` the same operations answer 400 for
malformed content or parameters, 415 (with Accept) for content in a format they do
not take, 422 as a problem document, 404 for a path that names nothing, and, where a
route uses the helpers, 406 (``provides``), 304 / 412 / 428 (``conditional``) and
206 / 416 (``ranged``). A document that does not say so sends clients, and
``statuskit check --openapi``, the wrong way (OpenAPI 3.1 §4.8.16: the responses
object lists the expected responses). The app's own declarations are kept.
"""

from __future__ import annotations

import sys
from typing import Any

__all__ = ["document_contract", "helpers_of"]

PROBLEM = "application/problem+json"
_PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
_VALIDATION_REF = {"$ref": "#/components/schemas/ValidationProblem"}
_APP_VALIDATION_REF = {"$ref": "#/components/schemas/HTTPValidationError"}
_TEXT = {"type": "string"}
# RFC 9457 §3.1, with the members statuskit always sends marked required.
_PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "description": "An RFC 9457 problem document.",
    "type": "object",
    "properties": {
        "type": {"type": "string", "format": "uri-reference", "default": "about:blank"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {},  # a string; the app's own value under bodies="compatible"
        "instance": {"type": "string", "format": "uri-reference"},
    },
    "required": ["type", "title", "status"],
}
_VALIDATION_SCHEMA: dict[str, Any] = {
    "title": "ValidationProblem",
    "description": "A problem document listing what was not valid, and where.",
    "allOf": [_PROBLEM_REF, {
        "type": "object",
        "properties": {
            "errors": {"type": "array", "items": {
                "type": "object",
                "properties": {
                    "detail": {"type": "string"},
                    "type": {"type": "string"},
                    "in": {"type": "string",
                           "enum": ["body", "path", "query", "header", "cookie"]},
                    "pointer": {"type": "string", "description": "RFC 6901, in the content"},
                    "name": {"type": "string", "description": "the parameter's name"},
                },
                "required": ["detail", "type", "in"],
            }},
            "errors_not_listed": {"type": "integer"},
        },
    }],
}
_DESCRIPTIONS = {
    206: "Partial Content: the ranges asked for",
    304: "Not Modified: the representation the client has is current",
    400: "Bad Request: malformed content or parameters",
    404: "Not Found",
    406: "Not Acceptable: none of the media types Accept takes",
    412: "Precondition Failed: the target is not in the state the request expects",
    413: "Content Too Large",
    415: "Unsupported Media Type: content in a format this operation does not take",
    416: "Range Not Satisfiable",
    422: "Unprocessable Content: well-formed, but not valid",
    428: "Precondition Required: send If-Match with the current ETag",
}
_WRITES = frozenset({"post", "put", "patch", "delete"})
_ACCEPT_FIELD = {"post": "Accept-Post", "patch": "Accept-Patch"}
_MARK = "statuskit_documented"


def helpers_of(route: Any) -> dict[str, Any]:
    """The statuskit helpers a FastAPI route uses, by kind (``provides``,
    ``conditional``, ``ranged``), each with what it was given."""
    from statuskit.starlette._declared import dependency_helpers

    found = dependency_helpers(route)
    declared = getattr(getattr(route, "endpoint", None), "statuskit_contract", None)
    if declared is not None:
        found.update(declared.helpers())
    return found


def document_contract(app: Any, *, methods: bool, statuses: bool, bodies: str,
                      settings: dict[str, Any]) -> None:
    """Wrap ``app.openapi`` so the document it builds (once, as FastAPI caches it)
    declares what install() answers."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        document: dict[str, Any] = generate()
        if not document.get("info", {}).get(_MARK) and id(document) != getattr(
                app.state, _MARK, None):
            _declare(app, document, statuses=statuses, bodies=bodies, settings=settings)
            setattr(app.state, _MARK, id(document))
        return document

    app.openapi = openapi


def _declare(app: Any, document: dict[str, Any], *, statuses: bool, bodies: str,
             settings: dict[str, Any]) -> None:
    routes = _routes_by_operation(app)
    problems = bodies != "app"
    guard_limit = settings.get("max_body_size")
    for path, item in document.get("paths", {}).items():
        for method, operation in item.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            route = routes.get((path, method.upper()))
            _declare_operation(operation, method, route, app, statuses=statuses,
                               problems=problems, guard_limit=guard_limit)
    if problems and _names_a_problem(document):
        # Only a document that names a problem schema gets the two schemas.
        schemas = document.setdefault("components", {}).setdefault("schemas", {})
        schemas.setdefault("Problem", _PROBLEM_SCHEMA)
        schemas.setdefault("ValidationProblem", _VALIDATION_SCHEMA)


def _names_a_problem(document: dict[str, Any]) -> bool:
    return any(PROBLEM in response.get("content", {})
               for item in document.get("paths", {}).values() if isinstance(item, dict)
               for operation in item.values() if isinstance(operation, dict)
               for response in operation.get("responses", {}).values()
               if isinstance(response, dict))


def _declare_operation(operation: dict[str, Any], method: str, route: Any, app: Any, *,
                       statuses: bool, problems: bool, guard_limit: int | None) -> None:
    responses: dict[str, Any] = operation["responses"]
    places = {p.get("in") for p in operation.get("parameters", ()) if isinstance(p, dict)}
    body = "requestBody" in operation
    if "422" in responses and problems:
        responses["422"] = _response(422, _VALIDATION_REF)
    elif "422" in responses:
        responses["422"].setdefault("description", _DESCRIPTIONS[422])
    invalid = _VALIDATION_REF if problems else _APP_VALIDATION_REF
    plain = _PROBLEM_REF if problems else _APP_VALIDATION_REF
    if statuses and (body or places & {"query", "header", "cookie"}):
        _add(responses, 400, invalid)
    if statuses and "path" in places:
        _add(responses, 404, invalid)
    if statuses and body:
        media = ", ".join(operation["requestBody"].get("content", {})) or "application/json"
        field = _ACCEPT_FIELD.get(method, "Accept")
        _add(responses, 415, plain, headers={field: {
            "description": f"what the operation takes: {media}", "schema": _TEXT}})
    if body and _body_limited(route, app, guard_limit):
        _add(responses, 413, plain)
    helpers = helpers_of(route) if route is not None else {}
    _declare_helpers(responses, method, helpers, plain)


def _declare_helpers(responses: dict[str, Any], method: str, helpers: dict[str, Any],
                     plain: dict[str, Any]) -> None:
    media_types = helpers.get("provides")
    if media_types:
        _add(responses, 406, plain)
        _offer(responses, media_types)
    conditional = helpers.get("conditional")
    if conditional is not None:
        _add(responses, 404, plain)  # no validators: the target does not exist
        if method in ("get", "head"):
            _add(responses, 304, None, headers={"ETag": {"schema": _TEXT}})
        _add(responses, 412, plain)
        if conditional.get("require") and method in _WRITES:
            _add(responses, 428, plain)
    if "ranged" in helpers and method == "get":
        success = responses.get("200", {})
        _add(responses, 206, None, headers={"Content-Range": {"schema": _TEXT}},
             content=success.get("content"))
        _add(responses, 416, plain, headers={"Content-Range": {"schema": _TEXT}})


def _offer(responses: dict[str, Any], media_types: tuple[str, ...]) -> None:
    """The success responses name every media type the route provides."""
    for code, response in responses.items():
        if not (code.isdigit() and code.startswith("2")) or not isinstance(response, dict):
            continue
        content: dict[str, Any] = response.setdefault("content", {})
        first: dict[str, Any] = next(iter(content.values()), {})
        schema = first.get("schema", {})
        for media in media_types:
            content.setdefault(media, {"schema": schema} if "json" in media else
                               {"schema": _TEXT})


def _add(responses: dict[str, Any], status: int, schema: dict[str, Any] | None, *,
         headers: dict[str, Any] | None = None, content: Any = None) -> None:
    if str(status) in responses:
        return  # the app's own declaration stays
    responses[str(status)] = _response(status, schema, headers=headers, content=content)


def _response(status: int, schema: dict[str, Any] | None, *,
              headers: dict[str, Any] | None = None, content: Any = None) -> dict[str, Any]:
    response: dict[str, Any] = {"description": _DESCRIPTIONS.get(status, str(status))}
    if content:
        response["content"] = content
    elif schema is not None:
        media = "application/json" if schema is _APP_VALIDATION_REF else PROBLEM
        response["content"] = {media: {"schema": schema}}
    if headers:
        response["headers"] = headers
    return response


def _body_limited(route: Any, app: Any, guard_limit: int | None) -> bool:
    # A 413 can happen where some limit is declared: the guard's, the app's, the
    # route's or its router's.
    return any(limit is not None for limit in (
        guard_limit, getattr(app, "max_body_size", None),
        getattr(route, "max_body_size", None) if route is not None else None))


def _routes_by_operation(app: Any) -> dict[tuple[str, str], Any]:
    routing = sys.modules.get("fastapi.routing")
    if routing is None:
        return {}
    found: dict[tuple[str, str], Any] = {}
    reader = getattr(routing, "iter_route_contexts", None)
    routes = reader(app.routes) if reader is not None else app.routes
    for route in routes:
        if getattr(route, "dependant", None) is None:
            continue
        for method in getattr(route, "methods", None) or ():
            found.setdefault((route.path_format, method), route)
    return found
