"""statuskit's checks inside schemathesis's own runner (``schemathesis run``), over
uvicorn: each finds its planted HTTP fault, and none fails on an app without them."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from check_values.http_faults_app import create_app
from support.servers import serve

OURS = ("statuskit_fields", "statuskit_head", "statuskit_method_not_allowed",
        "statuskit_conditional", "statuskit_not_acceptable", "statuskit_content_too_large",
        "statuskit_problem_json")
CLI = shutil.which("schemathesis") or str(Path(sys.executable).parent / "schemathesis")


def _run(port: int, checks: tuple[str, ...] = OURS) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SCHEMATHESIS_HOOKS": "statuskit.schemathesis", "NO_COLOR": "1"}
    return subprocess.run(
        [CLI, "run", f"http://127.0.0.1:{port}/openapi.json", "--checks", ",".join(checks),
         "--max-examples", "5", "--phases", "examples,fuzzing", "--seed", "1",
         "--workers", "1"],
        capture_output=True, text=True, timeout=120, env=env,
        cwd=tempfile.gettempdir())  # schemathesis leaves a .schemathesis/ where it runs


@pytest.fixture(scope="module")
def faulty() -> Iterator[int]:
    with serve(create_app(faults=True)) as port:
        yield port


@pytest.mark.parametrize(("check", "says"), [
    ("statuskit_head", "RFC 9110 §9.1, §9.3.2: HEAD answered 405, not as GET"),
    ("statuskit_method_not_allowed", "RFC 9110 §15.5.6: 405 without Allow"),
    ("statuskit_conditional", "answered 200, expected 304"),
    ("statuskit_not_acceptable", "answered 200, expected 406"),
    ("statuskit_content_too_large", "sent 100 Continue, inviting 1 TB of declared content"),
    ("statuskit_problem_json", "with content in application/json, not "
                               "application/problem+json"),
])
def test_each_check_fails_the_faulty_app_naming_its_rule(faulty: int, check: str,
                                                         says: str) -> None:
    # One check a run: schemathesis stops an operation at its first failure, and the
    # first case may fail another check before this one meets the response it needs.
    done = _run(faulty, (check,))
    assert done.returncode == 1 and f"Custom check failed: `{check}`" in done.stdout
    assert says in done.stdout, done.stdout[-3000:]


def test_the_same_app_without_the_faults_passes_every_statuskit_check() -> None:
    asked: list[str] = []
    with serve(create_app(faults=False, asked=asked)) as port:
        done = _run(port)
    assert done.returncode == 0, done.stdout[-3000:]
    assert not re.search(r"statuskit_\w+.*fail", done.stdout, re.IGNORECASE)
    # Each check asked its question, and the answers were right: not a run that asked none.
    assert {"HEAD */*", "GET if-none-match */*", "GET if-match */*",
            "GET application/x-statuskit-unobtainable", "PUT */*"} <= set(asked)
    assert any(a.startswith("POST") for a in asked)
