"""The compatibility oracle: FastAPI's and Starlette's own test suites, stock and with
``statuskit.starlette.install()`` on every app a ``TestClient`` is built on.

    python compat/run.py                      # both full suites (about 10 minutes)
    python compat/run.py --bounded            # the part CI runs (bodies, exceptions and
                                              # handlers, dependencies, middleware,
                                              # background tasks, lifespan, websockets,
                                              # mounts, streaming)
    python compat/run.py --suites starlette --show 20

Then ``compat/check_tutorial.py`` runs ``statuskit check --openapi --allow-writes`` on
FastAPI's SQL tutorial app (its docs_src heroes CRUD) with install() applied.
It fetches the sdists of the FastAPI and Starlette versions installed here (``pip
download --no-binary :all: --no-deps``), builds a throwaway venv with them, this
checkout of statuskit and their test requirements (``compat/requirements-*.txt``),
runs each suite twice through ``compat/plugin.py`` and sorts every test whose outcome
changed into a deliberate class (``compat/classify.py``, the README's table) or a
breakage, by the status and body each run got. Exit 1 on any breakage, 2 on a setup
failure. Not part of the test suite; nothing is installed into the current Python.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from collections import Counter
from importlib import metadata
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

from classify import BREAKAGE, CLASSES, classify  # noqa: E402

SUITES = ("fastapi", "starlette")
# What CI runs: the areas an installed app must keep working in, per suite.
BOUNDED: dict[str, tuple[str, ...]] = {
    "starlette": (
        "tests/test_requests.py",  # request bodies, streams, disconnects
        "tests/test_formparsers.py",
        "tests/test_exceptions.py",  # exceptions and their handlers
        "tests/middleware",  # every middleware, BaseHTTPMiddleware included
        "tests/test_background.py",
        "tests/test_applications.py",  # lifespan, mounts, hosts
        "tests/test_routing.py",
        "tests/test_websockets.py",
        "tests/test_responses.py",  # streaming, files
        "tests/test_endpoints.py",
    ),
    "fastapi": (
        "tests/test_request_body_limits.py",
        "tests/test_form_limits.py",
        "tests/test_exception_handlers.py",
        "tests/test_custom_middleware_exception.py",
        "tests/test_dependency_after_yield_raise.py",
        "tests/test_dependency_after_yield_streaming.py",
        "tests/test_dependency_after_yield_websockets.py",
        "tests/test_dependency_contextmanager.py",
        "tests/test_dependency_overrides.py",
        "tests/test_router_events.py",  # lifespan
        "tests/test_ws_router.py",  # websockets
        "tests/test_ws_dependencies.py",
        "tests/test_stream_cancellation.py",  # streaming
        "tests/test_stream_status_code.py",
        "tests/test_tutorial/test_background_tasks",
        "tests/test_tutorial/test_middleware",
        "tests/test_tutorial/test_sub_applications",  # mounts
        "tests/test_tutorial/test_custom_response",  # streaming
        "tests/test_tutorial/test_handling_errors",
        "tests/test_tutorial/test_request_body_limits",
        "tests/test_tutorial/test_body",
        "tests/test_tutorial/test_websockets",
    ),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--suites", default=",".join(SUITES),
                        help="comma-separated: fastapi, starlette")
    parser.add_argument("--bounded", action="store_true", help="only the part CI runs")
    parser.add_argument("--workdir", type=Path, help="kept between runs (default: a temp dir)")
    parser.add_argument("--python", type=Path,
                        help="an interpreter that already has everything (no venv is built)")
    parser.add_argument("--install-options", default="{}", metavar="JSON",
                        help='install() keywords, e.g. \'{"statuses": false}\'')
    parser.add_argument("--show", type=int, default=50, help="breakages listed in full")
    parser.add_argument("--json", type=Path, help="write every changed test here")
    args = parser.parse_args(argv)
    suites = [s.strip() for s in args.suites.split(",") if s.strip()]
    unknown = set(suites) - set(SUITES)
    if unknown or not suites:
        print(f"compat: --suites takes {', '.join(SUITES)}", file=sys.stderr)
        return 2
    try:
        options = json.loads(args.install_options)
    except ValueError:
        options = None
    if not isinstance(options, dict):
        print("compat: --install-options takes a JSON object", file=sys.stderr)
        return 2
    os.environ["STATUSKIT_COMPAT_OPTIONS"] = json.dumps(options)
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="statuskit-compat-"))
    workdir.mkdir(parents=True, exist_ok=True)
    try:
        python = args.python or _venv(workdir, suites, args.bounded)
        sources = {suite: _sdist(workdir, suite) for suite in suites}
    except (subprocess.CalledProcessError, OSError, metadata.PackageNotFoundError) as exc:
        print(f"compat: setup failed: {exc}", file=sys.stderr)
        return 2
    breakages = 0
    changed: dict[str, Any] = {}
    for suite in suites:
        report = _compare(suite, python, sources[suite], workdir, args.bounded)
        breakages += _print(suite, report, args.show)
        changed[suite] = report
    if "fastapi" in suites:
        # FastAPI's own CRUD tutorial, installed: its document declares what it answers.
        print("\nstatuskit check --openapi --allow-writes on FastAPI's SQL tutorial, installed:",
              flush=True)
        done = subprocess.run([str(python), str(HERE / "check_tutorial.py"),
                               str(sources["fastapi"])], check=False)
        breakages += done.returncode != 0
    if args.json:
        args.json.write_text(json.dumps(changed, indent=1))
    if args.workdir is None:
        shutil.rmtree(workdir, ignore_errors=True)
    return 1 if breakages else 0


# -- setup ----------------------------------------------------------------------------


def _version(package: str) -> str:
    return metadata.version(package)


def _venv(workdir: Path, suites: list[str], bounded: bool) -> Path:
    """A venv with this statuskit checkout, the installed FastAPI/Starlette versions and
    the suites' test requirements; reused while those are unchanged."""
    pins = [f"fastapi=={_version('fastapi')}", f"starlette=={_version('starlette')}",
            f"pydantic=={_version('pydantic')}"]
    requirements = [HERE / "requirements-bounded.txt"] if bounded else [
        HERE / f"requirements-{suite}.txt" for suite in suites]
    key = hashlib.sha256("\n".join(pins + [r.read_text() for r in requirements]).encode())
    venv = workdir / "venv"
    python = venv / "bin" / "python"
    marker = venv / "statuskit-compat.key"
    if not (marker.exists() and marker.read_text() == key.hexdigest()):
        shutil.rmtree(venv, ignore_errors=True)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        command = [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check",
                   "-e", str(REPO), *pins]
        for requirement in requirements:
            command += ["-r", str(requirement)]
        print(f"compat: installing {' '.join(pins)} and the test requirements", flush=True)
        subprocess.run(command, check=True)
        marker.write_text(key.hexdigest())
    else:
        # The checkout may have moved on: point the editable install at it again.
        subprocess.run([str(python), "-m", "pip", "install", "-q", "--no-deps",
                        "--disable-pip-version-check", "-e", str(REPO)], check=True)
    return python


