"""Stateful chains of the value phase: a resource created, then used by what follows it.

Where the document allows, for each operation that creates (a POST declaring 201):

1. POST the minimal valid body; the new resource is named by the response's OpenAPI
   links (3.1 §4.8.20: ``$response.body#/id``, ``$response.header.Location``) or else
   by its Location or id fed into the item path (``/notes/{id}`` for ``POST /notes``);
2. GET it: a resource just created is there (RFC 9110 §15.3.2), and its content is
   what the document declares;
3. where the GET carries an ETag and the item takes PUT or PATCH: write with the
   current tag in If-Match, then, once the tag has changed, write with the old one,
   which must be refused with 412 (RFC 9110 §13.1.1);
4. DELETE it, then GET it: 404 or 410 (RFC 9110 §9.3.5).

Whatever a chain created it deletes, on every path (a DELETE goes even past
``--max-requests``); what it cannot delete is named in the run's notes.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit

import httpx2

from statuskit.check._openapi_document import Link, Operation
from statuskit.check._openapi_probes import RunContext, item_path, resource_url
from statuskit.check._openapi_probes import created_id as probes_created_id
from statuskit.check._values_cases import Case, shape_of, to_request
from statuskit.check._values_judge import response_problems
from statuskit.check.record import Exchange
from statuskit.check.rules import (
    CREATED_IS_THERE,
    DELETED_IS_GONE,
    Problem,
    Rule,
    status_rule,
)
from statuskit.check.verdict import Outcome, Verdict, not_applicable

__all__ = ["Chain", "plan_chains", "run_chain"]

@dataclass
class Chain:
    create: Operation
    item: dict[str, Operation]  # method -> operation on the created resource
    parameter: str  # the item path's parameter the id goes in
    link: Link | None = None  # the link that names the resource, if the document has one
    notes: list[str] = field(default_factory=list)


def plan_chains(operations: Iterable[Operation]) -> list[Chain]:
    """One chain per creating POST whose resource the document lets it reach."""
    ops = list(operations)
    by_id = {op.operation_id: op for op in ops if op.operation_id}
    chains = []
    for op in ops:
        if op.method != "POST" or 201 not in op.success_codes():
            continue
        link = next((lk for lk in op.links if lk.status in ("201", "2XX", "DEFAULT")
                     and lk.operation_id in by_id and len(lk.parameters) == 1), None)
        if link is not None and len(by_id[link.operation_id].path_parameters()) == 1:
            target = by_id[link.operation_id]
            item = {o.method: o for o in ops if o.path == target.path}
            chains.append(Chain(op, item, next(iter(link.parameters)), link))
            continue
        found = item_path(op, ops)
        if found is not None:
            chains.append(Chain(op, {o.method: o for o in ops if o.path == found[0]},
                                found[1]))
    return chains


def evaluate(expression: Any, seen: Exchange) -> str | None:
    """An OpenAPI runtime expression (3.1 §4.8.20.4) on a response, as a path value:
    ``$response.body#/pointer`` and ``$response.header.name``; a constant as it is."""
    if not isinstance(expression, str) or not expression.startswith("$"):
        return None if expression is None else str(expression)
    if expression.startswith("$response.header."):
        return seen.header(expression[len("$response.header."):])
    if not expression.startswith("$response.body#"):
        return None  # $request.*, $url, $method: not a value of the resource
    try:
        node: Any = json.loads(seen.body)
    except ValueError:
        return None
    for part in expression[len("$response.body#"):].split("/")[1:]:
        part = part.replace("~1", "/").replace("~0", "~")  # RFC 6901 §4
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return None
    if isinstance(node, bool) or not isinstance(node, str | int):
        return None
    return str(node)


def created_id(chain: Chain, seen: Exchange, collection: str) -> str | None:
    """The id of what ``seen`` (a 2xx to the chain's create) made, as the item path's
    value: from the link, else as every create is read (``_openapi_probes.created_id``)."""
    if chain.link is None:
        return probes_created_id(seen, collection, chain.parameter)
    expression = chain.link.parameters[chain.parameter]
    if expression == "$response.header.Location":
        # the item's URL, of which the parameter is the last segment
        location = seen.header("location")
        if not location:
            return None
        segment = urlsplit(urljoin(seen.url, location)).path.rstrip("/").rsplit("/", 1)[-1]
        return unquote(segment) or None
    return evaluate(expression, seen)


def _evidence(seen: Exchange) -> list[Any]:
    return [seen.evidence] if seen.evidence is not None else []


def _judged(code: int, rule: Rule, op: Operation, name: str, probe: str, seen: Exchange,
            problems: list[Problem]) -> Verdict:
    return Verdict(code, Outcome.FAIL if problems else Outcome.PASS,
                   "; ".join(p.text for p in problems) or f"answered {seen.status}", probe,
                   seen.status, rule=rule, evidence=_evidence(seen), operation=op.name,
                   name=name, problems=problems, judged=seen.evidence)


class _Run:
    """One chain's requests; ``bodies`` gives valid bodies for an operation."""

    def __init__(self, ctx: RunContext, chain: Chain, bodies: Mapping[str, list[Case]]) -> None:
        self.ctx, self.chain, self.bodies = ctx, chain, bodies
        self.validators: dict[str, dict[tuple[str, str], Any]] = {}

    async def send(self, op: Operation, case: Case | None, *, value: str = "",
                   headers: Mapping[str, str] | None = None, force: bool = False,
                   ) -> Exchange:
        case = case or Case({})
        if value:
            case = with_path_value(case, self.chain.parameter, value)
        request = to_request(shape_of(op), case)
        return await self.ctx.send(None, op.method, self.ctx.ex.url(request.path,
                                                                    request.query),
                                   headers={**request.headers, **(headers or {})},
                                   content=request.content, force=force)

    def content(self, op: Operation, seen: Exchange) -> list[Problem]:
        return response_problems(op, seen, self.validators.setdefault(op.name, {}))


