"""One probe's request on the wire, and what the run knows about the target.

Every generic probe goes out on a connection of its own (``raw.raw_exchange``),
so a server's stray bytes on one answer cannot spoil the next probe, and so
the evidence is the bytes themselves. The baseline GET of the URL, taken
before any probe, says which probes the URL can answer.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from urllib.parse import urljoin

import httpx

from statuskit.check.evidence import Evidence
from statuskit.check.plan import Plan
from statuskit.check.raw import RawExchange, raw_exchange
from statuskit.check.target import Target
from statuskit.check.verdict import Seen

__all__ = ["Context", "Options", "Sent", "request_head", "send"]


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
    client: httpx.AsyncClient
    plan: Plan | None = None
    baseline: Seen | None = None  # raw GET of the URL given, before any probe
    get_target: str | None = None  # a request-target that answers GET with 2xx, if any
    get_status: int | None = None  # what GET of get_target answered
    get_seen: Seen | None = None  # that GET
    allow: frozenset[str] | None = None  # from the OPTIONS probe
    waiting: Waiting | None = None

    def wait_note(self, name: str, what: str) -> None:
        if self.waiting is not None:
            self.waiting(name, what)


@dataclass
class Sent:
    """A raw exchange and what the verdict needs from it."""

    raw: RawExchange
    seen: Seen | None  # None: no status line came back
    evidence: Evidence

    @property
    def error(self) -> str:
        return self.raw.error


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
               close_wait: float = 0.0) -> Sent:
    """Send one request on its own connection; ``head`` overrides the built one.
    ``close_wait``: seconds to watch for the server closing after its answer."""
    head = head if head is not None else request_head(ctx, method, target, fields,
                                                      version=version)
    raw = await raw_exchange(ctx.target, head, body=body,
                             timeout=timeout or ctx.options.timeout,
                             wait_for_interim=wait_for_interim,
                             head_request=method == "HEAD", close_wait=close_wait)
    notes = [n for n in (
        "over TLS" if ctx.target.tls is not None else "",
        "the request's lines end in a bare LF" if b"\r\n" not in raw.sent else "",
        f"{len(raw.stray)} bytes after the answer, before the next status line"
        if raw.stray else "",
        "the server closed the connection" if raw.closed else "",
    ) if n]
    evidence = Evidence.from_wire(raw.sent, raw.heads, raw.body + raw.stray, "; ".join(notes))
    seen = None
    if raw.status:
        request_fields = _fields_of(raw.sent)
        seen = Seen(method, urljoin(ctx.target.url, target), request_fields, raw.status,
                    raw.reason, raw.headers, raw.body, raw.interim, version,
                    evidence=evidence, stray=len(raw.stray))
    return Sent(raw, seen, evidence)


def _fields_of(sent: bytes) -> list[tuple[str, str]]:
    head = sent.replace(b"\r\n", b"\n").split(b"\n\n", 1)[0].decode("latin-1")
    fields = []
    for line in head.split("\n")[1:]:
        name, colon, value = line.partition(":")
        if colon:
            fields.append((name.strip(), value.strip()))
    return fields
