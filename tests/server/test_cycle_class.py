"""The protocols create uvicorn's cycle already carrying the response checks."""

from __future__ import annotations

from typing import Any

import pytest

from statuskit.server._h11 import StatusH11Cycle
from statuskit.server._httptools import StatusHttpToolsCycle
from statuskit.server._wire import with_cycle_class
from support.rawhttp import get


async def _cycle_name_app(scope: Any, receive: Any, send: Any) -> None:
    # uvicorn hands the app its cycle's bound send: name the cycle's class.
    body = type(send.__self__).__name__.encode()
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


def test_checked_cycle_is_created_not_swapped_in(wire):
    port = wire(app=_cycle_name_app)
    first, second = get(port, "/"), get(port, "/")
    assert first.status == second.status == 200
    assert first.header("content-length") == str(len(first.body))
    assert first.body in (StatusHttpToolsCycle.__name__.encode(),
                          StatusH11Cycle.__name__.encode())


def test_without_response_checks_the_stock_cycle_serves(httptools_wire):
    port = httptools_wire(app=_cycle_name_app, response_hygiene=False)
    response = get(port, "/")
    assert response.status == 200
    assert response.body == b"RequestResponseCycle"


def test_a_uvicorn_function_that_creates_no_cycle_is_refused():
    import uvicorn.protocols.http.httptools_impl as module

    with pytest.raises(RuntimeError, match="no longer creates"):
        with_cycle_class(module.HttpToolsProtocol.on_response_complete, module,
                         StatusHttpToolsCycle)
