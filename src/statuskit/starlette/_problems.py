"""The app's errors as RFC 9457 problem documents, with the status RFC 9110 gives them.

Two exception handlers: one for Starlette's ``HTTPException`` (FastAPI's subclasses it),
one for FastAPI's ``RequestValidationError``, which FastAPI answers with 422 whatever
went wrong. RFC 9110 tells the cases apart: a path that names nothing is 404 (§15.5.5),
bad query or header parameters are 400 (§15.5.1), content in a format the route does
not take is 415 (§15.5.16), content that does not parse is 400, and only content that
parses but is not valid is 422 (§15.5.21).
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from typing import Any, NamedTuple

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response

from statuskit.codes import UnknownCode, allows_body, lookup
from statuskit.http import format_allow, parse_content_type
from statuskit.problem import PROBLEM_CONTENT_TYPE, problem_body

__all__ = [
    "BODY_STYLES",
    "Style",
    "allow_value",
    "http_exception",
    "http_exception_handler",
    "problem_response",
    "validation_failed",
    "validation_handler",
]

logger = logging.getLogger("statuskit.starlette")

# RFC 9457 §3.1: the members a problem document defines; an app's detail object may
# not overwrite them.
_STANDARD_MEMBERS = frozenset({"type", "title", "status", "detail", "instance"})
# A response names at most this many field errors: a request with ten thousand
# invalid items should not get a megabyte back.
MAX_REPORTED_ERRORS = 50
# Field names and messages are cut to this many characters in an error entry.
_MAX_TEXT = 200
# The order methods are listed in Allow; any others follow in alphabetical order.
_ALLOW_ORDER = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
# RFC 9110 §15.5.16 lets a 415 name the formats it would take; POST and PATCH have
# fields of their own for that (W3C LDP Accept-Post, RFC 5789 Accept-Patch).
_ACCEPT_FIELD = {"POST": "Accept-Post", "PATCH": "Accept-Patch"}
_JSON = ("application/json",)
_FORM = ("application/x-www-form-urlencoded", "multipart/form-data")


def allow_value(declared: Iterable[str]) -> str:
    """The Allow field value for a path whose routes declare ``declared``: HEAD wherever
    GET is (RFC 9110 §9.1), and OPTIONS, which ``install()`` answers (§9.3.7)."""
    methods = set(declared)
    if "GET" in methods:
        methods.add("HEAD")
    methods.add("OPTIONS")
    ordered = [m for m in _ALLOW_ORDER if m in methods]
    ordered += sorted(methods.difference(_ALLOW_ORDER))
    return format_allow(ordered)


class Style(NamedTuple):
    """What ``install()`` changes about the app's error answers (each a switch).

    ``statuses``: RFC 9110's 400 / 404 / 415 / 422 split of FastAPI's validation 422.
    ``bodies``: ``"problem"`` (RFC 9457 documents), ``"compatible"`` (problem documents
    whose ``detail`` member is what the app would have sent: FastAPI's error list, an
    HTTPException's detail; RFC 9457 §3.1 has a consumer ignore a standard member of
    another type, so the document stays valid) or ``"app"`` (the app's own bodies).
    """

    statuses: bool = True
    bodies: str = "problem"


BODY_STYLES = ("problem", "compatible", "app")
PROBLEM_STYLE = Style()


def problem_response(status: int, detail: object = None,
                     headers: Mapping[str, str] | None = None, **extensions: Any) -> Response:
    """A problem+json response; the status alone (no content) where none is allowed."""
    fields = _fields(headers)
    if not allows_body(status):
        return Response(status_code=status, headers=fields)
    try:
        body = problem_body(status, detail, **extensions)
    except (TypeError, ValueError, UnicodeEncodeError):
        # Extension members the app supplied that JSON cannot carry: keep the rest.
        logger.warning("dropped problem members JSON cannot encode for a %d", status)
        body = problem_body(status, detail if isinstance(detail, str) else None)
    return Response(body, status_code=status, headers=fields, media_type=PROBLEM_CONTENT_TYPE)


def _fields(headers: Mapping[str, str] | None) -> dict[str, str]:
    return {k: v for k, v in (headers or {}).items()
            if k.lower() not in ("content-type", "content-length")}


def _answer(style: Style, status: int, detail: str | None, original: Any,
            headers: Mapping[str, str] | None = None, *, fastapi: bool = True,
            **extensions: Any) -> Response:
    """The answer in the app's chosen body style; ``original`` is the ``detail`` the
    app's framework would have sent (FastAPI's error list, an HTTPException's detail)."""
    if style.bodies == "app":
        return _app_shaped(status, original, headers, fastapi)
    if style.bodies == "compatible":
        return problem_response(status, _encodable(original), headers, **extensions)
    return problem_response(status, detail, headers, **extensions)


def _app_shaped(status: int, original: Any, headers: Mapping[str, str] | None,
                fastapi: bool) -> Response:
    # FastAPI's default handlers answer {"detail": ...}; Starlette's, the text.
    fields = _fields(headers)
    if not allows_body(status):
        return Response(status_code=status, headers=fields)
    if not fastapi and isinstance(original, str):
        return PlainTextResponse(original, status_code=status, headers=fields)
    return JSONResponse({"detail": _encodable(original)}, status_code=status, headers=fields)


def _encodable(value: Any) -> Any:
    encoders = sys.modules.get("fastapi.encoders")
    return value if encoders is None else encoders.jsonable_encoder(value)


# -- HTTPException ------------------------------------------------------------------------


def http_exception_handler(style: Style) -> Callable[[Request, Exception], Awaitable[Response]]:
    """The app's HTTPException handler in ``style``."""

    async def http_exception(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        status = exc.status_code
        headers = dict(exc.headers or {})
        if status == 405:
            # RFC 9110 §15.5.6: Allow lists every method the target takes, not only
            # those of the one route the router happened to match first.
            allowed = _allowed_here(request)
            if allowed is not None:
                headers = {k: v for k, v in headers.items() if k.lower() != "allow"}
                headers["Allow"] = allowed
        if not allows_body(status):
            return problem_response(status, None, headers)  # 304 (and 204): the fields alone
        detail, extensions = _detail(status, exc.detail)
        return _answer(style, status, detail, exc.detail, headers,
                       fastapi=_is_fastapi(request), **extensions)

    return http_exception


http_exception = http_exception_handler(PROBLEM_STYLE)


def _is_fastapi(request: Request) -> bool:
    applications = sys.modules.get("fastapi.applications")
    return applications is not None and isinstance(request.scope.get("app"),
                                                   applications.FastAPI)


def _allowed_here(request: Request) -> str | None:
    from statuskit.starlette._contract import contract_of
    from statuskit.starlette._routes import ANY_METHOD, handler_route_path

    contract = contract_of(request.scope)
    if contract is None or not contract.method_contract:
        return None
    declared = contract.table.allowed(handler_route_path(request.scope))
    if declared is None or declared is ANY_METHOD:
        return None
    return allow_value(declared)


def _detail(status: int, detail: Any) -> tuple[str | None, dict[str, Any]]:
    if detail is None:
        return None, {}
    if isinstance(detail, str):
        # Starlette fills an empty detail with the reason phrase, which the title says.
        return (None if detail == _phrase(status) else _clean(detail, 2000)), {}
    if isinstance(detail, Mapping):
        text = detail.get("detail")
        members = {str(k): v for k, v in detail.items()
                   if str(k) not in _STANDARD_MEMBERS}
        # The app's text may quote the client's input, lone surrogates included.
        return (_clean(text, 2000) if isinstance(text, str) else None), members
    return None, {"errors": detail}


def _phrase(status: int) -> str | None:
    try:
        return lookup(status).phrase
    except UnknownCode:
        return None


# -- RequestValidationError ---------------------------------------------------------------


def validation_handler(style: Style) -> Callable[[Request, Exception], Awaitable[Response]]:
    """The app's RequestValidationError handler in ``style``."""

    async def validation_failed(request: Request, exc: Exception) -> Response:
        errors: Sequence[Mapping[str, Any]] = exc.errors()  # type: ignore[attr-defined]
        status = _validation_status(request, errors) if style.statuses else 422
        if status == 415:
            takes = _route_media_types(request) or _JSON
            offer = ", ".join(takes)
            field = _ACCEPT_FIELD.get(request.method, "Accept")
            return _answer(style, 415, f"Send content as one of: {offer}.", errors,
                           {field: offer})
        if status == 400 and _places(errors) == {"body"}:
            return _answer(style, 400, "The request content is not well-formed JSON.", errors)
        detail = _VALIDATION_DETAILS[status]
        return _answer(style, status, detail, errors, **_listed(errors))

    return validation_failed


validation_failed = validation_handler(PROBLEM_STYLE)

_VALIDATION_DETAILS = {
    404: "No resource is identified by this path.",
    400: "The request's parameters are not valid.",
    422: "The content is well-formed but not valid.",
}


def _validation_status(request: Request, errors: Sequence[Mapping[str, Any]]) -> int:
    """RFC 9110's status for what FastAPI calls a validation error."""
    places = _places(errors)
    if "path" in places:
        return 404  # §15.5.5: the path names nothing
    if places & {"query", "header", "cookie"}:
        return 400  # §15.5.1
    if "body" in places:
        takes = _route_media_types(request)
        if takes is not None and _content_not_taken(request, takes):
            return 415  # §15.5.16
        if any(error.get("type") == "json_invalid" for error in errors):
            return 400  # content that does not parse
    return 422  # §15.5.21: well-formed, not valid


def _places(errors: Sequence[Mapping[str, Any]]) -> set[str]:
    return {_place(error) for error in errors}


def _listed(errors: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    reported = [_error_entry(error) for error in errors[:MAX_REPORTED_ERRORS]]
    extensions: dict[str, Any] = {"errors": reported}
    if len(errors) > MAX_REPORTED_ERRORS:
        extensions["errors_not_listed"] = len(errors) - MAX_REPORTED_ERRORS
    return extensions


def _place(error: Mapping[str, Any]) -> str:
    loc = error.get("loc") or ("body",)
    return str(loc[0])


def _error_entry(error: Mapping[str, Any]) -> dict[str, Any]:
    # Only where and what: the input is not echoed back (it may be large or hostile).
    loc = tuple(error.get("loc") or ())
    place = str(loc[0]) if loc else "body"
    entry: dict[str, Any] = {
        "detail": _clean(str(error.get("msg", "")), _MAX_TEXT),
        "type": _clean(str(error.get("type", "")), _MAX_TEXT),
        "in": place,
    }
    if place == "body":
        # RFC 9457 §3 shows field errors located by a JSON Pointer (RFC 6901).
        entry["pointer"] = "#" + "".join("/" + _pointer_token(part) for part in loc[1:])
    elif len(loc) > 1:
        entry["name"] = _clean(str(loc[1]), _MAX_TEXT)
    return entry


def _pointer_token(part: Any) -> str:
    # RFC 6901 §3: "~" is written "~0" and "/" is written "~1".
    return _clean(str(part), _MAX_TEXT).replace("~", "~0").replace("/", "~1")


def _clean(text: str, limit: int) -> str:
    # Field names come from the client's JSON: a lone surrogate cannot go out as UTF-8.
    return text[:limit].encode("utf-8", "replace").decode("utf-8")


def _route_media_types(request: Request) -> tuple[str, ...] | None:
    route = request.scope.get("route")
    body_field = getattr(route, "body_field", None)
    if body_field is None:
        return None
    from fastapi import params  # only FastAPI raises RequestValidationError

    return _FORM if isinstance(body_field.field_info, params.Form) else _JSON


def _content_not_taken(request: Request, takes: tuple[str, ...]) -> bool:
    headers = request.headers
    has_content = headers.get("content-length", "0").strip() not in ("", "0") \
        or "transfer-encoding" in headers
    if not has_content:
        return False
    raw = headers.get("content-type")
    if raw is None:
        # RFC 9110 §8.3: content without a type; FastAPI reads it as JSON only when the
        # route says strict_content_type=False.
        strict = getattr(request.scope.get("route"), "strict_content_type", True)
        return getattr(strict, "value", strict) is not False  # it may be a Default()
    parsed = parse_content_type(raw)
    if parsed is None:
        return True
    media = parsed[0]
    if takes is _JSON:
        return not (media == "application/json" or
                    (media.startswith("application/") and media.endswith("+json")))
    return media not in takes
