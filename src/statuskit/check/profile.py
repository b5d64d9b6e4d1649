"""The profile that decides which broken rules fail a run.

Rules differ in force (``statuskit.check.rules.Level``): RFC 9110/9112 say MUST
for some (content on 204, Allow on 405), SHOULD for others (501 for an unknown
method), and the seed table asks for more than the RFC in places (204 for
OPTIONS where RFC 9110 §9.3.7 allows 200; 406 where a server MAY disregard
Accept). A failed check always stays "fail" and a finding always stays a finding;
the profile says whether it fails the run or is only a warning.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass

from statuskit.check.findings import Finding
from statuskit.check.rules import Level
from statuskit.check.verdict import Outcome, Verdict

__all__ = ["DEFAULT_PROFILE", "PROFILES", "Effect", "Level", "Profile", "profile_named"]


class Effect(enum.StrEnum):
    """What a verdict or a finding does to the run under a profile."""

    FAIL = "fail"  # a broken rule at a level the profile enforces: exit 1
    WARN = "warn"  # a broken rule at a level the profile only reports
    PASS = "pass"
    NOT_APPLICABLE = "not applicable"
    SKIPPED = "skipped"


@dataclass(frozen=True)
class Profile:
    name: str
    failing: frozenset[Level]
    description: str

    def effect(self, verdict: Verdict) -> Effect:
        if verdict.outcome is Outcome.FAIL:
            return Effect.FAIL if verdict.level in self.failing else Effect.WARN
        return Effect(str(verdict.outcome))

    def finding_effect(self, finding: Finding) -> Effect:
        return Effect.FAIL if finding.rule.level in self.failing else Effect.WARN

    def fails(self, verdict: Verdict) -> bool:
        return self.effect(verdict) is Effect.FAIL

    def exit_code(self, verdicts: Iterable[Verdict]) -> int:
        """1 when any verdict fails the run under this profile, else 0."""
        return 1 if any(self.fails(v) for v in verdicts) else 0


PROFILES: dict[str, Profile] = {
    "rfc": Profile("rfc", frozenset({Level.MUST, Level.SHOULD}),
                   "RFC MUST and SHOULD rules fail the run; the seed's own rules warn"),
    "seed": Profile("seed", frozenset({Level.MUST, Level.SHOULD, Level.SEED}),
                    "every rule fails the run, the seed table's included"),
    "must": Profile("must", frozenset({Level.MUST}),
                    "only RFC MUST rules fail the run; SHOULD and seed rules warn"),
}
DEFAULT_PROFILE = PROFILES["rfc"]


def profile_named(name: str) -> Profile:
    try:
        return PROFILES[name]
    except KeyError:
        raise ValueError(f"unknown profile {name!r}; use one of "
                         f"{', '.join(PROFILES)}") from None
