"""Message-level MUSTs of RFC 9110/9112 that any HTTP/1.1 server can be held to.

These are not one seed code each: HEAD answered like GET without content, the
Host field's 400s, Content-Length with Transfer-Encoding, bare LF line ends and
obsolete line folding. Each has a stable name (``Verdict.name``) and the
status it expects as its code.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from statuskit.check.exchange import Context, request_head, send
from statuskit.check.profile import Level
from statuskit.check.rules import Rule
from statuskit.check.verdict import (
    Outcome,
    Problem,
    Verdict,
    add_problem,
    failed,
    judge,
    not_applicable,
)

__all__ = ["FRAMING"]

HEAD_PARITY = Rule(Level.MUST, "RFC 9110 §9.3.2",
                   "HEAD is answered as GET is, with no content")
HEAD_LENGTH = Rule(Level.MUST, "RFC 9110 §8.6",
                   "a Content-Length on a HEAD answer is the length GET would send")
HEAD_FIELDS = Rule(Level.SHOULD, "RFC 9110 §9.3.2",
                   "HEAD carries the header fields GET would carry")
HOST_400 = Rule(Level.MUST, "RFC 9112 §3.2",
                "an HTTP/1.1 request with no Host, or with more than one, gets 400")
CLOSE_ON_CL_TE = Rule(Level.MUST, "RFC 9112 §6.1",
                      "a request with Content-Length and Transfer-Encoding is answered and "
                      "the connection closed")
BARE_LF = Rule(Level.MUST, "RFC 9112 §2.2, §5.5",
               "lines ending in a bare LF are read as line ends (MAY) or the request is "
               "refused with 400; LF never stays inside a field")
OBS_FOLD = Rule(Level.MUST, "RFC 9112 §5.2",
                "obsolete line folding is refused with 400 or read as a space")


def _no_get(ctx: Context, name: str, code: int, rule: Rule) -> Verdict:
    status = ctx.baseline.status if ctx.baseline else None
    return not_applicable(code, f"GET {ctx.target.target} answered {status}: the probe compares "
                                "with a GET that answers 2xx", name=name, rule=rule)


async def probe_head(ctx: Context) -> Verdict:
    name, probe = "head-parity", "HEAD of a URL that answers GET"
    get = ctx.get_seen
    if ctx.get_target is None or get is None:
        return _no_get(ctx, name, 200, HEAD_PARITY)
    sent = await send(ctx, "HEAD", ctx.get_target)
    evidence = [*([get.evidence] if get.evidence else []), sent.evidence]
    verdict = judge(get.status, sent.seen, {get.status}, probe=probe, rule=HEAD_PARITY,
                    error=sent.error, evidence=evidence, name=name)
    seen = sent.seen
    if seen is None or seen.status != get.status:
        return verdict
    length = seen.header("content-length")
    get_length = get.header("content-length") or str(len(get.body))
    if length is not None and length != get_length:
        add_problem(verdict, Problem(HEAD_LENGTH, f"HEAD says Content-Length {length}, GET sent "
                                           f"{get_length}"))
    get_type, head_type = get.header("content-type"), seen.header("content-type")
    if get_type is not None and head_type != get_type:
        add_problem(verdict, Problem(HEAD_FIELDS, f"HEAD's Content-Type is {head_type!r}, GET's "
                                           f"{get_type!r}"))
    return verdict



async def probe_host_missing(ctx: Context) -> Verdict:
    target = ctx.get_target or ctx.target.target  # where GET alone would succeed
    head = request_head(ctx, "GET", target, host=False)
    sent = await send(ctx, "GET", target, head=head)
    return judge(400, sent.seen, {400}, probe="HTTP/1.1 GET with no Host field", rule=HOST_400,
                 error=sent.error, evidence=[sent.evidence], name="host-missing")


async def probe_host_duplicated(ctx: Context) -> Verdict:
    sent = await send(ctx, "GET", ctx.get_target or ctx.target.target,
                      [("Host", "statuskit-other.invalid")])
    return judge(400, sent.seen, {400}, probe="GET with two Host fields (its own, then another)",
                 rule=HOST_400, error=sent.error, evidence=[sent.evidence],
                 name="host-duplicated")


async def probe_cl_te(ctx: Context) -> Verdict:
    name, probe = "cl-te", "POST with Content-Length: 5 and Transfer-Encoding: chunked"
    # Both framings agree (an empty chunked body is 5 bytes), so only the rule is tested.
    wait = ctx.options.timeout  # a loaded server may be slow to close; a keep-alive one never is
    ctx.wait_note(name, f"Content-Length with Transfer-Encoding: waiting up to {wait:g} s for "
                        "the server to close the connection")
    sent = await send(ctx, "POST", ctx.target.target,
                      [("Content-Length", "5"), ("Transfer-Encoding", "chunked")],
                      body=b"0\r\n\r\n", close_wait=wait)
    raw, seen = sent.raw, sent.seen
    if seen is None:
        if raw.closed:
            return Verdict(400, Outcome.PASS, "closed the connection without answering", probe,
                           level=CLOSE_ON_CL_TE.level, rule=CLOSE_ON_CL_TE.cite,
                           evidence=[sent.evidence], name=name)
        return failed(400, CLOSE_ON_CL_TE, sent.error or "no answer", probe,
                      evidence=[sent.evidence], name=name)
    verdict = judge(seen.status, seen, {seen.status}, probe=probe, rule=CLOSE_ON_CL_TE,
                    evidence=[sent.evidence], name=name)
    verdict.code = 400
    if not raw.closed:
        add_problem(verdict, Problem(CLOSE_ON_CL_TE, f"answered {seen.status} and kept the "
                                              f"connection open for {wait:g} s"))
    elif verdict.outcome is Outcome.PASS:
        verdict.reason = f"answered {seen.status} and closed the connection"
    return verdict


async def _probe_lenient(ctx: Context, name: str, rule: Rule, probe: str,
                         head: bytes) -> Verdict:
    if ctx.get_target is None or ctx.get_status is None:
        return _no_get(ctx, name, 400, rule)
    sent = await send(ctx, "GET", ctx.get_target, head=head)
    verdict = judge(400, sent.seen, {400, ctx.get_status}, probe=probe, rule=rule,
                    error=sent.error, evidence=[sent.evidence], name=name)
    if verdict.outcome is Outcome.PASS and verdict.status != 400:
        verdict.reason = f"read it as a well-formed GET ({verdict.status}, as GET answered)"
    return verdict


async def probe_bare_lf(ctx: Context) -> Verdict:
    head = request_head(ctx, "GET", ctx.get_target or "/", line_end="\n")
    return await _probe_lenient(ctx, "bare-lf", BARE_LF,
                                "GET whose lines end in a bare LF", head)


async def probe_obs_fold(ctx: Context) -> Verdict:
    head = request_head(ctx, "GET", ctx.get_target or "/",
                        [("X-Statuskit-Folded", "first\r\n second")])
    return await _probe_lenient(ctx, "obs-fold", OBS_FOLD,
                                "GET with a field folded onto a second line", head)


FRAMING: dict[str, tuple[int, Callable[[Context], Awaitable[Verdict]]]] = {
    "head-parity": (200, probe_head),
    "host-missing": (400, probe_host_missing),
    "host-duplicated": (400, probe_host_duplicated),
    "cl-te": (400, probe_cl_te),
    "bare-lf": (400, probe_bare_lf),
    "obs-fold": (400, probe_obs_fold),
}
