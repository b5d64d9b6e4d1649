"""Why a test that passes on the stock app fails once ``install()`` is applied.

The evidence is the test's own exchanges, recorded in both runs: the first exchange
whose answer differs is matched against the table of deliberate changes (the
README's "what changes" rows). A difference no row explains, or a failing test whose
exchanges are all the same, is a breakage. No test is named here.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["BREAKAGE", "CLASSES", "classify", "first_difference"]

Exchange = Mapping[str, Any]
BREAKAGE = "breakage"
PROBLEM = "application/problem+json"
# The guard's own answers in front of the app (RFC 9110 order).
_TRANSPORT = frozenset({408, 411, 413, 414, 417, 429, 503, 504, 505})


def _status(e: Exchange) -> int | None:
    status: int | None = e.get("status")
    return status


def _problem(e: Exchange) -> bool:
    return str(e.get("content_type", "")).startswith(PROBLEM)


def _head(stock: Exchange, ours: Exchange) -> bool:
    # RFC 9110 §9.3.2: HEAD is answered as GET (FastAPI answers 405).
    return stock["method"] == "HEAD" and _status(stock) == 405 and _status(ours) == 200


def _options(stock: Exchange, ours: Exchange) -> bool:
    # RFC 9110 §9.3.7 and the seed: OPTIONS is 204 (or 200) with Allow.
    return stock["method"] == "OPTIONS" and _status(stock) == 405 \
        and _status(ours) in (200, 204) and bool(ours.get("allow"))


def _allow(stock: Exchange, ours: Exchange) -> bool:
    # RFC 9110 §15.5.6: a 405's Allow lists every method of every route on the path.
    return _status(stock) == _status(ours) == 405 and stock.get("allow") != ours.get("allow")


def _not_implemented(stock: Exchange, ours: Exchange) -> bool:
    # RFC 9110 §15.6.2: a method no route anywhere implements (the stock router found
    # no route for it: 404 or 405). A method a route took (stock 2xx) is no such one.
    return _status(stock) in (404, 405) and _status(ours) == 501


def _validation_status(stock: Exchange, ours: Exchange) -> bool:
    # FastAPI's 422 split by what its own error list says was wrong: a path parameter
    # no resource has is 404 (RFC 9110 §15.5.5); a query, header or cookie parameter,
    # or content that is not JSON at all, is 400 (§15.5.1); content in a type the
    # route does not take is 415 (§15.5.16). Well-formed invalid content stays 422.
    if _status(stock) != 422 or _status(ours) not in (400, 404, 415):
        return False
    errors = _fastapi_errors(stock)
    if not errors:
        return False
    places = {str(loc[0]) if loc else "" for loc, _ in errors}
    if _status(ours) == 404:
        return "path" in places
    if _status(ours) == 400:
        return bool(places & {"query", "header", "cookie"}) \
            or any(kind == "json_invalid" for _, kind in errors)
    return places == {"body"} and _unaccepted(stock.get("request_type"), ours)


def _fastapi_errors(e: Exchange) -> list[tuple[list[Any], str]]:
    """(loc, type) of each error in FastAPI's ``{"detail": [...]}``; [] if not that."""
    try:
        detail = json.loads(e.get("body") or "")["detail"]
        return [(list(item["loc"]), str(item["type"])) for item in detail]
    except (ValueError, KeyError, TypeError):
        return []


def _unaccepted(request_type: Any, ours: Exchange) -> bool:
    # The request's media type (RFC 9110 §8.3.1, parameters aside) is none of those the
    # 415 lists; or there was none.
    accepts = {t.split(";")[0].strip().lower() for t in str(ours.get("accepts") or "").split(",")}
    if not request_type:
        return bool(accepts - {""})
    return str(request_type).split(";")[0].strip().lower() not in accepts


def _problem_body(stock: Exchange, ours: Exchange) -> bool:
    # RFC 9457: the same status, now as a problem document.
    return _status(stock) == _status(ours) and _problem(ours) and not _problem(stock) \
        and (_status(ours) or 0) >= 400 and _status(ours) != 500


def _server_error(stock: Exchange, ours: Exchange) -> bool:
    # The guard's 500 (an error id, no internals) for Starlette's text or debug page.
    return _status(stock) == _status(ours) == 500 and _problem(ours) and not _problem(stock)


def _transport(stock: Exchange, ours: Exchange) -> bool:
    # The guard in front: a transport-level refusal the stock stack does not make.
    return _status(ours) in _TRANSPORT and _status(stock) != _status(ours) and _problem(ours)


