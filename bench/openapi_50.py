"""How long ``statuskit check --openapi`` takes over an API of 50 operations.

Ten FastAPI routers, each with list, create (201), read, replace and delete:
50 operations on 20 paths, served by uvicorn on loopback. The run is timed
reads-only and with --allow-writes, over the network and in process.

    PYTHONPATH=src python3 bench/openapi_50.py
"""

from __future__ import annotations

import asyncio
import itertools
import sys
import threading
import time
from typing import Any

import uvicorn
from fastapi import APIRouter, FastAPI, HTTPException, Response
from pydantic import BaseModel

sys.path.insert(0, "bench")
from _net import free_port, wait_for

from statuskit.check.openapi import OpenAPIOptions, OpenAPIRun, check_openapi
from statuskit.testing import check_app

ROUTERS = 10


class ThingIn(BaseModel):
    name: str
    size: int = 1


def _router(kind: str) -> APIRouter:
    router = APIRouter(prefix=f"/{kind}")
    store: dict[int, dict[str, Any]] = {}
    ids = itertools.count(1)

    @router.get("")
    def list_things() -> list[dict[str, Any]]:
        return list(store.values())

    @router.post("", status_code=201)
    def create(thing: ThingIn, response: Response) -> dict[str, Any]:
        new = {"id": next(ids), **thing.model_dump()}
        store[new["id"]] = new
        response.headers["Location"] = f"/{kind}/{new['id']}"
        return new

    @router.get("/{thing_id}")
    def read(thing_id: int) -> dict[str, Any]:
        if thing_id not in store:
            raise HTTPException(404)
        return store[thing_id]

    @router.put("/{thing_id}")
    def replace(thing_id: int, thing: ThingIn) -> dict[str, Any]:
        if thing_id not in store:
            raise HTTPException(404)
        store[thing_id] = {"id": thing_id, **thing.model_dump()}
        return store[thing_id]

    @router.delete("/{thing_id}", status_code=204)
    def delete(thing_id: int) -> None:
        if store.pop(thing_id, None) is None:
            raise HTTPException(404)

    return router


def create_app() -> FastAPI:
    app = FastAPI()
    for n in range(ROUTERS):
        app.include_router(_router(f"kind{n}"))
    return app


def _timed_network(url: str, allow_writes: bool) -> tuple[float, OpenAPIRun]:
    started = time.perf_counter()
    run = asyncio.run(check_openapi(url, None, OpenAPIOptions(allow_writes=allow_writes)))
    assert isinstance(run, OpenAPIRun)
    return time.perf_counter() - started, run


def main() -> None:
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(), port=port, log_level="critical"))
    threading.Thread(target=server.run, daemon=True).start()
    wait_for(port)
    url = f"http://127.0.0.1:{port}/"
    for allow_writes in (False, True):
        seconds, run = _timed_network(url, allow_writes)
        print(f"loopback, {'with writes' if allow_writes else 'reads only'}: "
              f"{seconds:.2f} s, {run.requests} requests, {len(run.verdicts)} verdicts; "
              f"{run.notes[0]}")
    server.should_exit = True
    started = time.perf_counter()
    report = check_app(create_app(), allow_writes=True)
    print(f"in process, with writes: {time.perf_counter() - started:.2f} s, "
          f"{len(report.verdicts)} verdicts")


if __name__ == "__main__":
    main()
