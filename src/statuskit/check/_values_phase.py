"""The value phase of ``--openapi``: values from each operation's schemas, sent and judged.

Per operation, in this order, each case confirmed by the oracle before it is sent
(``statuskit.check._values_cases``):

1. the minimal valid case (hypothesis's first draw), then one value at each bound;
2. invalid cases, each breaking one keyword at one place;
3. bodies not in UTF-8, or in a charset they do not declare;
4. random valid cases from hypothesis-jsonschema, drawn first and sent a few at a
   time; each new fault they draw is shrunk by hypothesis to the smallest case that
   draws the same fault (the draws before it answered from what was sent).

Then, with ``allow_writes``, each creating operation's chain
(``statuskit.check._values_chains``), and the DELETE of whatever the values created.

Every answer is judged for its status (``_values_judge.case_problems``) and its
content against the declared response (``response_problems``). One failed verdict
per fault (rule and cause) per operation, carrying the exchange it rests on, so
its finding's reproducer sends those values again. Writes go only with
``allow_writes``; the budget is the run's ``--max-requests``, and ``seed`` makes
the values the same in every run.

hypothesis is synchronous: it runs in one worker thread for the whole phase (several
at once meet CPython 3.11's thread-unsafe ``ast.parse``), and each request it makes
while shrinking is sent on the run's event loop and waited for.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar

import httpx2

from statuskit.check._openapi_document import Operation
from statuskit.check._openapi_exchange import BudgetSpent
from statuskit.check._openapi_probes import RunContext
from statuskit.check._values_cases import (
    Case,
    Shape,
    boundary_cases,
    encoding_cases,
    invalid_cases,
    shape_of,
    to_request,
)
from statuskit.check._values_chains import (
    Chain,
    created_id,
    delete_created,
    plan_chains,
    run_chain,
    with_path_value,
)
from statuskit.check._values_judge import case_problems, response_problems
from statuskit.check.record import Exchange
from statuskit.check.rules import (
    INVALID_ACCEPTED,
    NO_ANSWER,
    VALID_REFUSED,
    VALUE_SERVER_ERROR,
    Problem,
)
from statuskit.check.verdict import Outcome, Verdict, not_applicable, passed, skipped

__all__ = ["DEFAULT_EXAMPLES", "ValuesRun", "new_seed", "run_values"]

DEFAULT_EXAMPLES = 20  # random valid cases per operation, before any shrinking
# Requests shrinking one fault may spend: hypothesis takes an integer from 2**52 down to
# the smallest failing one in some 40 to 60 steps.
_SHRINK_REQUESTS = 80
_MAX_FAULTS_SEARCHED = 2  # distinct faults hypothesis looks for per operation
_INSTANCES = 3  # cases kept per fault per operation
# Operations whose values are in flight at once: their requests overlap the server's
# time and the drawing of the others' values.
_CONCURRENCY = 4
_IN_FLIGHT = 4  # random cases of one operation sent at once
_CHAIN_WRITES = 4  # bodies a chain may write to change a resource's ETag
_WRITE_SKIP = "values for a write: run with --allow-writes"
_CODES = {"valid": 200, "boundary": 200, "invalid": 422, "encoding": 400}
_RULES = {"valid": VALID_REFUSED, "boundary": VALID_REFUSED, "invalid": INVALID_ACCEPTED,
          "encoding": VALUE_SERVER_ERROR}


_T = TypeVar("_T")
_Generator = ThreadPoolExecutor


def new_seed() -> int:
    return random.SystemRandom().randrange(2**32)


@dataclass
class ValuesRun:
    verdicts: list[Verdict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    sent: int = 0


@dataclass
class _Sent:
    case: Case
    seen: Exchange | None
    problems: list[Problem]


@dataclass
class _Operation:
    """One operation's state through the phase."""

    op: Operation
    shape: Shape
    validators: dict[tuple[str, str], Any] = field(default_factory=dict)
    # fault -> the first cases that drew it (a few: one finding, its instances)
    faults: dict[tuple[str, str], list[_Sent]] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)  # mode -> cases sent
    chain: Chain | None = None  # how what this operation creates is reached, if it creates
    made: list[str] = field(default_factory=list)  # ids of what its values created
    # A write to an item goes only to one this run created: path parameter -> its id.
    pinned: dict[str, str] = field(default_factory=dict)

    def _pin(self, case: Case) -> Case:
        for name, value in self.pinned.items():
            if case.mode != "invalid" or case.where != f"path/{name}":
                case = with_path_value(case, name, value)
        return case

    async def send(self, ctx: RunContext, case: Case) -> _Sent:
        case = self._pin(case)
        request = to_request(self.shape, case)
        url = ctx.ex.url(request.path, request.query)
        self.counts[case.mode] = self.counts.get(case.mode, 0) + 1
        seen: Exchange | None = None
        error: httpx2.HTTPError | None = None
        for _ in range(2):  # RFC 9112 §9.3.1
            try:
                seen = await ctx.send(None, self.op.method, url, headers=request.headers,
                                      content=request.content, probe=case.what)
                break
            except (httpx2.ReadError, httpx2.WriteError, httpx2.RemoteProtocolError) as exc:
                # RFC 9112 §9.3.1: a server may close a kept connection whenever it
                # likes (uvicorn does after a 500), and a request that met the close
                # is sent again once, on a new connection.
                error = exc
            except httpx2.HTTPError as exc:
                error = exc
                break
        if seen is None:
            assert error is not None
            reason = f"{type(error).__name__}: {error}".strip(": ")
            return _Sent(case, None, [NO_ANSWER.broken(f"{self.op.name}: no answer to values",
                                                       reason)])
        problems = case_problems(self.op, case, seen) + response_problems(
            self.op, seen, self.validators)
        if self.chain is not None and seen.status // 100 == 2:
            made = created_id(self.chain, seen, url)
            if made is not None:
                self.made.append(made)
        return _Sent(case, seen, problems)

    def record(self, sent: _Sent) -> None:
        for problem in sent.problems:
            found = self.faults.setdefault(problem_key(problem), [])
            if len(found) < _INSTANCES:
                found.append(sent)


