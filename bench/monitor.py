"""The in-process cost of statuskit.monitor.Monitor at sample=1.0, in one run.

    python bench/monitor.py [--rounds 15] [--calls 2000]
    python bench/monitor.py --instructions [--requests 2000]   # valgrind; a few minutes
    python bench/monitor.py --bytecodes                         # seconds

Each app is called as an ASGI app with no server, bare and wrapped in
Monitor(app, sample=1.0): every exchange judged by rules.OBSERVED (httplint runs once
per message shape, so only the first call of each shape pays for it; after it, an
answer in a shape no rule can find anything in is triaged without being recorded);
then the same with sample=0.01, production's default share; and the floor, a
middleware that wraps send in a function that only forwards each message (Forward:
what any middleware that sees the answer costs), so the monitor's own share over it
shows. Rounds are ABBA
(bare, monitored, monitored, bare), each contender a batch of ``--calls`` calls, timed
in this process's CPU time; the overhead is the monitored/bare ratio of each round,
reported as median and range, and the minimum of the rounds' ratios (the round the
machine's load disturbed least). ``--instructions`` counts instead, under valgrind
(cachegrind, no cache model): each counted process builds and warms every side alike,
then serves one side ``--requests`` times; a process that only warms is subtracted,
so the instructions per request are exact and a loaded machine does not move them.
``--bytecodes`` counts the bytecodes one warm request runs in every frame, bare,
forward-only and monitored (sys.settrace opcode events), and the monitor's own share by function.
Not part of the test suite. (No ``from __future__
import annotations``: FastAPI reads the endpoints' annotations at run time.)
"""

import argparse
import asyncio
import os
import statistics
import sys
import time
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "src"))

from _measure import bytecodes_of, instructions_of, need_valgrind  # noqa: E402

from statuskit.monitor import Monitor  # noqa: E402


def starlette_app() -> Any:
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    async def item(request: Request) -> JSONResponse:
        return JSONResponse({"id": request.path_params["item_id"], "name": "a note",
                             "tags": ["x", "y"]})

    return Starlette(routes=[Route("/items/{item_id}", item)])


def fastapi_app() -> Any:
    from fastapi import FastAPI
    from pydantic import BaseModel

    class Item(BaseModel):
        id: int
        name: str
        tags: list[str]

    app = FastAPI()

    @app.get("/items/{item_id}")
    async def item(item_id: int) -> Item:
        return Item(id=item_id, name="a note", tags=["x", "y"])

    return app


def _scope(path: str) -> dict[str, Any]:
    return {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
            "scheme": "http", "path": path, "raw_path": path.encode(), "root_path": "",
            "query_string": b"", "client": ("127.0.0.1", 5000), "server": ("127.0.0.1", 80),
            "headers": [(b"host", b"bench"), (b"user-agent", b"bench/1"),
                        (b"accept", b"application/json"), (b"accept-encoding", b"gzip")]}


async def _batch(app: Any, scope: dict[str, Any], calls: int) -> float:
    """CPU seconds per call over ``calls`` calls."""
    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        return None

    started = time.process_time()
    for _ in range(calls):
        await app(dict(scope), receive, send)
    return (time.process_time() - started) / calls


async def _compare(name: str, app: Any, sample: float | None, rounds: int, calls: int) -> None:
    """``sample`` None: the forward-only floor against bare."""
    monitored = Forward(app) if sample is None else Monitor(app, sample=sample, logger=None)
    scope = _scope("/items/7")
    for contender in (app, monitored):  # warm up; and the monitor must judge, not skip
        await _batch(contender, scope, 200)
    assert sample is None or (not monitored.observer.sightings and (
        sample < 1.0 or monitored.observer.exchanges == 200))
    ratios, bare_us, watched_us = [], [], []
    for _ in range(rounds):
        a1 = await _batch(app, scope, calls)
        b1 = await _batch(monitored, scope, calls)
        b2 = await _batch(monitored, scope, calls)
        a2 = await _batch(app, scope, calls)
        ratios.append((b1 + b2) / (a1 + a2))
        bare_us.append((a1 + a2) / 2 * 1e6)
        watched_us.append((b1 + b2) / 2 * 1e6)
    over = [100 * (r - 1) for r in ratios]
    which = "forward-only" if sample is None else f"sample={sample}"
    print(f"{name}, {which}: bare {statistics.median(bare_us):.1f} us/request, "
          f"wrapped {statistics.median(watched_us):.1f} us; "
          f"overhead median {statistics.median(over):+.1f} %, min {min(over):+.1f} %"
          f" (max {max(over):+.1f} %, {rounds} ABBA rounds of {calls})")


