"""Probing a live server code by code.

Before any probe the run checks the target: an http(s) URL, reachable, TLS
verified, answering HTTP to a baseline GET. A target that fails any of these
raises ``TargetError`` (the CLI's exit 2), never a table of failures. Generic
probes (``probes``) and the RFC 9112 message checks (``framing``) need no
knowledge of the server; a plan (``statuskit.check.plan``) adds the
resource-specific codes. Independent probes run concurrently.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
from collections.abc import Awaitable, Callable
from functools import partial
from urllib.parse import urljoin, urlsplit

import httpx2

from statuskit.check.bounded import exchange_bounded
from statuskit.check.exchange import Context, Options, Waiting, send
from statuskit.check.framing import FRAMING
from statuskit.check.plan import (
    Bindings,
    PlanError,
    Probe,
    Step,
    padded_content,
    padded_target,
    plan_from_document,
)
from statuskit.check.probes import GENERIC, probe_slow_headers
from statuskit.check.record import Exchange
from statuskit.check.rules import status_rule
from statuskit.check.target import Target, TargetError, parse_target, reach
from statuskit.check.verdict import Verdict, failed, judge, not_applicable, skipped
from statuskit.codes import seed_codes

__all__ = ["Options", "check_names", "check_server"]

# Codes whose generic probe is the stronger test even when a plan lists them.
GENERIC_ALWAYS = frozenset({505, 501, 414, 417, 413})
_CONCURRENCY = 8
# Statuses whose content (none allowed) only the raw bytes can show.
_NO_CONTENT = frozenset({204, 205, 304})

Progress = Callable[[Verdict], None]


# -- plan probes ------------------------------------------------------------------------


def _content(step: Step, bindings: Bindings) -> bytes:
    content = b""
    if step.json is not None:
        content = json.dumps(bindings.fill(step.json)).encode()
    elif step.body is not None:
        content = step.body.encode()
    return padded_content(content, step.content_size)


def _origin_form(url: str) -> str:
    """The request-target for ``url`` on a connection to its own server: path and query
    only. RFC 9112 §3.2.1: a client MUST send origin-form to an origin server (a bound
    Location is often absolute, and uvicorn routes an absolute-form target as a path)."""
    parts = urlsplit(url)
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


async def _run_raw_step(ctx: Context, probe: Probe, step: Step, path: str,
                        headers: dict[str, str], content: bytes) -> Exchange | str:
    fields = list(headers.items())
    version = "HTTP/3.0" if probe.wire == "version" else "HTTP/1.1"
    if probe.wire != "no-length" and (content or step.method in ("POST", "PUT", "PATCH")):
        fields.append(("Content-Length", str(len(content))))
    sent = await send(ctx, step.method, path, fields, version=version,
                      body=b"" if probe.wire == "no-length" else content,
                      wait_for_interim=1.0 if step.expect_interim else None)
    return sent.seen if sent.seen is not None else sent.error


async def _run_step(ctx: Context, probe: Probe, step: Step, bindings: Bindings,
                    last: bool) -> Exchange | str:
    path = padded_target(bindings.fill(step.path), step.target_size)
    url = urljoin(ctx.target.url, path)
    headers: dict[str, str] = bindings.fill(step.headers)
    if step.websocket is not None:
        key = base64.b64encode(os.urandom(16)).decode()
        sent = await send(ctx, "GET", bindings.fill(step.websocket), [
            ("Upgrade", "websocket"), ("Connection", "Upgrade"),
            ("Sec-WebSocket-Key", key), ("Sec-WebSocket-Version", "13")])
        return sent.seen if sent.seen is not None else sent.error
    content = _content(step, bindings)
    # Content where none may go is only visible in the raw bytes (httpx drops it).
    no_content = last and (step.method == "HEAD" or bool(set(step.expect) & _NO_CONTENT))
    # Big requests too: httpx refuses targets past 64 KiB before sending them.
    big = step.target_size is not None or step.content_size is not None
    if probe.wire is not None or step.expect_interim or no_content or big:
        seen = await _run_raw_step(ctx, probe, step, _origin_form(url), headers, content)
        if step.name and isinstance(seen, Exchange):
            bindings.remember(step.name, dict(seen.headers), seen.body)
        return seen
    seen = await exchange_bounded(ctx.client, step.method, url, headers=headers,
                                  content=content)
    if step.name:
        bindings.remember(step.name, dict(seen.headers), seen.body)
    return seen


async def run_plan_probe(ctx: Context, probe: Probe) -> Verdict:
    if probe.not_applicable is not None:
        return not_applicable(probe.code, probe.not_applicable, "plan")
    if probe.wire == "slow-headers":
        return await probe_slow_headers(ctx, probe.code, probe.steps[-1].path)
    bindings = Bindings()
    last = probe.steps[-1]
    description = probe.why or f"{last.method} {last.path}"
    rule = status_rule(probe.code)
    for i, step in enumerate(probe.steps):
        final = i == len(probe.steps) - 1
        try:
            outcome = await _run_step(ctx, probe, step, bindings, final)
        except PlanError as exc:
            return failed(probe.code, rule, "the plan cannot be followed", description,
                          detail=str(exc))
        except httpx2.HTTPError as exc:
            return failed(probe.code, rule, "no answer", description,
                          detail=_httpx_reason(exc, ctx.options.timeout))
        if isinstance(outcome, str):
            return failed(probe.code, rule, "no answer", description, detail=outcome)
        if not final:
            if step.expect and outcome.status not in step.expect:
                return failed(probe.code, rule, f"setup step {step.method} {step.path} "
                                                f"answered {outcome.status}", description,
                              evidence=[outcome.evidence] if outcome.evidence else None)
            continue
        return judge(probe.code, outcome, last.expect or (probe.code,), probe=description,
                     expect_interim=last.expect_interim)
    return failed(probe.code, rule, "the plan cannot be followed", description,
                  detail="it gives no steps")


def _httpx_reason(exc: httpx2.HTTPError, timeout: float) -> str:
    if isinstance(exc, httpx2.TimeoutException):
        return f"no answer within {timeout:g} s"
    if isinstance(exc, httpx2.RemoteProtocolError):
        return f"the answer broke HTTP/1.1 framing ({exc})"
    if isinstance(exc, httpx2.ConnectError):
        return f"could not connect ({exc or 'refused'})"
    return f"{type(exc).__name__}: {exc}".rstrip(": ")


async def run_load_probe(ctx: Context, probe: Probe) -> Verdict:
    """A bounded burst (at most 200 requests, 10 s) until the code shows up."""
    step = probe.steps[-1]
    url = urljoin(ctx.options.load_base or ctx.target.url, step.path)
    found: list[Exchange] = []
    deadline = asyncio.get_running_loop().time() + 10
    sent = 0
    ctx.wait_note(str(probe.code), f"a burst of up to 200 requests for {probe.code}")

    async def one() -> None:
        nonlocal sent
        while not found and sent < 200 and asyncio.get_running_loop().time() < deadline:
            sent += 1
            try:
                seen = await exchange_bounded(ctx.client, step.method, url,
                                              headers=step.headers)
            except httpx2.HTTPError:
                continue
            if seen.status == probe.code:
                found.append(seen)

    await asyncio.gather(*(one() for _ in range(16)))
    if not found:
        return failed(probe.code, status_rule(probe.code), f"no {probe.code} in a bounded "
                      "burst", probe.why or "a bounded burst", detail=f"{sent} requests")
    return judge(probe.code, found[0], {probe.code},
                 probe=f"a burst; {probe.code} after {sent} requests")


# -- before the probes ------------------------------------------------------------------


async def _baseline(ctx: Context) -> None:
    """GET the URL (and, when it does not answer 2xx, GET /) before any probe."""
    sent = await send(ctx, "GET", ctx.target.target)
    if sent.seen is None:
        raise TargetError(f"{ctx.target.url} does not answer HTTP: {sent.error}")
    ctx.baseline = sent.seen
    candidates = [(ctx.target.target, sent.seen)]
    root_target = ctx.with_query("/")
    if not 200 <= sent.seen.status < 300 and ctx.target.target != root_target:
        root = await send(ctx, "GET", root_target)
        if root.seen is not None:
            candidates.append((root_target, root.seen))
    for target, seen in candidates:
        if 200 <= seen.status < 300:
            ctx.get_target, ctx.get_status, ctx.get_seen = target, seen.status, seen
            break
    _discover_plan(ctx, sent.seen)


def _discover_plan(ctx: Context, seen: Exchange) -> None:
    if ctx.plan is not None or not (seen.header("content-type") or "").startswith(
            "application/json"):
        return
    try:
        document = json.loads(seen.body)
    except ValueError:
        return
    if isinstance(document, dict) and "statuskit_plan" in document:
        try:
            ctx.plan = plan_from_document(document["statuskit_plan"])
        except PlanError:
            ctx.plan = None


def _choose(ctx: Context, code: int) -> Callable[[], Awaitable[Verdict]] | Verdict:
    options = ctx.options
    probe = ctx.plan.probes.get(code) if ctx.plan else None
    if code == 408 and not options.include_slow:
        return skipped(408, "slow probe: run with --include-slow")
    if code in (429, 503) and (probe is None or probe.load):
        if not options.include_load:
            return skipped(code, "load probe: run with --include-load")
        if probe is None:
            return not_applicable(code, f"load probe: give a plan step (--plan) naming where a "
                                        f"bounded burst should get {code}")
    if code in GENERIC_ALWAYS or probe is None:
        generic = GENERIC.get(code)
        if generic is not None:
            return lambda: generic(ctx)
        if code == 408:
            return lambda: probe_slow_headers(ctx)
        return not_applicable(code, "resource-specific: give a plan step (--plan) for it")
    if probe.load:
        return lambda: run_load_probe(ctx, probe)
    return lambda: run_plan_probe(ctx, probe)


def check_names() -> list[str]:
    """The names of the checks that are not one seed code each."""
    return list(FRAMING)


def _wanted(options: Options) -> tuple[list[int], list[str]]:
    """The seed codes, then the codes a plan adds (307, 428, ...); ``only`` narrows them,
    and a code it names that nothing probes is reported not applicable, never dropped."""
    codes = [c.code for c in seed_codes()]
    if options.plan is not None:
        codes += sorted(set(options.plan.probes) - set(codes))
    names = list(FRAMING)
    if options.only is None:
        return codes, names
    only = set(options.only)
    named = sorted(c for c in only if isinstance(c, int) and c not in codes)
    return ([c for c in codes if c in only] + named,
            [n for n in names if n in only or FRAMING[n][0] in only])


def _client(target: Target, options: Options) -> httpx2.AsyncClient:
    headers = {"User-Agent": "statuskit-check"}
    if target.authorization is not None:
        headers["Authorization"] = target.authorization
    # A fresh connection per request, as the raw probes have: a server may close an idle
    # connection at any moment (RFC 9112 §9.5), and a verdict must not hang on that race.
    limits = httpx2.Limits(max_connections=32, max_keepalive_connections=0)
    return httpx2.AsyncClient(timeout=options.timeout, limits=limits, headers=headers,
                             verify=target.client_tls())


async def check_server(url: str | Target, options: Options | None = None,
                       progress: Progress | None = None,
                       waiting: Waiting | None = None) -> list[Verdict]:
    """Verdicts for the seed codes and message checks (or ``options.only``).

    Raises ``TargetError`` when ``url`` is not a target that answers HTTP."""
    options = options or Options()
    target = url if isinstance(url, Target) else parse_target(
        url, cacert=options.cacert, insecure=options.insecure)
    await reach(target, options.timeout)
    codes, names = _wanted(options)
    async with _client(target, options) as client:
        ctx = Context(target, options, client, options.plan, waiting=waiting)
        await _baseline(ctx)
        semaphore = asyncio.Semaphore(_CONCURRENCY)

        async def run(key: int | str) -> Verdict:
            if isinstance(key, str):
                code, probe_fn = FRAMING[key]
                chosen: Callable[[], Awaitable[Verdict]] | Verdict = partial(probe_fn, ctx)
            else:
                code, chosen = key, _choose(ctx, key)
            if isinstance(chosen, Verdict):
                verdict = chosen
            else:
                async with semaphore:
                    try:
                        verdict = await chosen()
                    except httpx2.HTTPError as exc:
                        verdict = failed(code, status_rule(code), "no answer",
                                         detail=_httpx_reason(exc, options.timeout),
                                         name=str(key))
            if progress is not None:
                progress(verdict)
            return verdict

        first = [c for c in codes if c == 204]  # OPTIONS first: 405 and 413 use its Allow
        # Load probes go last and one at a time, 503 before 429: a burst that uses up
        # a rate limit would hide load shedding behind it.
        last = sorted((c for c in codes if _is_load(ctx, c)), key=lambda c: c != 503)
        results = [await run(c) for c in first]
        middle: list[int | str] = [c for c in codes if c not in first and c not in last]
        results += await asyncio.gather(*(run(k) for k in [*middle, *names]))
        results += [await run(c) for c in last]
    return sorted(results, key=lambda v: (v.code, v.name))


def _is_load(ctx: Context, code: int) -> bool:
    probe = ctx.plan.probes.get(code) if ctx.plan else None
    return probe is not None and probe.load and ctx.options.include_load