def problem_key(problem: Problem) -> tuple[str, str]:
    return problem.rule.id, problem.cause


def _verdict(op: Operation, key: tuple[str, str], sent: _Sent) -> Verdict:
    problems = [p for p in sent.problems if problem_key(p) == key]
    seen = sent.seen
    evidence = [seen.evidence] if seen is not None and seen.evidence is not None else []
    mode = sent.case.mode
    return Verdict(_CODES[mode], Outcome.FAIL, "; ".join(p.text for p in problems),
                   probe=f"{mode} values: {sent.case.what or sent.case.words()}",
                   status=seen.status if seen is not None else None, rule=problems[0].rule,
                   evidence=evidence, operation=op.name, name=f"values-{mode}",
                   problems=problems, judged=evidence[0] if evidence else None)


def _summary(state: _Operation) -> list[Verdict]:
    verdicts = [_verdict(state.op, key, sent) for key, found in state.faults.items()
                for sent in found]
    failed_modes = {v.name for v in verdicts}
    for mode, count in state.counts.items():
        if f"values-{mode}" not in failed_modes:
            verdicts.append(passed(_CODES[mode], _RULES[mode],
                                   f"{count} {mode} cases, each answered as its document "
                                   "says", f"{mode} values", name=f"values-{mode}",
                                   operation=state.op.name))
    return verdicts


