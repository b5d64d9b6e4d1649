"""A finished ``--openapi`` run and the port of the server it checked."""

from __future__ import annotations

from dataclasses import dataclass

from statuskit.check.openapi import OpenAPIRun
from statuskit.check.verdict import Outcome, Verdict


@dataclass
class Checked:
    port: int
    run: OpenAPIRun

    def verdict(self, operation: str, name: str) -> Verdict:
        found = [v for v in self.run.verdicts if v.operation == operation and v.name == name]
        assert len(found) == 1, f"{operation} {name}: {len(found)} verdicts"
        return found[0]


def outcomes(verdicts: list[Verdict]) -> dict[tuple[str, str], Outcome]:
    """Each verdict's outcome by operation and check name."""
    return {(v.operation, v.name): v.outcome for v in verdicts}