def _no_content(stock: Exchange, ours: Exchange) -> bool:
    # RFC 9110 §9.3.2, §15.3.5, §15.4.5: no content on HEAD, 204, 304.
    return _status(stock) == _status(ours) and bool(stock.get("body")) \
        and not ours.get("body") and (stock["method"] == "HEAD" or _status(ours) in (204, 304))


def _document(stock: Exchange, ours: Exchange) -> bool:
    # The OpenAPI document declares what install() answers (400, 415, 422 as a
    # problem...): the installed one, less those declarations, is the stock one.
    if not (_status(stock) == _status(ours) == 200 and stock.get("document")
            and ours.get("document")):
        return False
    try:
        theirs, mine = json.loads(stock["body"]), json.loads(ours["body"])
    except (ValueError, KeyError):
        return False
    return _without_contract(mine, theirs) == _without_contract(theirs, theirs)


# What statuskit.starlette._openapi adds to an operation's responses, and its schemas.
_ADDED_RESPONSES = frozenset({"206", "304", "400", "404", "406", "412", "413", "415",
                              "416", "428"})
_ADDED_SCHEMAS = frozenset({"Problem", "ValidationProblem"})


def _without_contract(document: Any, stock: Any) -> Any:
    """``document`` less the responses install() declares that ``stock`` lacks, with
    every 422's content (install() gives it the problem shape) left out."""
    document = json.loads(json.dumps(document))
    components = document.get("components", {})
    schemas = components.get("schemas", {})
    for name in _ADDED_SCHEMAS - set(stock.get("components", {}).get("schemas", {})):
        schemas.pop(name, None)
    if "schemas" in components and not schemas and "schemas" not in stock.get(
            "components", {}):
        del components["schemas"]
    if "components" in document and not components and "components" not in stock:
        del document["components"]
    for path, item in document.get("paths", {}).items():
        for method, operation in item.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            theirs = stock.get("paths", {}).get(path, {}).get(method, {}).get("responses", {})
            responses = operation["responses"]
            for code in _ADDED_RESPONSES - set(theirs):
                responses.pop(code, None)
            if "422" in responses:
                responses["422"] = {}
            for code, response in responses.items():
                if code.startswith("2") and isinstance(response, dict):
                    # provides() names each media type it offers on the successes.
                    response.pop("content", None)
    return document


# The deliberate changes, in the README table's order: (class, rule).
CLASSES: tuple[tuple[str, Callable[[Exchange, Exchange], bool]], ...] = (
    ("head", _head),
    ("options", _options),
    ("allow", _allow),
    ("not-implemented", _not_implemented),
    ("validation-status", _validation_status),
    ("problem-body", _problem_body),
    ("server-error", _server_error),
    ("transport", _transport),
    ("no-content", _no_content),
    ("document", _document),
)

_COMPARED = ("method", "path", "query", "status", "content_type", "allow", "body", "error")


def first_difference(stock: list[Exchange], ours: list[Exchange]
                     ) -> tuple[int, Exchange | None, Exchange | None] | None:
    """The first exchange whose request or answer differs; None if none does.

    A success whose content differs in both runs alike (a token, a timestamp, an id)
    is the app's own variation: install() changes no success content but a document's
    and what it strips from HEAD / 204 / 304."""
    for index in range(max(len(stock), len(ours))):
        a = stock[index] if index < len(stock) else None
        b = ours[index] if index < len(ours) else None
        if a is None or b is None:
            return index, a, b
        if all(a.get(k) == b.get(k) for k in _COMPARED) or _own_variation(a, b):
            continue
        return index, a, b
    return None


def _own_variation(a: Exchange, b: Exchange) -> bool:
    return all(a.get(k) == b.get(k) for k in _COMPARED if k != "body") \
        and 200 <= (_status(a) or 0) < 300 and not a.get("document") \
        and bool(a.get("body")) and bool(b.get("body"))


def classify(stock: list[Exchange], ours: list[Exchange]) -> tuple[str, str]:
    """(class, evidence) for a test that passed stock and fails installed."""
    found = first_difference(stock, ours)
    if found is None:
        return BREAKAGE, "every exchange the same, yet the test fails"
    index, a, b = found
    if a is None or b is None:
        return BREAKAGE, f"exchange {index}: made in one run only ({a or b})"
    evidence = (f"exchange {index}: {a['method']} {a['path']} stock {a.get('status')} "
                f"{a.get('content_type')!s:.40} -> installed {b.get('status')} "
                f"{b.get('content_type')!s:.40}")
    if a["method"] != b["method"] or a["path"] != b["path"]:
        return BREAKAGE, evidence + " (the test went another way)"
    if "error" in b and "error" not in a:
        return BREAKAGE, evidence + f" (installed raised {b['error']})"
    for name, rule in CLASSES:
        if rule(a, b):
            return name, evidence
    return BREAKAGE, evidence
