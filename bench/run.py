"""statuskit's benchmarks, measured in one run on this machine: one table of figures
and ratios.

    python bench/run.py [--quick]
    python bench/run.py --only versus --instructions [--requests 1000]   # callgrind

Sections: in-process ASGI calls/s (no sockets); loopback requests/s and p99 with
wrk (from apt; a bounded Python load generator when wrk is absent); import and
CLI start-up time; the retrying client's overhead; a retry storm with and
without the retry budget. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from typing import Any, NamedTuple

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "src"))

import apps  # noqa: E402
from _net import free_port, wait_for  # noqa: E402

ROWS: list[tuple[str, str, str]] = []
# The event loop every loopback server runs on (``--loop``), statuskit's and the peers' alike.
LOOP = ["asyncio"]


def _spawn(mode: str, port: int, loop: str | None = None) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, __file__, "--serve", mode, str(port),
                             loop or LOOP[0]])


def row(section: str, name: str, value: str) -> None:
    ROWS.append((section, name, value))
    print(f"  {name:<58} {value}", flush=True)


# -- in-process ---------------------------------------------------------------------------


def _scope(path: str, headers: dict[str, str]) -> dict[str, Any]:
    return {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
            "scheme": "http", "path": path, "raw_path": path.encode(), "root_path": "",
            "query_string": b"", "client": ("127.0.0.1", 5000), "server": ("127.0.0.1", 80),
            "headers": [(b"host", b"bench"), *((k.encode(), v.encode())
                                               for k, v in headers.items())]}


async def _calls_per_second(app: Any, scope: dict[str, Any], seconds: float,
                            expect: int = 200) -> float:
    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    status: list[int] = []

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            status.append(message["status"])

    await app(dict(scope), receive, send)  # warm up, and check it answers what it should
    if status != [expect]:
        raise RuntimeError(f"{scope['path']} answered {status}, expected {expect}: a benchmark "
                           "of the wrong answer measures nothing")
    best = 0.0
    for _ in range(3):
        n, started = 0, time.perf_counter()
        deadline = started + seconds
        while time.perf_counter() < deadline:
            for _ in range(200):
                await app(dict(scope), receive, send)
            n += 200
        best = max(best, n / (time.perf_counter() - started))
    return best


def in_process(seconds: float) -> None:
    print("in-process ASGI calls/s (best of 3 rounds):", flush=True)
    from statuskit.guard import Guard

    accept = {"accept": "text/plain;q=0.9, application/json"}
    cached = {**accept, "if-none-match": apps.ETAG}
    contenders: list[tuple[str, Any]] = [
        ("bare ASGI", apps.bare),
        ("statuskit resource", apps.statuskit_app()),
        ("Falcon", apps.falcon_app()),
        ("Starlette", apps.starlette_app()),
        ("FastAPI", apps.fastapi_app()),
    ]
    results: dict[tuple[str, str], float] = {}
    for path_name, path, headers, expect in (("GET (ETag + Accept)", "/notes/1", accept, 200),
                                             ("304", "/notes/1", cached, 304),
                                             ("404", "/notes/2", accept, 404)):
        for name, app in contenders:
            rate = asyncio.run(_calls_per_second(app, _scope(path, headers), seconds, expect))
            results[(name, path_name)] = rate
            row("in-process", f"{path_name:<20} {name}", f"{rate:>10,.0f}/s")
    guard_rate = asyncio.run(_calls_per_second(Guard(apps.bare),
                                               _scope("/notes/1", accept), seconds))
    results[("Guard(bare)", "GET (ETag + Accept)")] = guard_rate
    row("in-process", f"{'GET (ETag + Accept)':<20} Guard(bare ASGI)", f"{guard_rate:>10,.0f}/s")
    for path_name in ("GET (ETag + Accept)", "304", "404"):
        ours = results[("statuskit resource", path_name)]
        row("ratio", f"{path_name}: statuskit / Falcon",
            f"{ours / results[('Falcon', path_name)]:.2f}x")
        row("ratio", f"{path_name}: statuskit / Starlette",
            f"{ours / results[('Starlette', path_name)]:.2f}x")
        row("ratio", f"{path_name}: statuskit / FastAPI",
            f"{ours / results[('FastAPI', path_name)]:.2f}x")
        row("ratio", f"{path_name}: statuskit / bare ASGI",
            f"{ours / results[('bare ASGI', path_name)]:.0%}")
    row("ratio", "Guard(bare) / bare, in-process",
        f"{guard_rate / results[('bare ASGI', 'GET (ETag + Accept)')]:.0%}")
    reference_in_process(seconds)


def reference_in_process(seconds: float) -> None:
    """GET /notes/{id} of the reference API beside the app a user would write instead.

    The contenders take turns, batch by batch, and each keeps its best batch in CPU
    time of this thread: on a shared, loaded machine a whole round of one contender
    can land in a slow moment, which made the ratio swing by 2x from run to run."""
    from statuskit.reference import create_app

    guarded = create_app()
    guarded.app.state.store.create("n1", "benchmark", "the same note in every framework")
    contenders: list[tuple[str, Any]] = [
        ("statuskit serve app (Guard + graph + store)", guarded),
        ("the same without the Guard", guarded.app),
        ("hand-written Falcon + SQLite", apps.falcon_sqlite_app()),
    ]
    accept = {"accept": "application/json"}
    etags = {name: _etag_of(app, accept) for name, app in contenders}
    rounds = max(10, int(seconds * 60))
    print(f"GET /notes/n1 in-process (interleaved, best of {rounds} batches of 500 calls, "
          "CPU time):", flush=True)
    results: dict[tuple[str, str], float] = {}
    for kind in ("GET", "304"):
        runs = []
        for name, app in contenders:
            headers = accept if kind == "GET" else {**accept, "if-none-match": etags[name]}
            runs.append((name, app, _scope("/notes/n1", headers)))
        best = asyncio.run(_interleaved(runs, rounds, 500, 200 if kind == "GET" else 304))
        for name, _, _ in runs:
            results[(name, kind)] = best[name]
            row("in-process", f"{kind:<4} /notes/n1 {name}",
                f"{1e6 / best[name]:>10,.0f}/s  {best[name]:5.1f} µs")
    for kind in ("GET", "304"):
        ours = results[("statuskit serve app (Guard + graph + store)", kind)]
        row("ratio", f"{kind}: reference app / hand-written Falcon + SQLite, in-process",
            f"{results[('hand-written Falcon + SQLite', kind)] / ours:.2f}x")


async def _interleaved(runs: list[tuple[str, Any, dict[str, Any]]], rounds: int, calls: int,
                       expect: int) -> dict[str, float]:
    """Each contender's best µs per call over ``rounds`` turns of ``calls`` calls."""
    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    status: list[int] = []

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            status.append(message["status"])

    for name, app, scope in runs:
        await app(dict(scope), receive, send)
        if status != [expect]:
            raise RuntimeError(f"{name} answered {status}, expected {expect}: a benchmark "
                               "of the wrong answer measures nothing")
        status.clear()
    best = {name: float("inf") for name, _, _ in runs}
    for _ in range(rounds):
        for name, app, scope in runs:
            started = time.thread_time()
            for _ in range(calls):
                await app(dict(scope), receive, send)
            best[name] = min(best[name], (time.thread_time() - started) / calls * 1e6)
        status.clear()
    return best