APPS = (("Starlette JSONResponse", starlette_app), ("FastAPI, a pydantic model", fastapi_app))


class Forward:
    """The floor: ASGI middleware that wraps the server's send in a function that only
    hands each message on, what any middleware that sees the answer costs at least."""

    def __init__(self, app: Any) -> None:
        self.app = app

    def __call__(self, scope: Any, receive: Any, send: Any) -> Any:
        def forwarded(message: Any) -> Any:
            return send(message)

        return self.app(scope, receive, forwarded)


SIDES = ("bare", "forward-only", "monitored", "monitored, sample=0.01")


def _sides(app: Any) -> tuple[Any, ...]:
    return (app, Forward(app), Monitor(app, sample=1.0, logger=None),
            Monitor(app, sample=0.01, logger=None))


async def _serve_one(which: int, side: int, requests: int) -> None:
    """In a counted process: warm every side of app ``which`` alike, then serve one."""
    sides = _sides(APPS[which][1]())
    scope = _scope("/items/7")
    for contender in sides:
        await _batch(contender, scope, 200)
    assert not sides[2].observer.sightings and sides[2].observer.exchanges == 200
    if requests:
        await _batch(sides[side], scope, requests)


def _instructions(requests: int) -> None:
    need_valgrind()

    def counted(which: int, side: int, n: int) -> int:
        return instructions_of(__file__, f"{which},{side},{n}")

    print(f"instructions per request under valgrind, {requests} requests each:")
    for which, (name, _) in enumerate(APPS):
        startup = counted(which, 0, 0)
        bare, floor, *watched = ((counted(which, side, requests) - startup) / requests
                                 for side in range(len(SIDES)))
        print(f"  {name}: bare {bare:,.0f}, forward-only {floor:,.0f} "
              f"({100 * (floor / bare - 1):+.1f} %)", flush=True)
        for side, count in zip(SIDES[2:], watched, strict=True):
            print(f"    {side:<24} {count:,.0f}: {100 * (count / bare - 1):+.1f} % over bare, "
                  f"{100 * (count / floor - 1):+.1f} % over forward-only", flush=True)


def _bytecodes() -> None:
    async def run() -> None:
        print("bytecodes per request (sys.settrace opcode events), sample=1.0:")
        for name, build in APPS:
            app, forward, monitored, _ = _sides(build())
            scope = _scope("/items/7")
            bare, _ = await bytecodes_of(app, scope, warm=300)
            floor, _ = await bytecodes_of(forward, scope, warm=300)
            watched, ours = await bytecodes_of(monitored, scope, warm=300,
                                               ours="statuskit")
            assert not monitored.observer.sightings
            mine = ", ".join(f"{k} {v}" for k, v in sorted(ours.items()))
            print(f"  {name:<28} bare {bare}, forward-only {floor}, monitored {watched}: "
                  f"{100 * (watched / bare - 1):+.1f} % over bare, "
                  f"{100 * (watched / floor - 1):+.1f} % over forward-only ({mine})")

    asyncio.run(run())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--instructions", action="store_true",
                        help="count instructions per request under valgrind instead")
    parser.add_argument("--requests", type=int, default=2000,
                        help="requests per counted process (--instructions)")
    parser.add_argument("--bytecodes", action="store_true",
                        help="count bytecodes per warm request instead")
    parser.add_argument("--serve-one", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_one is not None:
        which, side, requests = (int(part) for part in args.serve_one.split(","))
        asyncio.run(_serve_one(which, side, requests))
        return
    if args.instructions:
        _instructions(args.requests)
        return
    if args.bytecodes:
        _bytecodes()
        return
    for name, build in APPS:
        for sample in (1.0, 0.01, None):
            asyncio.run(_compare(name, build(), sample, args.rounds, args.calls))


if __name__ == "__main__":
    main()