async def _fixed_cases(ctx: RunContext, state: _Operation, base: Case) -> None:
    """The minimal case, its bounds, its invalid variants and its encodings. A read's
    go a few at a time (one answer does not change another's); a write's one after
    another, as the server's state makes their answers depend on their order. Either
    way they are recorded in their order, so the instances kept are the same."""
    shape = state.shape
    cases = [base, *boundary_cases(shape, base), *invalid_cases(shape, base),
             *encoding_cases(shape, base)]
    if not state.op.is_read:
        for case in cases:
            state.record(await state.send(ctx, case))
        return
    semaphore = asyncio.Semaphore(_IN_FLIGHT)

    async def go(case: Case) -> _Sent:
        async with semaphore:
            return await state.send(ctx, case)

    results = await asyncio.gather(*(go(c) for c in cases), return_exceptions=True)
    for result in results:
        if isinstance(result, BaseException):
            raise result  # BudgetSpent: the cases before it are recorded
        state.record(result)


def _key(shape: Shape, case: Case) -> tuple[Any, ...]:
    """What identifies a case on the wire: two cases that send the same request are one."""
    request = to_request(shape, case)
    return request.path, tuple(request.query), tuple(sorted(request.headers.items())), \
        request.content


def _draw(shape: Shape, seed: str, examples: int) -> list[Case]:
    """``examples`` valid cases, drawn by hypothesis with no request made (in a thread)."""
    from statuskit.check._values_gen import case_strategy, find_case, settings_for

    drawn: list[Case] = []

    def keep(case: Case) -> bool:
        if shape.oracle.valid(case):
            drawn.append(case)
        return False

    with contextlib.suppress(Exception):  # NoSuchExample after the last; or an unfillable schema
        find_case(case_strategy(shape), keep, settings_for(examples, shrink=False), seed)
    return drawn


class _Hunt:
    """hypothesis's condition while it shrinks one fault: a case draws it or not. The
    same seed draws the cases already sent in the same order first, so their answers
    come from ``known`` and only smaller cases go out (at most ``calls[0]`` of them)."""

    def __init__(self, state: _Operation, ctx: RunContext, loop: asyncio.AbstractEventLoop,
                 target: tuple[str, str], known: dict[tuple[Any, ...], _Sent],
                 calls: list[int]) -> None:
        self.state, self.ctx, self.loop, self.target = state, ctx, loop, target
        self.known, self.calls = known, calls
        self.best: _Sent | None = None  # the last (so the smallest) case that drew it
        self.spent = False

    def __call__(self, case: Case) -> bool:
        if not self.state.shape.oracle.valid(case):
            return False
        key = _key(self.state.shape, case)
        sent = self.known.get(key)
        if sent is None:
            if self.spent or self.calls[0] <= 0:
                return False
            self.calls[0] -= 1
            try:
                sent = asyncio.run_coroutine_threadsafe(self.state.send(self.ctx, case),
                                                        self.loop).result()
            except BudgetSpent:
                self.spent = True
                return False
            self.known[key] = sent
        if self.target not in {problem_key(p) for p in sent.problems}:
            return False
        self.best = sent
        return True


def _shrink(state: _Operation, ctx: RunContext, loop: asyncio.AbstractEventLoop, seed: str,
            examples: int, target: tuple[str, str], known: dict[tuple[Any, ...], _Sent],
            calls: list[int]) -> _Hunt:
    """hypothesis's shrinking of ``target`` to the smallest case that draws it."""
    from statuskit.check._values_gen import case_strategy, find_case, settings_for

    hunt = _Hunt(state, ctx, loop, target, known, calls)
    with contextlib.suppress(Exception):  # NoSuchExample: a server that changed its mind
        find_case(case_strategy(state.shape), hunt, settings_for(examples), seed)
    return hunt


async def _in_generator(work: _Generator, fn: Callable[..., _T], *args: Any) -> _T:
    return await asyncio.get_running_loop().run_in_executor(work, fn, *args)


