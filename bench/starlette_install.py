"""The in-process cost of statuskit.starlette.install() on a FastAPI app, in one run.

    python bench/starlette_install.py [--seconds 5]

GET: the benchmark's FastAPI note endpoint (bench/apps.py's: it negotiates and answers
304 by hand) as it is, behind a bare Guard, and after install(). Then the same note
served the statuskit.starlette way (provides() + conditional() + ranged(), no
hand-written checks) under install(). 304: the hand-written If-None-Match check in
the handler against conditional(), which answers before the handler runs.
Calls/s come from batches of 50 calls taken from each contender in turn (in a new
random order each turn) until each has run ``--seconds``: on a loaded machine the load
falls on all of them alike.
Not part of the test suite. (No ``from __future__ import annotations`` here: FastAPI
reads the endpoints' annotations at run time, and string annotations naming local
names would turn ``request: Request`` into a query parameter.)
"""

import argparse
import asyncio
import os
import sys
from typing import Annotated, Any

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "src"))

import apps  # noqa: E402
from run import _scope  # noqa: E402


def stock_app() -> Any:
    """bench/apps.py's FastAPI endpoint, with its annotations resolvable by FastAPI."""
    from fastapi import FastAPI, Request
    from fastapi.responses import Response

    app = FastAPI()

    @app.get("/notes/{note_id}")
    async def note(note_id: str, request: Request) -> Response:
        return apps._note_response(note_id, request.headers)  # type: ignore[no-any-return]

    return app


def four_dependencies_app() -> Any:
    """The stock endpoint with four async dependencies that do nothing: what FastAPI's
    dependency injection alone costs for as many dependencies as helpers_app() has."""
    from fastapi import Depends, FastAPI, Request
    from fastapi.responses import Response

    app = FastAPI()

    async def nothing(note_id: str) -> None:
        return None

    async def also_nothing(request: Request, sub: None = Depends(nothing)) -> None:
        return None

    async def more_nothing(request: Request) -> None:
        return None

    @app.get("/notes/{note_id}", dependencies=[Depends(more_nothing)])
    async def note(note_id: str, request: Request, a: None = Depends(also_nothing),
                   b: None = Depends(more_nothing)) -> Response:
        return apps._note_response(note_id, request.headers)  # type: ignore[no-any-return]

    return app


def helpers_app() -> Any:
    """The note endpoint written with statuskit.starlette's dependencies, installed."""
    from fastapi import Depends, FastAPI
    from fastapi.responses import Response

    from statuskit.starlette import Validators, conditional, install, provides, ranged

    app = FastAPI()

    async def current(note_id: str) -> Validators | None:
        return Validators(etag=apps.ETAG.strip('"')) if note_id == "1" else None

    Media = Annotated[str, Depends(provides("application/json", "text/plain"))]
    Current = Annotated[Validators | None, Depends(conditional(current))]

    @app.get("/notes/{note_id}", dependencies=[Depends(ranged())])
    async def note(note_id: str, media: Media, validators: Current) -> Response:
        if validators is None:
            return Response(status_code=404)
        text = media == "text/plain"
        return Response(apps.TEXT_BODY if text else apps.JSON_BODY, media_type=media)

    return install(app)


def calls_app() -> Any:
    """The same, with the plain calls in the handler instead of dependencies."""
    from fastapi import FastAPI, Request
    from fastapi.responses import Response

    from statuskit.starlette import (
        Validators,
        accept_ranges,
        choose_media_type,
        install,
        preconditions,
    )

    app = FastAPI()
    tag = apps.ETAG.strip('"')

    @app.get("/notes/{note_id}")
    async def note(note_id: str, request: Request) -> Response:
        media = choose_media_type(request, ("application/json", "text/plain"))
        accept_ranges(request)
        preconditions(request, Validators(etag=tag) if note_id == "1" else None)
        if note_id != "1":
            return Response(status_code=404)
        text = media == "text/plain"
        return Response(apps.TEXT_BODY if text else apps.JSON_BODY, media_type=media)

    return install(app)


async def _rates(contenders: list[tuple[str, Any, dict[str, Any]]], seconds: float,
                 batch: int = 50) -> dict[str, float]:
    """Calls/s per contender, from short batches taken in turn (shuffled each turn), so a
    change in the machine's load falls on every contender alike."""
    import random
    import time

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    statuses: dict[str, int] = {}
    for name, app, scope in contenders:
        async def first(message: dict[str, Any], name: str = name) -> None:
            if message["type"] == "http.response.start":
                statuses[name] = message["status"]
        await app(dict(scope), receive, first)  # warm up; and see what it answers

    async def send(message: dict[str, Any]) -> None:
        return None

    spent = dict.fromkeys((name for name, _, _ in contenders), 0.0)
    calls = dict.fromkeys(spent, 0)
    order = list(contenders)
    while min(spent.values()) < seconds:
        random.shuffle(order)
        for name, app, scope in order:
            started = time.perf_counter()
            for _ in range(batch):
                await app(dict(scope), receive, send)
            spent[name] += time.perf_counter() - started
            calls[name] += batch
    rates = {name: calls[name] / spent[name] for name in spent}
    for name, rate in rates.items():
        print(f"  {name:<62} {statuses[name]}  {rate:>9,.0f}/s", flush=True)
    return rates


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=5.0,
                        help="time spent in each contender's batches")
    args = parser.parse_args()
    from statuskit.guard import Guard
    from statuskit.starlette import install

    accept = {"accept": "text/plain;q=0.9, application/json"}
    cached = {**accept, "if-none-match": apps.ETAG}
    get, not_modified = _scope("/notes/1", accept), _scope("/notes/1", cached)
    stock, helpers, calls = stock_app(), helpers_app(), calls_app()
    print("in-process ASGI calls/s, FastAPI GET /notes/1 (status; batches taken in turn):")
    rates = asyncio.run(_rates([
        ("stock FastAPI, hand-written negotiation", stock, get),
        ("Guard(FastAPI)", Guard(stock_app()), get),
        ("install(FastAPI), same handler", install(stock_app()), get),
        ("install(FastAPI), provides + conditional + ranged", helpers, get),
        ("install(FastAPI), the same as plain calls in the handler", calls, get),
        ("stock FastAPI + four no-op dependencies (DI cost alone)", four_dependencies_app(),
         get),
        ("stock FastAPI, 304 by hand in the handler", stock, not_modified),
        ("install(FastAPI), 304 by conditional() before the handler", helpers,
         not_modified),
        ("install(FastAPI), 304 by preconditions() called in the handler", calls,
         not_modified),
    ], args.seconds))
    base = rates["stock FastAPI, hand-written negotiation"]
    print("ratios (with / without install):")
    for name in ("Guard(FastAPI)", "install(FastAPI), same handler",
                 "install(FastAPI), provides + conditional + ranged",
                 "install(FastAPI), the same as plain calls in the handler",
                 "stock FastAPI + four no-op dependencies (DI cost alone)"):
        print(f"  GET {name:<58} {rates[name] / base:.2f}x")
    hand = rates["stock FastAPI, 304 by hand in the handler"]
    ours = rates["install(FastAPI), 304 by conditional() before the handler"]
    print(f"  304 conditional() under install / by hand in stock FastAPI {ours / hand:.2f}x")
    calls_rate = rates["install(FastAPI), 304 by preconditions() called in the handler"]
    print(f"  304 preconditions() in the handler / by hand in stock FastAPI "
          f"{calls_rate / hand:.2f}x")


if __name__ == "__main__":
    main()
