"""pytest plugin for the compatibility oracle: loaded into FastAPI's or Starlette's own
test suite (``-p plugin`` with this folder on the path), it records every exchange a
``TestClient`` makes, per test, and with ``STATUSKIT_COMPAT=installed`` applies
``statuskit.starlette.install()`` to every app a ``TestClient`` is built on.

Each test's outcome and exchanges go to the JSON file ``STATUSKIT_COMPAT_OUT`` names;
``compat/run.py`` compares the stock run with the installed one.
"""

from __future__ import annotations

import json
import os
from typing import Any

import pytest

MODE = os.environ.get("STATUSKIT_COMPAT", "stock")
# install()'s keywords for the installed run (the switches), as JSON.
OPTIONS: dict[str, Any] = json.loads(os.environ.get("STATUSKIT_COMPAT_OPTIONS") or "{}")
OUT = os.environ.get("STATUSKIT_COMPAT_OUT", "compat-results.json")
# Enough of a body to tell a problem document from the app's own, and documents apart.
BODY_KEPT = 4096

_current: list[dict[str, Any]] | None = None
_results: dict[str, dict[str, Any]] = {}


def _install(app: Any) -> None:
    from starlette.applications import Starlette

    from statuskit.starlette import install

    if not isinstance(app, Starlette) or getattr(app, "_statuskit_compat", False):
        return
    app._statuskit_compat = True
    # A test may have served the app before through another client: build it afresh.
    app.middleware_stack = None
    install(app, **OPTIONS)


def _record(request: Any, response: Any = None, error: BaseException | None = None) -> None:
    if _current is None:
        return
    entry: dict[str, Any] = {"method": request.method, "path": request.url.path,
                             "query": request.url.query.decode("latin-1")
                             if isinstance(request.url.query, bytes) else str(request.url.query),
                             # What the oracle needs to judge a 415 (and nothing else).
                             "request_type": request.headers.get("content-type")}
    if error is not None:
        entry["error"] = type(error).__name__
    if response is not None:
        content = b""
        try:
            content = response.read()
        except Exception as exc:  # a streamed body the test reads itself
            entry["body_error"] = type(exc).__name__
        entry.update(_answer(response, content))
    _current.append(entry)


def _answer(response: Any, content: bytes) -> dict[str, Any]:
    return {
        "status": response.status_code,
        "content_type": response.headers.get("content-type", ""),
        "allow": response.headers.get("allow"),
        # A 415's list of the media types the resource takes (RFC 9110 §15.5.16).
        "accepts": response.headers.get("accept-post") or response.headers.get(
            "accept-patch") or response.headers.get("accept"),
        "document": content.startswith(b'{"openapi":'),  # FastAPI's OpenAPI document
        # A document whole: the oracle checks it differs only by what install() adds.
        "body": (content if content.startswith(b'{"openapi":') else
                 content[:BODY_KEPT]).decode("utf-8", "replace"),
    }


def _patch() -> None:
    import starlette.testclient as testclient

    original_init = testclient.TestClient.__init__

    def __init__(self: Any, app: Any, *args: Any, **kwargs: Any) -> None:
        if MODE == "installed":
            _install(app)
        original_init(self, app, *args, **kwargs)

    testclient.TestClient.__init__ = __init__  # type: ignore[method-assign]

    transport = testclient._TestClientTransport
    original_handle = transport.handle_request

    def handle_request(self: Any, request: Any) -> Any:
        # A WebSocket handshake is recorded by websocket_connect and its session.
        try:
            response = original_handle(self, request)
        except testclient._Upgrade:
            raise
        except BaseException as exc:
            _record(request, error=exc)
            raise
        _record(request, response)
        return response

    transport.handle_request = handle_request  # type: ignore[method-assign]

    original_ws = testclient.TestClient.websocket_connect

    def websocket_connect(self: Any, url: str, *args: Any, **kwargs: Any) -> Any:
        if _current is not None:
            _current.append({"method": "WEBSOCKET", "path": str(url)})
        return original_ws(self, url, *args, **kwargs)

    session = testclient.WebSocketTestSession
    original_enter = session.__enter__

    def __enter__(self: Any) -> Any:
        try:
            return original_enter(self)
        except testclient.WebSocketDenialResponse as denial:
            # A handshake answered with HTTP (the websocket.http.response extension).
            if _current and _current[-1]["method"] == "WEBSOCKET":
                _current[-1].update(_answer(denial, denial.content))
            raise

    session.__enter__ = __enter__  # type: ignore[method-assign]

    testclient.TestClient.websocket_connect = websocket_connect  # type: ignore[method-assign]
    _patch_openapi()


def _patch_openapi() -> None:
    """Record each document a test reads from ``app.openapi()`` itself, as it stands
    when the test ends (install() completes it in place)."""
    try:
        from fastapi import FastAPI
    except ImportError:
        return
    original = FastAPI.openapi

    def openapi(self: Any) -> Any:
        document = original(self)
        if _current is not None:
            _current.append({"method": "OPENAPI", "path": "app.openapi()", "status": 200,
                             "content_type": "application/json", "document": True,
                             "ref": document})
        return document

    FastAPI.openapi = openapi  # type: ignore[method-assign]


def _settle(exchanges: list[dict[str, Any]]) -> None:
    for entry in exchanges:
        document = entry.pop("ref", None)
        if document is not None:
            entry["body"] = json.dumps(document, default=str)


def pytest_configure(config: pytest.Config) -> None:
    _patch()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Any:
    global _current
    _current = []
    _results[item.nodeid] = {"outcome": "passed", "exchanges": _current}
    yield
    _current = None


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    result = _results.setdefault(report.nodeid, {"outcome": "passed", "exchanges": []})
    _settle(result["exchanges"])
    if report.when == "call" or report.outcome != "passed":
        if hasattr(report, "wasxfail"):
            outcome = "xfailed" if report.skipped else "xpassed"
        else:
            outcome = report.outcome
        if result["outcome"] in ("passed", "xfailed", "skipped") or outcome == "failed":
            result["outcome"] = outcome
        if report.outcome == "failed":
            result["error"] = str(report.longrepr)[-1500:]


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    with open(OUT, "w", encoding="utf-8") as out:
        json.dump(_results, out)
