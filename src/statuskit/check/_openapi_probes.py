"""Probes planned from an OpenAPI document, operation by operation.

Each probe is one question about one operation (or one path, for 405 and
OPTIONS), asked with values the document's schemas allow, and judged by the
same ``judge`` as the generic probes. A write (POST, PUT, PATCH, DELETE to a
documented operation) is planned only with ``allow_writes``; otherwise the
probe is listed as skipped, so the report says what was not asked.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, unquote, urljoin, urlsplit, urlunsplit

from statuskit.check._openapi_document import Operation, Parameter
from statuskit.check._openapi_exchange import Exchanger
from statuskit.check._openapi_values import UNKNOWN, absent_value, invalid_value, valid_value
from statuskit.check.evidence import Evidence
from statuskit.check.record import Exchange
from statuskit.check.rules import (
    ABSENT_IS_404,
    ALLOW_LISTS_ALL,
    CREATED_IS_201,
    DELETED_IS_GONE,
    DOCUMENTED,
    HEAD_LENGTH,
    HEAD_PARITY,
    IMPLEMENTED_SOMEWHERE,
    INVALID_IS_422,
    INVITED_1_TB,
    MALFORMED_IS_400,
    MEDIA_IS_415,
    NO_CONTINUE_BEFORE_REFUSAL,
    NO_CREDENTIALS_IS_401,
    OPTIONS_ALLOW,
    Problem,
    Rule,
    status_rule,
)
from statuskit.check.verdict import (
    Outcome,
    Verdict,
    add_problem,
    failed,
    judge,
    not_applicable,
    passed,
    skipped,
)
from statuskit.defaults import MAX_BODY_SIZE
from statuskit.http import parse_allow

__all__ = ["Planned", "RunContext", "conformance_verdicts", "plan_probes"]

UNLIKELY_MEDIA = "application/x-statuskit-unobtainable"
DECLARED_LENGTH = 10**12  # 1 TB: past any limit a server could mean
_EXPECT_WAIT = 2.0  # seconds for a final answer or 100 Continue to a declared length
_WRITES = ("PUT", "PATCH", "DELETE", "POST")
_WRITE_SKIP = "a write to a documented operation: run with --allow-writes"


@dataclass
class RunContext:
    ex: Exchanger
    headers: Mapping[str, str] = field(default_factory=dict)  # sent with every probe but 401
    statuses: dict[str, dict[int, str]] = field(default_factory=dict)  # op -> status -> probe
    answers: dict[tuple[str, int], Exchange] = field(default_factory=dict)  # the first of each
    created: set[str] = field(default_factory=set)  # URLs a 201 named, not yet deleted

    async def send(self, op: Operation | None, method: str, url: str, *,
                   headers: Mapping[str, str] | None = None, content: bytes = b"",
                   credentials: bool = True, probe: str = "", force: bool = False) -> Exchange:
        fields = {**(self.headers if credentials else {}), **(headers or {})}
        seen = await self.ex.send(method, url, headers=fields, content=content, force=force)
        if op is not None and method == op.method:
            self.statuses.setdefault(op.name, {}).setdefault(seen.status, probe or method)
            self.answers.setdefault((op.name, seen.status), seen)
        location = seen.header("location")
        if seen.status == 201 and location:
            self.created.add(resource_url(urljoin(seen.url, location)))
        elif method == "DELETE" and seen.status // 100 == 2:
            self.created.discard(resource_url(url))
        return seen


def resource_url(url: str) -> str:
    """One spelling of the resource ``url`` names, so that a Location and the URL a
    probe built from the id in it compare equal: the query left out, each path segment
    percent-encoded the one way (RFC 3986 §6.2.2.2: %41 and A name the same segment)."""
    parts = urlsplit(url)
    path = "/".join(path_segment(unquote(part)) for part in parts.path.split("/"))
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


def _template_pattern(path: str) -> re.Pattern[str]:
    parts = re.split(r"(\{[^}]+\})", path)
    return re.compile("".join("[^/]+" if p.startswith("{") else re.escape(p) for p in parts))


async def clean_up(ctx: RunContext, operations: Iterable[Operation]) -> list[str]:
    """DELETE what probes created and did not remove themselves (a server that took a
    malformed body, say); the lines to report, naming anything left behind."""
    deletes = [(op, _template_pattern(op.path)) for op in operations if op.method == "DELETE"]
    prefix = urlsplit(ctx.ex.base).path.rstrip("/")
    removed, left = 0, []
    for url in sorted(ctx.created):
        path = urlsplit(url).path
        match = next((op for op, pattern in deletes
                      if path.startswith(prefix) and pattern.fullmatch(path[len(prefix):])),
                     None)
        seen = await ctx.send(match, "DELETE", url, probe="clean-up", force=True) \
            if match is not None else None
        if seen is not None and seen.status // 100 == 2:
            removed += 1
        else:
            left.append(url)
    lines = [f"clean-up: deleted {removed} resources the probes created"] if removed else []
    if left:
        lines.append(f"left on the server (no DELETE in the document took them): "
                     f"{', '.join(left)}")
    return lines


ProbeRun = Callable[[RunContext], Awaitable[list[Verdict]]]


@dataclass(frozen=True)
class Planned:
    operation: str  # method sent and path template, as reports show it
    codes: tuple[int, ...]
    run: ProbeRun
    write: bool = False
    names: tuple[str, ...] = ()  # check names besides the codes, for --only


def skipped_for(planned: Planned, reason: str) -> list[Verdict]:
    """One skipped verdict per code a planned probe would have judged."""
    verdicts = [skipped(code, reason, name=f"{code}") for code in planned.codes]
    for verdict in verdicts:
        verdict.operation = planned.operation
    return verdicts


def broke(verdict: Verdict, rule: Rule, cause: str, detail: str = "") -> Verdict:
    """``verdict`` with one more broken rule, when ``cause`` says one was broken."""
    return add_problem(verdict, Problem(rule, cause, detail)) if cause else verdict


# -- requests from the document ------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    url: str
    headers: dict[str, str]
    values: dict[str, Any]
    missing: str = ""  # why no request could be made from the schemas


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, str) else json.dumps(value)


def _example_or_valid(parameter: Parameter) -> Any:
    return parameter.example if parameter.has_example else valid_value(parameter.schema)


def target(ctx: RunContext, op: Operation,
           path_value: Callable[[Parameter], Any] = _example_or_valid) -> Target:
    """The operation's URL with path values from ``path_value`` and every required
    query and header parameter filled with a value its schema allows."""
    path, query, headers, values = op.path, [], {}, {}
    for parameter in op.parameters:
        if parameter.location == "path":
            value = path_value(parameter)
        elif parameter.required and parameter.location in ("query", "header"):
            value = _example_or_valid(parameter)
        else:
            continue
        if value is UNKNOWN:
            return Target("", {}, {}, f"no value fits the schema of {parameter.location} "
                                      f"parameter {parameter.name!r}")
        values[parameter.name] = value
        if parameter.location == "path":
            path = path.replace("{" + parameter.name + "}", quote(_text(value), safe=""))
        elif parameter.location == "query":
            query.append((parameter.name, _text(value)))
        else:
            headers[parameter.name] = _text(value)
    return Target(ctx.ex.url(path, query), headers, values)


def valid_body(op: Operation) -> bytes | None:
    if op.body_schema is None:
        return None
    value = op.body_example if op.body_example is not None else valid_value(op.body_schema)
    return None if value is UNKNOWN else json.dumps(value).encode()


def json_media(op: Operation) -> str | None:
    return next((m for m in op.body_media if m.split(";")[0].strip().lower() ==
                 "application/json" or m.split(";")[0].strip().lower().endswith("+json")),
                None)


# -- per-path probes -----------------------------------------------------------------------


def _missing_methods(seen: Exchange, declared: Iterable[str]) -> str:
    allow = seen.header("allow")
    if allow is None:
        return ""  # judged already: the code's required field
    missing = sorted(set(declared) - parse_allow(allow))
    if missing:
        return f"Allow: {allow} omits {', '.join(missing)}"
    return ""


def plan_405(ops: list[Operation], implemented: frozenset[str]) -> list[Planned]:
    """One probe per common method the path does not declare; ``implemented`` holds
    every method the document declares on any path."""
    declared = ops[0].path_methods
    return [_probe_405(ops[0], method, declared, implemented)
            for method in ("GET", *_WRITES) if method not in declared]


def _probe_405(op: Operation, method: str, declared: frozenset[str],
               implemented: frozenset[str]) -> Planned:
    name = f"{method} {op.path}"
    probe = f"{method}, which the document does not declare for this path"

    async def run(ctx: RunContext) -> list[Verdict]:
        where = target(ctx, op)
        if where.missing:
            return [not_applicable(405, where.missing, operation=name)]
        seen = await ctx.send(None, method, where.url, headers=where.headers)
        if seen.status == 501:
            return [_answered_501(seen, method, probe, name, implemented)]
        verdict = judge(405, seen, {405}, probe=probe, operation=name)
        if seen.status == 405:
            broke(verdict, ALLOW_LISTS_ALL, _missing_methods(seen, declared) and
                  "a 405's Allow omits methods the document declares for the path",
                  _missing_methods(seen, declared))
        return [verdict]

    return Planned(name, (405,), run)


def _answered_501(seen: Exchange, method: str, probe: str, operation: str,
                  implemented: frozenset[str]) -> Verdict:
    """RFC 9110 §15.6.2: 501 is right for a method the server implements for no
    resource, as the generic 405 probe also accepts; wrong where the document
    declares the method on some other path."""
    if method not in implemented:
        return passed(405, IMPLEMENTED_SOMEWHERE, f"answered 501: the document declares "
                      f"{method} on no path, so the server implements it for no resource "
                      "(RFC 9110 §15.6.2)", probe, status=501, evidence=_evidence(seen),
                      operation=operation)
    verdict = judge(405, seen, {405}, probe=probe, operation=operation,
                    rule=IMPLEMENTED_SOMEWHERE,
                    cause="answered 501 for a method the document declares elsewhere",
                    detail=f"{method} is declared on another path")
    return verdict


def plan_options(ops: list[Operation]) -> Planned | None:
    declared = ops[0].path_methods
    if "OPTIONS" in declared:
        return None
    name = f"OPTIONS {ops[0].path}"

    async def run(ctx: RunContext) -> list[Verdict]:
        where = target(ctx, ops[0])
        if where.missing:
            return [not_applicable(204, where.missing, operation=name, name="options")]
        seen = await ctx.send(None, "OPTIONS", where.url, headers=where.headers)
        if seen.status == 401 and all(op.secured for op in ops) \
                and not _has_credentials(ctx.headers):
            return [not_applicable(204, "every operation here requires credentials and "
                                        "OPTIONS answered 401; give credentials to probe it",
                                   operation=name, name="options", evidence=_evidence(seen))]
        verdict = judge(204, seen, {204}, probe="OPTIONS", operation=name, name="options",
                        tolerated={200: status_rule(204)})
        if seen.status in (200, 204):
            if seen.header("allow") is None:
                broke(verdict, OPTIONS_ALLOW, "a successful OPTIONS without Allow",
                      f"answered {seen.status}")
            missing = _missing_methods(seen, declared)
            broke(verdict, OPTIONS_ALLOW, missing and "a successful OPTIONS whose Allow omits "
                                                      "methods the document declares", missing)
        return [verdict]

    return Planned(name, (204,), run, names=("options",))


def _has_credentials(headers: Mapping[str, str]) -> bool:
    return any(k.lower() in ("authorization", "cookie") for k in headers)


def behind_credentials(verdicts: list[Verdict], operations: Iterable[Operation],
                       headers: Mapping[str, str]) -> list[Verdict]:
    """A 401 from an operation that requires credentials, when the run has none, hides
    what a probe asked (404, 415, ...): those verdicts are not applicable, not failed.
    RFC 9110 leaves the order of checks to the server; authentication first is common."""
    if _has_credentials(headers):
        return verdicts
    secured = {op.name for op in operations if op.secured}
    return [not_applicable(v.code, "the operation requires credentials and answered 401 "
                                   "first; give credentials to probe this", v.probe,
                           name=v.name, operation=v.operation, evidence=v.evidence)
            if v.outcome is Outcome.FAIL and v.status == 401 and v.code != 401
            and v.operation in secured else v for v in verdicts]


# -- read probes ---------------------------------------------------------------------------


def plan_head(op: Operation) -> Planned:
    name = f"HEAD {op.path}"

    async def run(ctx: RunContext) -> list[Verdict]:
        where = target(ctx, op)
        if where.missing:
            return [not_applicable(200, where.missing, operation=name, name="head-parity",
                                   rule=HEAD_PARITY)]
        get = await ctx.send(op, "GET", where.url, headers=where.headers, probe="GET")
        head = await ctx.send(None, "HEAD", where.url, headers=where.headers)
        verdict = judge(get.status, head, {get.status}, rule=HEAD_PARITY,
                        probe=f"HEAD answers as GET did ({get.status})", operation=name,
                        name="head-parity", evidence=_evidence(get, head),
                        cause=f"HEAD answered {head.status}, not as GET",
                        detail=f"GET answered {get.status}")
        length = head.header("content-length")
        if head.status == get.status and length is not None and get.header(
                "content-length") not in (None, length):
            # The content may have changed between the two: a second GET decides.
            again = await ctx.send(op, "GET", where.url, headers=where.headers, probe="GET")
            if again.header("content-length") not in (None, length):
                verdict.evidence.extend(_evidence(again))
                broke(verdict, HEAD_LENGTH, "HEAD's Content-Length is not GET's",
                      f"HEAD says {length}, GET sent {len(get.body)} and then "
                      f"{len(again.body)} bytes")
        return [verdict]

    return Planned(name, (200,), run, names=("head-parity",))


def _evidence(*seen: Exchange) -> list[Evidence]:
    return [s.evidence for s in seen if s.evidence is not None]


def plan_404(op: Operation) -> Planned | None:
    if not op.path_parameters() or op.method not in ("GET", "DELETE"):
        return None

    async def run(ctx: RunContext) -> list[Verdict]:
        where = target(ctx, op, lambda p: absent_value(p.schema))
        if where.missing:
            why = ("no value of a path parameter's type is surely absent (an enum, a "
                   f"boolean, a pattern or a date may all exist): {where.missing}")
            return [not_applicable(404, why, operation=op.name, rule=ABSENT_IS_404)]
        shown = ", ".join(f"{k}={_text(v)}" for k, v in where.values.items())
        probe = f"{op.method} with {shown}: of the declared type, naming nothing"
        seen = await ctx.send(op, op.method, where.url, headers=where.headers, probe=probe)
        return [judge(404, seen, {404}, probe=probe, rule=ABSENT_IS_404, operation=op.name)]

    return Planned(op.name, (404,), run, write=op.method != "GET")


def plan_406(op: Operation) -> Planned | None:
    if not op.produces or any(m.startswith("*/*") for m in op.produces):
        return None

    async def run(ctx: RunContext) -> list[Verdict]:
        where = target(ctx, op)
        if where.missing:
            return [not_applicable(406, where.missing, operation=op.name)]
        got = await ctx.send(op, "GET", where.url, headers=where.headers, probe="GET")
        if got.status // 100 != 2:
            why = f"GET with the document's values answered {got.status}: no representation"
            return [not_applicable(406, why, operation=op.name)]
        probe = f"GET with Accept: {UNLIKELY_MEDIA} (it produces {', '.join(op.produces)})"
        seen = await ctx.send(op, "GET", where.url, probe=probe,
                              headers={**where.headers, "Accept": UNLIKELY_MEDIA})
        return [judge(406, seen, {406}, probe=probe, operation=op.name)]

    return Planned(op.name, (406,), run)


async def conditional_get(ctx: RunContext, op: Operation, url: str,
                          headers: Mapping[str, str], got: Exchange) -> list[Verdict]:
    """304 and 412 on GET from the validators ``got`` (a 200 to GET of ``url``) carries."""
    etag, modified = got.header("etag"), got.header("last-modified")
    if etag is None and modified is None:
        why = "the GET advertises no validator (ETag, Last-Modified)"
        return [not_applicable(c, why, operation=op.name) for c in (304, 412)]
    if etag is not None:
        condition, probe = {"If-None-Match": etag}, "GET with If-None-Match: its ETag"
    else:
        condition, probe = {"If-Modified-Since": modified or ""}, \
            "GET with If-Modified-Since: its Last-Modified"
    seen = await ctx.send(op, "GET", url, headers={**headers, **condition}, probe=probe)
    verdicts = [judge(304, seen, {304}, probe=probe, operation=op.name)]
    if etag is None:
        verdicts.append(not_applicable(412, "the GET advertises no ETag", operation=op.name))
        return verdicts
    probe = "GET with If-Match: another tag"
    seen = await ctx.send(op, "GET", url, probe=probe,
                          headers={**headers, "If-Match": '"statuskit-not-this"'})
    verdicts.append(judge(412, seen, {412}, probe=probe, operation=op.name))
    return verdicts


def plan_conditional(op: Operation) -> Planned:
    async def run(ctx: RunContext) -> list[Verdict]:
        where = target(ctx, op)
        if where.missing:
            return [not_applicable(c, where.missing, operation=op.name) for c in (304, 412)]
        got = await ctx.send(op, "GET", where.url, headers=where.headers, probe="GET")
        if got.status != 200:
            why = f"GET with the document's values answered {got.status}, not 200"
            return [not_applicable(c, why, operation=op.name) for c in (304, 412)]
        return await conditional_get(ctx, op, where.url, where.headers, got)

    return Planned(op.name, (304, 412), run)


def plan_401(op: Operation) -> Planned | None:
    if not op.secured:
        return None

    async def run(ctx: RunContext) -> list[Verdict]:
        where = target(ctx, op)
        body = valid_body(op) if op.body_media else b""
        if where.missing or body is None:
            why = where.missing or "no body fits the request schema"
            return [not_applicable(401, why, operation=op.name, rule=NO_CREDENTIALS_IS_401)]
        headers = dict(where.headers)
        if op.body_media:
            headers["Content-Type"] = json_media(op) or op.body_media[0]
        probe = f"{op.method} without credentials (the operation requires some)"
        seen = await ctx.send(op, op.method, where.url, headers=headers, content=body,
                              credentials=False, probe=probe)
        return [judge(401, seen, {401}, probe=probe, rule=NO_CREDENTIALS_IS_401,
                      operation=op.name)]

    return Planned(op.name, (401,), run, write=not op.is_read)


# -- request bodies ------------------------------------------------------------------------


def plan_bodies(op: Operation) -> list[Planned]:
    if json_media(op) is None or op.body_schema is None:
        return []
    return [Planned(op.name, (code,), _body_probe(op, code), True) for code in (400, 415, 422)] \
        + [Planned(op.name, (413,), lambda ctx: _probe_413(ctx, op), True)]


def _other_media(op: Operation) -> str:
    declared = {m.split(";")[0].strip().lower() for m in op.body_media}
    return "text/plain" if "text/plain" not in declared else UNLIKELY_MEDIA


def _body_probe(op: Operation, code: int) -> ProbeRun:
    async def run(ctx: RunContext) -> list[Verdict]:
        where = target(ctx, op)
        rule = {400: MALFORMED_IS_400, 415: MEDIA_IS_415, 422: INVALID_IS_422}[code]
        if where.missing:
            return [not_applicable(code, where.missing, operation=op.name, rule=rule)]
        media = json_media(op) or "application/json"
        expected = {code}
        if code == 400:
            content, probe = b'{"statuskit": ', "malformed JSON (cut off mid-object)"
        elif code == 415:
            media = _other_media(op)
            content = valid_body(op) or b'{"statuskit": true}'
            probe = f"a JSON body sent as {media}"
        else:
            wrong = invalid_value(op.body_schema or {})
            if wrong is UNKNOWN:
                return [not_applicable(422, "no well-formed JSON is surely invalid for the "
                                            "schema", operation=op.name, rule=rule)]
            content = json.dumps(wrong).encode()
            probe, expected = f"well-formed JSON the schema rejects: {content.decode()}", \
                {400, 422}
        seen = await ctx.send(op, op.method, where.url, content=content, probe=probe,
                              headers={**where.headers, "Content-Type": media})
        return [judge(code, seen, expected, probe=probe, rule=rule, operation=op.name)]

    return run


async def _probe_413(ctx: RunContext, op: Operation) -> list[Verdict]:
    where = target(ctx, op)
    if where.missing:
        return [not_applicable(413, where.missing, operation=op.name)]
    fields = [*where.headers.items(), ("Content-Type", json_media(op) or "application/json")]
    if not ctx.ex.wire:
        # In process there is no connection to declare a length on; a real body past
        # statuskit's default limit stands in for it.
        probe = f"a {MAX_BODY_SIZE + 1}-byte body (statuskit's default limit is {MAX_BODY_SIZE})"
        big = await ctx.send(op, op.method, where.url, headers=dict(fields), probe=probe,
                             content=b" " * (MAX_BODY_SIZE + 1))
        return [judge(413, big, {413}, probe=probe, operation=op.name)]
    probe = "a declared 1 TB body with Expect: 100-continue"
    parts = urlsplit(where.url)
    raw = await ctx.ex.declared_length(op.method, parts.path + (f"?{parts.query}" if
                                                                parts.query else ""),
                                       fields, DECLARED_LENGTH, _EXPECT_WAIT)
    evidence = Evidence.from_wire(raw.sent, raw.heads, raw.body,
                                  note="the content was never sent", url=where.url)
    if raw.interim:
        # RFC 9110 §10.1.1: 100 invites the content; for 1 TB the answer is 413 first.
        return [failed(413, NO_CONTINUE_BEFORE_REFUSAL, INVITED_1_TB, probe,
                       evidence=[evidence], operation=op.name)]
    seen: Exchange | None = None
    if raw.status:
        ctx.statuses.setdefault(op.name, {}).setdefault(raw.status, probe)
        seen = Exchange(op.method, where.url, fields, raw.status, raw.reason, raw.headers,
                        raw.body, evidence=evidence, response_version=raw.version)
    return [judge(413, seen, {413}, probe=probe, error=raw.error, operation=op.name,
                  evidence=[evidence])]


# -- creation and its clean-up -------------------------------------------------------------


def item_path(create: Operation, operations: Iterable[Operation]) -> tuple[str, str] | None:
    """The path template of one created item (``/notes/{id}`` for ``POST /notes``) and
    its parameter, when the document has one."""
    prefix = create.path.rstrip("/") + "/{"
    for op in operations:
        rest = op.path[len(prefix):]
        if op.path.startswith(prefix) and rest.endswith("}") and "/" not in rest \
                and "{" not in rest:
            return op.path, rest[:-1]
    return None


def path_segment(value: str) -> str:
    """``value`` as one path segment: every character that could end or split it (``/``,
    ``?``, ``#``, ``;``) or be read as an escape percent-encoded (RFC 3986 §3.3)."""
    return quote(value, safe="")


def location_id(seen: Exchange, collection_url: str) -> str | None:
    """The id in the Location of ``seen``, decoded, when it names an item right under
    ``collection_url`` (``/notes/7`` under ``/notes``); else None."""
    location = seen.header("location")
    if not location:
        return None
    created = urlsplit(urljoin(seen.url, location)).path
    base = urlsplit(collection_url).path.rstrip("/") + "/"
    rest = created[len(base):].strip("/")
    if created.startswith(base) and rest and "/" not in rest:
        return unquote(rest)
    return None


def created_id(seen: Exchange, collection_url: str, parameter: str) -> str | None:
    """The id of what a create's 2xx ``seen`` made, as the item path's ``parameter``
    value (decoded; ``path_segment`` puts it in a path): its Location's last segment
    when that names an item of the collection, else the body's ``parameter`` or ``id``.
    Probes, the value phase's chains and their clean-up all read it here."""
    found = location_id(seen, collection_url)
    if found is not None:
        return found
    try:
        body = json.loads(seen.body)
    except ValueError:
        return None
    if isinstance(body, dict):
        for key in (parameter, "id"):
            value = body.get(key)
            if isinstance(value, str | int) and not isinstance(value, bool):
                return str(value)
    return None


def plan_create(create: Operation, operations: list[Operation]) -> Planned | None:
    if create.method != "POST" or 201 not in create.success_codes():
        return None
    item = item_path(create, operations)
    by_method = {op.method: op for op in operations if item and op.path == item[0]}

    async def run(ctx: RunContext) -> list[Verdict]:
        where = target(ctx, create)
        body = valid_body(create)
        if where.missing or body is None:
            why = where.missing or "no body fits the request schema"
            return [not_applicable(201, why, operation=create.name, rule=CREATED_IS_201)]
        probe = "POST a body the schema allows"
        seen = await ctx.send(create, "POST", where.url, content=body, probe=probe,
                              headers={**where.headers,
                                       "Content-Type": json_media(create) or "application/json"})
        verdict = judge(201, seen, {201}, probe=probe, rule=CREATED_IS_201,
                        operation=create.name)
        if seen.status == 201 and seen.header("location") is None:
            broke(verdict, CREATED_IS_201, "a 201 without Location")
        if seen.status // 100 != 2 or item is None:
            return [verdict]
        created = created_id(seen, where.url, item[1])
        if created is None:
            verdict.reason = "; ".join(filter(None, [
                verdict.reason, "no Location or id names the created resource; it stays"]))
            return [verdict]
        url = ctx.ex.url(item[0].replace("{" + item[1] + "}", path_segment(created)))
        return [verdict, *await _use_created(ctx, by_method, url)]

    # Its later verdicts (304, 412, DELETE, 404 after it) belong to the item's operations.
    return Planned(create.name, (201,), run, write=True)


async def _use_created(ctx: RunContext, by_method: dict[str, Operation],
                       url: str) -> list[Verdict]:
    verdicts: list[Verdict] = []
    get, delete = by_method.get("GET"), by_method.get("DELETE")
    try:
        if get is not None:
            got = await ctx.send(get, "GET", url, probe="GET of the created resource")
            if got.status == 200:
                verdicts += await conditional_get(ctx, get, url, {}, got)
            write = by_method.get("PUT") or by_method.get("PATCH")
            if write is not None and got.header("etag"):
                verdicts.append(await _conditional_write(ctx, write, url))
    finally:
        if delete is not None:
            verdicts += await _delete_and_gone(ctx, delete, get, url)
    return verdicts


async def _conditional_write(ctx: RunContext, op: Operation, url: str) -> Verdict:
    body = valid_body(op)
    if body is None:
        return not_applicable(412, "no body fits the request schema", operation=op.name,
                              rule=status_rule(412))
    probe = f"{op.method} of the created resource with If-Match: another tag"
    seen = await ctx.send(op, op.method, url, content=body, probe=probe, headers={
        "If-Match": '"statuskit-not-this"',
        "Content-Type": json_media(op) or "application/json"})
    return judge(412, seen, {412}, probe=probe, rule=status_rule(412), operation=op.name,
                 name="412-write")


async def _delete_and_gone(ctx: RunContext, delete: Operation, get: Operation | None,
                           url: str) -> list[Verdict]:
    probe = "DELETE of the created resource (clean-up)"
    # The clean-up goes even past --max-requests: a probe leaves nothing behind.
    seen = await ctx.send(delete, "DELETE", url, probe=probe, force=True)
    expected = set(delete.success_codes()) or {200, 202, 204}
    code = 204 if 204 in expected else min(expected)
    verdicts = [judge(code, seen, expected, probe=probe, rule=DOCUMENTED,
                      operation=delete.name, name="delete")]
    if get is None or seen.status // 100 != 2:
        return verdicts
    probe = "GET of the resource after its DELETE"
    gone = await ctx.send(get, "GET", url, probe=probe)
    verdicts.append(judge(404, gone, {404, 410}, probe=probe, rule=DELETED_IS_GONE,
                          operation=get.name, name="gone"))
    return verdicts


# -- the plan ------------------------------------------------------------------------------


def _write_gated(planned: Planned) -> Planned:
    async def run(ctx: RunContext) -> list[Verdict]:
        return skipped_for(planned, _WRITE_SKIP)

    return Planned(planned.operation, planned.codes, run, write=True, names=planned.names)


def plan_probes(operations: list[Operation], *, allow_writes: bool) -> list[Planned]:
    """Every probe the document supports, in document order; writes only when allowed."""
    by_path: dict[str, list[Operation]] = {}
    for op in operations:
        by_path.setdefault(op.path, []).append(op)
    created_items = set()
    planned: list[Planned] = []
    for op in operations:
        create = plan_create(op, operations)
        if create is not None:
            planned.append(create)
            item = item_path(op, operations)
            if item is not None and allow_writes:
                created_items.add(item[0])
    implemented = frozenset(op.method for op in operations)
    for path, ops in by_path.items():
        planned += plan_405(ops, implemented)
        planned += [p for p in (plan_options(ops),) if p is not None]
        for op in ops:
            if op.method == "GET":
                planned.append(plan_head(op))
                if path not in created_items:
                    planned.append(plan_conditional(op))
            planned += [p for p in (plan_406(op) if op.method == "GET" else None,
                                    plan_404(op), plan_401(op)) if p is not None]
            if not op.is_read:
                planned += plan_bodies(op)
    return [p if allow_writes or not p.write else _write_gated(p) for p in planned]


def _declared_by_security(op: Operation, status: int, answer: Exchange | None) -> bool:
    """A secured operation's 401 with a challenge is what its security requirement
    describes (RFC 9110 §15.5.2), declared or not among its responses."""
    return op.secured and status == 401 and answer is not None \
        and answer.header("www-authenticate") is not None


def conformance_verdicts(operations: list[Operation],
                         statuses: dict[str, dict[int, str]],
                         answers: Mapping[tuple[str, int], Exchange] | None = None,
                         ) -> list[Verdict]:
    """One verdict per operation: every status it answered is one the document declares
    (a secured operation's 401 with WWW-Authenticate counts as declared)."""
    verdicts = []
    for op in operations:
        seen = statuses.get(op.name)
        if not seen:
            continue
        answered = (answers or {})
        undeclared = sorted(s for s in seen if not op.declares(s)
                            and not _declared_by_security(op, s, answered.get((op.name, s))))
        declared = ", ".join(sorted(op.responses)) or "nothing"
        probe = "the documented responses"
        if undeclared:
            verdict = Verdict(undeclared[0], Outcome.FAIL, probe=probe, status=undeclared[0],
                              rule=DOCUMENTED, name="documented", operation=op.name)
            for status in undeclared:
                add_problem(verdict, Problem(DOCUMENTED, f"answers {status}, which its "
                                                         "document does not declare",
                                             f"to {seen[status]}; it declares {declared}"))
        else:
            listed = ", ".join(str(s) for s in sorted(seen))
            verdict = passed(min(seen), DOCUMENTED, f"answered {listed}, all declared", probe,
                             status=min(seen), name="documented", operation=op.name)
        verdicts.append(verdict)
    return verdicts
