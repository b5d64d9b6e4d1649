"""What the in-process benchmarks share: an ASGI app called with no server, and two
counts a loaded machine does not move (instructions under valgrind, bytecodes under
sys.settrace). Not part of the test suite."""

import os
import re
import shutil
import subprocess
import sys
from typing import Any


async def empty_receive() -> dict[str, Any]:
    """A request with no content, all of it at once."""
    return {"type": "http.request", "body": b"", "more_body": False}


async def discard(message: dict[str, Any]) -> None:
    """A server's send that takes each message and keeps none."""
    return None


def need_valgrind() -> None:
    if shutil.which("valgrind") is None:
        raise SystemExit("--instructions needs valgrind")


def instructions_of(script: str, serve_one: str) -> int:
    """Instructions one run of ``script --serve-one=...`` executes under cachegrind
    (no cache model)."""
    done = subprocess.run(
        ["valgrind", "--tool=cachegrind", "--cache-sim=no",
         "--cachegrind-out-file=/dev/null", sys.executable, script,
         f"--serve-one={serve_one}"], capture_output=True, text=True, check=True,
        env={**os.environ, "PYTHONHASHSEED": "0"})  # the same dict layouts every run
    found = re.search(r"I\s+refs:\s+([\d,]+)", done.stderr)
    assert found is not None, done.stderr[-500:]
    return int(found.group(1).replace(",", ""))


async def bytecodes_of(app: Any, scope: dict[str, Any], *, warm: int,
                       ours: str = "") -> tuple[int, dict[str, int]]:
    """Bytecodes one warm request runs in every frame (sys.settrace opcode events),
    and by function those of files whose path holds ``ours`` (none if empty)."""
    for _ in range(warm):  # what a first request builds or caches is not counted
        await app(dict(scope), empty_receive, discard)
    count = 0
    by_function: dict[str, int] = {}

    def trace(frame: Any, event: str, arg: Any) -> Any:
        nonlocal count
        frame.f_trace_opcodes = True
        if event == "opcode":
            count += 1
            if ours and ours in frame.f_code.co_filename:
                name = frame.f_code.co_name
                by_function[name] = by_function.get(name, 0) + 1
        return trace

    request = dict(scope)
    sys.settrace(trace)
    try:
        await app(request, empty_receive, discard)
    finally:
        sys.settrace(None)
    return count, by_function
