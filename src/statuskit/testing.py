"""The checker in process, for a project's own test suite.

``check_app(app)`` runs every operation probe of the app's OpenAPI document
against the ASGI app itself, through ``httpx2.ASGITransport``: no socket, no
server. What only exists on a connection (the request line's version, an
unknown method or an over-long target refused by the server's parser, the
``Expect`` handshake, a header section that stalls) is reported not applicable,
with the command that checks it over loopback::

    from statuskit.testing import check_app
    from myservice import app

    def test_http_contract() -> None:
        check_app(app, allow_writes=True).assert_ok()

The pytest plugin (``statuskit.pytest_plugin``) turns the same report into one
test item per verdict: ``pytest --statuskit-app myservice:app``.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx2

from statuskit.check.findings import Finding
from statuskit.check.openapi import (
    DEFAULT_MAX_REQUESTS,
    OpenAPIError,
    OpenAPIOptions,
    find_source,
    run_operations,
)
from statuskit.check.profile import Effect, Profile, profile_named
from statuskit.check.record import Exchange
from statuskit.check.report import RunInfo, to_html, to_json, to_junit
from statuskit.check.verdict import Verdict, findings, judge, not_applicable
from statuskit.types import ASGIApp

__all__ = ["WIRE_LEVEL", "Report", "check_app", "check_app_async"]

# The value phase's seed in a project's tests: the same values, so the same verdicts, on
# every run (a finding that comes and goes with the seed would be a flaky test).
VALUES_SEED = 0
BASE_URL = "http://testserver"
_OVER_LOOPBACK = "check over loopback: statuskit check URL --openapi"

# Codes whose situation lives on the connection, below the app.
WIRE_LEVEL: dict[int, str] = {
    505: "the request line's version is the server's parser's (RFC 9112 §2.3)",
    501: "an unregistered method is refused by the server's parser before the app",
    414: "the request line's length is the server's parser's (RFC 9112 §3)",
    417: "the Expect handshake is the server's (RFC 9110 §10.1.1)",
    408: "a stalled header section never reaches the app",
}


@dataclass
class Report:
    """Verdicts of one in-process run, judged under ``profile``."""

    verdicts: list[Verdict]
    seconds: float
    source: str
    notes: list[str] = field(default_factory=list)
    profile: Profile = field(default_factory=lambda: profile_named("rfc"))

    @property
    def findings(self) -> list[Finding]:
        """One per defect: the rule, what the app did, every check that saw it."""
        return findings(self.verdicts)

    @property
    def failing(self) -> list[Finding]:
        """The findings that fail the run under the profile (warnings excluded)."""
        return [f for f in self.findings if self.profile.finding_effect(f) is Effect.FAIL]

    @property
    def failures(self) -> list[Verdict]:
        """The checks that fail the run under the profile (warnings excluded)."""
        return [v for v in self.verdicts if self.profile.fails(v)]

    @property
    def ok(self) -> bool:
        return not self.failures

    def explain(self, verdicts: list[Verdict] | None = None) -> str:
        """One paragraph per finding that fails the run (or per verdict given): where,
        what was asked, what broke, the evidence."""
        if verdicts is not None:
            return "\n\n".join(describe(v) for v in verdicts)
        return "\n\n".join(describe_finding(f) for f in self.failing)

    def run_info(self) -> RunInfo:
        from statuskit import __version__

        return RunInfo(f"in process ({self.source})", self.seconds, self.profile, __version__)

    def to_json(self) -> str:
        return to_json(self.verdicts, self.run_info())

    def to_junit(self) -> str:
        """JUnit XML for CI: one test case per check, the operation as its class name."""
        return to_junit(self.verdicts, self.run_info())

    def to_html(self) -> str:
        return to_html(self.verdicts, self.run_info())

    def assert_ok(self) -> None:
        if not self.ok:
            failing = self.failing
            instances = sum(len(f.instances) for f in failing)
            raise AssertionError(f"{len(failing)} HTTP contract findings, {instances} "
                                 f"instances (profile {self.profile.name}):\n\n"
                                 f"{self.explain()}")


def describe_finding(finding: Finding) -> str:
    """The finding's rule and cause, each instance, how to see it again, and the
    evidence of its first instance."""
    lines = [f"{finding.cause} [{finding.rule.level}, {finding.rule.cite}: "
             f"{finding.rule.text}]"]
    for instance in finding.instances:
        detail = f" ({instance.detail})" if instance.detail else ""
        lines.append(f"  {instance.where}: {instance.probe}{detail}")
    reproducer = finding.reproducer
    if reproducer is not None:
        lines.append(f"  again: {reproducer.command}")
    for evidence in finding.instances[0].evidence if finding.instances else ():
        lines.append("  sent:\n" + _indent(evidence.request))
        if evidence.response:
            lines.append("  received:\n" + _indent(evidence.response))
    return "\n".join(lines)


def describe(verdict: Verdict) -> str:
    where = f"{verdict.operation}: " if verdict.operation else ""
    lines = [f"{where}{verdict.code} {verdict.label} [{verdict.outcome}, {verdict.level}, "
             f"{verdict.cite}]", f"  probe: {verdict.probe}"]
    if verdict.reason:
        lines.append(f"  why: {verdict.reason}")
    for evidence in verdict.evidence:
        lines.append("  sent:\n" + _indent(evidence.request))
        if evidence.response:
            lines.append("  received:\n" + _indent(evidence.response))
    return "\n".join(lines)


def _indent(text: str) -> str:
    return "\n".join("    " + line for line in text.splitlines())


async def _document(client: httpx2.AsyncClient, app: Any,
                    openapi: str | Mapping[str, Any] | None) -> tuple[Mapping[str, Any], str]:
    if isinstance(openapi, Mapping):
        return openapi, "the document given"
    try:
        source = await find_source(client, BASE_URL + "/", openapi)
    except OpenAPIError:
        source = None
    if source is not None and source.document is not None:
        return source.document, source.where
    produce = getattr(app, "openapi", None)
    if callable(produce):
        document = produce()
        if isinstance(document, Mapping):
            return document, "app.openapi()"
    raise OpenAPIError("the app serves no OpenAPI document at /openapi.json and has no "
                       "openapi(); pass openapi= a document, a file or a URL")


async def _random_404(client: httpx2.AsyncClient) -> Verdict:
    response = await client.get(f"/statuskit-probe-{secrets.token_hex(6)}")
    return judge(404, Exchange.from_httpx(response), {404}, probe="GET a random path")


async def check_app_async(app: ASGIApp, *, openapi: str | Mapping[str, Any] | None = None,
                          allow_writes: bool = False,
                          max_requests: int = DEFAULT_MAX_REQUESTS,
                          profile: str = "rfc", headers: Mapping[str, str] | None = None,
                          timeout: float = 5.0, values: bool = True,
                          seed: int | None = VALUES_SEED) -> Report:
    """Check ``app`` in process; ``openapi`` is a document, a file or a URL (default:
    what the app serves at /openapi.json, else ``app.openapi()``). ``values`` runs the
    value phase (with the fuzz extra; skipped with a note without it) from ``seed``:
    fixed by default, so a test gives the same verdicts every run (None: a new seed,
    in the report's notes)."""
    chosen = profile_named(profile)
    options = OpenAPIOptions(allow_writes, max_requests, timeout, dict(headers or {}),
                             values=values, seed=seed)
    started = time.perf_counter()
    transport = httpx2.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx2.AsyncClient(transport=transport, base_url=BASE_URL, timeout=timeout,
                                 headers={"User-Agent": "statuskit-check"}) as client:
        document, where = await _document(client, app, openapi)
        run = await run_operations(client, BASE_URL + "/", document, options, wire=False,
                                   source=where)
        verdicts = [await _random_404(client), *run.verdicts]
    verdicts += [not_applicable(code, f"in process: {why}; {_OVER_LOOPBACK}", name="wire")
                 for code, why in WIRE_LEVEL.items()]
    return Report(verdicts, time.perf_counter() - started, where, run.notes, chosen)


def check_app(app: ASGIApp, **options: Any) -> Report:
    """``check_app_async`` for synchronous tests (no event loop may be running)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(check_app_async(app, **options))
    raise RuntimeError("an event loop is running here: await check_app_async(app) instead")

