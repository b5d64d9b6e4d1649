"""Judging one response against the contract: status, required fields, body rules.

A code passes only on a response actually seen: its status is in the expected
set, every field the code requires is present and well formed, and no content
goes out where none is allowed. Each failed rule is a ``Problem`` carrying the
rule's level (RFC MUST, RFC SHOULD or the seed's table); a verdict's level is
that of its strongest problem, or of the rule its probe checks when it passes.
Every verdict carries its evidence; httplint's notes ride along beside it.
"""

from __future__ import annotations

import enum
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

from statuskit.check import rules
from statuskit.check.evidence import Evidence
from statuskit.check.lint import LintNote, lint_response
from statuskit.check.profile import Level
from statuskit.check.rules import Rule, field_rule, status_rule
from statuskit.codes import UnknownCode, allows_body, lookup
from statuskit.http import (
    is_token,
    parse_allow,
    parse_content_range,
    parse_retry_after,
    parse_unsatisfied_range,
)

__all__ = ["Outcome", "Problem", "Seen", "Verdict", "add_problem", "failed", "judge",
           "not_applicable", "skipped"]


class Outcome(enum.StrEnum):
    PASS = "pass"
    FAIL = "fail"
    NOT_APPLICABLE = "not applicable"
    SKIPPED = "skipped"


@dataclass
class Seen:
    """One exchange as the checker saw it."""

    method: str
    url: str
    request_headers: list[tuple[str, str]]
    status: int
    reason: str
    headers: list[tuple[str, str]]
    body: bytes
    interim: list[int] = field(default_factory=list)
    version: str = "HTTP/1.1"  # of the request as sent
    evidence: Evidence | None = None
    stray: int = 0  # bytes that arrived after a response that may carry no content

    def header(self, name: str) -> str | None:
        name = name.lower()
        values = [v for k, v in self.headers if k.lower() == name]
        return ", ".join(values) if values else None


@dataclass(frozen=True)
class Problem:
    """One rule a response broke."""

    rule: Rule
    detail: str  # what was seen: "405 without Allow"

    def to_dict(self) -> dict[str, str]:
        return {"level": str(self.rule.level), "rule": self.rule.cite, "detail": self.detail}


@dataclass
class Verdict:
    code: int  # the status the probe expects
    outcome: Outcome
    reason: str = ""
    probe: str = ""  # the request, in words
    status: int | None = None  # the final status received
    lint: list[LintNote] = field(default_factory=list)
    level: Level = Level.SEED  # of the strongest broken rule, or of the rule checked
    rule: str = ""  # where that rule is written: "RFC 9110 §15.5.6", "seed table"
    evidence: list[Evidence] = field(default_factory=list)
    operation: str = ""  # "GET /items/{id}" for OpenAPI probes; "" for generic ones
    name: str = ""  # stable id of the check: "405", "head-parity", "host-missing"
    problems: list[Problem] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.name:
            self.name = str(self.code)

    @property
    def label(self) -> str:
        try:
            record = lookup(self.code)
        except UnknownCode:
            return ""
        return record.label or record.phrase

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "code": self.code,
            "label": self.label,
            "operation": self.operation,
            "verdict": str(self.outcome),
            "level": str(self.level),
            "rule": self.rule,
            "status": self.status,
            "probe": self.probe,
            "reason": self.reason,
            "problems": [p.to_dict() for p in self.problems],
            "evidence": [e.to_dict() for e in self.evidence],
            "lint": [{"level": n.level, "subject": n.subject, "summary": n.summary}
                     for n in self.lint],
        }


def failed(code: int, rule: Rule, detail: str, probe: str = "", *,
           evidence: list[Evidence] | None = None, status: int | None = None,
           name: str = "", operation: str = "") -> Verdict:
    """A failed verdict with one problem (no response, a setup step that failed, ...)."""
    problem = Problem(rule, detail)
    return Verdict(code, Outcome.FAIL, detail, probe, status, level=rule.level, rule=rule.cite,
                   evidence=evidence or [], name=name, operation=operation,
                   problems=[problem])


def add_problem(verdict: Verdict, problem: Problem) -> None:
    """Fail ``verdict`` for one more broken rule; its level follows the strongest."""
    verdict.problems.append(problem)
    verdict.outcome = Outcome.FAIL
    verdict.reason = "; ".join(p.detail for p in verdict.problems)
    strongest = min(verdict.problems, key=lambda p: p.rule.level.rank)
    verdict.level, verdict.rule = strongest.rule.level, strongest.rule.cite


def not_applicable(code: int, reason: str, probe: str = "", *, name: str = "",
                   rule: Rule | None = None, evidence: list[Evidence] | None = None,
                   operation: str = "") -> Verdict:
    rule = rule or status_rule(code)
    return Verdict(code, Outcome.NOT_APPLICABLE, reason, probe, level=rule.level,
                   rule=rule.cite, evidence=evidence or [], name=name, operation=operation)


def skipped(code: int, reason: str, probe: str = "", *, name: str = "") -> Verdict:
    rule = status_rule(code)
    return Verdict(code, Outcome.SKIPPED, reason, probe, level=rule.level, rule=rule.cite,
                   name=name)