async def run_chain(ctx: RunContext, chain: Chain, bodies: Mapping[str, list[Case]],
                    ) -> tuple[list[Verdict], list[str]]:
    """The chain's verdicts and notes; ``bodies`` maps an operation's name to valid
    cases for it (the first is the minimal one)."""
    create = chain.create
    first = bodies.get(create.name, [])
    if not first:
        return [not_applicable(201, "no valid body for the create", name="chain",
                               operation=create.name)], []
    run = _Run(ctx, chain, bodies)
    made = await run.send(create, first[0])
    if made.status // 100 != 2:
        return [not_applicable(201, f"the create answered {made.status}", name="chain",
                               operation=create.name, evidence=_evidence(made))], []
    collection = ctx.ex.url(to_request(shape_of(create), first[0]).path)
    value = created_id(chain, made, collection)
    if value is None:
        return [not_applicable(201, "no link, Location or id names what was created",
                               name="chain", operation=create.name)], [
            f"chain: {create.name} created something no link, Location or id names; left"]
    verdicts: list[Verdict] = []
    deleted = False
    try:
        verdicts += await _read(run, value)
        verdicts += await _stale(run, value)
        done, more = await _delete(run, value)
        deleted, verdicts = done, verdicts + more
    finally:
        if not deleted and "DELETE" in chain.item:
            await run.send(chain.item["DELETE"], None, value=value, force=True)
            deleted = True
    notes = [] if deleted else [f"chain: left {chain.parameter}={value} (no DELETE)"]
    if made.header("location"):
        ctx.created.discard(resource_url(urljoin(made.url, made.header("location") or "")))
    return verdicts, notes


async def _read(run: _Run, value: str) -> list[Verdict]:
    get = run.chain.item.get("GET")
    if get is None:
        return []
    seen = await run.send(get, None, value=value)
    problems = [] if seen.status // 100 == 2 else [CREATED_IS_THERE.broken(
        f"{get.name}: {seen.status} for a resource just created",
        f"{run.chain.parameter}={value} from {run.chain.create.name}")]
    return [_judged(200, CREATED_IS_THERE, get, "chain-get",
                    f"GET of what {run.chain.create.name} created", seen,
                    problems + run.content(get, seen))]


async def _stale(run: _Run, value: str) -> list[Verdict]:
    """RFC 9110 §13.1.1: after the resource changed, If-Match with its old tag is 412."""
    get = run.chain.item.get("GET")
    write = run.chain.item.get("PUT") or run.chain.item.get("PATCH")
    if get is None or write is None:
        return []
    before = await run.send(get, None, value=value)
    old = before.header("etag")
    if before.status != 200 or not old:
        return [not_applicable(412, "the GET advertises no ETag", name="chain-stale",
                               operation=write.name)]
    current = old
    for case in run.bodies.get(write.name, []):
        changed = await run.send(write, case, value=value, headers={"If-Match": current})
        if changed.status // 100 != 2:
            continue
        after = await run.send(get, None, value=value)
        current = after.header("etag") or current
        if current != old:
            break
    if current == old:
        return [not_applicable(412, "no write changed the ETag", name="chain-stale",
                               operation=write.name)]
    body = run.bodies[write.name][0]
    seen = await run.send(write, body, value=value, headers={"If-Match": old})
    # The defect is the one the 412 probe finds with a made-up tag (If-Match not
    # evaluated): one finding, this an instance of it.
    rule = status_rule(412)
    problems = [] if seen.status == 412 else [rule.broken(
        f"answered {seen.status}, expected 412",
        f"{write.name} with If-Match: {old}, a tag the resource had before a write "
        f"(now {current})")]
    return [_judged(412, rule, write, "chain-stale",
                    f"{write.method} with the tag it had before a write", seen, problems)]


async def _delete(run: _Run, value: str) -> tuple[bool, list[Verdict]]:
    delete, get = run.chain.item.get("DELETE"), run.chain.item.get("GET")
    if delete is None:
        return False, []
    seen = await run.send(delete, None, value=value, force=True)
    if seen.status // 100 != 2 or get is None:
        return seen.status // 100 == 2, []
    gone = await run.send(get, None, value=value)
    problems = [] if gone.status in (404, 410) else [DELETED_IS_GONE.broken(
        f"{get.name}: {gone.status} after its DELETE")]
    return True, [_judged(404, DELETED_IS_GONE, get, "chain-gone", "GET after its DELETE",
                          gone, problems)]


async def delete_created(ctx: RunContext, chain: Chain, value: str) -> bool:
    """DELETE the resource ``value`` names (past --max-requests); whether it went."""
    delete = chain.item.get("DELETE")
    if delete is None:
        return False
    case = with_path_value(Case({}), chain.parameter, value)
    request = to_request(shape_of(delete), case)
    url = ctx.ex.url(request.path, request.query)
    try:
        seen = await ctx.send(None, "DELETE", url, headers=request.headers, force=True)
    except httpx2.HTTPError:
        return False
    ctx.created.discard(resource_url(url))
    return seen.status // 100 == 2 or seen.status in (404, 410)


def with_path_value(case: Case, parameter: str, value: str) -> Case:
    values = {k: dict(v) for k, v in case.values.items()}
    values.setdefault("path", {})[parameter] = value
    return replace(case, values=values)