def _etag_of(app: Any, headers: dict[str, str]) -> str:
    seen: list[bytes] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            seen.extend(v for k, v in message["headers"] if k.lower() == b"etag")

    asyncio.run(app(_scope("/notes/n1", headers), receive, send))
    return seen[0].decode()


# -- loopback -----------------------------------------------------------------------------


def serve(mode: str, port: int, loop: str) -> None:
    """Run one server (called in a child process: ``run.py --serve MODE PORT LOOP``)."""
    import uvicorn

    options: dict[str, Any] = {"log_level": "error", "access_log": False, "lifespan": "off",
                               "loop": loop}
    if mode == "reference":
        from statuskit.reference import create_app
        from statuskit.server import config

        app = create_app()
        app.app.state.store.create("n1", "benchmark", "the same note in every framework")
        uvicorn.Server(config(app, port=port, uvicorn_options=options)).run()
        return
    if mode == "serve-stack":
        from statuskit.server import config

        uvicorn.Server(config(apps.statuskit_app(), port=port, uvicorn_options=options)).run()
        return
    if mode == "falcon-store":
        from statuskit.reference.store import NoteStore

        store = NoteStore()
        store.create("n1", "benchmark", "the same note in every framework")
        uvicorn.run(apps.falcon_store_app(store), host="127.0.0.1", port=port, **options)
        return
    if mode == "falcon-sqlite":
        uvicorn.run(apps.falcon_sqlite_app(), host="127.0.0.1", port=port, **options)
        return
    if mode == "storm":
        uvicorn.run(_counting_503, host="127.0.0.1", port=port, **options)
        return
    if mode.startswith("workers-"):  # workers-N: statuskit serve's app over one SQLite file
        from statuskit.reference import create_app
        from statuskit.server import run

        path = os.path.join(HERE, f".bench-{port}.db")
        run(lambda: create_app(db=path), factory=True, workers=int(mode.split("-")[1]),
            port=port, uvicorn_options=options)
        return
    app = {"resource-stock": apps.statuskit_app, "resource-h11": apps.statuskit_app,
           "falcon-stock": apps.falcon_app, "bare-stock": lambda: apps.bare}[mode]()
    uvicorn.run(app, host="127.0.0.1", port=port, http="h11" if "h11" in mode else "httptools",
                **options)


