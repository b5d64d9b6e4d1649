"""Probes planned from an OpenAPI document, operation by operation.

Each probe is one question about one operation (or one path, for 405 and
OPTIONS), asked with values the document's schemas allow, and judged by the
same ``judge`` as the generic probes. A write (POST, PUT, PATCH, DELETE to a
documented operation) is planned only with ``allow_writes``; otherwise the
probe is listed as skipped, so the report says what was not asked.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urljoin, urlsplit

from statuskit.check._openapi_document import Operation, Parameter
from statuskit.check._openapi_exchange import Exchanger
from statuskit.check._openapi_values import UNKNOWN, absent_value, invalid_value, valid_value
from statuskit.check.verdict import Outcome, Seen, Verdict, judge, not_applicable, skipped
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
    allow_writes: bool
    headers: Mapping[str, str] = field(default_factory=dict)  # sent with every probe but 401
    statuses: dict[str, dict[int, str]] = field(default_factory=dict)  # op -> status -> probe

    async def send(self, op: Operation | None, method: str, url: str, *,
                   headers: Mapping[str, str] | None = None, content: bytes = b"",
                   credentials: bool = True, probe: str = "", force: bool = False) -> Seen:
        fields = {**(self.headers if credentials else {}), **(headers or {})}
        seen = await self.ex.send(method, url, headers=fields, content=content, force=force)
        if op is not None and method == op.method:
            self.statuses.setdefault(op.name, {}).setdefault(seen.status, probe or method)
        return seen


ProbeRun = Callable[[RunContext], Awaitable[list[Verdict]]]


@dataclass(frozen=True)
class Planned:
    operation: str  # method sent and path template, as reports show it
    codes: tuple[int, ...]
    run: ProbeRun
    write: bool = False


def tag(verdict: Verdict, operation: str, level: str) -> Verdict:
    """The verdict with the operation it is about and the force of its rule."""
    verdict.operation = operation
    verdict.level = level
    return verdict


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


def _allow_problem(seen: Seen, declared: Iterable[str]) -> str:
    allow = seen.header("allow")
    if allow is None:
        return f"{seen.status} without Allow"
    listed = parse_allow(allow)
    missing = sorted(set(declared) - listed)
    if missing:
        # RFC 9110 §10.2.1: Allow lists the methods the target resource supports.
        return f"Allow: {allow} omits {', '.join(missing)}, which the document declares"
    return ""


def _failed(verdict: Verdict, problem: str) -> Verdict:
    if problem and verdict.outcome is Outcome.PASS:
        verdict.outcome, verdict.reason = Outcome.FAIL, problem
    return verdict


def plan_405(ops: list[Operation]) -> Planned | None:
    declared = ops[0].path_methods
    choices = ["GET", *_WRITES] if "GET" not in declared else list(_WRITES)
    method = next((m for m in choices if m not in declared), None)
    if method is None:
        return None
    name = f"{method} {ops[0].path}"

    async def run(ctx: RunContext) -> list[Verdict]:
        where = target(ctx, ops[0])
        if where.missing:
            return [tag(not_applicable(405, where.missing), name, "MUST")]
        seen = await ctx.send(None, method, where.url, headers=where.headers)
        # RFC 9110 §15.5.6: 405 MUST carry Allow with the resource's methods.
        verdict = judge(405, seen, {405}, probe=f"{method}, which the document does not "
                        "declare for this path", excluded_method=method)
        return [tag(_failed(verdict, _allow_problem(seen, declared) if seen.status == 405
                            else ""), name, "MUST")]

    return Planned(name, (405,), run)


def plan_options(ops: list[Operation]) -> Planned | None:
    declared = ops[0].path_methods
    if "OPTIONS" in declared:
        return None
    name = f"OPTIONS {ops[0].path}"

    async def run(ctx: RunContext) -> list[Verdict]:
        where = target(ctx, ops[0])
        if where.missing:
            return [tag(not_applicable(204, where.missing), name, "seed")]
        seen = await ctx.send(None, "OPTIONS", where.url, headers=where.headers)
        # The seed: 204 with Allow; RFC 9110 §9.3.7 allows 200 and SHOULD send Allow.
        verdict = judge(204, seen, {200, 204}, probe="OPTIONS")
        problem = _allow_problem(seen, declared) if seen.status in (200, 204) else ""
        return [tag(_failed(verdict, problem), name, "seed")]

    return Planned(name, (204,), run)


# -- read probes ---------------------------------------------------------------------------


def plan_head(op: Operation) -> Planned:
    name = f"HEAD {op.path}"

    async def run(ctx: RunContext) -> list[Verdict]:
        where = target(ctx, op)
        if where.missing:
            return [tag(not_applicable(200, where.missing), name, "MUST")]
        get = await ctx.send(op, "GET", where.url, headers=where.headers, probe="GET")
        head = await ctx.send(None, "HEAD", where.url, headers=where.headers)
        # RFC 9110 §9.1: every general-purpose server MUST support HEAD; §9.3.2: the
        # same answer as GET without content.
        verdict = judge(get.status, head, {get.status},
                        probe=f"HEAD answers as GET did ({get.status})")
        length = head.header("content-length")
        problem = ""
        if length is not None and get.header("content-length") is not None \
                and length != get.header("content-length"):
            # RFC 9110 §8.6: Content-Length on HEAD only with the GET content's length.
            problem = f"HEAD says Content-Length {length}, GET sent {len(get.body)} bytes"
        return [tag(_failed(verdict, problem), name, "MUST")]

    return Planned(name, (200,), run)


def plan_404(op: Operation) -> Planned | None:
    parameters = op.path_parameters()
    if not parameters or (op.method != "GET" and op.method != "DELETE"):
        return None

    async def run(ctx: RunContext) -> list[Verdict]:
        where = target(ctx, op, lambda p: absent_value(p.schema))
        if where.missing:
            why = ("no value of a path parameter's type is surely absent (an enum, a "
                   f"boolean, a pattern or a date may all exist): {where.missing}")
            return [tag(not_applicable(404, why), op.name, "SHOULD")]
        shown = ", ".join(f"{k}={_text(v)}" for k, v in where.values.items())
        probe = f"{op.method} with {shown}: of the declared type, naming nothing"
        seen = await ctx.send(op, op.method, where.url, headers=where.headers, probe=probe)
        # RFC 9110 §15.5.5: no current representation for the target is 404, not 422
        # (§15.5.21: for content the server cannot process) and never 5xx.
        return [tag(judge(404, seen, {404}, probe=probe), op.name, "SHOULD")]

    return Planned(op.name, (404,), run, write=op.method != "GET")


def plan_406(op: Operation) -> Planned | None:
    if not op.produces or any(m.startswith("*/*") for m in op.produces):
        return None

    async def run(ctx: RunContext) -> list[Verdict]:
        where = target(ctx, op)
        if where.missing:
            return [tag(not_applicable(406, where.missing), op.name, "seed")]
        got = await ctx.send(op, "GET", where.url, headers=where.headers, probe="GET")
        if got.status // 100 != 2:
            why = f"GET with the document's values answered {got.status}: no representation"
            return [tag(not_applicable(406, why), op.name, "seed")]
        probe = f"GET with Accept: {UNLIKELY_MEDIA} (it produces {', '.join(op.produces)})"
        seen = await ctx.send(op, "GET", where.url, probe=probe,
                              headers={**where.headers, "Accept": UNLIKELY_MEDIA})
        # The seed: 406. RFC 9110 §12.5.1 lets a server disregard Accept instead.
        return [tag(judge(406, seen, {406}, probe=probe), op.name, "seed")]

    return Planned(op.name, (406,), run)


async def conditional_get(ctx: RunContext, op: Operation, url: str,
                          headers: Mapping[str, str], got: Seen) -> list[Verdict]:
    """304 and 412 on GET from the validators ``got`` (a 200 to GET of ``url``) carries."""
    etag, modified = got.header("etag"), got.header("last-modified")
    verdicts = []
    if etag is None and modified is None:
        why = "the GET advertises no validator (ETag, Last-Modified)"
        return [tag(not_applicable(304, why), op.name, "MUST"),
                tag(not_applicable(412, why), op.name, "MUST")]
    if etag is not None:
        condition, probe = {"If-None-Match": etag}, "GET with If-None-Match: its ETag"
    else:
        condition, probe = {"If-Modified-Since": modified or ""}, \
            "GET with If-Modified-Since: its Last-Modified"
    seen = await ctx.send(op, "GET", url, headers={**headers, **condition}, probe=probe)
    # RFC 9110 §13.1.2 / §13.1.3: a false condition on GET is 304.
    verdicts.append(tag(judge(304, seen, {304}, probe=probe), op.name, "MUST"))
    if etag is None:
        verdicts.append(tag(not_applicable(412, "the GET advertises no ETag"), op.name,
                            "MUST"))
        return verdicts
    probe = "GET with If-Match: another tag"
    seen = await ctx.send(op, "GET", url, probe=probe,
                          headers={**headers, "If-Match": '"statuskit-not-this"'})
    # RFC 9110 §13.1.1: a false If-Match MUST NOT be performed; 412.
    verdicts.append(tag(judge(412, seen, {412}, probe=probe), op.name, "MUST"))
    return verdicts


def plan_conditional(op: Operation) -> Planned:
    async def run(ctx: RunContext) -> list[Verdict]:
        where = target(ctx, op)
        if where.missing:
            return [tag(not_applicable(c, where.missing), op.name, "MUST") for c in (304, 412)]
        got = await ctx.send(op, "GET", where.url, headers=where.headers, probe="GET")
        if got.status != 200:
            why = f"GET with the document's values answered {got.status}, not 200"
            return [tag(not_applicable(c, why), op.name, "MUST") for c in (304, 412)]
        return await conditional_get(ctx, op, where.url, where.headers, got)

    return Planned(op.name, (304, 412), run)


def plan_401(op: Operation) -> Planned | None:
    if not op.secured:
        return None

    async def run(ctx: RunContext) -> list[Verdict]:
        where = target(ctx, op)
        if where.missing:
            return [tag(not_applicable(401, where.missing), op.name, "SHOULD")]
        body = valid_body(op) if op.body_media else b""
        headers = dict(where.headers)
        if op.body_media:
            if body is None:
                return [tag(not_applicable(401, "no body fits the request schema"), op.name,
                            "SHOULD")]
            headers["Content-Type"] = json_media(op) or op.body_media[0]
        probe = f"{op.method} without credentials (the operation requires some)"
        seen = await ctx.send(op, op.method, where.url, headers=headers, content=body or b"",
                              credentials=False, probe=probe)
        # RFC 9110 §11.6.1 / §15.5.2: 401 MUST carry WWW-Authenticate.
        return [tag(judge(401, seen, {401}, probe=probe), op.name, "SHOULD")]

    return Planned(op.name, (401,), run, write=not op.is_read)


# -- request bodies ------------------------------------------------------------------------


def plan_bodies(op: Operation) -> list[Planned]:
    media = json_media(op)
    if media is None or op.body_schema is None:
        return []
    planned = [Planned(op.name, (400,), lambda ctx: _body_probe(ctx, op, 400), True),
               Planned(op.name, (415,), lambda ctx: _body_probe(ctx, op, 415), True),
               Planned(op.name, (422,), lambda ctx: _body_probe(ctx, op, 422), True),
               Planned(op.name, (413,), lambda ctx: _probe_413(ctx, op), True)]
    return planned


def _other_media(op: Operation) -> str:
    declared = {m.split(";")[0].strip().lower() for m in op.body_media}
    return "text/plain" if "text/plain" not in declared else UNLIKELY_MEDIA


async def _body_probe(ctx: RunContext, op: Operation, code: int) -> list[Verdict]:
    where = target(ctx, op)
    if where.missing:
        return [tag(not_applicable(code, where.missing), op.name, "SHOULD")]
    media = json_media(op) or "application/json"
    expected: set[int] = {code}
    if code == 400:
        content, probe = b'{"statuskit": ', "malformed JSON (cut off mid-object)"
    elif code == 415:
        valid = valid_body(op)
        media = _other_media(op)
        content, probe = valid or b'{"statuskit": true}', f"a JSON body sent as {media}"
    else:
        wrong = invalid_value(op.body_schema or {})
        if wrong is UNKNOWN:
            return [tag(not_applicable(422, "no well-formed JSON is surely invalid for the "
                                            "schema"), op.name, "SHOULD")]
        content = json.dumps(wrong).encode()
        probe, expected = f"well-formed JSON the schema rejects: {content.decode()}", {400, 422}
    seen = await ctx.send(op, op.method, where.url, content=content, probe=probe,
                          headers={**where.headers, "Content-Type": media})
    # RFC 9110 §15.5.1 (400: malformed syntax), §15.5.16 (415: a media type the target
    # does not support), §15.5.21 (422: well-formed content it cannot process).
    return [tag(judge(code, seen, expected, probe=probe), op.name, "SHOULD")]


async def _probe_413(ctx: RunContext, op: Operation) -> list[Verdict]:
    where = target(ctx, op)
    if where.missing:
        return [tag(not_applicable(413, where.missing), op.name, "seed")]
    media = json_media(op) or "application/json"
    fields = [*where.headers.items(), ("Content-Type", media)]
    if not ctx.ex.wire:
        # In process there is no connection to declare a length on; a real body past
        # statuskit's default limit stands in for it.
        probe = f"a {MAX_BODY_SIZE + 1}-byte body (statuskit's default limit is {MAX_BODY_SIZE})"
        seen = await ctx.send(op, op.method, where.url, headers=dict(fields), probe=probe,
                              content=b" " * (MAX_BODY_SIZE + 1))
        return [tag(judge(413, seen, {413}, probe=probe), op.name, "seed")]
    probe = "a declared 1 TB body with Expect: 100-continue"
    parts = urlsplit(where.url)
    raw = await ctx.ex.declared_length(op.method, parts.path + (f"?{parts.query}" if parts.query else ""),
                                       fields, DECLARED_LENGTH, _EXPECT_WAIT)
    if raw.interim:
        # RFC 9110 §10.1.1: 100 invites the content; for 1 TB the answer is 413 first.
        verdict = Verdict(413, Outcome.FAIL, f"sent {raw.interim[0]} Continue, inviting 1 TB",
                          probe)
        return [tag(verdict, op.name, "seed")]
    seen = None
    if raw.status:
        ctx.statuses.setdefault(op.name, {}).setdefault(raw.status, probe)
        seen = Seen(op.method, where.url, fields, raw.status, raw.reason, raw.headers, b"")
    return [tag(judge(413, seen, {413}, probe=probe, error=raw.error), op.name, "seed")]


# -- creation and its clean-up -------------------------------------------------------------


def item_path(create: Operation, operations: Iterable[Operation]) -> tuple[str, str] | None:
    """The path template of one created item (``/notes/{id}`` for ``POST /notes``) and
    its parameter, when the document has one."""
    prefix = create.path.rstrip("/") + "/{"
    for op in operations:
        if op.path.startswith(prefix) and op.path.endswith("}") \
                and op.path.count("{") == create.path.count("{") + 1 \
                and "/" not in op.path[len(prefix):]:
            return op.path, op.path[len(prefix):-1]
    return None


def _created_id(seen: Seen, collection_url: str, parameter: str) -> str | None:
    location = seen.header("location")
    if location:
        created = urlsplit(urljoin(seen.url, location)).path
        base = urlsplit(collection_url).path.rstrip("/") + "/"
        if created.startswith(base) and "/" not in created[len(base):].strip("/"):
            return created[len(base):].strip("/") or None
    try:
        body = json.loads(seen.body)
    except ValueError:
        return None
    if isinstance(body, dict):
        for key in (parameter, "id"):
            if isinstance(body.get(key), str | int) and not isinstance(body.get(key), bool):
                return quote(str(body[key]), safe="")
    return None


def plan_create(create: Operation, operations: list[Operation]) -> Planned | None:
    if create.method != "POST" or 201 not in create.success_codes():
        return None
    item = item_path(create, operations)
    by_method = {op.method: op for op in operations if item and op.path == item[0]}
    codes = (201, 304, 412, 204, 404) if item else (201,)

    async def run(ctx: RunContext) -> list[Verdict]:
        where = target(ctx, create)
        body = valid_body(create)
        if where.missing or body is None:
            why = where.missing or "no body fits the request schema"
            return [tag(not_applicable(201, why), create.name, "SHOULD")]
        probe = "POST a body the schema allows"
        seen = await ctx.send(create, "POST", where.url, content=body, probe=probe,
                              headers={**where.headers,
                                       "Content-Type": json_media(create) or "application/json"})
        # RFC 9110 §9.3.3: a POST that creates SHOULD answer 201 with Location.
        verdict = tag(judge(201, seen, {201}, probe=probe), create.name, "SHOULD")
        if verdict.outcome is Outcome.PASS and seen.header("location") is None:
            verdict.reason = "201 without Location: the target URI names what was created"
        if seen.status // 100 != 2 or item is None:
            return [verdict]
        created = _created_id(seen, where.url, item[1])
        if created is None:
            verdict.reason = (verdict.reason + "; " if verdict.reason else "") + \
                "no Location or id to find the created resource; it stays on the server"
            return [verdict]
        url = ctx.ex.url(item[0].replace("{" + item[1] + "}", created))
        return [verdict, *await _use_created(ctx, by_method, url)]

    return Planned(create.name, codes, run, write=True)


async def _use_created(ctx: RunContext, by_method: dict[str, Operation],
                       url: str) -> list[Verdict]:
    verdicts: list[Verdict] = []
    get, delete = by_method.get("GET"), by_method.get("DELETE")
    try:
        if get is not None:
            got = await ctx.send(get, "GET", url, probe="GET of the created resource")
            if got.status == 200:
                verdicts += await conditional_get(ctx, get, url, {}, got)
            for write in (by_method.get("PUT"), by_method.get("PATCH")):
                if write is not None and got.header("etag"):
                    verdicts.append(await _conditional_write(ctx, write, url))
                    break
    finally:
        if delete is not None:
            verdicts += await _delete_and_gone(ctx, delete, get, url)
    return verdicts


async def _conditional_write(ctx: RunContext, op: Operation, url: str) -> Verdict:
    body = valid_body(op)
    if body is None:
        return tag(not_applicable(412, "no body fits the request schema"), op.name, "MUST")
    probe = f"{op.method} of the created resource with If-Match: another tag"
    seen = await ctx.send(op, op.method, url, content=body, probe=probe, headers={
        "If-Match": '"statuskit-not-this"',
        "Content-Type": json_media(op) or "application/json"})
    # RFC 9110 §13.1.1: a false If-Match on a write MUST NOT be performed; 412.
    return tag(judge(412, seen, {412}, probe=probe), op.name, "MUST")


async def _delete_and_gone(ctx: RunContext, delete: Operation, get: Operation | None,
                           url: str) -> list[Verdict]:
    probe = "DELETE of the created resource (clean-up)"
    # The clean-up goes even past --max-requests: a probe leaves nothing behind.
    seen = await ctx.send(delete, "DELETE", url, probe=probe, force=True)
    expected = set(delete.success_codes()) or {200, 202, 204}
    code = 204 if 204 in expected else min(expected)
    verdicts = [tag(judge(code, seen, expected, probe=probe), delete.name, "SHOULD")]
    if get is None or seen.status // 100 != 2:
        return verdicts
    probe = "GET of the resource after its DELETE"
    gone = await ctx.send(get, "GET", url, probe=probe)
    # RFC 9110 §9.3.5 with §15.5.5 / §15.5.11: what was deleted is 404 or 410.
    verdicts.append(tag(judge(404, gone, {404, 410}, probe=probe), get.name, "SHOULD"))
    return verdicts


# -- the plan ------------------------------------------------------------------------------


def _write_gated(planned: Planned) -> Planned:
    async def run(ctx: RunContext) -> list[Verdict]:
        return [tag(skipped(code, _WRITE_SKIP), planned.operation, "SHOULD")
                for code in planned.codes]

    return Planned(planned.operation, planned.codes, run, write=True)


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
    for path, ops in by_path.items():
        planned += [p for p in (plan_405(ops), plan_options(ops)) if p is not None]
        for op in ops:
            if op.method == "GET":
                planned.append(plan_head(op))
                if path not in created_items:
                    planned.append(plan_conditional(op))
                planned += [p for p in (plan_406(op),) if p is not None]
            planned += [p for p in (plan_404(op), plan_401(op)) if p is not None]
            if not op.is_read:
                planned += plan_bodies(op)
    return [p if allow_writes or not p.write else _write_gated(p) for p in planned]


def conformance_verdicts(operations: list[Operation],
                         statuses: dict[str, dict[int, str]]) -> list[Verdict]:
    """One verdict per operation: every status it answered is one the document declares."""
    verdicts = []
    for op in operations:
        seen = statuses.get(op.name)
        if not seen:
            continue
        undeclared = sorted(s for s in seen if not op.declares(s))
        declared = ", ".join(sorted(op.responses)) or "nothing"
        if undeclared:
            reason = "; ".join(f"answered {s} to {seen[s]}" for s in undeclared)
            verdict = Verdict(undeclared[0], Outcome.FAIL,
                              f"{reason}, which the document does not declare "
                              f"(it declares {declared})", "the documented responses")
        else:
            statuses_seen = ", ".join(str(s) for s in sorted(seen))
            verdict = Verdict(min(seen), Outcome.PASS,
                              f"answered {statuses_seen}, all declared",
                              "the documented responses", min(seen))
        verdicts.append(tag(verdict, op.name, "seed"))
    return verdicts
