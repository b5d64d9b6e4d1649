"""statuskit.starlette imports nothing from FastAPI unless an app uses FastAPI, and works
where FastAPI is not installed at all."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

_PLAIN_APP = """
import asyncio, sys
{block}
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route
import statuskit.starlette as sks

async def hello(request):
    sks.accept_ranges(request)
    return PlainTextResponse("hello")

app = sks.install(Starlette(routes=[Route("/", hello)]))
sent = []

async def call(method, headers=()):
    scope = {{"type": "http", "method": method, "path": "/", "raw_path": b"/",
             "query_string": b"", "headers": list(headers), "http_version": "1.1",
             "root_path": "", "scheme": "http", "server": ("t", 80), "client": ("c", 1)}}
    async def receive():
        return {{"type": "http.request", "body": b"", "more_body": False}}
    async def send(message):
        sent.append(message)
    await app(scope, receive, send)

asyncio.run(call("OPTIONS"))
asyncio.run(call("GET", [(b"range", b"bytes=0-1")]))
assert sent[0]["status"] == 204, sent[0]
assert sent[2]["status"] == 206 and sent[3]["body"] == b"he", sent[2:]
assert not any(name.startswith("fastapi") for name in sys.modules), "fastapi was imported"
print("ok")
"""

_NO_FASTAPI = """
import importlib.abc
class _Absent(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == "fastapi" or name.startswith("fastapi."):
            raise ModuleNotFoundError(f"No module named {name!r}")
sys.meta_path.insert(0, _Absent())
"""


def _run(block: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    return subprocess.run([sys.executable, "-c", _PLAIN_APP.format(block=block)], env=env,
                          capture_output=True, text=True, timeout=60, check=False)


def test_a_starlette_app_does_not_load_fastapi() -> None:
    done = _run("")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"


def test_it_works_where_fastapi_is_not_installed() -> None:
    done = _run(_NO_FASTAPI)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"
