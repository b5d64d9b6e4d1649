"""One probe's request on the wire, and what the run knows about the target.

Every generic probe goes out on a connection of its own (``raw.raw_exchange``),
so a server's stray bytes on one answer cannot spoil the next probe, and so
the evidence is the bytes themselves. The baseline GET of the URL, taken
before any probe, says which probes the URL can answer.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx2

from statuskit.check.evidence import Evidence
from statuskit.check.plan import Plan
from statuskit.check.raw import RawExchange, raw_exchange
from statuskit.check.record import Exchange
from statuskit.check.target import Target
from statuskit.check.verdict import Verdict, judge

__all__ = ["Context", "Options", "Sent", "judged", "request_head", "send"]


@dataclass
class Options:
    only: Collection[int | str] | None = None  # codes or check names (None: every check)
    include_slow: bool = False  # 408: slow headers (takes the server's header timeout)
    include_load: bool = False  # 429/503: bounded bursts
    timeout: float = 5.0  # per exchange
    slow_timeout: float = 20.0  # how long to wait for a 408
    plan: Plan | None = None
    load_base: str | None = None  # where load probes go (default: the URL checked)
    cacert: str | None = None  # CA bundle for https targets
    insecure: bool = False  # https without certificate verification


Waiting = Callable[[str, str], None]  # (check name, what it waits for)


@dataclass
class Context:
    target: Target
    options: Options
    client: httpx2.AsyncClient
    plan: Plan | None = None
    baseline: Exchange | None = None  # raw GET of the URL given, before any probe
    get_target: str | None = None  # a request-target that answers GET with 2xx, if any
    get_status: int | None = None  # what GET of get_target answered
    get_seen: Exchange | None = None  # that GET
    allow: frozenset[str] | None = None  # from the OPTIONS probe
    waiting: Waiting | None = None

    def with_query(self, path: str) -> str:
        """``path`` with the URL's query (a token, say), which goes with every probe."""
        query = urlsplit(self.target.url).query
        if not query or "?" in path:
            return path
        return f"{path}?{query}"

    def wait_note(self, name: str, what: str) -> None:
        if self.waiting is not None:
            self.waiting(name, what)


@dataclass
class Sent:
    """A raw exchange and what the verdict needs from it."""

    raw: RawExchange
    seen: Exchange | None  # None: no status line came back
    evidence: Evidence

    @property
    def error(self) -> str:
        return self.raw.error

    @property
    def cause(self) -> str:
        """What went wrong when no answer came, in words that hold at any timeout."""
        return self.raw.cause


def request_head(ctx: Context, method: str, target: str,
                 fields: Iterable[tuple[str, str]] = (), *, version: str = "HTTP/1.1",
                 host: bool = True, line_end: str = "\r\n") -> bytes:
    lines = [f"{method} {target} {version}"]
    if host:
        lines.append("Host: {host}")
    lines.append("User-Agent: statuskit-check")
    if ctx.target.authorization is not None:
        lines.append(f"Authorization: {ctx.target.authorization}")
    lines += [f"{k}: {v}" for k, v in fields]
    return (line_end.join(lines) + line_end * 2).encode("latin-1")


async def send(ctx: Context, method: str, target: str, fields: Iterable[tuple[str, str]] = (),
               *, version: str = "HTTP/1.1", body: bytes = b"", head: bytes | None = None,
               timeout: float | None = None, wait_for_interim: float | None = None,
               close_wait: float = 0.0, reuse_wait: float = 0.0,
               stop_at_interim: bool = False) -> Sent:
    """Send one request on its own connection; ``head`` overrides the built one.
    ``close_wait``: seconds to watch for the server closing after its answer;
    ``reuse_wait``: seconds a second request on the connection waits for its fate."""
    head = head if head is not None else request_head(ctx, method, target, fields,
                                                      version=version)
    raw = await raw_exchange(ctx.target, head, body=body,
                             timeout=timeout or ctx.options.timeout,
                             wait_for_interim=wait_for_interim,
                             head_request=method == "HEAD", close_wait=close_wait,
                             reuse_wait=reuse_wait, stop_at_interim=stop_at_interim)
    notes = [n for n in (
        "over TLS" if ctx.target.tls is not None else "",
        "the request's lines end in a bare LF" if b"\r\n" not in raw.sent else "",
        f"{len(raw.stray)} bytes after the answer, before the next status line"
        if raw.stray else "",
        "a second request (HEAD) on the same connection was answered" if raw.reused
        else "",
        "the server closed the connection" if raw.closed else "",
        f"the content was cut at {raw.cut} bytes, the most check reads of one answer, "
        "and the connection closed: rules on the whole content not judged" if raw.cut else "",
        f"{raw.error}: rules on the whole content not judged" if raw.status and raw.error
        else "",
    ) if n]
    url = urljoin(ctx.target.url, target)
    evidence = Evidence.from_wire(raw.sent, raw.heads, raw.body + raw.stray, "; ".join(notes),
                                  url=url, follow_up=raw.follow_up)
    seen = None
    if raw.status:
        head_end = raw.sent.find(b"\r\n\r\n")
        seen = Exchange(method, url, _fields_of(raw.sent), raw.status, raw.reason,
                        raw.headers, raw.body, raw.interim, version, evidence=evidence,
                        stray=len(raw.stray),
                        request_body=raw.sent[head_end + 4:] if head_end >= 0 else b"",
                        response_version=raw.version or "HTTP/1.1")
        seen.body_complete = raw.content_complete  # a cut or unfinished body proves nothing
    return Sent(raw, seen, evidence)


def _fields_of(sent: bytes) -> list[tuple[str, str]]:
    head = sent.replace(b"\r\n", b"\n").split(b"\n\n", 1)[0].decode("latin-1")
    fields = []
    for line in head.split("\n")[1:]:
        name, colon, value = line.partition(":")
        if colon:
            fields.append((name.strip(), value.strip()))
    return fields


def judged(code: int, sent: Sent, expected: Collection[int], *, probe: str,
           unanswered_is_the_cause: bool = False, **kwargs: Any) -> Verdict:
    """``judge`` on what ``sent`` brought back, its evidence and what went wrong included.

    ``unanswered_is_the_cause``: no answer breaks the rule the way a wrong status does
    (no 400 is no 400), so the finding keeps the probe's cause and the missing answer
    goes in the detail; a verdict must not change with the timeout or the load.
    """
    kwargs.setdefault("evidence", [sent.evidence])
    error, error_cause = sent.error, sent.cause
    if unanswered_is_the_cause:
        error, error_cause = "; ".join(filter(None, (sent.cause, sent.error))), kwargs["cause"]
    verdict = judge(code, sent.seen, expected, probe=probe, error=error,
                    error_cause=error_cause, **kwargs)
    if sent.seen is not None and not sent.raw.content_complete:
        # What the verdict could not rest on, said where every report shows the verdict.
        cut = (f"content cut at {sent.raw.cut} bytes" if sent.raw.cut
               else "the content did not finish")
        verdict.reason = "; ".join(filter(None, (verdict.reason,
                                                 f"{cut}: not judged on the content")))
    return verdict
