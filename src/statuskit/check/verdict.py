"""Judging one response against the contract: a check's verdict.

A check passes only on a response actually seen: its status is in the expected
set, it breaks no passive rule (``rules.PASSIVE``: required fields, their
grammar, no content where none may go), and nothing else the probe looks at is
wrong. Each rule broken is a ``Problem``; a verdict's level is that of its
strongest problem, or of the rule its probe checks when it passes. Every verdict
carries its evidence; httplint's notes ride along beside it. ``findings`` turns
the problems of many verdicts into findings, one per defect.
"""

from __future__ import annotations

import enum
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from statuskit.check import rules
from statuskit.check.evidence import Evidence
from statuskit.check.findings import Finding, Instance, Reproducer, group
from statuskit.check.lint import LintNote, lint_response
from statuskit.check.record import Exchange
from statuskit.check.rules import Level, Problem, Rule, passive_problems, status_rule
from statuskit.codes import UnknownCode, lookup

__all__ = ["Outcome", "Verdict", "add_problem", "failed", "findings", "judge",
           "not_applicable", "skipped"]


class Outcome(enum.StrEnum):
    PASS = "pass"
    FAIL = "fail"
    NOT_APPLICABLE = "not applicable"
    SKIPPED = "skipped"


_UNSET = Rule("", Level.SEED, "", "")
# Rules whose breach shows on the connection after the answer, not in the answer itself.
_ON_THE_CONNECTION = frozenset({rules.NO_CONTENT.id, rules.HEAD_NO_CONTENT.id,
                                rules.CLOSE_ON_CL_TE.id})


@dataclass
class Verdict:
    code: int  # the status the probe expects
    outcome: Outcome
    reason: str = ""
    probe: str = ""  # the request, in words
    status: int | None = None  # the final status received
    lint: list[LintNote] = field(default_factory=list)
    rule: Rule = _UNSET  # the rule the check checks (default: the code's status rule)
    evidence: list[Evidence] = field(default_factory=list)
    operation: str = ""  # "GET /items/{id}" for OpenAPI probes; "" for generic ones
    name: str = ""  # stable id of the check: "405", "head-parity", "host-missing"
    problems: list[Problem] = field(default_factory=list)
    judged: Evidence | None = None  # the exchange whose answer was judged

    def __post_init__(self) -> None:
        if not self.name:
            self.name = str(self.code)
        if self.rule is _UNSET:
            self.rule = status_rule(self.code)

    @property
    def level(self) -> Level:
        """Of the strongest problem, or of the rule checked when there is none."""
        strongest = self.strongest
        return strongest.level if strongest is not None else self.rule.level

    @property
    def strongest(self) -> Rule | None:
        found = min(self.problems, key=lambda p: p.rule.level.rank, default=None)
        return found.rule if found is not None else None

    @property
    def cite(self) -> str:
        return (self.strongest or self.rule).cite

    @property
    def label(self) -> str:
        try:
            record = lookup(self.code)
        except UnknownCode:
            return ""
        return record.label or record.phrase

    def instance(self, problem: Problem | None = None) -> Instance:
        """Where this verdict saw ``problem``: the check, operation, request and evidence."""
        judged = self.judged or (self.evidence[-1] if self.evidence else None)
        reproducer = None
        if judged is not None:
            # The follow-up request shows what only the connection shows (stray content,
            # a second request read); for anything else the request alone reproduces.
            shown_by_follow_up = problem is not None and problem.rule.id in _ON_THE_CONNECTION
            raw = judged.raw + (judged.follow_up if shown_by_follow_up else b"")
            reproducer = Reproducer.of(raw, judged.url)
        return Instance(self.name, self.operation, self.probe, self.status,
                        problem.detail if problem is not None else "",
                        tuple(self.evidence), reproducer)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "code": self.code,
            "label": self.label,
            "operation": self.operation,
            "verdict": str(self.outcome),
            "level": str(self.level),
            "rule": self.cite,
            "rule_id": (self.strongest or self.rule).id,
            "status": self.status,
            "probe": self.probe,
            "reason": self.reason,
            "problems": [p.to_dict() for p in self.problems],
            "evidence": [e.to_dict() for e in self.evidence],
            "lint": [{"level": n.level, "subject": n.subject, "summary": n.summary}
                     for n in self.lint],
        }


def findings(verdicts: Iterable[Verdict]) -> list[Finding]:
    """The findings of ``verdicts``: every problem of a failed one, grouped by defect."""
    return group((p, v.instance(p)) for v in verdicts if v.outcome is Outcome.FAIL
                 for p in v.problems)


def _reason(problems: list[Problem]) -> str:
    return "; ".join(p.text for p in problems)