def _wrk(port: int, path: str, headers: dict[str, str], seconds: float) -> tuple[float, float]:
    args = ["wrk", "-t1", "-c32", f"-d{max(1, round(seconds))}s", "--latency"]
    for k, v in headers.items():
        args += ["-H", f"{k}: {v}"]
    out = subprocess.run([*args, f"http://127.0.0.1:{port}{path}"], capture_output=True,
                         text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    scale = {"us": 1e-3, "ms": 1.0, "s": 1e3}
    latency = float(p99.group(1)) * scale[p99.group(2)] if p99 else float("nan")
    if "Non-2xx" in out and "if-none-match" not in {k.lower() for k in headers}:
        raise RuntimeError(out)
    return rps, latency


def _python_load(port: int, path: str, headers: dict[str, str],
                 seconds: float) -> tuple[float, float]:
    import httpx

    latencies: list[float] = []

    async def worker(client: httpx.AsyncClient, deadline: float) -> None:
        while time.perf_counter() < deadline:
            t = time.perf_counter()
            await client.get(path, headers=headers)
            latencies.append(time.perf_counter() - t)

    async def main() -> None:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
            deadline = time.perf_counter() + seconds
            await asyncio.gather(*(worker(client, deadline) for _ in range(16)))

    asyncio.run(main())
    latencies.sort()
    return len(latencies) / seconds, latencies[int(len(latencies) * 0.99)] * 1000


def loopback(seconds: float, rounds: int) -> None:
    load = _wrk if shutil.which("wrk") else _python_load
    generator = "wrk, 1 thread, 32 connections" if load is _wrk else "Python load"
    print(f"loopback requests/s and p99 ({generator}, best of {rounds} rounds of {seconds:g} s, "
          f"every server on the {LOOP[0]} loop):", flush=True)
    servers = {
        "serve-stack": ("statuskit stack (protocol + guard) + resource app", "/notes/1"),
        "resource-stock": ("same resource app, stock uvicorn httptools", "/notes/1"),
        "resource-h11": ("same resource app, stock uvicorn h11", "/notes/1"),
        "falcon-stock": ("Falcon, stock uvicorn httptools", "/notes/1"),
        "bare-stock": ("bare ASGI, stock uvicorn httptools", "/notes/1"),
        "reference": ("statuskit serve: reference API, GET /notes/{id} (SQLite)", "/notes/n1"),
        "falcon-store": ("Falcon doing the same from the same SQLite store", "/notes/n1"),
        # The hand-written uvicorn + Falcon + SQLite app is measured against statuskit
        # serve in the paired rounds of the "versus" section.
    }
    procs = {}
    for mode in servers:
        port = free_port()
        procs[mode] = (_spawn(mode, port), port)
    try:
        for _, port in procs.values():
            wait_for(port)
        etags: dict[str, str] = {}
        import httpx

        for mode, (_, port) in procs.items():
            etags[mode] = httpx.get(f"http://127.0.0.1:{port}{servers[mode][1]}").headers["etag"]
        best: dict[tuple[str, str], tuple[float, float]] = {}
        for _ in range(rounds):  # rounds alternate servers so drift hits all alike
            for mode, (_, port) in procs.items():
                for kind in ("GET", "304"):
                    headers = {"Accept": "application/json"}
                    if kind == "304":
                        headers["If-None-Match"] = etags[mode]
                    result = load(port, servers[mode][1], headers, seconds)
                    if result[0] > best.get((mode, kind), (0.0, 0.0))[0]:
                        best[(mode, kind)] = result
        for kind in ("GET", "304"):
            for mode, (label, _) in servers.items():
                rps, p99 = best[(mode, kind)]
                row("loopback", f"{kind:<4} {label}", f"{rps:>9,.0f}/s  p99 {p99:.2f} ms")
        for kind in ("GET", "304"):
            serve_rps = best[("serve-stack", kind)][0]
            row("ratio", f"{kind}: serve stack / same app on stock httptools",
                f"{serve_rps / best[('resource-stock', kind)][0]:.0%}")
            row("ratio", f"{kind}: serve stack / Falcon on stock httptools",
                f"{serve_rps / best[('falcon-stock', kind)][0]:.2f}x")
            row("ratio", f"{kind}: statuskit serve (reference) / Falcon, same store",
                f"{best[('reference', kind)][0] / best[('falcon-store', kind)][0]:.2f}x")
            row("ratio", f"{kind}: h11 / stock httptools (same app)",
                f"{best[('resource-h11', kind)][0] / best[('resource-stock', kind)][0]:.0%}")
    finally:
        for proc, _ in procs.values():
            proc.terminate()
            proc.wait(10)


class _Load(NamedTuple):
    rps: float
    cpu_us: float  # the server process's CPU time per request (user + system); nan if unknown


def _cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process so far (Linux /proc); nan elsewhere."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _wrk_load(proc: subprocess.Popen[bytes], port: int, path: str, headers: dict[str, str],
              seconds: float) -> _Load:
    args = ["wrk", "-t1", "-c32", f"-d{max(1, round(seconds))}s"]
    for k, v in headers.items():
        args += ["-H", f"{k}: {v}"]
    before = _cpu_seconds(proc.pid)
    out = subprocess.run([*args, f"http://127.0.0.1:{port}{path}"], capture_output=True,
                         text=True, check=True).stdout
    spent = _cpu_seconds(proc.pid) - before
    if "Non-2xx" in out and "If-None-Match" not in headers:
        raise RuntimeError(out)
    done = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    return _Load(rps, spent / done * 1e6 if done else float("nan"))


