"""statuskit check --openapi against schemathesis run, side by side, on one app in one run.

    python bench/values_vs_schemathesis.py [--rounds 2] [--app fastapi|litestar]
                                           [--baseline] [--findings]

The app (served by uvicorn in a process of its own): the FastAPI notes service of
tests/openapi (10 operations) with one planted value fault, ``GET /search`` answering
500 for a page past 1000; or the Litestar items service of tests/check_values with its
four planted faults. Each tool runs as its own process with its default budget, in
ABBA order (statuskit, schemathesis, schemathesis, statuskit per round), so load on
the machine falls on both alike; ``--baseline`` runs schemathesis once only (it is the
slow one) and statuskit ``--rounds`` times. Before anything is timed, one untimed run
of each writes the bytecode of every module they load, so that no timed run pays
for compiling (a fresh checkout's first run is twice as slow). Each schemathesis run
starts in a directory of its own, as a first run does: with one directory it replays
the failures earlier runs stored in ./.hypothesis (``--shared-db`` times it so).
Printed: wall time of each run (median and range), the ratio, and what each found:
statuskit's value-phase findings one by one, and schemathesis's failures;
``--findings`` prints every finding of both tools (statuskit's of all its checks,
schemathesis's failure sections).

Not part of the test suite.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
VALUE_RULES = {"value-5xx", "valid-refused", "invalid-accepted", "response-media",
               "response-schema"}
PLANTED = {
    "fastapi": {("value-5xx", "GET /search: 500 for values its schema allows")},
    "litestar": {
        ("value-5xx", "GET /items/{item_id}: 500 for values its schema allows"),
        ("value-5xx", "POST /items: 500 for a body not in UTF-8"),
        ("value-5xx", "POST /items: 500 for a body in a charset it is not in"),
        ("invalid-accepted", "POST /items: 201 for a value of body/quantity its schema forbids"),
        ("response-schema", "GET /report: a 200 breaks its declared schema at total (type)"),
    },
}

_SERVE = """
import sys
sys.path[:0] = [{tests!r}]
import uvicorn
if {app!r} == "fastapi":
    from typing import Annotated
    from fastapi import Query
    from openapi.fastapi_app import create_app
    app = create_app()

    @app.get("/search")
    def search(q: str = "", page: Annotated[int, Query(ge=1)] = 1) -> list[str]:
        if page > 1000:
            raise RuntimeError("planted: no page past 1000")
        return [q] if q else []
else:
    from check_values.litestar_items import create_app
    app = create_app(faults=True)
uvicorn.run(app, host="127.0.0.1", port={port}, log_level="critical", lifespan="off")
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait(port: int) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), 0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise SystemExit(f"the app did not start on port {port}")


def _document(app: str, port: int, tmp: Path) -> str:
    if app == "fastapi":
        return f"http://127.0.0.1:{port}/openapi.json"
    sys.path[:0] = [str(ROOT / "tests")]
    from check_values.litestar_items import clean_document

    path = tmp / "litestar.json"
    path.write_text(json.dumps(clean_document()))
    return str(path)


def run_statuskit(url: str, document: str, tmp: Path, seed: int) -> tuple[float, dict]:
    out = tmp / "statuskit.json"
    command = [sys.executable, "-m", "statuskit", "check", url, "--openapi", document,
               "--allow-writes", "--seed", str(seed), "--json", str(out)]
    started = time.perf_counter()
    subprocess.run(command, capture_output=True, timeout=600)
    took = time.perf_counter() - started
    return took, json.loads(out.read_text())


def _schemathesis_details(stdout: str) -> list[str]:
    """Each of schemathesis's failures: its operation (``_____ GET /search _____``), the
    check that failed (``- ST101 Server error``) and its reproducer (``curl ...``)."""
    out, operation = [], ""
    for line in stdout.splitlines():
        text = line.strip()
        if re.fullmatch(r"_{3,} .+ _{3,}", text):
            operation = text.strip("_ ")
        elif text.startswith("- ST") and operation:
            out.append(f"{operation}: {text[2:]}")
        elif text.startswith("curl ") and operation:
            out.append(f"    {text}")
    return out


_SHARED_DB = ""  # --shared-db: one directory, so one example database, for every run


