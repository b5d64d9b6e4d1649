"""CPU µs per request of the decision graph, this tree against other statuskit trees.

    python bench/graph_cpu.py [--compare-with SRC]... [--rounds 41] [--batch 400]

A before/after table for a change to ``statuskit.resource``: the same App served
in process (no sockets, no Guard) by this tree and by each ``--compare-with`` tree
(the ``src`` directory of, say, a checkout of main: ``git archive main src | tar -x``).
Each tree runs in a process of its own (CPython specialises bytecode for the code it
meets, so two trees in one process would slow each other down); in each round the
contenders take turns in ABBA order, one batch each, timed by the process's own
thread CPU time. Per round, each tree's time over this tree's gives a ratio; the
table shows the median ratio and its range over the rounds, and each tree's median
µs per request.

Scenarios, each checked for its status before timing:

- ``ref GET`` / ``ref 304``: the reference API's note (``create_app().app``, the App
  without its Guard), GET and If-None-Match;
- ``plain GET`` / ``plain 304``: a resource answering only ``etag`` and
  ``representation`` (every other question on its default: the fast path);
- ``asks GET``: a resource answering ``authorized``, ``forbidden``, an async
  ``exists``, ``last_modified`` and ``cache_control`` (questions asked, not skipped).

The noise floor: pass a copy of this very tree (``git archive HEAD src``) as one
more ``--compare-with``; on the shared development machine that ratio read
0.98-1.03, so smaller differences are not findings.

Issue 28 (decide split into node functions, Halt, the debug trace), 61 rounds
against the branch base and a copy of itself: ref GET 0.976 / 0.987, ref 304
0.914 / 0.988, plain GET 0.926 / 1.001, plain 304 0.832 / 0.980, asks GET 1.050
/ 0.998 (the node functions cost a resource that answers b13 .. b7's questions
about half a microsecond; one that answers none skips them).

Not a test: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import statistics
import sys
import time
import traceback
from multiprocessing.connection import Connection
from typing import Any

HERE_SRC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src")
SCENARIOS = ("ref GET", "ref 304", "plain GET", "plain 304", "asks GET")


def _scope(path: str, headers: list[tuple[bytes, bytes]]) -> dict[str, Any]:
    return {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
            "scheme": "http", "path": path, "raw_path": path.encode(), "root_path": "",
            "query_string": b"", "headers": [(b"host", b"bench"), *headers],
            "client": ("127.0.0.1", 5000), "server": ("127.0.0.1", 8000)}


def _import_tree(src: str) -> Any:
    for name in [name for name in sys.modules if name.split(".")[0] == "statuskit"]:
        del sys.modules[name]
    sys.path.insert(0, os.path.abspath(src))
    import statuskit.resource as resource

    if not resource.__file__ or not resource.__file__.startswith(os.path.abspath(src)):
        raise RuntimeError(f"statuskit did not come from {src}: {resource.__file__}")
    return resource


def _apps(resource: Any) -> dict[str, tuple[Any, str]]:
    from statuskit.reference import create_app

    reference = create_app().app
    reference.state.store.create("n1", "benchmark", "the same note in every framework")

    class Plain(resource.Resource):  # type: ignore[misc, name-defined]
        def etag(self) -> str:
            return "v1"

        def representation(self, media_type: str) -> Any:
            return {"id": "p1", "text": "a plain note"}

    class Asks(Plain):
        def authorized(self) -> bool:
            return True

        def forbidden(self) -> bool:
            return False

        async def exists(self) -> bool:
            return True

        def last_modified(self) -> float:
            return 1_700_000_000.0

        def cache_control(self) -> str:
            return "max-age=60"

    plain = resource.App({"/p": Plain, "/a": Asks})
    return {"ref": (reference, "/notes/n1"), "plain": (plain, "/p"), "asks": (plain, "/a")}


def worker(conn: Connection, src: str, batch: int) -> None:
    """One tree in its own process: answers each scenario name with µs per request."""
    try:
        resource = _import_tree(src)
        apps = _apps(resource)
        sent: list[Any] = []

        async def receive() -> Any:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: Any) -> None:
            if message["type"] == "http.response.start":
                sent[:] = [message]

        async def main() -> None:
            accept = [(b"accept", b"application/json")]
            scopes: dict[str, tuple[Any, dict[str, Any], int]] = {}
            for name, (app, path) in apps.items():
                await app(_scope(path, accept), receive, send)
                etag = dict(sent[0]["headers"]).get(b"etag")
                scopes[f"{name} GET"] = (app, _scope(path, accept), 200)
                if etag is not None:
                    scopes[f"{name} 304"] = (
                        app, _scope(path, [*accept, (b"if-none-match", etag)]), 304)
            for label, (app, scope, expected) in scopes.items():
                await app(dict(scope), receive, send)
                if sent[0]["status"] != expected:
                    raise RuntimeError(f"{label}: {sent[0]['status']}, not {expected}")
            for label in scopes:  # warm-up: the specialised bytecode settles
                await run(scopes[label], batch)
            conn.send("ready")
            while True:
                label = conn.recv()
                if label is None:
                    return
                conn.send(await run(scopes[label], batch))

        async def run(case: tuple[Any, dict[str, Any], int], count: int) -> float:
            app, scope, _ = case
            started = time.thread_time()
            for _ in range(count):
                await app(dict(scope), receive, send)
            return (time.thread_time() - started) / count * 1e6

        asyncio.run(main())
    except BaseException:
        conn.send(traceback.format_exc())
        raise


def measure(trees: list[str], rounds: int, batch: int) -> dict[str, dict[str, list[float]]]:
    context = multiprocessing.get_context("fork")
    workers: list[tuple[Any, Connection]] = []
    try:
        for src in trees:
            ours, theirs = context.Pipe()
            process = context.Process(target=worker, args=(theirs, src, batch), daemon=True)
            process.start()
            workers.append((process, ours))
        for src, (_, conn) in zip(trees, workers, strict=True):
            answer = conn.recv()
            if answer != "ready":
                raise RuntimeError(f"{src} failed:\n{answer}")
        times: dict[str, dict[str, list[float]]] = {s: {t: [] for t in trees} for s in SCENARIOS}
        for number in range(rounds):
            for scenario in SCENARIOS:
                order = list(range(len(trees)))
                if number % 2:
                    order.reverse()  # ABBA: each tree goes first in every other round
                for index in order:
                    conn = workers[index][1]
                    conn.send(scenario)
                    spent = conn.recv()
                    if not isinstance(spent, float):
                        raise RuntimeError(f"{trees[index]} failed:\n{spent}")
                    times[scenario][trees[index]].append(spent)
        return times
    finally:
        for process, conn in workers:
            if process.is_alive():
                conn.send(None)
            process.join(10)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--compare-with", metavar="SRC", action="append", default=[],
                        help="the src directory of another statuskit tree")
    parser.add_argument("--rounds", type=int, default=41)
    parser.add_argument("--batch", type=int, default=400)
    args = parser.parse_args()
    trees = [HERE_SRC, *args.compare_with]
    labels = ["this tree", *(f"tree {n}" for n in range(1, len(trees)))]
    for n, src in enumerate(args.compare_with, 1):
        print(f"tree {n}: {src}")
    times = measure(trees, args.rounds, args.batch)
    print(f"thread CPU µs per request, median of {args.rounds} ABBA rounds of {args.batch}; "
          "ratio: this tree's time over the other's, per round (median, range)")
    header = f"{'scenario':10s} " + " ".join(f"{label:>10s}" for label in labels)
    print(header + "".join(f" {'this/' + label:>24s}" for label in labels[1:]))
    for scenario in SCENARIOS:
        row = times[scenario]
        cells = " ".join(f"{statistics.median(row[t]):10.2f}" for t in trees)
        ratios = ""
        for other in trees[1:]:
            per_round = [a / b for a, b in zip(row[HERE_SRC], row[other], strict=True)]
            ratios += (f" {statistics.median(per_round):8.3f} "
                       f"({min(per_round):.3f}-{max(per_round):.3f})")
        print(f"{scenario:10s} {cells}{ratios}", flush=True)


if __name__ == "__main__":
    main()
