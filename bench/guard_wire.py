"""Requests/s of the guard and the wire against stock uvicorn, measured in one run.

    python bench/guard_wire.py [--seconds 4] [--rounds 2] [--connections 32]

Each server runs in its own process on a free loopback port; wrk (if installed,
else a bounded Python load generator) drives one at a time; rounds alternate the
servers so drift on a shared machine hits all of them alike; the best round counts.
Also: in-process ASGI calls/s for the bare app and Guard(bare app).
"""

from __future__ import annotations

import argparse
import asyncio
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


def in_process(iterations: int) -> dict[str, float]:
    from statuskit.guard import Guard

    scope = {"type": "http", "http_version": "1.1", "method": "GET", "path": "/",
             "raw_path": b"/", "query_string": b"", "headers": [(b"host", b"bench")],
             "client": ("127.0.0.1", 5000), "server": ("127.0.0.1", 8000), "scheme": "http"}

    async def receive() -> Any:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Any) -> None:
        pass

    async def measure(app: Any) -> float:
        for _ in range(1000):
            await app(scope, receive, send)
        started = time.perf_counter()
        for _ in range(iterations):
            await app(scope, receive, send)
        return iterations / (time.perf_counter() - started)

    async def main() -> dict[str, float]:
        guard = Guard(bare_app)
        best = {"bare": 0.0, "guard": 0.0}
        for _ in range(3):
            best["bare"] = max(best["bare"], await measure(bare_app))
            best["guard"] = max(best["guard"], await measure(guard))
        return best

    return asyncio.run(main())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--serve", nargs=2, metavar=("MODE", "PORT"))
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--iterations", type=int, default=100_000)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve[0], int(args.serve[1]))
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
    calls = in_process(args.iterations)
    print(f"in-process ASGI calls/s: bare {calls['bare']:.0f}, guard {calls['guard']:.0f} "
          f"({calls['guard'] / calls['bare']:.1%})")


if __name__ == "__main__":
    main()