async def _random_cases(ctx: RunContext, state: _Operation, seed: int, examples: int,
                        work: _Generator) -> None:
    """Draw, send them all (a few at a time), then shrink each new fault they drew."""
    where = f"{seed}:{state.op.name}"
    cases = await _in_generator(work, _draw, state.shape, where, examples)
    known: dict[tuple[Any, ...], _Sent] = {}
    order: list[tuple[Any, ...]] = []
    for case in cases:
        key = _key(state.shape, case)
        if key not in known and key not in order:
            order.append(key)
    by_key = {_key(state.shape, c): c for c in cases}
    semaphore = asyncio.Semaphore(_IN_FLIGHT)

    async def go(key: tuple[Any, ...]) -> None:
        async with semaphore:
            known[key] = await state.send(ctx, by_key[key])

    results = await asyncio.gather(*(go(k) for k in order), return_exceptions=True)
    spent = any(isinstance(r, BudgetSpent) for r in results)
    for result in results:
        if isinstance(result, BaseException) and not isinstance(result, BudgetSpent):
            raise result
    seen_before = set(state.faults)
    targets: list[tuple[str, str]] = []
    for key in order:
        for problem in known[key].problems if key in known else ():
            fault = problem_key(problem)
            if fault not in seen_before and fault not in targets:
                targets.append(fault)
    loop = asyncio.get_running_loop()
    for target in targets[:_MAX_FAULTS_SEARCHED]:
        calls = [_SHRINK_REQUESTS]
        hunt = await _in_generator(work, _shrink, state, ctx, loop, where, examples, target,
                                       known, calls)
        first = next(known[k] for k in order if k in known and target in
                     {problem_key(p) for p in known[k].problems})
        state.faults.setdefault(target, [hunt.best or first])
        spent = spent or hunt.spent
    if spent:
        raise BudgetSpent("--max-requests reached during the value phase")


async def _create_for(ctx: RunContext, chain: Chain, seed: int,
                      work: _Generator) -> str | None:
    """POST the chain's minimal valid body; the id of what it made, or None."""
    bodies = await _bodies(chain.create, seed, work, 0)
    if not bodies:
        return None
    request = to_request(shape_of(chain.create), bodies[0])
    url = ctx.ex.url(request.path, request.query)
    try:
        seen = await ctx.send(None, "POST", url, headers=request.headers,
                              content=request.content)
    except httpx2.HTTPError:
        return None
    return created_id(chain, seen, url) if seen.status // 100 == 2 else None


async def _one_operation(ctx: RunContext, op: Operation, *, seed: int, examples: int,
                         work: _Generator, chain: Chain | None = None,
                         made: list[tuple[Chain, str]] | None = None,
                         items: Mapping[str, list[Chain]] | None = None) -> list[Verdict]:
    from statuskit.check._values_gen import minimal_case

    shape = shape_of(op)
    if shape.missing:
        return [not_applicable(200, f"no valid values can be made with confidence: "
                                    f"{shape.missing}", name="values", operation=op.name,
                               rule=VALID_REFUSED)]
    base = await _in_generator(work, minimal_case, shape, seed)
    if base is None:
        return [not_applicable(200, "hypothesis-jsonschema found no value the schemas allow",
                               name="values", operation=op.name, rule=VALID_REFUSED)]
    state = _Operation(op, shape, chain=chain)
    spent = False
    if not op.is_read and op.path_parameters():
        # Values for PUT, PATCH or DELETE of an item would change or delete data this
        # run did not create: they go to an item the run creates first, or nowhere.
        owner = next((c for c in (items or {}).get(op.path, [])), None)
        value = await _create_for(ctx, owner, seed, work) if owner is not None else None
        if owner is None or value is None:
            return [not_applicable(200, "a write to an existing item: no operation of the "
                                        "document creates one this run could write to",
                                   name="values", operation=op.name, rule=VALID_REFUSED)]
        if made is not None:
            made.append((owner, value))
        state.pinned = {owner.parameter: value}
    try:
        await _fixed_cases(ctx, state, base)
        if examples:
            await _random_cases(ctx, state, seed, examples, work)
    except BudgetSpent:
        spent = True
    verdicts = _summary(state)
    if made is not None and chain is not None:
        made += [(chain, m) for m in state.made]
    if spent:
        verdicts.append(skipped(200, "--max-requests reached during its values",
                                name="values", operation=op.name))
    return verdicts


