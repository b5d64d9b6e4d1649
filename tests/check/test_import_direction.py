"""One direction for the checker's model: record <- rules <- findings <- verdict <- profile
<- report. No module imports one to its right, at run time or for type checking, so a
monitor can take the rules and findings without the runner (and nothing imports in a circle)."""

from __future__ import annotations

import ast
from pathlib import Path

import statuskit.check

CHECK = Path(statuskit.check.__file__).parent
ORDER = ["evidence", "record", "rules", "findings", "verdict", "profile", "report"]


def _imported(module: str) -> set[str]:
    """The statuskit.check modules ``module`` imports anywhere in its source."""
    tree = ast.parse((CHECK / f"{module}.py").read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.module == "statuskit.check":
                names.update(alias.name for alias in node.names)
            elif node.module.startswith("statuskit.check."):
                names.add(node.module.removeprefix("statuskit.check."))
        elif isinstance(node, ast.Import):
            names.update(a.name.removeprefix("statuskit.check.") for a in node.names
                         if a.name.startswith("statuskit.check."))
    return names


def test_the_model_imports_in_one_direction() -> None:
    for i, module in enumerate(ORDER):
        later = set(ORDER[i + 1:])
        assert not _imported(module) & later, (module, _imported(module) & later)


def test_rules_and_findings_need_nothing_of_the_runner() -> None:
    runner_side = {"runner", "probes", "framing", "exchange", "raw", "target", "openapi",
                   "cli", "lint", "plan"}
    for module in ("record", "rules", "findings"):
        assert not _imported(module) & runner_side, module
