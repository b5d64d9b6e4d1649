"""What an installed app keeps of its own (issue 23, items 3, 4 and 7): its exceptions
reach whatever wraps it after the 500 has gone out (as Starlette's own
ServerErrorMiddleware lets them), its own ``timeout`` parameter, and an event loop
that no statuskit file read blocks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import anyio
import pytest
from fastapi import FastAPI
from starlette.requests import Request
from starlette.testclient import TestClient

from statuskit.starlette import install
from support.rawhttp import get
from support.servers import serve

PROBLEM = "application/problem+json"


def _app() -> FastAPI:
    app = FastAPI()

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("internal detail")

    @app.get("/search")
    async def search(q: str, timeout: str = "normal") -> dict[str, str]:
        return {"q": q, "timeout": timeout}

    @app.get("/report")
    async def report(timeout: float = 1.0) -> dict[str, float]:
        await anyio.sleep(0.3)
        return {"timeout": timeout}

    return app


def test_a_test_client_that_raises_server_exceptions_still_raises() -> None:
    client = TestClient(install(_app()))  # raise_server_exceptions=True, the default
    with pytest.raises(RuntimeError, match="internal detail") as raised:
        client.get("/boom")
    assert any("error id" in note for note in getattr(raised.value, "__notes__", ()))


def test_an_outer_reporter_sees_the_exception_after_the_500_went_out() -> None:
    seen: list[Any] = []
    statuses: list[int] = []
    inner = install(_app())

    async def reporter(scope: Any, receive: Any, send: Any) -> None:
        # What Sentry's and OpenTelemetry's ASGI middleware do: wrap the app, record.
        async def watch(message: Any) -> None:
            if message["type"] == "http.response.start":
                statuses.append(message["status"])
            await send(message)

        try:
            await inner(scope, receive, watch)
        except Exception as exc:
            seen.append(exc)
            raise

    response = TestClient(reporter, raise_server_exceptions=False).get("/boom")
    assert response.status_code == 500
    assert response.headers["content-type"] == PROBLEM
    assert "internal detail" not in response.text
    assert statuses == [500]  # the answer went out before the exception came up
    assert [type(e) for e in seen] == [RuntimeError]


def test_over_uvicorn_the_500_arrives_whole_before_the_exception_is_raised_on() -> None:
    with serve(install(_app())) as port:
        response = get(port, "/boom")
        after = get(port, "/search?q=y")  # the server, told of the exception, serves on
    assert response.status == 500
    assert response.header("content-type") == PROBLEM
    assert int(response.header("content-length") or -1) == len(response.body)
    assert len(response.json()["error_id"]) == 16
    assert "internal detail" not in response.body.decode()
    assert after.status == 200


def test_the_apps_own_timeout_parameter_is_its_own() -> None:
    client = TestClient(install(_app()))
    search = client.get("/search?q=x&timeout=fast")
    report = client.get("/report?timeout=0.1")  # the handler takes 0.3 s
    assert search.status_code == 200 and search.json() == {"q": "x", "timeout": "fast"}
    assert report.status_code == 200 and report.json() == {"timeout": 0.1}
    assert client.get("/report", headers={"Request-Timeout": "0.1"}).status_code == 200


def test_the_client_timeout_is_opt_in() -> None:
    client = TestClient(install(_app(), client_timeout=True))
    response = client.get("/report?timeout=0.1")
    assert response.status_code == 504
    assert response.headers["content-type"] == PROBLEM
    assert client.get("/search?q=x&timeout=fast").status_code == 400


_PROBE = textwrap.dedent('''
    import asyncio, json, sys
    opened = []
    def hook(event, args):
        if event == "open" and asyncio._get_running_loop() is not None:
            path = str(args[0])
            if not path.endswith((".py", ".pyc", ".so")) and "/__pycache__/" not in path:
                opened.append(path)
    from fastapi import FastAPI, HTTPException
    import httpx
    from statuskit.starlette import install
    app = FastAPI()
    @app.get("/missing")
    async def missing():
        raise HTTPException(404)
    install(app)
    sys.addaudithook(hook)
    async def main():
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            first = await client.get("/missing")
            second = await client.post("/missing", content=b"{")
        return first.status_code, second.status_code
    print(json.dumps({"statuses": asyncio.run(main()), "opened": opened}))
''')


def test_the_first_problem_document_reads_no_file_on_the_event_loop() -> None:
    # A fresh process: the catalogue is parsed once per process, so only the first
    # answer there can show it. The audit hook sees every open() on the loop.
    import statuskit

    source = str(Path(statuskit.__file__).parent.parent)  # this statuskit, not another
    done = subprocess.run([sys.executable, "-c", _PROBE], capture_output=True, text=True,
                          timeout=60, check=True,
                          env={**os.environ, "PYTHONPATH": source})
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert found["statuses"] == [404, 501]
    assert found["opened"] == []


def test_a_failed_request_is_not_kept_alive_by_the_guards_log_record(
        caplog: pytest.LogCaptureFixture) -> None:
    # With Starlette's own 500 page kept, the 500 is out before the guard hears of the
    # exception; a log record carrying its traceback (kept by any handler that keeps
    # records, as pytest's does) would keep the request's frames alive.
    import gc
    import weakref

    refs: list[Any] = []
    app = FastAPI()

    @app.get("/fail")
    async def fail(request: Request) -> None:
        refs.append(weakref.ref(request))
        raise ValueError("failed")

    client = TestClient(install(app, server_errors=False), raise_server_exceptions=False)
    assert client.get("/fail").status_code == 500
    gc.collect()
    assert refs[0]() is None
    assert any("error id" in r.getMessage() for r in caplog.records)
