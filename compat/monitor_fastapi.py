"""FastAPI's own test suite under ``pytest --statuskit-monitor``: what the monitor sees
in a real project's tests, whether any outcome changes, and what it costs in time.

    python compat/monitor_fastapi.py [--rounds 1] [--workdir DIR]

It fetches the sdist of the FastAPI installed here and builds a throwaway venv with it,
this checkout of statuskit and FastAPI's test requirements (``compat/run.py`` does the
same for the compatibility oracle), then runs the suite without the monitor and with
it, in ABBA order for each round (``--rounds 2``: without, with, with, without), each
run in a fresh copy of the tree. It prints the tests and every one whose outcome
differs, the exchanges judged (and any left unjudged), the findings by rule and each
(rule, route) with its count, and the wall and CPU time of each run with the ratio.
FastAPI's suite turns warnings into errors; the monitor's findings stay warnings there
(``-W default::...StatuskitWarning``), so an outcome that changes is the monitor's doing.
Not part of the test suite (it takes several minutes). Exit 1 if an outcome changed or
an exchange went unjudged, 2 on a setup failure.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from collections import Counter
from importlib import metadata
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from run import _sdist, _venv  # noqa: E402

WARNING = "default::statuskit.pytest_plugin.StatuskitWarning"


def _outcomes(junit: Path) -> dict[str, str]:
    """Each test's outcome from pytest's JUnit XML: passed, failed, error or skipped."""
    found: dict[str, str] = {}
    for case in ET.parse(junit).getroot().iter("testcase"):
        test = f"{case.get('classname')}::{case.get('name')}"
        tags = {child.tag for child in case}
        outcome = next((t for t in ("error", "failure", "skipped") if t in tags), "passed")
        # A teardown error is a second entry for the same test: the worse one counts.
        if found.get(test, "passed") == "passed":
            found[test] = outcome
    return found


def _run(python: Path, source: Path, workdir: Path, monitored: bool,
         index: int) -> dict[str, Any]:
    name = f"{'monitored' if monitored else 'stock'}-{index}"
    tree = workdir / f"tree-{name}"
    shutil.rmtree(tree, ignore_errors=True)
    shutil.copytree(source, tree)  # some tutorials keep SQLite files beside their tests
    junit, report = workdir / f"{name}.xml", workdir / f"{name}.json"
    command = [str(python), "-m", "pytest", "-p", "no:cacheprovider", "-q", "--no-header",
               "-W", WARNING, f"--junitxml={junit}", "tests"]
    if monitored:
        command[5:5] = ["--statuskit-monitor", f"--statuskit-monitor-json={report}"]
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    env.pop("CI", None)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    subprocess.run(command, cwd=tree, env=env, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, check=False)
    wall = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    print(f"monitor_fastapi: {name}: {wall:.0f} s wall, {cpu:.0f} s CPU", flush=True)
    shutil.rmtree(tree, ignore_errors=True)
    return {"wall": wall, "cpu": cpu, "outcomes": _outcomes(junit),
            "monitor": json.loads(report.read_text()) if monitored else None}


def _summary(runs: list[dict[str, Any]]) -> int:
    stock = [r for r in runs if r["monitor"] is None]
    watched = [r for r in runs if r["monitor"] is not None]
    base = stock[0]["outcomes"]
    changed = sorted(test for run in watched for test in set(base) | set(run["outcomes"])
                     if base.get(test) != run["outcomes"].get(test))
    counts = Counter(base.values())
    print(f"\nFastAPI {metadata.version('fastapi')}: {len(base)} tests "
          f"({', '.join(f'{n} {k}' for k, n in sorted(counts.items()))}); "
          f"outcomes changed by the monitor: {len(changed)}")
    for test in changed[:30]:
        print(f"  {test}: {base.get(test)} -> "
              f"{[r['outcomes'].get(test) for r in watched]}")
    seen = watched[-1]["monitor"]
    sightings = seen["sightings"]
    print(f"exchanges judged {seen['exchanges']}, unjudged {seen['errors']}; "
          f"{len(sightings)} findings on (rule, route)")
    by_rule: dict[str, list[int]] = {}
    for s in sightings:
        routes_and_count = by_rule.setdefault(s["rule"]["id"], [0, 0])
        routes_and_count[0] += 1
        routes_and_count[1] += s["count"]
    for rule, (routes, count) in sorted(by_rule.items(), key=lambda kv: -kv[1][0]):
        print(f"  {rule}: {routes} route{'s' if routes != 1 else ''}, {count} exchanges")
    for s in sorted(sightings, key=lambda s: (s["rule"]["id"], s["route"])):
        print(f"    {s['rule']['id']} {s['route']} x{s['count']}: {s['cause']}"
              + (f"; first in {s['tests'][0]}" if s["tests"] else ""))
    for what in ("wall", "cpu"):
        a = sum(r[what] for r in stock)
        b = sum(r[what] for r in watched)
        print(f"{what}: without {a / len(stock):.0f} s, with {b / len(watched):.0f} s: "
              f"{100 * (b / a - 1):+.1f} % ({len(stock)} run{'s' if len(stock) > 1 else ''} "
              "each)")
    return 1 if changed or seen["errors"] else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=1, help="ABBA rounds (1: AB)")
    parser.add_argument("--workdir", type=Path, help="kept between runs (default: a temp dir)")
    args = parser.parse_args(argv)
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="statuskit-monitor-fastapi-"))
    workdir.mkdir(parents=True, exist_ok=True)
    try:
        python = _venv(workdir, ["fastapi"], False)
        source = _sdist(workdir, "fastapi")
    except (subprocess.CalledProcessError, OSError, metadata.PackageNotFoundError) as exc:
        print(f"monitor_fastapi: setup failed: {exc}", file=sys.stderr)
        return 2
    order = [False, True] if args.rounds <= 1 else [False, True, True, False] * (
        args.rounds // 2) + [False, True] * (args.rounds % 2)
    runs = [_run(python, source, workdir, monitored, index)
            for index, monitored in enumerate(order)]
    status = _summary(runs)
    if args.workdir is None:
        shutil.rmtree(workdir, ignore_errors=True)
    return status


if __name__ == "__main__":
    sys.exit(main())
