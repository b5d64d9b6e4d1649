"""One ``check_server`` run over a third-party server, shared by a test module.

The run goes once per server (the expensive part); the tests then ask the
report many things and prove each claim over a raw socket of their own.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest

from check.peers import Launcher
from statuskit.check import DEFAULT_PROFILE, Finding, Options, Verdict, check_server, findings

Table = dict[tuple[str, str], tuple[str, int]]  # (rule id, cause) -> (effect, instances)


@dataclass
class Checked:
    port: int
    verdicts: list[Verdict]
    found: list[Finding] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.found = findings(self.verdicts)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def table(self) -> Table:
        """Each finding's effect under the default profile and its instance count."""
        return {f.key: (str(DEFAULT_PROFILE.finding_effect(f)), len(f.instances))
                for f in self.found}

    def finding(self, rule: str, cause: str | None = None) -> Finding:
        matches = [f for f in self.found if f.rule.id == rule
                   and (cause is None or f.cause == cause)]
        assert len(matches) == 1, (rule, cause, [f.key for f in self.found])
        return matches[0]

    def verdict(self, name: str) -> Verdict:
        (verdict,) = [v for v in self.verdicts if v.name == name and not v.operation]
        return verdict


@contextlib.contextmanager
def checked(launcher: Launcher, tmp_path_factory: pytest.TempPathFactory,
            options: Options | None = None) -> Iterator[Checked]:
    """Start the server, run every generic probe and message check once, keep the
    server up for the oracles, and stop it on every path out."""
    with launcher(tmp_path_factory.mktemp(launcher.__name__)) as port:
        verdicts = asyncio.run(check_server(f"http://127.0.0.1:{port}/",
                                            options or Options(timeout=2)))
        yield Checked(port, verdicts)


def stable(port: int, only: set[int | str], timeouts: tuple[float, ...]) -> list[Table]:
    """The findings of the same checks at each timeout, in order."""
    tables = []
    for timeout in timeouts:
        verdicts = asyncio.run(check_server(f"http://127.0.0.1:{port}/",
                                            Options(only=only, timeout=timeout)))
        tables.append(Checked(port, verdicts).table())
    return tables
