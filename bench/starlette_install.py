"""The in-process cost of statuskit.starlette.install() on a FastAPI app, in one run.

    python bench/starlette_install.py [--rounds 15] [--batch 400]
    python bench/starlette_install.py --instructions [--requests 1000]   # valgrind; ~10 min
    python bench/starlette_install.py --bytecodes                        # seconds

GET: the benchmark's FastAPI note endpoint (bench/apps.py's: it negotiates and answers
304 by hand) as it is, behind a bare Guard, and after install(). Then the same note
served the statuskit.starlette ways, with no hand-written checks: representation()
declared on the handler (the README's first way: install() decides before FastAPI
routes the request), the provides() + conditional() + ranged() dependencies, and the
plain calls in the handler. 304: the hand-written If-None-Match check in the handler
against each of them.
Each contender is paired with the stock endpoint and measured in ABBA rounds of CPU
time (``--rounds``, ``--batch``): one ratio per round, the median and range printed,
so a change in the machine's load falls on both sides of each ratio.
``--bytecodes`` counts the bytecodes one warm request runs, in every frame: on a loaded
machine the CPU ratios follow these (each one a dispatch, an indirect branch the
processor mispredicts often) more closely than the instruction counts, since statuskit's
share of a request is bytecode-dense and FastAPI's spends more in C.
``--instructions`` counts instead, under valgrind (cachegrind, no cache model): every
process builds and warms every app alike, then serves one contender ``--requests``
times, so the instructions per request of each are exact and a loaded machine does
not move them (the CPU-time ratios of a shared machine do).
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
from _measure import bytecodes_of, instructions_of, need_valgrind  # noqa: E402
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


def declared_app() -> Any:
    """The note endpoint the way the README shows first: its representation contract
    declared on the handler, kept by install() before FastAPI routes the request."""
    from fastapi import FastAPI, Request
    from fastapi.responses import Response

    from statuskit.starlette import Validators, chosen, install, representation

    app = FastAPI()

    async def current(note_id: str) -> Validators | None:
        return Validators(etag=apps.ETAG.strip('"')) if note_id == "1" else None

    @app.get("/notes/{note_id}")
    @representation(provides=("application/json", "text/plain"), validators=current,
                    ranges=True)
    async def note(note_id: str, request: Request) -> Response:
        if chosen(request).validators is None:
            return Response(status_code=404)
        text = chosen(request).media_type == "text/plain"
        return Response(apps.TEXT_BODY if text else apps.JSON_BODY,
                        media_type="text/plain" if text else "application/json")

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


async def _call_rate(app: Any, scope: dict[str, Any], batch: int) -> float:
    """CPU seconds for ``batch`` calls (process time: other processes' load is not ours)."""
    import time

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        return None

    started = time.process_time()
    for _ in range(batch):
        await app(dict(scope), receive, send)
    return time.process_time() - started


async def _status(app: Any, scope: dict[str, Any]) -> int:
    seen: list[int] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            seen.append(message["status"])

    await app(dict(scope), receive, send)
    return seen[0]


async def _paired(pairs: list[tuple[str, Any, Any, dict[str, Any]]], rounds: int,
                  batch: int) -> dict[str, list[float]]:
    """Per pair (name, baseline, contender, scope): one ratio per round, baseline CPU
    time over the contender's, measured A B B A so a drift in between falls on both."""
    ratios: dict[str, list[float]] = {name: [] for name, *_ in pairs}
    for name, base, other, scope in pairs:  # warm up; and show what each answers
        statuses = (await _status(base, scope), await _status(other, scope))
        print(f"  {name:<66} {statuses[0]} / {statuses[1]}", flush=True)
    for _ in range(rounds):
        for name, base, other, scope in pairs:
            a = await _call_rate(base, scope, batch)
            b = await _call_rate(other, scope, batch)
            b += await _call_rate(other, scope, batch)
            a += await _call_rate(base, scope, batch)
            ratios[name].append(a / b)
    return ratios


def _pairs() -> list[tuple[str, Any, Any, dict[str, Any]]]:
    from statuskit.guard import Guard
    from statuskit.starlette import install

    accept = {"accept": "text/plain;q=0.9, application/json"}
    cached = {**accept, "if-none-match": apps.ETAG}
    get, not_modified = _scope("/notes/1", accept), _scope("/notes/1", cached)
    stock = stock_app()
    helpers, calls, declared = helpers_app(), calls_app(), declared_app()
    return [
        ("GET: Guard(FastAPI) / stock", stock, Guard(stock_app()), get),
        ("GET: install(FastAPI), same handler / stock", stock, install(stock_app()), get),
        ("GET: representation() under install / by hand", stock, declared, get),
        ("GET: provides + conditional + ranged dependencies / by hand", stock, helpers, get),
        ("GET: the same as plain calls in the handler / by hand", stock, calls, get),
        ("GET: four no-op dependencies (FastAPI's DI alone) / stock", stock,
         four_dependencies_app(), get),
        ("304: representation() under install / by hand", stock, declared, not_modified),
        ("304: conditional() dependency / by hand", stock, helpers, not_modified),
        ("304: preconditions() in the handler / by hand", stock, calls, not_modified),
    ]


async def _serve_one(pair: int, side: int, requests: int) -> None:
    """In a counted process: warm every app alike, then serve one side of one pair."""
    pairs = _pairs()
    for _, base, other, scope in pairs:
        await _status(base, scope)
        await _status(other, scope)
    if pair >= 0:
        _, base, other, scope = pairs[pair]
        app = (base, other)[side]

        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            return None

        for _ in range(requests):
            await app(dict(scope), receive, send)


def _instructions(requests: int) -> None:
    need_valgrind()

    def counted(pair: int, side: int, n: int) -> int:
        return instructions_of(__file__, f"{pair},{side},{n}")

    names = [name for name, *_ in _pairs()]
    startup = counted(-1, 0, 0)
    # The stock side is the same app and scope in every GET pair, and in every 304 pair.
    stock: dict[str, float] = {}
    print(f"instructions per request under valgrind, {requests} requests each "
          "(stock / contender):")
    for index, name in enumerate(names):
        kind = name.split(":")[0]
        if kind not in stock:
            stock[kind] = (counted(index, 0, requests) - startup) / requests
        other = (counted(index, 1, requests) - startup) / requests
        print(f"  {name:<66} {stock[kind] / other:.3f}x ({stock[kind]:,.0f} / {other:,.0f})",
              flush=True)


def _bytecodes() -> None:
    async def run() -> None:
        print("bytecodes per request (sys.settrace opcode events; stock / contender):")
        for name, base, other, scope in _pairs():
            (stock, _), (contender, _) = (await bytecodes_of(base, scope, warm=20),
                                           await bytecodes_of(other, scope, warm=20))
            print(f"  {name:<66} {stock / contender:.3f}x ({stock:,} / {contender:,})")

    asyncio.run(run())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=15, help="ABBA rounds per pair")
    parser.add_argument("--batch", type=int, default=400, help="calls per measurement")
    parser.add_argument("--instructions", action="store_true",
                        help="count instructions per request under valgrind instead")
    parser.add_argument("--requests", type=int, default=1000,
                        help="requests per counted process (--instructions)")
    parser.add_argument("--bytecodes", action="store_true",
                        help="count the bytecodes each request runs instead (seconds)")
    parser.add_argument("--serve-one", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_one is not None:
        pair, side, requests = (int(part) for part in args.serve_one.split(","))
        asyncio.run(_serve_one(pair, side, requests))
        return
    if args.instructions:
        _instructions(args.requests)
        return
    if args.bytecodes:
        _bytecodes()
        return
    import statistics

    pairs = _pairs()
    print(f"in-process FastAPI GET /notes/1, stock / contender status; {args.rounds} ABBA "
          f"rounds of {args.batch} calls, CPU time:")
    ratios = asyncio.run(_paired(pairs, args.rounds, args.batch))
    print("speed of each contender relative to the stock hand-written endpoint "
          "(median, range):")
    for name, values in ratios.items():
        print(f"  {name:<66} {statistics.median(values):.2f}x "
              f"({min(values):.2f}-{max(values):.2f})")


if __name__ == "__main__":
    main()