class _Pair(NamedTuple):
    """Two servers answering the same question, compared round by round."""

    ours: str  # serve mode
    theirs: str
    path: str
    labels: tuple[str, str]
    question: str


PAIRS = (
    _Pair("reference", "falcon-sqlite", "/notes/n1", ("statuskit serve", "hand-written"),
          "statuskit serve / hand-written uvicorn + Falcon + SQLite"),
    _Pair("serve-stack", "resource-stock", "/notes/1", ("statuskit stack", "stock uvicorn"),
          "statuskit protocol + Guard / stock uvicorn httptools, same app"),
)


def versus(seconds: float, rounds: int) -> None:
    """statuskit serve against the app a user would write instead, and statuskit's
    serve stack against stock uvicorn on the same app, on both loops.

    On a shared 2-core machine the same server's throughput drifts by 10-20 % from
    one moment to the next, more than the difference being measured. So the two
    servers are measured in ABBA order within each round (a drift hits both alike),
    each round gives one ratio, and the median of the rounds' ratios is reported
    with their range. The server's own CPU time per request is reported beside it."""
    if not shutil.which("wrk"):
        print("versus: skipped (needs wrk)")
        return
    print(f"paired servers (wrk 1 thread, 32 connections, {rounds} rounds of ABBA x "
          f"{seconds:g} s):", flush=True)
    for pair in PAIRS:
        for loop in ("asyncio", "uvloop"):
            _paired(pair, loop, seconds, rounds)


