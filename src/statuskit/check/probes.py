"""Generic probes: one per seed code a server shows without knowing its resources.

Each probe aims at a URL that can answer it: GET-based probes at a target the
baseline showed answers GET with 2xx, the validator and range probes at the URL
given only when its GET answered 200, the 413 probe at a target that takes
content. When no such URL is known the verdict is "not applicable", with why.
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from typing import Any

from statuskit.check import rules
from statuskit.check.exchange import Context, Sent, judged, send
from statuskit.check.rules import Problem, Rule, status_rule
from statuskit.check.verdict import (
    Outcome,
    Verdict,
    add_problem,
    failed,
    not_applicable,
)
from statuskit.http import parse_allow

__all__ = ["GENERIC", "probe_slow_headers"]

UNLIKELY_MEDIA = "application/x-statuskit-unobtainable"
HUGE_LENGTH = 10**12  # 1 TB, declared and never sent
LONG_TARGET = 65536  # bytes of query added for the 414 probe
_METHODS_FOR_405 = ("DELETE", "PUT", "PATCH", "POST")


def _no_get_target(code: int, ctx: Context, probe: str) -> Verdict:
    status = ctx.baseline.status if ctx.baseline else None
    return not_applicable(code, f"GET {ctx.target.target} answered {status} and GET / did not "
                                "answer 2xx either: the probe needs a URL that answers GET",
                          probe)


def _elsewhere(ctx: Context, probe: str) -> str:
    """Name the target when the probe goes to / because the URL given does not answer GET."""
    if ctx.get_target is not None and ctx.get_target != ctx.target.target:
        return f"{probe}, to {ctx.get_target} (GET {ctx.target.target} did not answer 2xx)"
    return probe


def _seed_unless(ctx: Context, rule: Rule) -> dict[int, Rule]:
    """A probe whose situation the server may ignore: answering as the plain GET
    did breaks only ``rule`` (the seed's), whatever the probe's own level."""
    return {ctx.get_status: rule} if ctx.get_status is not None else {}


def _verdict(code: int, sent: Sent, expected: set[int], probe: str, **kwargs: Any) -> Verdict:
    return judged(code, sent, expected, probe=probe, **kwargs)


async def probe_505(ctx: Context) -> Verdict:
    # RFC 9110 §15.6.6: a major version the server does not speak.
    probe = _elsewhere(ctx, "GET with an HTTP/3.0 request line")
    if ctx.get_target is None:
        return _no_get_target(505, ctx, probe)
    sent = await send(ctx, "GET", ctx.get_target, version="HTTP/3.0")
    return _verdict(505, sent, {505}, probe)


async def probe_501(ctx: Context) -> Verdict:
    # RFC 9110 §9.1: a method in no registry SHOULD get 501, whatever the target.
    sent = await send(ctx, "BREW", ctx.get_target or ctx.target.target)
    return _verdict(501, sent, {501}, _elsewhere(ctx, "an unregistered method, BREW"))


def _long_target_cause(ctx: Context, status: int) -> str:
    if status == 431:
        return ("answered 431: it counted the request line against its limit for header "
                "fields")
    if status == ctx.get_status:
        return f"answered {status}: it parsed the 64 KiB target"
    return ""


async def probe_414(ctx: Context) -> Verdict:
    probe = _elsewhere(ctx, "GET with a 64 KiB target")
    if ctx.get_target is None:
        return _no_get_target(414, ctx, probe)
    target = ctx.get_target
    long_target = target + ("&" if "?" in target else "?") + "q=" + "a" * LONG_TARGET
    sent = await send(ctx, "GET", long_target)
    # RFC 9112 §3: a server may parse a long target (answering as GET did is the
    # seed's failure only); refusing it with anything but 414 breaks the MUST, and
    # a 431 says "header fields too large" (RFC 6585 §5) of a request line.
    tolerated = {**_seed_unless(ctx, rules.LONG_TARGET_PARSED),
                 431: rules.TARGET_COUNTED_AS_FIELDS}
    cause = _long_target_cause(ctx, sent.seen.status) if sent.seen else ""
    return _verdict(414, sent, {414}, probe, tolerated=tolerated, cause=cause)


async def probe_417(ctx: Context) -> Verdict:
    probe = _elsewhere(ctx, "GET with Expect: something-else")
    if ctx.get_target is None:
        return _no_get_target(417, ctx, probe)
    sent = await send(ctx, "GET", ctx.get_target, [("Expect", "something-else")])
    return _verdict(417, sent, {417}, probe)


async def probe_406(ctx: Context) -> Verdict:
    probe = _elsewhere(ctx, f"GET with Accept: {UNLIKELY_MEDIA}")
    if ctx.get_target is None:
        return _no_get_target(406, ctx, probe)
    sent = await send(ctx, "GET", ctx.get_target, [("Accept", UNLIKELY_MEDIA)])
    return _verdict(406, sent, {406}, probe)


async def probe_404(ctx: Context) -> Verdict:
    sent = await send(ctx, "GET", ctx.with_query(f"/statuskit-probe-{secrets.token_hex(6)}"))
    return _verdict(404, sent, {404}, "GET a random path")


def _content_target(ctx: Context) -> tuple[str, str, str] | None:
    """(method, target, why) for a request that the server will read content for."""
    plan = ctx.plan
    for code in (201, 100, 202, 422, 415):
        probe = plan.probes.get(code) if plan else None
        step = probe.steps[-1] if probe and probe.steps else None
        if step and step.method in ("POST", "PUT", "PATCH") and "{" not in step.path:
            return step.method, step.path, f"the plan's {code} step"
    allow = ctx.allow
    if ctx.get_target is None:
        return None
    for method in ("POST", "PUT"):
        if allow is None or method in allow:
            why = "its Allow lists it" if allow is not None else "no Allow says otherwise"
            return method, ctx.get_target, why
    return None


async def probe_413(ctx: Context) -> Verdict:
    # RFC 9110 §15.5.14 with §10.1.1: refused from the declared length; the seed
    # asks that no 100 Continue invite the content first.
    chosen = _content_target(ctx)
    if chosen is None:
        where = ctx.get_target or ctx.target.target
        why = (f"Allow for {where} lists neither POST nor PUT" if ctx.get_target else
               "no URL answers GET with 2xx")
        return not_applicable(413, f"{why}: give a --plan step that sends content")
    method, target, why = chosen
    probe = f"{method} {target} ({why}) declaring 1 TB, with Expect: 100-continue"
    ctx.wait_note("413", f"{method} declaring 1 TB: waiting for a refusal or a 100 Continue "
                         f"(up to {ctx.options.timeout:g} s)")
    # The content is never sent: a 100 Continue ends the exchange, since a server that
    # invited it may wait for it as long as it likes.
    sent = await send(ctx, method, target, [("Content-Type", "application/json"),
                                            ("Content-Length", str(HUGE_LENGTH)),
                                            ("Expect", "100-continue")],
                      wait_for_interim=ctx.options.timeout, stop_at_interim=True)
    seen = sent.seen
    if seen is not None and seen.status in (404, 405, 410, 501):
        return not_applicable(413, f"{target} does not take {method} (answered {seen.status})"
                                   ": give a --plan step for a URL that takes content",
                              probe, evidence=[sent.evidence])
    if seen is None and sent.raw.interim:
        return failed(413, rules.NO_CONTINUE_BEFORE_REFUSAL, rules.INVITED_1_TB, probe,
                      evidence=[sent.evidence])
    return _verdict(413, sent, {413}, probe, forbid_interim=True)


async def probe_options(ctx: Context) -> Verdict:
    # The seed: OPTIONS is answered with 204 and Allow (RFC 9110 §9.3.7: 200 too, and
    # Allow is its example of the fields a successful answer SHOULD carry).
    probe = _elsewhere(ctx, "OPTIONS")
    if ctx.get_target is None:
        return _no_get_target(204, ctx, probe)
    sent = await send(ctx, "OPTIONS", ctx.get_target)
    seen = sent.seen
    if seen is not None and seen.header("allow") is not None:
        ctx.allow = parse_allow(seen.header("allow") or "")
    seed = status_rule(204)
    verdict = _verdict(204, sent, {204}, probe, tolerated={200: seed})
    if seen is not None and 200 <= seen.status < 300 and seen.header("allow") is None:
        add_problem(verdict, Problem(rules.OPTIONS_ALLOW, "a successful OPTIONS without Allow",
                                     f"answered {seen.status}"))
    return verdict


async def probe_405(ctx: Context) -> Verdict:
    if ctx.get_target is None:
        return _no_get_target(405, ctx, "a method Allow excludes")
    allowed = ctx.allow
    candidates = [m for m in _METHODS_FOR_405 if allowed is None or m not in allowed]
    if not candidates:
        return not_applicable(405, "Allow lists every method the probe would try")
    unimplemented: list[str] = []
    for method in candidates:
        sent = await send(ctx, method, ctx.get_target,
                          [("Content-Length", "0")] if method != "DELETE" else [])
        if sent.seen is not None and sent.seen.status == 501:
            unimplemented.append(method)  # RFC 9110 §15.6.2: implemented nowhere
            continue
        why = "which Allow excludes" if allowed is not None else "with no Allow known"
        return _verdict(405, sent, {405}, _elsewhere(ctx, f"{method}, {why}"))
    return not_applicable(405, f"answered 501 to {', '.join(unimplemented)}: methods the server "
                               "implements for no resource (RFC 9110 §15.6.2), so no 405 is due",
                          evidence=[sent.evidence])


def _baseline_200(ctx: Context, code: int) -> Verdict | None:
    root = ctx.baseline
    if root is None or root.status != 200:
        status = root.status if root else "nothing"
        return not_applicable(code, f"GET {ctx.target.target} answered {status}, not 200: "
                                    "no representation to condition on")
    return None


async def probe_validators(ctx: Context, code: int) -> Verdict:
    if (missing := _baseline_200(ctx, code)) is not None:
        return missing
    root = ctx.baseline
    assert root is not None
    etag, modified = root.header("etag"), root.header("last-modified")
    if code == 304:
        if etag is not None:
            fields, probe = [("If-None-Match", etag)], "GET with If-None-Match: its ETag"
        elif modified is not None:
            fields, probe = [("If-Modified-Since", modified)], \
                "GET with If-Modified-Since: its Last-Modified"
        else:
            return not_applicable(304, "the URL advertises no validator (ETag, Last-Modified)")
    else:
        if etag is None:
            return not_applicable(412, "the URL advertises no ETag to condition on")
        fields, probe = [("If-Match", '"statuskit-not-this"')], "GET with If-Match: another tag"
    sent = await send(ctx, "GET", ctx.target.target, fields)
    return _verdict(code, sent, {code}, probe)


async def probe_ranges(ctx: Context, code: int) -> Verdict:
    if (missing := _baseline_200(ctx, code)) is not None:
        return missing
    root = ctx.baseline
    assert root is not None
    if (root.header("accept-ranges") or "").lower() != "bytes":
        return not_applicable(code, "the URL does not advertise Accept-Ranges: bytes")
    if code == 206:
        fields, probe = [("Range", "bytes=0-0")], "GET with Range: bytes=0-0"
    else:
        start = len(root.body) + 1_000_000
        fields, probe = [("Range", f"bytes={start}-")], "GET with a range past the end"
    sent = await send(ctx, "GET", ctx.target.target, fields)
    return _verdict(code, sent, {code}, probe)


async def probe_slow_headers(ctx: Context, code: int = 408, target: str | None = None) -> Verdict:
    # RFC 9110 §15.5.9: a header section that never completes.
    wait = ctx.options.slow_timeout
    ctx.wait_note(str(code), f"a header section that never ends: waiting up to {wait:g} s "
                             "for the server's header timeout")
    partial = f"GET {target or ctx.target.target} HTTP/1.1\r\nHost: {{host}}\r\n".encode()
    sent = await send(ctx, "GET", target or ctx.target.target, head=partial, timeout=wait,
                      close_wait=0.3)
    verdict = _verdict(code, sent, {code}, "a header section that never ends")
    if verdict.outcome is Outcome.PASS and not sent.raw.closed:
        add_problem(verdict, Problem(rules.CLOSE_AFTER_408, "408 but the connection stayed open"))
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
