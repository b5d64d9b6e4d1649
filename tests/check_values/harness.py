"""Value-phase runs over real servers, and their reproducers run by bash and curl."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from statuskit.check.findings import Finding
from statuskit.check.openapi import OpenAPIOptions, OpenAPIRun, check_openapi
from statuskit.check.verdict import findings
from support.servers import serve

SEED = 20261207  # a fixed seed: the same values in every run of the suite
EXAMPLES = 15  # random valid cases per operation: small, the suite's budget is small
VALUE_RULES = frozenset({"value-5xx", "valid-refused", "invalid-accepted", "response-media",
                         "response-schema"})

# Without curl the reproducers cannot be run; in CI it is installed (.ci/run).
needs_curl = pytest.mark.skipif(shutil.which("curl") is None and not os.environ.get("CI"),
                                reason="curl runs the reproducers")


@dataclass
class Checked:
    port: int
    run: OpenAPIRun

    @property
    def findings(self) -> list[Finding]:
        return findings(self.run.verdicts)

    def finding(self, rule: str, cause: str) -> Finding:
        found = [f for f in self.findings if f.key == (rule, cause)]
        listed = "\n".join(f"{f.rule.id} | {f.cause}" for f in self.findings)
        assert len(found) == 1, f"no finding {rule} | {cause} among:\n{listed}"
        return found[0]

    def from_values(self) -> list[Finding]:
        """Findings any instance of which the value phase drew."""
        return [f for f in self.findings
                if any(i.check.startswith("values") for i in f.instances)]


@contextmanager
def checked(app: Any, *, document: dict[str, Any] | None = None, tmp: Path | None = None,
            **options: Any) -> Iterator[Checked]:
    """``app`` on uvicorn, and one ``--openapi`` run over it (the document it serves,
    or ``document`` written to a file)."""
    given = None
    if document is not None:
        assert tmp is not None
        given = str(tmp / "openapi.json")
        Path(given).write_text(json.dumps(document))
    settings = {"allow_writes": True, "seed": SEED, "examples": EXAMPLES, **options}
    with serve(app) as port:
        run = asyncio.run(check_openapi(f"http://127.0.0.1:{port}/", given,
                                        OpenAPIOptions(**settings)))
        assert isinstance(run, OpenAPIRun)
        yield Checked(port, run)


def replay(finding: Finding) -> tuple[int, bytes]:
    """Run the finding's reproducer (bash, curl): the status and content it got."""
    reproducer = finding.reproducer
    assert reproducer is not None and not reproducer.needs_raw
    command = reproducer.command.replace("curl -i ", "curl -s -i --max-time 10 ", 1)
    out = subprocess.run(["bash", "-c", command], capture_output=True, timeout=30).stdout
    head, _, body = out.partition(b"\r\n\r\n")
    status_line = head.split(b"\r\n", 1)[0].split()
    assert status_line[:1] == [b"HTTP/1.1"], out[:200]
    return int(status_line[1]), body