def _paired(pair: _Pair, loop: str, seconds: float, rounds: int) -> None:
    import httpx

    modes = (pair.ours, pair.theirs)
    procs = {}
    for mode in modes:
        port = free_port()
        procs[mode] = (_spawn(mode, port, loop), port)
    try:
        for _, port in procs.values():
            wait_for(port)
        etags = {mode: httpx.get(f"http://127.0.0.1:{port}{pair.path}").headers["etag"]
                 for mode, (_, port) in procs.items()}
        for kind in ("GET", "304"):
            loads: dict[str, list[_Load]] = {mode: [] for mode in modes}
            ratios: list[float] = []
            for _ in range(rounds):
                got: dict[str, list[_Load]] = {mode: [] for mode in modes}
                for mode in (pair.ours, pair.theirs, pair.theirs, pair.ours):
                    proc, port = procs[mode]
                    headers = {"Accept": "application/json"}
                    if kind == "304":
                        headers["If-None-Match"] = etags[mode]
                    got[mode].append(_wrk_load(proc, port, pair.path, headers, seconds))
                ratios.append(sum(x.rps for x in got[pair.ours])
                              / sum(x.rps for x in got[pair.theirs]))
                for mode in modes:
                    loads[mode].extend(got[mode])
            for mode, label in zip(modes, pair.labels, strict=True):
                rps = statistics.median(x.rps for x in loads[mode])
                cpu = statistics.median(x.cpu_us for x in loads[mode])
                row("versus", f"{kind:<4} {loop:<7} {label} {pair.path}",
                    f"{rps:>9,.0f}/s  server CPU {cpu:5.1f} µs/request")
            cpu_ratio = statistics.median(x.cpu_us for x in loads[pair.theirs]) \
                / statistics.median(x.cpu_us for x in loads[pair.ours])
            row("ratio", f"{kind}: {pair.question}, {loop}, median of rounds",
                f"{statistics.median(ratios):.2f}x  (rounds {min(ratios):.2f}-"
                f"{max(ratios):.2f}; by server CPU {cpu_ratio:.2f}x)")
    finally:
        for proc, _ in procs.values():
            proc.terminate()
            proc.wait(10)


def _exchange(sock: Any, request: bytes) -> tuple[bytes, bytes]:
    """One request on a keep-alive socket; its answer's head and content."""
    sock.sendall(request)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("closed")
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    found = re.search(rb"\r\ncontent-length: *(\d+)", head, re.IGNORECASE)
    length = int(found.group(1)) if found else 0
    while len(body) < length:
        body += sock.recv(65536)
    return head, body


def _counted_server(mode: str, path: str, requests: int, loop: str) -> dict[str, float]:
    """Instructions per request of one server under callgrind: GET, then 304, each
    ``requests`` times on one keep-alive connection, counted between two dumps (the
    start-up and a warm-up are counted apart and left out)."""
    import socket
    import tempfile

    port = free_port()
    out = tempfile.mkdtemp(prefix="versus-ir-")
    proc = subprocess.Popen(
        ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}/cg.%p",
         sys.executable, __file__, "--serve", mode, str(port), loop],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        env={**os.environ, "PYTHONHASHSEED": "0"})  # the same dict layouts every run

    def dump() -> int:
        subprocess.run(["callgrind_control", "-d", str(proc.pid)], capture_output=True,
                       check=True)
        files = sorted((f for f in os.listdir(out) if re.fullmatch(r"cg\.\d+\.\d+", f)),
                       key=lambda f: int(f.rsplit(".", 1)[1]))
        with open(os.path.join(out, files[-1])) as dumped:
            found = re.search(r"^summary: (\d+)", dumped.read(), re.MULTILINE)
        assert found is not None
        return int(found.group(1))

    try:
        wait_for(port, 300)
        base = f"GET {path} HTTP/1.1\r\nHost: bench\r\nAccept: application/json\r\n"
        with socket.create_connection(("127.0.0.1", port), 60) as sock:
            head, _ = _exchange(sock, base.encode() + b"\r\n")
            etag = re.search(rb"\r\netag: *([^\r]+)", head, re.IGNORECASE)
            assert etag is not None, head
            cases = {"GET": base.encode() + b"\r\n",
                     "304": base.encode() + b"If-None-Match: " + etag.group(1) + b"\r\n\r\n"}
            for request in cases.values():  # warm: specialised bytecode, filled caches
                for _ in range(200):
                    _exchange(sock, request)
            dump()
            # uvicorn's main loop ticks ten times a second whatever the traffic, and
            # under valgrind the same requests take longer on a busier machine: the
            # idle instructions per second are counted and taken out of each interval.
            started = time.monotonic()
            time.sleep(2.0)
            idle = dump() / (time.monotonic() - started)
            counted = {}
            for kind, request in cases.items():
                status = b" 304 " if kind == "304" else b" 200 "
                started = time.monotonic()
                for _ in range(requests):
                    head, _ = _exchange(sock, request)
                    assert status in head.split(b"\r\n", 1)[0], head
                spent = dump() - idle * (time.monotonic() - started)
                counted[kind] = spent / requests
        return counted
    finally:
        proc.terminate()
        proc.wait(60)
        shutil.rmtree(out, ignore_errors=True)