def _sdist(workdir: Path, package: str) -> Path:
    """The installed version's sdist, unpacked: its tests and, for FastAPI, docs_src."""
    version = _version(package)
    target = workdir / f"{package}-{version}"
    if target.is_dir():
        return target
    downloads = workdir / "sdists"
    downloads.mkdir(exist_ok=True)
    subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-binary", ":all:",
                    "--no-deps", "--disable-pip-version-check", "-d", str(downloads),
                    f"{package}=={version}"], check=True)
    archive = next(downloads.glob(f"{package}-{version}.tar.gz"))
    with tarfile.open(archive) as tar:
        tar.extractall(workdir, filter="data")
    return target


# -- the runs -------------------------------------------------------------------------


def _run(suite: str, mode: str, python: Path, source: Path, workdir: Path,
         bounded: bool) -> dict[str, Any]:
    out = workdir / f"{suite}-{mode}.json"
    # A copy per run: some tutorials keep state in files (SQLite) beside their tests.
    copy = workdir / f"{suite}-{mode}-tree"
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(source, copy)
    selection = [p for p in BOUNDED[suite] if (source / p).exists()] if bounded else ["tests"]
    missing = set(BOUNDED[suite]) - set(selection) if bounded else set()
    if missing:
        print(f"compat: {suite} has no {', '.join(sorted(missing))}", flush=True)
    env = {**os.environ, "STATUSKIT_COMPAT": mode, "STATUSKIT_COMPAT_OUT": str(out),
           "PYTHONPATH": str(HERE), "PYTHONDONTWRITEBYTECODE": "1"}
    env.pop("CI", None)  # their suites read CI for things of their own
    started = time.monotonic()
    subprocess.run([str(python), "-m", "pytest", "-p", "plugin", "-p", "no:cacheprovider",
                    "-q", "--no-header", "-rN", *selection],
                   cwd=copy, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   check=False)
    print(f"compat: {suite} {mode}: {time.monotonic() - started:.0f} s", flush=True)
    results: dict[str, Any] = json.loads(out.read_text())
    shutil.rmtree(copy, ignore_errors=True)
    return results


def _compare(suite: str, python: Path, source: Path, workdir: Path,
             bounded: bool) -> dict[str, Any]:
    stock = _run(suite, "stock", python, source, workdir, bounded)
    installed = _run(suite, "installed", python, source, workdir, bounded)
    counts: Counter[str] = Counter()
    changed: list[dict[str, Any]] = []
    for nodeid in sorted(set(stock) | set(installed)):
        a = stock.get(nodeid, {"outcome": "missing", "exchanges": []})
        b = installed.get(nodeid, {"outcome": "missing", "exchanges": []})
        counts["tests"] += 1
        counts["stock passed"] += a["outcome"] == "passed"
        counts["installed passed"] += b["outcome"] == "passed"
        if a["outcome"] == b["outcome"]:
            continue
        if a["outcome"] != "passed":
            counts["passes only installed"] += 1
            continue
        name, evidence = classify(a["exchanges"], b["exchanges"])
        counts[name] += 1
        changed.append({"test": nodeid, "class": name, "evidence": evidence,
                        "error": b.get("error", "")[-600:]})
    return {"counts": dict(counts), "changed": changed}


def _print(suite: str, report: dict[str, Any], show: int) -> int:
    counts = report["counts"]
    print(f"\n{suite}: {counts.get('tests', 0)} tests, stock passed "
          f"{counts.get('stock passed', 0)}, installed passed "
          f"{counts.get('installed passed', 0)}")
    for name, _ in CLASSES:
        if counts.get(name):
            print(f"  deliberate: {name:<20} {counts[name]}")
    if counts.get("passes only installed"):
        print(f"  passes only installed: {counts['passes only installed']}")
    breakages = [c for c in report["changed"] if c["class"] == BREAKAGE]
    print(f"  breakages: {len(breakages)}")
    for entry in breakages[:show]:
        print(f"    {entry['test']}\n      {entry['evidence']}")
        last = entry["error"].strip().splitlines()[-1:] if entry["error"] else []
        for line in last:
            print(f"      {line[:200]}")
    return len(breakages)


if __name__ == "__main__":
    sys.exit(main())