def run_schemathesis(document: str, url: str) -> tuple[float, str]:
    cli = shutil.which("schemathesis") or str(Path(sys.executable).parent / "schemathesis")
    command = [cli, "run", document, "--url", url, "--seed", "1"] if not document.startswith(
        "http") else [cli, "run", document, "--seed", "1"]
    # A directory of its own for each run: schemathesis keeps the failures it found in
    # ./.hypothesis and replays them first in the next run, so a shared directory would
    # time a run that already knows the answer (statuskit keeps nothing between runs).
    # ``shared_db`` times it that way all the same.
    with tempfile.TemporaryDirectory() as fresh:
        started = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True, timeout=900,
                              env={**os.environ, "NO_COLOR": "1"},
                              cwd=_SHARED_DB if _SHARED_DB else fresh)
        return time.perf_counter() - started, done.stdout


def _value_findings(report: dict) -> list[tuple[str, str]]:
    found = []
    for finding in report["findings"]:
        rule = finding["rule"]["id"]
        from_values = any(i["check"].startswith("values") for i in finding["instances"])
        if rule in VALUE_RULES and from_values:
            found.append((rule, finding["cause"]))
    return found


def _schemathesis_failures(stdout: str) -> list[str]:
    lines = [line.strip() for line in stdout.splitlines()]
    start = next((i for i, line in enumerate(lines) if line == "Failures:"), None)
    if start is None:
        return []
    out = []
    for line in lines[start + 1:]:
        if not line:
            break
        out.append(line)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--app", choices=("fastapi", "litestar"), default="fastapi")
    parser.add_argument("--baseline", action="store_true",
                        help="run schemathesis once (not twice per round)")
    parser.add_argument("--findings", action="store_true",
                        help="print every finding of both tools")
    parser.add_argument("--shared-db", action="store_true",
                        help="let schemathesis keep its example database between runs "
                             "(it replays earlier failures first)")
    args = parser.parse_args()
    global _SHARED_DB
    port = _free_port()
    script = _SERVE.format(tests=str(ROOT / "tests"), app=args.app, port=port)
    server = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    times: dict[str, list[float]] = {"statuskit": [], "schemathesis": []}
    reports: list[dict] = []
    outputs: list[str] = []
    try:
        _wait(port)
        url = f"http://127.0.0.1:{port}/"
        with tempfile.TemporaryDirectory() as name:
            tmp = Path(name)
            if args.shared_db:
                _SHARED_DB = str(tmp)
            document = _document(args.app, port, tmp)
            # Untimed: bytecode written for both, the app's routes warmed.
            run_statuskit(url, document, tmp, seed=1)
            run_schemathesis(document, url)
            order = ("statuskit", "schemathesis", "schemathesis", "statuskit")
            for round_ in range(args.rounds):
                tools = order
                if args.baseline:  # schemathesis once, between the first two statuskits
                    tools = ("statuskit", "schemathesis", "statuskit") if round_ == 0 \
                        else ("statuskit", "statuskit")
                for tool in tools:
                    if tool == "statuskit":
                        took, report = run_statuskit(url, document, tmp, seed=round_ + 1)
                        reports.append(report)
                    else:
                        took, stdout = run_schemathesis(document, url)
                        outputs.append(stdout)
                    times[tool].append(took)
    finally:
        server.terminate()
        server.wait(10)
    sk, st = statistics.median(times["statuskit"]), statistics.median(times["schemathesis"])
    print(f"app: {args.app}; {args.rounds} ABBA rounds, wall time of each run")
    for tool, values in times.items():
        print(f"  {tool:13s} median {statistics.median(values):6.2f} s  range "
              f"{min(values):.2f}-{max(values):.2f} s  ({len(values)} runs)")
    print(f"  statuskit / schemathesis: {sk / st:.2f} (target at most 0.33)")
    planted = PLANTED[args.app]
    for i, report in enumerate(reports):
        found = _value_findings(report)
        other = [f for f in found if f not in planted]
        missed = planted - set(found)
        print(f"statuskit run {i + 1}: {len(report['findings'])} findings in all, "
              f"{len(found)} from the value phase; planted found "
              f"{len(planted) - len(missed)}/{len(planted)}; other value findings "
              f"{len(other)}")
        for rule, cause in found:
            print(f"    {'planted' if (rule, cause) in planted else 'OTHER  '} {rule}: {cause}")
        if args.findings:
            for finding in report["findings"]:
                print(f"    all: {finding['effect']:4s} {finding['rule']['id']}: "
                      f"{finding['cause']} ({len(finding['instances'])} instances)")
    for i, stdout in enumerate(outputs):
        failures = _schemathesis_failures(stdout)
        summary = re.findall(r"=+ (.+) =+\s*$", stdout.strip())
        print(f"schemathesis run {i + 1}: {summary[-1] if summary else '?'}")
        for failure in failures:
            print(f"    {failure}")
        if args.findings:
            for line in _schemathesis_details(stdout):
                print(f"    all: {line}")


if __name__ == "__main__":
    main()