def versus_instructions(requests: int, loops: tuple[str, ...]) -> None:
    """The versus pairs by instructions per request under callgrind, which a shared
    machine's load does not move (its CPU-time ratios swing by 10-20 %). The ratio is
    the other server's instructions over ours (above 1: ours does less work)."""
    if shutil.which("valgrind") is None or shutil.which("callgrind_control") is None:
        print("versus instructions: skipped (needs valgrind)")
        return
    print(f"instructions per request under callgrind ({requests} sequential requests on "
          "one connection, after 200 of each to warm up):", flush=True)
    for pair in PAIRS:
        for loop in loops:
            ours = _counted_server(pair.ours, pair.path, requests, loop)
            theirs = _counted_server(pair.theirs, pair.path, requests, loop)
            for kind in ("GET", "304"):
                row("ratio", f"{kind}: {pair.question}, {loop}, instructions",
                    f"{theirs[kind] / ours[kind]:.3f}x  ({ours[kind]:,.0f} / "
                    f"{theirs[kind]:,.0f} per request)")


def workers(seconds: float, rounds: int) -> None:
    """The reference over one SQLite file (a file store reads SQLite every time: another
    worker may have written it) from one and from two worker processes."""
    if not shutil.which("wrk"):
        print("workers: skipped (needs wrk: one Python load generator cannot load two cores)")
        return
    from statuskit.reference.store import NoteStore

    print(f"workers: statuskit serve's app over one SQLite file, wrk 2 threads, 64 connections, "
          f"best of {rounds} x {seconds:g} s, {LOOP[0]}:", flush=True)
    best: dict[str, float] = {}
    for mode in ("workers-1", "workers-2"):
        port = free_port()
        path = os.path.join(HERE, f".bench-{port}.db")
        store = NoteStore(path)
        store.create("n1", "benchmark", "the same note in every framework")
        store.close()
        proc = _spawn(mode, port)
        try:
            wait_for(port)
            for _ in range(rounds):
                out = subprocess.run(
                    ["wrk", "-t2", "-c64", f"-d{max(1, round(seconds))}s", "-H",
                     "Accept: application/json", f"http://127.0.0.1:{port}/notes/n1"],
                    capture_output=True, text=True, check=True).stdout
                rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
                best[mode] = max(best.get(mode, 0.0), rps)
        finally:
            proc.terminate()
            proc.wait(15)
            for suffix in ("", "-wal", "-shm"):
                with contextlib.suppress(FileNotFoundError):
                    os.remove(path + suffix)
        row("workers", f"GET /notes/n1, {mode.split('-')[1]} worker(s), file store",
            f"{best[mode]:>9,.0f}/s")
    row("ratio", "2 workers / 1 worker (2 cores shared with wrk)",
        f"{best['workers-2'] / best['workers-1']:.2f}x")


# -- start-up ------------------------------------------------------------------------------


