"""Requests/s of the guard and the wire against stock uvicorn, measured in one run.

    python bench/guard_wire.py [--seconds 4] [--rounds 2] [--connections 32]

Each server runs in its own process on a free loopback port; wrk (if installed,
else a bounded Python load generator) drives one at a time; rounds alternate the
servers so drift on a shared machine hits all of them alike; the best round counts.
Also, in process (no sockets): the CPU time the Guard adds per request in front of the
bare app, the reference App (create_app(), its note "n1") and the hand-written Falcon +
SQLite app of bench/apps.py, GET and 304, each app in a process of its own:

    python bench/guard_wire.py --in-process-only [--in-process-rounds 200] [--batch 200]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import shutil
import subprocess
import sys
import time
from typing import Any

from _net import free_port, wait_for

BODY = b"ok"
HEADERS = [(b"content-type", b"text/plain"), (b"content-length", b"2")]


async def bare_app(scope: Any, receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    await send({"type": "http.response.start", "status": 200, "headers": HEADERS})
    await send({"type": "http.response.body", "body": BODY})


SERVERS = {
    "bare-httptools": "(a) bare app, stock uvicorn httptools",
    "guard-httptools": "(b) Guard(bare), stock uvicorn httptools",
    "bare-statuskit": "(c) bare app, statuskit httptools protocol",
    "guard-statuskit": "(e) Guard(bare), statuskit httptools protocol",
    "bare-h11": "(d) bare app, stock uvicorn h11",
}


def serve(mode: str, port: int) -> None:
    import uvicorn

    from statuskit.guard import Guard
    from statuskit.server import httptools_protocol

    app: Any = Guard(bare_app) if mode.startswith("guard") else bare_app
    http: Any = {"httptools": "httptools", "h11": "h11",
                 # run() turns the protocol's response checks off behind a Guard,
                 # which keeps the same rules; measure the stack the way run() builds it.
                 "statuskit": httptools_protocol(response_hygiene=not mode.startswith("guard"))
                 }[mode.split("-")[1]]
    uvicorn.run(app, host="127.0.0.1", port=port, http=http, log_level="error",
                access_log=False, lifespan="off")


def load_wrk(port: int, seconds: float, connections: int) -> float:
    out = subprocess.run(
        ["wrk", "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s", f"http://127.0.0.1:{port}/"],
        capture_output=True, text=True, check=True,
    ).stdout
    match = re.search(r"Requests/sec:\s+([\d.]+)", out)
    if match is None or "Non-2xx" in out:
        raise RuntimeError(out)
    return float(match.group(1))


def load_python(port: int, seconds: float, connections: int) -> float:
    """Keep-alive GETs from ``connections`` asyncio clients; bounded by time."""
    request = b"GET / HTTP/1.1\r\nHost: bench\r\n\r\n"

    async def client(stop: float, counts: list[int]) -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        while time.monotonic() < stop:
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            length = int(re.search(rb"content-length: (\d+)", head, re.I).group(1))  # type: ignore[union-attr]
            await reader.readexactly(length)
            counts[0] += 1
        writer.close()

    async def main() -> float:
        counts = [0]
        started = time.monotonic()
        await asyncio.gather(*(client(started + seconds, counts) for _ in range(connections)))
        return counts[0] / (time.monotonic() - started)

    return asyncio.run(main())


# -- in process: the Guard's added CPU time per request, in front of three apps ---------

IN_PROCESS_TARGETS = {
    "bare": "bare app (200, 2 bytes)",
    "reference": "reference App, GET /notes/n1",
    "falcon": "Falcon + SQLite, GET /notes/n1",
}


def _scope(path: str, headers: list[tuple[bytes, bytes]]) -> dict[str, Any]:
    return {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
            "scheme": "http", "path": path, "raw_path": path.encode(), "root_path": "",
            "query_string": b"", "headers": [(b"host", b"bench"), *headers],
            "client": ("127.0.0.1", 5000), "server": ("127.0.0.1", 8000)}


def _pair(target: str) -> tuple[Any, Any, str]:
    """(app, Guard(app), path): the Guard configured as a user of that app would."""
    from statuskit.guard import Guard

    if target == "reference":
        from statuskit.reference import create_app

        guarded = create_app()  # the Guard as the reference builds it (require_length, ...)
        guarded.app.state.store.create("n1", "benchmark", "the same note in every framework")
        return guarded.app, guarded, "/notes/n1"
    if target == "falcon":
        from apps import falcon_sqlite_app

        app = falcon_sqlite_app()
        return app, Guard(app), "/notes/n1"
    return bare_app, Guard(bare_app), "/"


def in_process(target: str, rounds: int, batch: int) -> dict[str, float]:
    """CPU µs per call (this thread's time, best batch) of the app and of Guard(app),
    batches interleaved so drift on a shared machine hits both alike; GET and, where
    the app has validators, a 304 on If-None-Match."""
    app, guard, path = _pair(target)
    accept = [(b"accept", b"application/json")]
    sent: list[Any] = []

    async def receive() -> Any:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Any) -> None:
        if message["type"] == "http.response.start":
            sent[:] = [message]

    async def status(callee: Any, scope: dict[str, Any]) -> int:
        await callee(dict(scope), receive, send)
        return int(sent[0]["status"])

    async def main() -> dict[str, float]:
        scopes = {"GET": _scope(path, accept)}
        if target != "bare":
            await app(_scope(path, accept), receive, send)
            etag = dict(sent[0]["headers"])[b"etag"]
            scopes["304"] = _scope(path, [*accept, (b"if-none-match", etag)])
        for kind, scope in scopes.items():
            expected = 304 if kind == "304" else 200
            if (await status(app, scope), await status(guard, scope)) != (expected, expected):
                raise RuntimeError(f"{target} {kind}: not a {expected}")
        best: dict[str, float] = {}
        for _ in range(rounds):
            for kind, scope in scopes.items():
                for name, callee in (("app", app), ("guard", guard)):
                    started = time.thread_time()
                    for _ in range(batch):
                        await callee(dict(scope), receive, send)
                    spent = (time.thread_time() - started) / batch * 1e6
                    key = f"{kind} {name}"
                    best[key] = min(best.get(key, spent), spent)
        return best

    return asyncio.run(main())


def in_process_table(rounds: int, batch: int) -> None:
    """One process per app, so the Guard's code meets one app only, as in a server."""
    print(f"\nin process, CPU µs per request (best of {rounds} interleaved batches of {batch}):")
    print(f"{'':34s} {'':4s} {'app':>8s} {'Guard(app)':>11s} {'Guard adds':>11s}")
    for target, label in IN_PROCESS_TARGETS.items():
        out = subprocess.run(
            [sys.executable, __file__, "--in-process", target, "--in-process-rounds",
             str(rounds), "--batch", str(batch)], capture_output=True, text=True, check=True,
        ).stdout
        best = json.loads(out)
        for kind in ("GET", "304"):
            if f"{kind} app" in best:
                app, guard = best[f"{kind} app"], best[f"{kind} guard"]
                print(f"{label:34s} {kind:4s} {app:8.2f} {guard:11.2f} {guard - app:+11.2f}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--serve", nargs=2, metavar=("MODE", "PORT"))
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--in-process", choices=IN_PROCESS_TARGETS, help=argparse.SUPPRESS)
    parser.add_argument("--in-process-only", action="store_true",
                        help="skip the loopback servers; only the in-process table")
    parser.add_argument("--batch", type=int, default=200)
    parser.add_argument("--in-process-rounds", type=int, default=200)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve[0], int(args.serve[1]))
        return
    in_process_rounds = args.in_process_rounds
    if args.in_process:
        print(json.dumps(in_process(args.in_process, in_process_rounds, args.batch)))
        return
    if args.in_process_only:
        in_process_table(in_process_rounds, args.batch)
        return

    load = load_wrk if shutil.which("wrk") else load_python
    print(f"load generator: {'wrk' if load is load_wrk else 'python asyncio'}, "
          f"{args.connections} connections, {args.seconds:g} s x {args.rounds} rounds")
    ports = {mode: free_port() for mode in SERVERS}
    processes = [subprocess.Popen([sys.executable, __file__, "--serve", mode, str(port)])
                 for mode, port in ports.items()]
    try:
        for port in ports.values():
            wait_for(port)
        for port in ports.values():
            load(port, 1, args.connections)  # warm up
        best = dict.fromkeys(SERVERS, 0.0)
        for _ in range(args.rounds):
            for mode, port in ports.items():
                best[mode] = max(best[mode], load(port, args.seconds, args.connections))
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(10)

    for mode, label in SERVERS.items():
        print(f"{label:48s} {best[mode]:10.0f} req/s")
    ratio = best["guard-httptools"] / best["bare-httptools"]
    print(f"guard vs bare (stock httptools):              {ratio:7.1%}  (goal >= 95 %)")
    ratio = best["bare-statuskit"] / best["bare-httptools"]
    print(f"statuskit protocol vs stock httptools:        {ratio:7.1%}  (goal >= 95 %)")
    ratio = best["guard-statuskit"] / best["bare-httptools"]
    print(f"guard + statuskit protocol vs bare stock:     {ratio:7.1%}")
    ratio = best["bare-h11"] / best["bare-httptools"]
    print(f"h11 vs stock httptools (reference):           {ratio:7.1%}")
    in_process_table(in_process_rounds, args.batch)


if __name__ == "__main__":
    main()