def failed(code: int, rule: Rule, cause: str, probe: str = "", *, detail: str = "",
           evidence: list[Evidence] | None = None, status: int | None = None,
           name: str = "", operation: str = "") -> Verdict:
    """A failed verdict with one problem (no response, a setup step that failed, ...)."""
    problems = [Problem(rule, cause, detail)]
    return Verdict(code, Outcome.FAIL, _reason(problems), probe, status, rule=rule,
                   evidence=evidence or [], name=name, operation=operation,
                   problems=problems)


def add_problem(verdict: Verdict, problem: Problem) -> Verdict:
    """Fail ``verdict`` for one more broken rule."""
    verdict.problems.append(problem)
    verdict.outcome = Outcome.FAIL
    verdict.reason = _reason(verdict.problems)
    return verdict


def not_applicable(code: int, reason: str, probe: str = "", *, name: str = "",
                   rule: Rule | None = None, evidence: list[Evidence] | None = None,
                   operation: str = "") -> Verdict:
    return Verdict(code, Outcome.NOT_APPLICABLE, reason, probe, rule=rule or status_rule(code),
                   evidence=evidence or [], name=name, operation=operation)


def passed(code: int, rule: Rule, reason: str, probe: str = "", *, status: int | None = None,
           evidence: list[Evidence] | None = None, name: str = "",
           operation: str = "") -> Verdict:
    """A check that passes on what a probe saw, judged by the probe itself."""
    return Verdict(code, Outcome.PASS, reason, probe, status, rule=rule,
                   evidence=evidence or [], name=name, operation=operation)


def skipped(code: int, reason: str, probe: str = "", *, name: str = "",
            operation: str = "") -> Verdict:
    return Verdict(code, Outcome.SKIPPED, reason, probe, rule=status_rule(code), name=name,
                   operation=operation)


def judge(
    code: int,
    seen: Exchange | None,
    expected: Collection[int],
    *,
    probe: str,
    rule: Rule | None = None,
    error: str = "",
    expect_interim: Collection[int] = (),
    forbid_interim: bool = False,
    tolerated: Mapping[int, Rule] | None = None,
    evidence: list[Evidence] | None = None,
    name: str = "",
    operation: str = "",
    cause: str = "",
    detail: str = "",
    error_cause: str = "",
) -> Verdict:
    """The verdict for ``code`` from one response (None: nothing came back).

    ``rule`` is what expecting ``expected`` rests on (default: ``status_rule(code)``).
    ``tolerated`` maps a status outside ``expected`` to another rule it breaks: for
    the 414 probe a 200 breaks only the seed's rule (RFC 9112 §3 lets a server parse
    a long target), a 431 a rule of its own. ``cause`` (and ``detail``) say what
    an unexpected status means, when the probe knows better than "answered X,
    expected Y". ``error`` says what came back when no answer did, ``error_cause``
    the same without particulars (default "no answer").
    """
    rule = rule or status_rule(code)
    if evidence is None:
        evidence = [seen.evidence] if seen is not None and seen.evidence else []
    if seen is None or not seen.status:
        # Whether the server closed or stayed silent is the detail: the defect, and so
        # the finding, is the same at any timeout.
        return failed(code, rule, error_cause or "no answer", probe, detail=error,
                      evidence=evidence, name=name, operation=operation)
    notes = lint_response(seen.method, seen.url, seen.request_headers, seen.status,
                          seen.reason, seen.headers, seen.body, request_version=seen.version,
                          complete=seen.body_complete)
    problems: list[Problem] = []
    if seen.status not in expected:
        want = "/".join(str(s) for s in sorted(expected))
        broken = (tolerated or {}).get(seen.status, rule)
        problems.append(Problem(broken, cause or f"answered {seen.status}, expected {want}",
                                detail))
    # A field a status requires is required whichever probe drew that status.
    problems += passive_problems(seen)
    if expect_interim and not set(expect_interim) & set(seen.interim):
        problems.append(Problem(rule, f"no interim {'/'.join(map(str, expect_interim))} "
                                      "before the answer"))
    if forbid_interim and seen.interim:
        problems.append(Problem(rules.NO_CONTINUE_BEFORE_REFUSAL, rules.INVITED_1_TB,
                                f"then answered {seen.status}"))
    reason = _reason(problems)
    if seen.cut:  # read through httpx and cut (statuskit.check.bounded)
        reason = "; ".join(filter(None, (reason, f"content cut at {seen.cut} bytes: not "
                                                 "judged on the content")))
    return Verdict(code, Outcome.FAIL if problems else Outcome.PASS, reason, probe,
                   seen.status, notes, rule=rule, evidence=evidence, name=name,
                   operation=operation, problems=problems, judged=seen.evidence)