def startup() -> None:
    print("start-up:", flush=True)
    env = {**os.environ, "PYTHONPATH": os.path.join(HERE, "..", "src")}
    for module in ("statuskit", "statuskit.codes"):
        totals = []
        for _ in range(5):
            err = subprocess.run([sys.executable, "-X", "importtime", "-c", f"import {module}"],
                                 capture_output=True, text=True, env=env).stderr
            last = [line for line in err.splitlines() if line.rstrip().endswith(f"| {module}")]
            totals.append(int(last[-1].split("|")[1]) / 1000)
        row("start-up", f"python -X importtime -c 'import {module}' (median of 5)",
            f"{statistics.median(totals):.1f} ms")
    walls = []
    for _ in range(5):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "statuskit", "explain", "404"], capture_output=True,
                       env=env, check=True)
        walls.append(time.perf_counter() - started)
    row("start-up", "statuskit explain 404, wall time (median of 5)",
        f"{statistics.median(walls) * 1000:.0f} ms")


# -- client --------------------------------------------------------------------------------


def _in_thread(app: Any) -> tuple[Any, int]:
    import uvicorn

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, port=port, log_level="critical",
                                           lifespan="off", access_log=False))
    threading.Thread(target=server.run, daemon=True).start()
    wait_for(port)
    return server, port


def client_overhead(requests_per_round: int) -> None:
    print("client on loopback 200s (sequential, keep-alive; batches of 50 alternating between "
          "the clients, so drift hits both alike):", flush=True)
    import httpx

    from statuskit.client import RetryTransport

    port = free_port()
    proc = _spawn("bare-stock", port)
    try:
        wait_for(port)
        url = f"http://127.0.0.1:{port}/notes/1"
        clients = {"bare httpx": httpx.Client(),
                   "httpx + RetryTransport": httpx.Client(transport=RetryTransport())}
        for client in clients.values():
            for _ in range(200):
                client.get(url)  # warm up: connection, caches, budget
        spent: dict[str, list[float]] = {name: [] for name in clients}
        batches = max(1, requests_per_round // 50) * 5
        for _ in range(batches):
            for name, client in clients.items():
                started = time.perf_counter()
                for _ in range(50):
                    client.get(url)
                spent[name].append(time.perf_counter() - started)
        for name, seconds in spent.items():
            row("client", name, f"{50 / statistics.median(seconds):>9,.0f} req/s (median batch)")
        # Paired batches ran back to back; the median of their ratios shrugs off the odd
        # batch a scheduler hiccup or a collection slowed down.
        overhead = statistics.median(
            retry / bare for bare, retry in zip(spent["bare httpx"],
                                                 spent["httpx + RetryTransport"], strict=True)
        ) - 1
        row("ratio", "RetryTransport overhead vs bare httpx (median of paired batches)",
            f"{overhead:.1%}")
    finally:
        proc.terminate()
        proc.wait(10)
    _client_in_process()


def _client_in_process() -> None:
    """The transport's own cost per request, with no network to hide it or add noise."""
    import httpx

    from statuskit.client import RetryTransport

    def ok(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=b"ok")

    clients = {"bare": httpx.Client(transport=httpx.MockTransport(ok)),
               "retry": httpx.Client(transport=RetryTransport(httpx.MockTransport(ok)))}
    best = dict.fromkeys(clients, float("inf"))
    for _ in range(5):
        for name, client in clients.items():
            started = time.perf_counter()
            for _ in range(2000):
                client.get("http://bench/")
            best[name] = min(best[name], (time.perf_counter() - started) / 2000)
    row("client", "RetryTransport's own cost per request (in-process, mock transport)",
        f"{(best['retry'] - best['bare']) * 1e6:.1f} µs of {best['bare'] * 1e6:.0f} µs")


_STORM_COUNT = [0]


async def _counting_503(scope: Any, receive: Any, send: Any) -> None:
    """Answers 503 to everything; GET /count says how many requests it saw."""
    if scope["type"] != "http":
        return
    if scope["path"] == "/count":
        body = str(_STORM_COUNT[0]).encode()
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})
        return
    _STORM_COUNT[0] += 1
    await send({"type": "http.response.start", "status": 503,
                "headers": [(b"content-length", b"0")]})
    await send({"type": "http.response.body", "body": b""})


