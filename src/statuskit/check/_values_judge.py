"""Judging one answer of the value phase: its status for the values sent, and its
content against what the document declares for that status.

Pure functions over a recorded ``Exchange``: no network, no generator. What they
cannot be sure of they leave alone (a response with no declared content, an empty
body, a format: JSON Schema 2020-12 §7.2.1 makes ``format`` an annotation), so a
finding here is a fault of the server, not a guess of the checker.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Mapping
from typing import Any

from statuskit.check._openapi_document import Operation
from statuskit.check._values_cases import Case
from statuskit.check._values_schema import json_schema
from statuskit.check.record import Exchange
from statuskit.check.rules import (
    DOCUMENTED,
    INVALID_ACCEPTED,
    RESPONSE_MEDIA,
    RESPONSE_SCHEMA,
    VALID_REFUSED,
    VALUE_SERVER_ERROR,
    Problem,
)

__all__ = ["ALLOWED_REFUSALS", "case_problems", "declared_key", "merged_branches",
           "response_problems"]

# A request whose values the schema allows may still be refused for what no schema
# says: credentials (401, 403), an id that names nothing (404, 410), the state of the
# resource (409, 412, 428), or a rate limit (429). Every other 4xx refuses the values.
ALLOWED_REFUSALS = frozenset({401, 403, 404, 409, 410, 412, 428, 429})
_MAX_ERRORS_SHOWN = 3
_MAX_DIGITS = 4000  # below sys.get_int_max_str_digits()'s default of 4,300


def _words(case: Case) -> str:
    if case.mode == "encoding":
        return "a body " + ("not in UTF-8" if case.keyword in ("utf-8", "utf-16")
                            else "in a charset it is not in")
    if case.mode == "invalid":
        return f"{case.where} breaking {case.keyword}"
    return "values its schema allows"


def case_problems(op: Operation, case: Case, seen: Exchange) -> list[Problem]:
    """What the status of ``seen`` breaks, for the values ``case`` sent."""
    status, name = seen.status, op.name
    detail = case.what or case.words()
    problems: list[Problem] = []
    if status >= 500:
        # RFC 9110 §15.6: a 5xx says the server failed; whatever a client sends, its
        # fault is a 4xx (§15.5).
        problems.append(VALUE_SERVER_ERROR.broken(f"{name}: {status} for {_words(case)}",
                                                  detail))
    elif case.mode in ("valid", "boundary") and 400 <= status < 500 \
            and status not in ALLOWED_REFUSALS:
        problems.append(VALID_REFUSED.broken(f"{name}: {status} for values its schema allows",
                                             detail))
    elif case.mode == "invalid" and case.strict and 200 <= status < 300:
        # One cause per place: a field left unvalidated is one defect, however many of
        # its keywords the cases break.
        problems.append(INVALID_ACCEPTED.broken(
            f"{name}: {status} for a value of {case.where} its schema forbids", detail))
    if not op.declares(status) and not (op.secured and status == 401
                                        and seen.header("www-authenticate")):
        declared = ", ".join(sorted(op.responses)) or "nothing"
        problems.append(DOCUMENTED.broken(f"answers {status}, which its document does not "
                                          "declare", f"to {detail}; it declares {declared}"))
    return problems


def declared_key(op: Operation, status: int) -> str | None:
    """The response entry of the document that describes ``status`` (OpenAPI 3.1
    §4.8.16: an exact code first, then its class, then ``default``)."""
    for key in (str(status), f"{status // 100}XX", "default"):
        if key in op.response_content:
            return key
    return None


def _integer(text: str) -> int:
    """A JSON integer; one past Python's 4,300-digit limit on str -> int (which would make
    valid JSON look malformed) keeps its sign and a magnitude past any bound a schema
    writes."""
    if len(text) <= _MAX_DIGITS:
        return int(text)
    past: int = 10**_MAX_DIGITS
    return -past if text.startswith("-") else past


def _essence(media: str) -> str:
    return media.split(";")[0].strip().lower()


def _matching(declared: Mapping[str, Any], media: str) -> str | None:
    """The declared media range ``media`` falls in (OpenAPI 3.1 §4.8.14: the most
    specific range wins)."""
    by_essence = {_essence(k): k for k in declared}
    kind = media.split("/")[0]
    for candidate in (media, f"{kind}/*", "*/*"):
        if candidate in by_essence:
            return by_essence[candidate]
    return None


def _is_json(media: str) -> bool:
    return media == "application/json" or media.endswith("+json")


def merged_branches(node: Any) -> Any:
    """``node`` with ``additionalProperties: false`` taken out of every ``allOf`` branch.

    Read strictly (JSON Schema 2020-12 §10.3.2.3), a branch that forbids other properties
    forbids the ones its sibling branches add, so ``allOf: [NoteIn, {id}]`` with a closed
    NoteIn admits no note with an id at all. Authors mean a merge (2020-12 has
    ``unevaluatedProperties`` for it); the checker is not sure which was meant, and reads
    the branches open.
    """
    if isinstance(node, list):
        return [merged_branches(n) for n in node]
    if not isinstance(node, Mapping):
        return node
    out = {k: merged_branches(v) if k not in ("enum", "const", "default") else v
           for k, v in node.items()}
    if isinstance(out.get("allOf"), list):
        out["allOf"] = [{k: v for k, v in b.items() if (k, v) != ("additionalProperties", False)}
                        if isinstance(b, Mapping) else b for b in out["allOf"]]
    return out


def response_problems(op: Operation, seen: Exchange,
                      validators: dict[tuple[str, str], Any]) -> list[Problem]:
    """Whether the content of ``seen`` is what the document declares for its status:
    one of the declared media types and, for JSON, valid against the declared schema.
    ``validators`` caches one validator per (status key, media)."""
    if seen.method == "HEAD" or seen.status in (204, 304) or not seen.body:
        return []
    key = declared_key(op, seen.status)
    declared = op.response_content.get(key or "", {})
    if not declared:
        return []  # no content declared: nothing the checker can be sure of
    media = _essence(seen.header("content-type") or "")
    name = op.name
    match = _matching(declared, media)
    if match is None:
        listed = ", ".join(sorted(declared))
        return [RESPONSE_MEDIA.broken(f"{name}: a {seen.status} in {media or 'no media type'}, "
                                      "which its document does not declare",
                                      f"it declares {listed}")]
    schema = declared[match]
    if not _is_json(_essence(match)) or not _is_json(media) or not schema \
            or not seen.body_complete:  # a part of the content is no evidence of its schema
        return []
    try:
        value = json.loads(seen.body, parse_int=_integer)
    except RecursionError:
        return []  # deeper than Python's parser goes: valid JSON, not checked
    except ValueError:
        return [RESPONSE_SCHEMA.broken(f"{name}: a {seen.status} declared as JSON is not JSON",
                                       repr(seen.body[:60]))]
    validator = validators.get((str(key), match))
    if validator is None:
        Draft202012Validator = importlib.import_module("jsonschema").Draft202012Validator

        validator = Draft202012Validator(merged_branches(json_schema(schema, op.openapi,
                                                                     "response")))
        validators[(str(key), match)] = validator
    try:
        errors = sorted(validator.iter_errors(value), key=lambda e: list(e.absolute_path))
    except RecursionError:
        return []
    if not errors:
        return []
    first = errors[0]
    at = "/".join(str(p) for p in first.absolute_path) or "the top"
    shown = "; ".join(f"{'/'.join(str(p) for p in e.absolute_path) or 'top'}: "
                      f"{e.message[:120]}" for e in errors[:_MAX_ERRORS_SHOWN])
    return [RESPONSE_SCHEMA.broken(f"{name}: a {seen.status} breaks its declared schema at "
                                   f"{at} ({first.validator})", shown)]
