"""Probing a live server code by code.

Generic probes need no knowledge of the server: 505, 501, 414, 417 and 413 go
out on a bare socket, OPTIONS/405/404/406 to the URL given, and 304, 412, 206
and 416 from the validators and ranges a GET of that URL advertises. A plan
(``statuskit.check.plan``) adds the resource-specific codes. Independent probes
run concurrently.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import secrets
from collections.abc import Awaitable, Callable, Collection, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx

from statuskit.check.evidence import Evidence
from statuskit.check.plan import Bindings, Plan, PlanError, Probe, Step, plan_from_document
from statuskit.check.raw import RawExchange, raw_exchange
from statuskit.check.verdict import Outcome, Seen, Verdict, judge, not_applicable, skipped
from statuskit.codes import seed_codes
from statuskit.http import parse_allow

__all__ = ["Options", "check_server"]

# Codes whose generic probe is the stronger test even when a plan lists them.
GENERIC_ALWAYS = frozenset({505, 501, 414, 417, 413})
_CONCURRENCY = 8
_UNLIKELY_MEDIA = "application/x-statuskit-unobtainable"
_HUGE_LENGTH = 10**12


@dataclass
class Options:
    only: Collection[int] | None = None  # codes to check (None: all 41 seed codes)
    include_slow: bool = False  # 408: slow headers (takes the server's header timeout)
    include_load: bool = False  # 429/503: bounded bursts
    timeout: float = 5.0  # per exchange
    slow_timeout: float = 20.0  # how long to wait for a 408
    plan: Plan | None = None
    load_base: str | None = None  # where load probes go (default: the URL checked)


@dataclass
class Context:
    base: str
    options: Options
    client: httpx.AsyncClient
    plan: Plan | None = None
    root: Seen | None = None  # GET of the URL given
    allow: frozenset[str] | None = None
    verdicts: dict[int, Verdict] = field(default_factory=dict)


Progress = Callable[[Verdict], None]


def _seen_from_httpx(response: httpx.Response) -> Seen:
    request = response.request
    return Seen(request.method, str(request.url), list(request.headers.items()),
                response.status_code, response.reason_phrase, list(response.headers.items()),
                response.content, evidence=Evidence.from_httpx(response))


def _seen_from_raw(method: str, url: str, head: bytes, raw: RawExchange) -> Seen:
    request_line, *lines = head.decode("latin-1").split("\r\n")
    fields = [tuple(line.split(": ", 1)) for line in lines if ": " in line]
    _, target, version = [*request_line.split(" ", 2), "", ""][:3]
    # The linter judges the exchange as sent: the real target and version.
    return Seen(method, urljoin(url, target), [(k, v) for k, v in fields], raw.status,
                raw.reason, raw.headers, raw.body, raw.interim, version or "HTTP/1.1",
                evidence=Evidence.from_wire(raw.sent or head, raw.heads, raw.body))


def _target(base: str) -> str:
    parts = urlsplit(base)
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


def _head(method: str, target: str, fields: Iterable[tuple[str, str]] = (),
          version: str = "HTTP/1.1") -> bytes:
    lines = [f"{method} {target} {version}", "Host: {host}", "User-Agent: statuskit-check"]
    lines += [f"{k}: {v}" for k, v in fields]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


async def _raw_probe(ctx: Context, code: int, method: str, head: bytes, expected: Collection[int],
                     probe: str, **kwargs: Any) -> Verdict:
    raw = await raw_exchange(ctx.base, head, timeout=ctx.options.timeout,
                             head_request=method == "HEAD", **kwargs)
    seen = _seen_from_raw(method, ctx.base, head, raw) if raw.status else None
    return judge(code, seen, expected, probe=probe, error=raw.error)


# -- generic probes ---------------------------------------------------------------------


async def probe_505(ctx: Context) -> Verdict:
    # RFC 9110 §15.6.6: a major version the server does not speak.
    return await _raw_probe(ctx, 505, "GET", _head("GET", _target(ctx.base), version="HTTP/3.0"),
                            {505}, "GET with an HTTP/3.0 request line")


async def probe_501(ctx: Context) -> Verdict:
    # RFC 9110 §15.6.2: a method in no registry.
    return await _raw_probe(ctx, 501, "BREW", _head("BREW", _target(ctx.base)), {501},
                            "an unregistered method, BREW")


async def probe_414(ctx: Context) -> Verdict:
    target = _target(ctx.base)
    long_target = target + ("&" if "?" in target else "?") + "q=" + "a" * 65536
    return await _raw_probe(ctx, 414, "GET", _head("GET", long_target), {414},
                            "GET with a 64 KiB target")


async def probe_417(ctx: Context) -> Verdict:
    return await _raw_probe(ctx, 417, "GET", _head("GET", _target(ctx.base),
                                                    [("Expect", "something-else")]),
                            {417}, "Expect: something-else")


def _post_target(ctx: Context) -> str:
    for code in (201, 100):
        probe = ctx.plan.probes.get(code) if ctx.plan else None
        if probe and probe.steps and probe.steps[-1].method == "POST" \
                and "{" not in probe.steps[-1].path:
            return probe.steps[-1].path
    return _target(ctx.base)


async def probe_413(ctx: Context) -> Verdict:
    # RFC 9110 §15.5.14 with §10.1.1: refused from the declared length, before any
    # 100 Continue invites the content.
    head = _head("POST", _post_target(ctx), [("Content-Type", "application/json"),
                                             ("Content-Length", str(_HUGE_LENGTH)),
                                             ("Expect", "100-continue")])
    raw = await raw_exchange(ctx.base, head, timeout=ctx.options.timeout)
    seen = _seen_from_raw("POST", ctx.base, head, raw) if raw.status else None
    return judge(413, seen, {413}, probe="POST declaring 1 TB with Expect: 100-continue",
                 error=raw.error, forbid_interim=True)


async def probe_404(ctx: Context) -> Verdict:
    path = urljoin(ctx.base, f"/statuskit-probe-{secrets.token_hex(6)}")
    response = await ctx.client.get(path)
    return judge(404, _seen_from_httpx(response), {404}, probe="GET a random path")


async def probe_406(ctx: Context) -> Verdict:
    response = await ctx.client.get(ctx.base, headers={"Accept": _UNLIKELY_MEDIA})
    return judge(406, _seen_from_httpx(response), {406},
                 probe=f"GET with Accept: {_UNLIKELY_MEDIA}")


async def probe_options(ctx: Context) -> Verdict:
    # The seed: OPTIONS is answered with 204 (and, RFC 9110 §9.3.7, Allow).
    response = await ctx.client.options(ctx.base)
    seen = _seen_from_httpx(response)
    if response.headers.get("allow") is not None:
        ctx.allow = parse_allow(response.headers["allow"])
    verdict = judge(204, seen, {204}, probe="OPTIONS")
    if verdict.outcome is Outcome.PASS and ctx.allow is None:
        verdict.outcome, verdict.reason = Outcome.FAIL, "204 to OPTIONS without Allow"
    return verdict


async def probe_405(ctx: Context) -> Verdict:
    allowed = ctx.allow
    candidates = ["DELETE", "PUT", "PATCH", "POST"]
    method = next((m for m in candidates if allowed is None or m not in allowed), None)
    if method is None:
        return not_applicable(405, "Allow lists every method the probe would try")
    response = await ctx.client.request(method, ctx.base)
    return judge(405, _seen_from_httpx(response), {405}, probe=f"{method}, which Allow excludes",
                 excluded_method=method)


async def probe_validators(ctx: Context, code: int) -> Verdict:
    root = ctx.root
    if root is None or root.status != 200:
        return not_applicable(code, "GET of the URL did not answer 200")
    etag, modified = root.header("etag"), root.header("last-modified")
    if code == 304:
        if etag is not None:
            headers, probe = {"If-None-Match": etag}, "GET with If-None-Match: its ETag"
        elif modified is not None:
            headers, probe = {"If-Modified-Since": modified}, \
                "GET with If-Modified-Since: its Last-Modified"
        else:
            return not_applicable(304, "the URL advertises no validator (ETag, Last-Modified)")
    else:
        if etag is None:
            return not_applicable(412, "the URL advertises no ETag to condition on")
        headers, probe = {"If-Match": '"statuskit-not-this"'}, "GET with If-Match: another tag"
    response = await ctx.client.get(ctx.base, headers=headers)
    return judge(code, _seen_from_httpx(response), {code}, probe=probe)


async def probe_ranges(ctx: Context, code: int) -> Verdict:
    root = ctx.root
    if root is None or root.status != 200:
        return not_applicable(code, "GET of the URL did not answer 200")
    if (root.header("accept-ranges") or "").lower() != "bytes":
        return not_applicable(code, "the URL does not advertise Accept-Ranges: bytes")
    if code == 206:
        headers, probe = {"Range": "bytes=0-0"}, "GET with Range: bytes=0-0"
    else:
        start = len(root.body) + 1_000_000
        headers, probe = {"Range": f"bytes={start}-"}, "GET with a range past the end"
    response = await ctx.client.get(ctx.base, headers=headers)
    return judge(code, _seen_from_httpx(response), {code}, probe=probe)


async def probe_slow_headers(ctx: Context, code: int = 408, target: str | None = None) -> Verdict:
    # RFC 9110 §15.5.9: a header section that never completes.
    partial = f"GET {target or _target(ctx.base)} HTTP/1.1\r\nHost: {{host}}\r\n".encode()
    raw = await raw_exchange(ctx.base, partial, timeout=ctx.options.slow_timeout)
    seen = _seen_from_raw("GET", ctx.base, partial, raw) if raw.status else None
    verdict = judge(code, seen, {code}, probe="a header section that never ends",
                    error=raw.error)
    if verdict.outcome is Outcome.PASS and not raw.closed:
        verdict.outcome, verdict.reason = Outcome.FAIL, "408 but the connection stayed open"
    return verdict


GENERIC: dict[int, Callable[[Context], Awaitable[Verdict]]] = {
    505: probe_505,
    501: probe_501,
    414: probe_414,
    417: probe_417,
    413: probe_413,
    404: probe_404,
    406: probe_406,
    204: probe_options,
    405: probe_405,
    304: lambda ctx: probe_validators(ctx, 304),
    412: lambda ctx: probe_validators(ctx, 412),
    206: lambda ctx: probe_ranges(ctx, 206),
    416: lambda ctx: probe_ranges(ctx, 416),
}


# -- plan probes ------------------------------------------------------------------------


async def _run_step(ctx: Context, probe: Probe, step: Step, bindings: Bindings) -> Seen | str:
    path = bindings.fill(step.path)
    url = urljoin(ctx.base, path)
    headers: dict[str, str] = bindings.fill(step.headers)
    if step.websocket is not None:
        key = base64.b64encode(os.urandom(16)).decode()
        head = _head("GET", bindings.fill(step.websocket), [
            ("Upgrade", "websocket"), ("Connection", "Upgrade"),
            ("Sec-WebSocket-Key", key), ("Sec-WebSocket-Version", "13")])
        raw = await raw_exchange(ctx.base, head, timeout=ctx.options.timeout)
        return _seen_from_raw("GET", url, head, raw) if raw.status else raw.error
    content: bytes = b""
    if step.json is not None:
        content = json.dumps(bindings.fill(step.json)).encode()
    elif step.body is not None:
        content = step.body.encode()
    if probe.wire is not None or step.expect_interim:
        fields = list(headers.items())
        version = "HTTP/3.0" if probe.wire == "version" else "HTTP/1.1"
        if probe.wire != "no-length":
            fields.append(("Content-Length", str(len(content))))
        head = _head(step.method, path, fields, version)
        raw = await raw_exchange(ctx.base, head, body=b"" if probe.wire == "no-length"
                                 else content, timeout=ctx.options.timeout,
                                 wait_for_interim=1.0 if step.expect_interim else None)
        return _seen_from_raw(step.method, url, head, raw) if raw.status else raw.error
    response = await ctx.client.request(step.method, url, headers=headers, content=content)
    if step.name:
        bindings.remember(step.name, dict(response.headers), response.content)
    return _seen_from_httpx(response)


async def run_plan_probe(ctx: Context, probe: Probe) -> Verdict:
    if probe.not_applicable is not None:
        return not_applicable(probe.code, probe.not_applicable, "plan")
    if probe.wire == "slow-headers":
        return await probe_slow_headers(ctx, probe.code, probe.steps[-1].path)
    bindings = Bindings()
    last = probe.steps[-1]
    description = probe.why or f"{last.method} {last.path}"
    for i, step in enumerate(probe.steps):
        try:
            outcome = await _run_step(ctx, probe, step, bindings)
        except PlanError as exc:
            return Verdict(probe.code, Outcome.FAIL, f"plan: {exc}", description)
        except httpx.HTTPError as exc:
            return Verdict(probe.code, Outcome.FAIL, f"{type(exc).__name__}: {exc}", description)
        if isinstance(outcome, str):
            return Verdict(probe.code, Outcome.FAIL, outcome, description)
        if i < len(probe.steps) - 1:
            if step.expect and outcome.status not in step.expect:
                return Verdict(probe.code, Outcome.FAIL,
                               f"setup step {step.method} {step.path} answered "
                               f"{outcome.status}", description)
            continue
        return judge(probe.code, outcome, last.expect or (probe.code,), probe=description,
                     expect_interim=last.expect_interim)
    return Verdict(probe.code, Outcome.FAIL, "the plan gives no steps", description)


async def run_load_probe(ctx: Context, probe: Probe) -> Verdict:
    """A bounded burst (at most 200 requests, 10 s) until the code shows up."""
    step = probe.steps[-1]
    url = urljoin(ctx.options.load_base or ctx.base, step.path)
    found: list[httpx.Response] = []
    deadline = asyncio.get_running_loop().time() + 10
    sent = 0

    async def one() -> None:
        nonlocal sent
        while not found and sent < 200 and asyncio.get_running_loop().time() < deadline:
            sent += 1
            try:
                response = await ctx.client.request(step.method, url, headers=step.headers)
            except httpx.HTTPError:
                continue
            if response.status_code == probe.code:
                found.append(response)

    await asyncio.gather(*(one() for _ in range(16)))
    if not found:
        return Verdict(probe.code, Outcome.FAIL, f"no {probe.code} in {sent} requests",
                       probe.why or "a bounded burst")
    return judge(probe.code, _seen_from_httpx(found[0]), {probe.code},
                 probe=f"a burst; {probe.code} after {sent} requests")


# -- the run ----------------------------------------------------------------------------


async def _discover(ctx: Context) -> None:
    try:
        response = await ctx.client.get(ctx.base)
    except httpx.HTTPError:
        return
    ctx.root = _seen_from_httpx(response)
    if ctx.plan is None and response.headers.get("content-type", "").startswith(
            "application/json"):
        try:
            document = response.json()
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
    if probe is not None and probe.load and not options.include_load:
        return skipped(code, "load probe: run with --include-load")
    if code in GENERIC_ALWAYS or probe is None:
        generic = GENERIC.get(code)
        if generic is not None:
            return lambda: generic(ctx)
        if code == 408:
            return lambda: probe_slow_headers(ctx)
        if code == 429 and not options.include_load:
            return skipped(429, "load probe: run with --include-load")
        return not_applicable(code, "resource-specific: give a plan step (--plan) for it")
    if probe.load:
        return lambda: run_load_probe(ctx, probe)
    return lambda: run_plan_probe(ctx, probe)


async def check_server(base: str, options: Options | None = None,
                       progress: Progress | None = None) -> list[Verdict]:
    """Verdicts for the seed codes (or ``options.only``) against ``base``."""
    options = options or Options()
    codes = [c.code for c in seed_codes()]
    if options.only is not None:
        codes = [c for c in codes if c in options.only] + \
            sorted(set(options.only) - set(codes))
    limits = httpx.Limits(max_connections=32)
    async with httpx.AsyncClient(timeout=options.timeout, limits=limits,
                                 headers={"User-Agent": "statuskit-check"}) as client:
        ctx = Context(base, options, client, options.plan)
        await _discover(ctx)
        first = [c for c in codes if c == 204]  # OPTIONS first: 405 uses its Allow
        semaphore = asyncio.Semaphore(_CONCURRENCY)

        async def run(code: int) -> Verdict:
            chosen = _choose(ctx, code)
            if isinstance(chosen, Verdict):
                verdict = chosen
            else:
                async with semaphore:
                    try:
                        verdict = await chosen()
                    except httpx.HTTPError as exc:
                        verdict = Verdict(code, Outcome.FAIL, f"{type(exc).__name__}: {exc}")
            if progress is not None:
                progress(verdict)
            return verdict

        # Load probes go last and one at a time, 503 before 429: a burst that uses up
        # a rate limit would hide load shedding behind it.
        last = sorted((c for c in codes if _is_load(ctx, c)), key=lambda c: c != 503)
        results = [await run(c) for c in first]
        results += await asyncio.gather(*(run(c) for c in codes
                                          if c not in first and c not in last))
        results += [await run(c) for c in last]
    return sorted(results, key=lambda v: v.code)


def _is_load(ctx: Context, code: int) -> bool:
    probe = ctx.plan.probes.get(code) if ctx.plan else None
    return probe is not None and probe.load