def retry_storm(seconds: float) -> None:
    print(f"retry storm: 50 clients, each starting a request every 200 ms for {seconds:g} s, "
          "against a server answering 503 to everything (default policy, real sleeps):",
          flush=True)
    import httpx

    from statuskit.client import AsyncRetryTransport, RetryBudget

    port = free_port()
    proc = _spawn("storm", port)

    def count() -> int:
        return int(httpx.get(f"http://127.0.0.1:{port}/count").text)

    async def fleet(budget: RetryBudget) -> tuple[int, int, float, int]:
        transport = AsyncRetryTransport(budget=budget)  # shared: one process's clients
        before = count()
        logical = 0
        limits = httpx.Limits(max_connections=None, max_keepalive_connections=100)
        async with httpx.AsyncClient(transport=transport, timeout=60, limits=limits) as client:
            tasks = []
            t0 = time.perf_counter()
            while time.perf_counter() - t0 < seconds:
                for _ in range(50):
                    tasks.append(asyncio.create_task(client.get(f"http://127.0.0.1:{port}/")))
                    logical += 1
                await asyncio.sleep(0.2)
            results = await asyncio.gather(*tasks, return_exceptions=True)
            window = time.perf_counter() - t0
        errors = sum(isinstance(r, BaseException) for r in results)
        return logical, count() - before, window, errors

    try:
        wait_for(port)
        for name, budget in (("without a budget", RetryBudget(max_tokens=float("inf"))),
                             ("with the default budget (10 tokens)", RetryBudget())):
            logical, attempts, window, errors = asyncio.run(fleet(budget))
            row("storm", f"{name}: attempts/s the server saw",
                f"{attempts / window:>9,.0f}/s")
            row("storm", f"{name}: attempts per request ({logical} requests)",
                f"{attempts / logical:.2f}" + (f", {errors} errors" if errors else ""))
    finally:
        proc.terminate()
        proc.wait(10)


# -- the table -----------------------------------------------------------------------------


def machine() -> str:
    import falcon
    import fastapi
    import httpx
    import uvicorn

    import starlette

    return (f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
            f"uvicorn {uvicorn.__version__}, Falcon {falcon.__version__}, "
            f"Starlette {starlette.__version__}, FastAPI {fastapi.__version__}, "
            f"httpx {httpx.__version__}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="shorter rounds")
    parser.add_argument("--serve", nargs=3, metavar=("MODE", "PORT", "LOOP"),
                        help=argparse.SUPPRESS)
    parser.add_argument("--loop", choices=("asyncio", "uvloop"), default="asyncio",
                        help="the event loop of every loopback server (default: asyncio)")
    parser.add_argument("--only", default="inprocess,loopback,versus,workers,startup,client,storm",
                        help="comma-separated sections to run")
    parser.add_argument("--instructions", action="store_true",
                        help="versus counts instructions per request under callgrind instead "
                             "of requests/s and CPU time (~15 min)")
    parser.add_argument("--requests", type=int, default=1000,
                        help="requests of each kind per counted server (--instructions)")
    args = parser.parse_args()
    if args.serve:
        serve(args.serve[0], int(args.serve[1]), args.serve[2])
        return
    LOOP[0] = args.loop
    sections: dict[str, Callable[[], None]] = {
        "inprocess": lambda: in_process(0.2 if args.quick else 0.5),
        "loopback": lambda: loopback(2 if args.quick else 3, 1 if args.quick else 2),
        "startup": startup,
        "client": lambda: client_overhead(500 if args.quick else 2000),
        "storm": lambda: retry_storm(2 if args.quick else 4),
        "workers": lambda: workers(2 if args.quick else 3, 1 if args.quick else 2),
        "versus": lambda: (versus_instructions(args.requests, ("asyncio", "uvloop"))
                           if args.instructions
                           else versus(1 if args.quick else 2, 3 if args.quick else 5)),
        "reference": lambda: reference_in_process(0.2 if args.quick else 0.5),
    }
    unknown = [name for name in args.only.split(",") if name not in sections]
    if unknown:
        parser.error(f"--only: no section {', '.join(unknown)}; "
                     f"the sections are {', '.join(sections)}")
    print(f"machine: {machine()}, loopback servers on {LOOP[0]}\n", flush=True)
    for name in args.only.split(","):
        sections[name]()
        print(flush=True)


if __name__ == "__main__":
    main()