def judge(
    code: int,
    seen: Seen | None,
    expected: Collection[int],
    *,
    probe: str,
    rule: Rule | None = None,
    error: str = "",
    expect_interim: Collection[int] = (),
    forbid_interim: bool = False,
    excluded_method: str | None = None,
    tolerated: Mapping[int, Rule] | None = None,
    evidence: list[Evidence] | None = None,
    name: str = "",
    operation: str = "",
) -> Verdict:
    """The verdict for ``code`` from one response (None: nothing came back).

    ``rule`` is what expecting ``expected`` rests on (default: ``status_rule(code)``).
    ``tolerated`` maps a status outside ``expected`` to a weaker rule it breaks:
    for the 414 probe a 200 breaks only the seed's rule (RFC 9112 §3 lets a server
    parse a long target), while a 400 breaks the RFC's MUST.
    """
    rule = rule or status_rule(code)
    if evidence is None:
        evidence = [seen.evidence] if seen is not None and seen.evidence else []
    if seen is None or not seen.status:
        return failed(code, rule, error or "no response", probe, evidence=evidence,
                      name=name, operation=operation)
    notes = lint_response(seen.method, seen.url, seen.request_headers, seen.status,
                          seen.reason, seen.headers, seen.body, request_version=seen.version)
    problems: list[Problem] = []
    if seen.status not in expected:
        want = "/".join(str(s) for s in sorted(expected))
        broken = (tolerated or {}).get(seen.status, rule)
        problems.append(Problem(broken, f"answered {seen.status}, expected {want}"))
    # A field a status requires is required whichever probe drew that status.
    problems += _field_problems(seen, excluded_method)
    if expect_interim and not set(expect_interim) & set(seen.interim):
        problems.append(Problem(rule, f"no interim {'/'.join(map(str, expect_interim))} "
                                      "before the answer"))
    if forbid_interim and seen.interim:
        problems.append(Problem(rules.NO_CONTINUE_BEFORE_REFUSAL,
                                f"sent {seen.interim[0]} Continue, inviting the content, "
                                f"before answering {seen.status}"))
    problems += _body_problems(seen)
    strongest = min(problems, key=lambda p: p.rule.level.rank, default=None)
    return Verdict(
        code, Outcome.FAIL if problems else Outcome.PASS,
        "; ".join(p.detail for p in problems), probe, seen.status, notes,
        level=strongest.rule.level if strongest else rule.level,
        rule=strongest.rule.cite if strongest else rule.cite,
        evidence=evidence, name=name, operation=operation, problems=problems)


def _required(status: int) -> tuple[str, ...]:
    try:
        return lookup(status).requires
    except UnknownCode:
        return ()


def _field_problems(seen: Seen, excluded_method: str | None) -> list[Problem]:
    problems: list[Problem] = []
    status = seen.status
    for name in _required(status):
        if name == "Content-Range" and (seen.header("content-type") or "").lower().startswith(
                "multipart/byteranges"):
            continue  # RFC 9110 §15.3.7.2: each part carries its own
        if seen.header(name) is None:
            problems.append(Problem(field_rule(status, name), f"{status} without {name}"))
    problems += _allow_problems(seen, excluded_method)
    location = seen.header("location")
    if location is not None:
        target = urlsplit(urljoin(seen.url, location))
        if target.scheme not in ("http", "https") or not target.netloc:
            problems.append(Problem(rules.LOCATION_URL,
                                    f"Location does not resolve to a URL: {location!r}"))
    retry_after = seen.header("retry-after")
    if retry_after is not None and parse_retry_after(retry_after) is None:
        problems.append(Problem(rules.RETRY_AFTER_GRAMMAR,
                                f"Retry-After is neither seconds nor a date: {retry_after!r}"))
    return problems + _range_problems(seen)


def _allow_problems(seen: Seen, excluded_method: str | None) -> list[Problem]:
    allow = seen.header("allow")
    if allow is None:
        return []
    methods = parse_allow(allow)
    if not methods or not all(is_token(m.strip()) for m in allow.split(",") if m.strip()):
        return [Problem(rules.ALLOW_GRAMMAR, f"Allow is not a list of methods: {allow!r}")]
    if seen.status == 405 and excluded_method and excluded_method in methods:
        return [Problem(rules.ALLOW_MATCHES, f"405 for {excluded_method} but Allow lists it")]
    return []


def _range_problems(seen: Seen) -> list[Problem]:
    content_range = seen.header("content-range")
    if content_range is None:
        return []
    if seen.status == 206:
        parsed = parse_content_range(content_range)
        if parsed is None:
            return [Problem(rules.CONTENT_RANGE_206,
                            f"Content-Range is malformed: {content_range!r}")]
        if seen.method != "HEAD" and parsed[1] - parsed[0] + 1 != len(seen.body):
            return [Problem(rules.CONTENT_RANGE_206,
                            f"Content-Range {content_range!r} disagrees with "
                            f"{len(seen.body)} bytes of content")]
    if seen.status == 416 and parse_unsatisfied_range(content_range) is None:
        return [Problem(rules.CONTENT_RANGE_416,
                        f"416 Content-Range is not 'bytes */length': {content_range!r}")]
    return []


def _body_problems(seen: Seen) -> list[Problem]:
    """Content where none may go, counted from the bytes on the wire when the
    exchange was raw (``stray``), since HTTP libraries drop it."""
    status, head = seen.status, seen.method == "HEAD"
    problems: list[Problem] = []
    if status == 204 or 100 <= status < 200:
        # RFC 9110 §8.6 and RFC 9112 §6.1: no framing fields where no content may go.
        if seen.header("content-length") is not None:
            problems.append(Problem(rules.NO_LENGTH_ON_204,
                                    f"Content-Length on a {status} response"))
        if seen.header("transfer-encoding") is not None:
            problems.append(Problem(rules.NO_CHUNKING_ON_204,
                                    f"Transfer-Encoding on a {status} response"))
    sent = len(seen.body) + seen.stray
    if sent and (head or not allows_body(status)):
        rule = rules.HEAD_NO_CONTENT if head else rules.NO_CONTENT
        problems.append(Problem(rule, f"content sent with {'HEAD' if head else status} "
                                      f"({sent} bytes)"))
    return problems
