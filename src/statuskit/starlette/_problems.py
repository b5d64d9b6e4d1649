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
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from statuskit.codes import UnknownCode, allows_body, lookup
from statuskit.http import format_allow, parse_content_type
from statuskit.problem import PROBLEM_CONTENT_TYPE, problem_body

__all__ = [
    "allow_value",
    "http_exception",
    "problem_response",
    "validation_failed",
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


def problem_response(status: int, detail: str | None = None,
                     headers: Mapping[str, str] | None = None, **extensions: Any) -> Response:
    """A problem+json response; the status alone (no content) where none is allowed."""
    fields = {k: v for k, v in (headers or {}).items()
              if k.lower() not in ("content-type", "content-length")}
    if not allows_body(status):
        return Response(status_code=status, headers=fields)
    try:
        body = problem_body(status, detail, **extensions)
    except (TypeError, ValueError, UnicodeEncodeError):
        # Extension members the app supplied that JSON cannot carry: keep the rest.
        logger.warning("dropped problem members JSON cannot encode for a %d", status)
        body = problem_body(status, detail)
    return Response(body, status_code=status, headers=fields, media_type=PROBLEM_CONTENT_TYPE)


# -- HTTPException ------------------------------------------------------------------------


async def http_exception(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    status = exc.status_code
    headers = dict(exc.headers or {})
    if status == 405:
        # RFC 9110 §15.5.6: Allow lists every method the target takes, not only those
        # of the one route the router happened to match first.
        allowed = _allowed_here(request)
        if allowed is not None:
            headers = {k: v for k, v in headers.items() if k.lower() != "allow"}
            headers["Allow"] = allowed
    if not allows_body(status):
        return problem_response(status, None, headers)  # 304 (and 204): the fields alone
    detail, extensions = _detail(status, exc.detail)
    return problem_response(status, detail, headers, **extensions)


def _allowed_here(request: Request) -> str | None:
    from statuskit.starlette._contract import contract_of
    from statuskit.starlette._routes import ANY_METHOD, route_path

    contract = contract_of(request.scope)
    if contract is None:
        return None
    declared = contract.table.allowed(route_path(request.scope))
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
        return (text if isinstance(text, str) else None), members
    return None, {"errors": detail}


def _phrase(status: int) -> str | None:
    try:
        return lookup(status).phrase
    except UnknownCode:
        return None


# -- RequestValidationError ---------------------------------------------------------------


async def validation_failed(request: Request, exc: Exception) -> Response:
    errors: Sequence[Mapping[str, Any]] = exc.errors()  # type: ignore[attr-defined]
    places = {_place(error) for error in errors}
    method = request.method
    if "path" in places:
        return _invalid(404, "No resource is identified by this path.", errors)
    if places & {"query", "header", "cookie"}:
        return _invalid(400, "The request's parameters are not valid.", errors)
    if "body" in places:
        takes = _route_media_types(request)
        if takes is not None and _content_not_taken(request, takes):
            offer = ", ".join(takes)
            field = _ACCEPT_FIELD.get(method, "Accept")
            return problem_response(415, f"Send content as one of: {offer}.", {field: offer})
        if any(error.get("type") == "json_invalid" for error in errors):
            return problem_response(400, "The request content is not well-formed JSON.")
    return _invalid(422, "The content is well-formed but not valid.", errors)


def _invalid(status: int, detail: str, errors: Sequence[Mapping[str, Any]]) -> Response:
    reported = [_error_entry(error) for error in errors[:MAX_REPORTED_ERRORS]]
    extensions: dict[str, Any] = {"errors": reported}
    if len(errors) > MAX_REPORTED_ERRORS:
        extensions["errors_not_listed"] = len(errors) - MAX_REPORTED_ERRORS
    return problem_response(status, detail, **extensions)


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