async def _bodies(op: Operation, seed: int, work: _Generator, more: int) -> list[Case]:
    """Valid cases for ``op``: its minimal one, then ``more`` drawn ones."""
    from statuskit.check._values_gen import minimal_case

    shape = shape_of(op)
    if shape.missing:
        return []
    base = await _in_generator(work, minimal_case, shape, seed)
    if base is None:
        return []
    drawn = await _in_generator(work, _draw, shape, f"{seed}:{op.name}:chain", more) \
        if more else []
    return [base, *drawn]


async def _chains(ctx: RunContext, ops: list[Operation], seed: int, work: _Generator,
                  out: ValuesRun) -> None:
    """Each creating operation's chain, one after another."""
    for chain in plan_chains(ops):
        bodies = {chain.create.name: await _bodies(chain.create, seed, work, 0)}
        write = chain.item.get("PUT") or chain.item.get("PATCH")
        if write is not None:
            bodies[write.name] = await _bodies(write, seed, work, _CHAIN_WRITES)
        try:
            verdicts, notes = await run_chain(ctx, chain, bodies)
        except BudgetSpent:
            out.verdicts.append(skipped(201, "--max-requests reached during its chain",
                                        name="chain", operation=chain.create.name))
            continue
        except httpx2.HTTPError as exc:
            verdicts, notes = [], [f"chain of {chain.create.name}: no answer "
                                   f"({type(exc).__name__})"]
        out.verdicts += verdicts
        out.notes += notes


async def _clean_up(ctx: RunContext, made: list[tuple[Chain, str]]) -> list[str]:
    """DELETE what the values created (even past --max-requests); name what is left."""
    deleted, left = 0, []
    for chain, value in made:
        gone = await delete_created(ctx, chain, value)
        if gone:
            deleted += 1
        else:
            left.append(f"{chain.parameter}={value}")
    lines = [f"value phase clean-up: deleted {deleted} resources its values created"] \
        if deleted else []
    if left:
        lines.append(f"value phase left on the server (no DELETE took them): {', '.join(left)}")
    return lines


async def run_values(ctx: RunContext, operations: Iterable[Operation], *, allow_writes: bool,
                     seed: int, examples: int = DEFAULT_EXAMPLES) -> ValuesRun:
    """The phase over every operation, a few at a time: each operation's values come
    from its own seeded generator, so the same seed sends the same values whatever the
    order the operations' requests interleave in."""
    out = ValuesRun()
    used = ctx.ex.budget.used
    semaphore = asyncio.Semaphore(_CONCURRENCY)
    ops = list(operations)
    chains = plan_chains(ops) if allow_writes else []
    creators = {c.create.name: c for c in chains}
    items: dict[str, list[Chain]] = {}
    for c in chains:
        for item_op in c.item.values():
            items.setdefault(item_op.path, []).append(c)
    made: list[tuple[Chain, str]] = []

    async def one(op: Operation) -> list[Verdict]:
        if not op.is_read and not allow_writes:
            return [skipped(200, _WRITE_SKIP, name="values", operation=op.name)]
        async with semaphore:
            if ctx.ex.budget.used >= ctx.ex.budget.limit:
                return [skipped(200, "--max-requests reached before its values",
                                name="values", operation=op.name)]
            return await _one_operation(ctx, op, seed=seed, examples=examples, work=work,
                                        chain=creators.get(op.name), made=made,
                                        items=items)

    # One thread draws for every operation, one draw at a time: hypothesis in several
    # threads at once met CPython 3.11's ast.parse, which is not thread-safe (it
    # describes the strategies' lambdas), as a SystemError.
    with ThreadPoolExecutor(1, thread_name_prefix="statuskit-values") as work:
        try:
            for verdicts in await asyncio.gather(*(one(op) for op in ops)):
                out.verdicts += verdicts
            if allow_writes:
                await _chains(ctx, ops, seed, work, out)
        finally:
            out.notes += await _clean_up(ctx, made)
    out.sent = ctx.ex.budget.used - used
    out.notes.append(f"value phase: {out.sent} requests, --seed {seed} sends the same values")
    return out
