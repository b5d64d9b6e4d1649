"""Message-level rules of RFC 9110/9112 that any HTTP/1.1 server can be held to.

These are not one seed code each: HEAD answered like GET without content, the
Host field's 400s, Content-Length with Transfer-Encoding, bare LF line ends and
obsolete line folding. Each has a stable name (``Verdict.name``) and the
status it expects as its code. Every verdict here is decided by what the
server does, never by how long it takes: the connection after Content-Length
with Transfer-Encoding is judged by a second request sent on it, and a request
that the server may read as unfinished (bare LF) is allowed to stay unanswered.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from statuskit.check.exchange import Context, judged, request_head, send
from statuskit.check.rules import (
    BARE_LF,
    CLOSE_ON_CL_TE,
    HEAD_FIELDS,
    HEAD_LENGTH,
    HEAD_PARITY,
    HOST_400,
    OBS_FOLD,
    Problem,
    Rule,
)
from statuskit.check.verdict import (
    Outcome,
    Verdict,
    add_problem,
    failed,
    judge,
    not_applicable,
    passed,
)

__all__ = ["FRAMING"]


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
    seen = sent.seen
    verdict = judged(get.status, sent, {get.status}, probe=probe, rule=HEAD_PARITY,
                     evidence=evidence, name=name,
                    cause=f"HEAD answered {seen.status if seen else 0}, not as GET",
                    detail=f"GET answered {get.status}")
    if seen is None or seen.status != get.status:
        return verdict
    length = seen.header("content-length")
    get_length = get.header("content-length") or str(len(get.body))
    if length is not None and length != get_length:
        add_problem(verdict, Problem(HEAD_LENGTH, "HEAD's Content-Length is not GET's",
                                     f"HEAD says {length}, GET sent {get_length}"))
    get_type, head_type = get.header("content-type"), seen.header("content-type")
    if get_type is not None and head_type != get_type:
        add_problem(verdict, Problem(HEAD_FIELDS, "HEAD's Content-Type is not GET's",
                                     f"HEAD's is {head_type!r}, GET's {get_type!r}"))
    return verdict


def _speaks_http_1_0(ctx: Context) -> bool:
    baseline = ctx.baseline
    return baseline is not None and baseline.response_version == "HTTP/1.0"


def _host_rules_not_for(ctx: Context, name: str) -> Verdict | None:
    """RFC 9112 §3.2's Host rules bind HTTP/1.1 servers; one that answers HTTP/1.0
    says it conforms to no later version (RFC 9110 §6.2), and HTTP/1.0 has no Host."""
    if not _speaks_http_1_0(ctx):
        return None
    return not_applicable(400, f"the server answers HTTP/1.0 (GET {ctx.target.target}: "
                               "'HTTP/1.0' in its status line, which RFC 9110 §6.2 says is the "
                               "highest version it conforms to): the Host rules of RFC 9112 "
                               "§3.2 are HTTP/1.1's", name=name, rule=HOST_400)


async def probe_host_missing(ctx: Context) -> Verdict:
    name = "host-missing"
    if (not_for := _host_rules_not_for(ctx, name)) is not None:
        return not_for
    target = ctx.get_target or ctx.target.target  # where GET alone would succeed
    head = request_head(ctx, "GET", target, host=False)
    sent = await send(ctx, "GET", target, head=head)
    status = sent.seen.status if sent.seen else 0
    return judged(400, sent, {400}, probe="HTTP/1.1 GET with no Host field", rule=HOST_400,
                  name=name, cause="no 400 for an HTTP/1.1 request with no Host",
                  unanswered_is_the_cause=True,
                  detail=f"answered {status}")


async def probe_host_duplicated(ctx: Context) -> Verdict:
    name = "host-duplicated"
    if (not_for := _host_rules_not_for(ctx, name)) is not None:
        return not_for
    sent = await send(ctx, "GET", ctx.get_target or ctx.target.target,
                      [("Host", "statuskit-other.invalid")])
    status = sent.seen.status if sent.seen else 0
    return judged(400, sent, {400}, probe="GET with two Host fields (its own, then another)",
                  rule=HOST_400, name=name, cause="no 400 for a request with two Host fields",
                  unanswered_is_the_cause=True,
                  detail=f"answered {status}")


async def probe_cl_te(ctx: Context) -> Verdict:
    name, probe = "cl-te", "POST with Content-Length: 5 and Transfer-Encoding: chunked"
    # Both framings agree (an empty chunked body is 5 bytes), so only the rule is tested:
    # after the answer the connection takes no other request (RFC 9112 §6.1).
    wait = ctx.options.timeout
    ctx.wait_note(name, "Content-Length with Transfer-Encoding: a second request on the same "
                        f"connection, up to {wait:g} s for its answer or a close")
    sent = await send(ctx, "POST", ctx.get_target or ctx.target.target,
                      [("Content-Length", "5"), ("Transfer-Encoding", "chunked")],
                      body=b"0\r\n\r\n", reuse_wait=wait)
    raw, seen = sent.raw, sent.seen
    if seen is None:
        if raw.closed:
            return passed(400, CLOSE_ON_CL_TE, "closed the connection without answering", probe,
                          evidence=[sent.evidence], name=name)
        return failed(400, CLOSE_ON_CL_TE, sent.cause or "no answer", probe, detail=sent.error,
                      evidence=[sent.evidence], name=name)
    verdict = judge(seen.status, seen, {seen.status}, probe=probe, rule=CLOSE_ON_CL_TE,
                    evidence=[sent.evidence], name=name)
    verdict.code = 400
    if raw.reused:
        follow = raw.heads[-1].decode("latin-1").strip()
        add_problem(verdict, Problem(CLOSE_ON_CL_TE, "the connection stayed open: a second "
                                                     "request on it was answered",
                                     f"answered {seen.status}, then {follow!r} to HEAD"))
    elif verdict.outcome is Outcome.PASS:
        verdict.reason = (f"answered {seen.status} and closed the connection" if raw.closed else
                          f"answered {seen.status}; a second request on the connection got no "
                          f"answer (nor a close within {wait:g} s)")
    return verdict


async def probe_bare_lf(ctx: Context) -> Verdict:
    name, probe = "bare-lf", "GET whose lines end in a bare LF"
    if ctx.get_target is None or ctx.get_status is None:
        return _no_get(ctx, name, 400, BARE_LF)
    head = request_head(ctx, "GET", ctx.get_target, line_end="\n")
    sent = await send(ctx, "GET", ctx.get_target, head=head)
    if sent.seen is None and (sent.raw.timed_out or sent.raw.closed):
        # RFC 9112 §2.2: reading LF as a line end is a MAY. A server that does not has
        # an unfinished request-line: waiting for its end, or closing, breaks nothing.
        reason = ("closed the connection without answering" if sent.raw.closed else
                  "no answer: it did not read a bare LF as a line end, so the request never "
                  "ended (RFC 9112 §2.2 makes reading it so a MAY)")
        return passed(400, BARE_LF, reason, probe, evidence=[sent.evidence], name=name)
    verdict = judged(400, sent, {400, 408, ctx.get_status}, probe=probe, rule=BARE_LF,
                     name=name)
    if verdict.outcome is Outcome.PASS and verdict.status == ctx.get_status:
        verdict.reason = f"read it as a well-formed GET ({verdict.status}, as GET answered)"
    return verdict


async def probe_obs_fold(ctx: Context) -> Verdict:
    name, probe = "obs-fold", "GET with a field folded onto a second line"
    if ctx.get_target is None or ctx.get_status is None:
        return _no_get(ctx, name, 400, OBS_FOLD)
    head = request_head(ctx, "GET", ctx.get_target, [("X-Statuskit-Folded", "first\r\n second")])
    sent = await send(ctx, "GET", ctx.get_target, head=head)
    verdict = judged(400, sent, {400, ctx.get_status}, probe=probe, rule=OBS_FOLD, name=name)
    if verdict.outcome is Outcome.PASS and verdict.status != 400:
        verdict.reason = f"read it as a well-formed GET ({verdict.status}, as GET answered)"
    return verdict


FRAMING: dict[str, tuple[int, Callable[[Context], Awaitable[Verdict]]]] = {
    "head-parity": (200, probe_head),
    "host-missing": (400, probe_host_missing),
    "host-duplicated": (400, probe_host_duplicated),
    "cl-te": (400, probe_cl_te),
    "bare-lf": (400, probe_bare_lf),
    "obs-fold": (400, probe_obs_fold),
}
