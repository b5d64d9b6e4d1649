"""A run() stack in its own process, for tests that measure what the server holds.

    python tests/support/memory_server.py PARSER PORT [SETTINGS_JSON]

The tests read the server's RSS from /proc/PID/status, so the server cannot share
their process. The app: ``/slow?seconds=S`` answers after S seconds, ``/big?bytes=N``
streams N bytes in 64 KiB messages, ``/big-once?bytes=N`` sends them in one message,
``/ws/echo`` echoes WebSocket messages, anything else is 200 "ok". With
``"app": "reference"`` in the settings it serves the reference API instead.

In the tests' process, :func:`memory_server` starts one and :func:`peak_rss` reads it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import uvicorn

HERE = Path(__file__).resolve()
TESTS = HERE.parents[1]
SRC = TESTS.parent / "src"
if __name__ == "__main__":
    sys.path.insert(0, str(TESTS))

from statuskit.server import config  # noqa: E402
from support.rawhttp import RawConnection  # noqa: E402
from support.servers import free_port, wait_for_port  # noqa: E402


def _number(scope: Any, name: str, default: float) -> float:
    query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
    return float(query.get(name, [default])[0])


async def app(scope: Any, receive: Any, send: Any) -> None:
    if scope["type"] == "websocket":
        await _echo(receive, send)
        return
    if scope["type"] != "http":
        return
    path = scope["path"]
    if path == "/slow":
        await asyncio.sleep(_number(scope, "seconds", 1.0))
    if path in ("/big", "/big-once"):
        size = int(_number(scope, "bytes", 1 << 20))
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-length", str(size).encode())]})
        step = size if path == "/big-once" else 1 << 16
        for at in range(0, size, step):
            await send({"type": "http.response.body", "body": b"x" * min(step, size - at),
                        "more_body": at + step < size})
        return
    body = b"slow" if path == "/slow" else b"ok"
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


async def _echo(receive: Any, send: Any) -> None:
    while True:
        message = await receive()
        if message["type"] == "websocket.connect":
            await send({"type": "websocket.accept"})
        elif message["type"] == "websocket.receive":
            await send({"type": "websocket.send", "bytes": message.get("bytes"),
                        "text": message.get("text")})
        else:
            return


def main() -> None:
    parser, port = sys.argv[1], int(sys.argv[2])
    settings = json.loads(sys.argv[3]) if len(sys.argv) > 3 else {}
    options = {"log_level": "critical", "lifespan": "off", **settings.pop("uvicorn_options", {})}
    served: Any = app
    if settings.pop("app", None) == "reference":
        from statuskit.reference import create_app

        served = create_app(job_seconds=0.1)
    uvicorn.Server(config(served, port=port, parser=parser, uvicorn_options=options,
                          **settings)).run()


@contextlib.contextmanager
def memory_server(parser: str, **settings: object) -> Iterator[tuple[int, int]]:
    """This module in its own process, importing this tree's statuskit; yields
    (port, pid)."""
    port = free_port()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(SRC), os.environ.get(
        "PYTHONPATH", "")])}
    process = subprocess.Popen(
        [sys.executable, str(HERE), parser, str(port), json.dumps(settings)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        try:
            wait_for_port(port)
        except TimeoutError:
            process.kill()
            raise RuntimeError(process.communicate(timeout=5)[1].decode()) from None
        # Warm: the first requests import and allocate what every later one reuses.
        for _ in range(3):
            with RawConnection(port) as conn:
                conn.send(b"GET / HTTP/1.1\r\nHost: t\r\n\r\n")
                assert conn.read_response().status == 200
        yield port, process.pid
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)


def peak_rss(pid: int) -> int:
    """The process's peak resident set so far (VmHWM), in bytes."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmHWM")


if __name__ == "__main__":
    main()
