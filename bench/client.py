"""The retrying client's cost against bare httpx (and httpx2), and a retry storm.

    python3 bench/client.py                 # overhead (loopback and in process), storm
    python3 bench/client.py --only overhead --rounds 21
    python3 bench/client.py --only instructions    # needs valgrind; about ten minutes

Overhead: a server in another process answers 200 to sequential keep-alive GETs;
each round times a batch through the bare client and one through the retrying
client in ABBA order, and the ratio of the retrying client's CPU time (this
process's, so the server's is not counted) to the bare one's is that round's
figure. Median and range of the rounds are printed. In process: the same with a
mock transport whose body is streamed, best batch of each. Instructions: the
client process's instruction count under valgrind (cachegrind, no cache model),
which no other load on the machine changes: N requests minus none, per request,
retrying against bare. Not part of the tests.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from _net import free_port, wait_for  # noqa: E402

SERVER = """
import uvicorn
async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    status = {status}
    await send({{"type": "http.response.start", "status": status,
                 "headers": [(b"content-length", b"2"), (b"content-type", b"text/plain")]}})
    await send({{"type": "http.response.body", "body": b"ok"}})
uvicorn.run(app, host="127.0.0.1", port={port}, log_level="critical", access_log=False,
            http="httptools", loop="asyncio")
"""


def serve(status: int) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-c", SERVER.format(status=status, port=port)])
    wait_for(port)
    return proc, port


def paired(first: Callable[[], None], second: Callable[[], None], rounds: int,
           ) -> tuple[float, float, float, float, float]:
    """(median, low, high) of second/first CPU ratios over ABBA rounds, and each
    one's median CPU seconds per batch."""
    ratios, spent_first, spent_second = [], [], []
    for _ in range(rounds):
        a1 = _cpu(first)
        b1 = _cpu(second)
        b2 = _cpu(second)
        a2 = _cpu(first)
        ratios.append((b1 + b2) / (a1 + a2))
        spent_first += [a1, a2]
        spent_second += [b1, b2]
    return (statistics.median(ratios), min(ratios), max(ratios),
            statistics.median(spent_first), statistics.median(spent_second))


def _cpu(batch: Callable[[], None]) -> float:
    started = time.process_time()
    batch()
    return time.process_time() - started


def overhead(rounds: int, batch: int) -> None:
    import httpx
    import httpx2

    import statuskit.client.httpx2 as on_httpx2
    from statuskit.client import RetryTransport

    proc, port = serve(200)
    url = f"http://127.0.0.1:{port}/notes/1"
    try:
        for name, bare, retrying in (
                ("httpx 0.28", httpx.Client(), httpx.Client(transport=RetryTransport())),
                ("httpx2 2.17", httpx2.Client(),
                 httpx2.Client(transport=on_httpx2.RetryTransport()))):
            with bare, retrying:
                def run(client: Any) -> Callable[[], None]:
                    def go() -> None:
                        for _ in range(batch):
                            client.get(url)
                    return go
                for client in (bare, retrying):
                    run(client)()  # warm up: the connection, caches, the budget
                median, low, high, a, b = paired(run(bare), run(retrying), rounds)
                print(f"loopback {name}: RetryTransport / bare, client CPU per request: "
                      f"{median - 1:+.1%} (range {low - 1:+.1%} to {high - 1:+.1%}; "
                      f"{a / batch * 1e6:.0f} µs bare, {b / batch * 1e6:.0f} µs retrying; "
                      f"{rounds} ABBA rounds of {batch})", flush=True)
    finally:
        proc.terminate()
        proc.wait(10)
    in_process(rounds, batch * 5)


def in_process(rounds: int, batch: int) -> None:
    import httpx

    from statuskit.client import RetryTransport

    class Streamed(httpx.SyncByteStream):
        def __iter__(self) -> Iterator[bytes]:
            yield b"ok"

    def ok(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"content-length": "2"}, stream=Streamed())

    bare = httpx.Client(transport=httpx.MockTransport(ok))
    retrying = httpx.Client(transport=RetryTransport(httpx.MockTransport(ok)))

    def run(client: httpx.Client) -> Callable[[], None]:
        def go() -> None:
            for _ in range(batch):
                client.get("http://bench.test/")
        return go

    median, low, high, a, b = paired(run(bare), run(retrying), rounds)
    print(f"in process, through httpx.Client (mock transport, streamed body): "
          f"{(b - a) / batch * 1e6:.1f} µs of {a / batch * 1e6:.1f} µs a request, "
          f"{median - 1:+.1%} (range {low - 1:+.1%} to {high - 1:+.1%})", flush=True)
    # The transport's own work: handle_request and reading the body, no client
    # around it; the best batch of each (the least disturbed by the machine).
    mock, transport = httpx.MockTransport(ok), RetryTransport(httpx.MockTransport(ok))
    requests = [httpx.Request("GET", "http://bench.test/") for _ in range(batch)]

    def alone(through: httpx.BaseTransport) -> float:
        started = time.process_time()
        for request in requests:
            through.handle_request(request).read()
        return (time.process_time() - started) / batch

    best_mock = best_retry = float("inf")
    for _ in range(rounds):
        best_mock = min(best_mock, alone(mock))
        best_retry = min(best_retry, alone(transport))
    print(f"in process, the transport alone: {(best_retry - best_mock) * 1e6:.1f} µs a request "
          f"(best batch of {rounds}; the mock itself {best_mock * 1e6:.1f} µs)", flush=True)


# A client alone in its process: warm up, then N GETs (argv: variant, N, port).
INSTRUCTIONS_CLIENT = """
import sys
import httpx, httpx2
import statuskit.client.httpx2 as on_httpx2
from statuskit.client import RetryTransport
variant, count, port = sys.argv[1], int(sys.argv[2]), sys.argv[3]
client = {"httpx": lambda: httpx.Client(),
          "httpx retrying": lambda: httpx.Client(transport=RetryTransport()),
          "httpx2": lambda: httpx2.Client(),
          "httpx2 retrying": lambda: httpx2.Client(transport=on_httpx2.RetryTransport())}[variant]()
url = f"http://127.0.0.1:{port}/notes/1"
for _ in range(50 + count):
    client.get(url)
client.close()
"""


def instructions(count: int) -> None:
    if shutil.which("valgrind") is None:
        print("instructions: valgrind is not installed", flush=True)
        return
    proc, port = serve(200)

    def counted(variant: str, requests: int) -> int:
        # setarch -R: the same addresses every run, so object hashes (and the
        # dicts and sets keyed by them) do not move the count from run to run.
        fixed = ["setarch", "-R"] if shutil.which("setarch") else []
        done = subprocess.run(
            [*fixed, "valgrind", "--tool=cachegrind", "--cache-sim=no",
             "--cachegrind-out-file=/dev/null", sys.executable, "-c", INSTRUCTIONS_CLIENT,
             variant, str(requests), str(port)], capture_output=True, text=True, check=True,
            env={**os.environ, "PYTHONHASHSEED": "0"})  # the same dict layouts every run
        found = re.search(r"I\s+refs:\s+([\d,]+)", done.stderr)
        assert found is not None, done.stderr[-500:]
        return int(found.group(1).replace(",", ""))

    def per_request(variant: str) -> float:
        return (counted(variant, count) - counted(variant, 0)) / count

    try:
        # A first run writes the .pyc files of a fresh tree: counted, it would
        # pass the compiler's work for the first variant's requests.
        counted("httpx retrying", 0)
        counted("httpx2 retrying", 0)
        for library in ("httpx", "httpx2"):
            bare, retrying = per_request(library), per_request(f"{library} retrying")
            print(f"instructions {library}: RetryTransport / bare, client instructions per "
                  f"request: {retrying / bare - 1:+.2%} ({bare:,.0f} bare, "
                  f"{retrying - bare:+,.0f} retrying; {count} requests, valgrind)", flush=True)
    finally:
        proc.terminate()
        proc.wait(10)


def storm(seconds: float) -> None:
    import httpx

    from statuskit.client import AsyncRetryTransport, RetryBudget

    proc, port = serve(503)
    url = f"http://127.0.0.1:{port}/"

    async def fleet(budget: RetryBudget | None) -> tuple[int, int]:
        # 50 callers through one client, each starting a request every 200 ms.
        attempts = 0

        def counted(attempt: Any) -> None:
            nonlocal attempts
            attempts += 1

        transport = AsyncRetryTransport(budget=budget, on_attempt=counted)
        limits = httpx.Limits(max_connections=None, max_keepalive_connections=100)
        requests = 0
        async with httpx.AsyncClient(transport=transport, timeout=60, limits=limits) as client:
            tasks = []
            started = time.perf_counter()
            while time.perf_counter() - started < seconds:
                for _ in range(50):
                    tasks.append(asyncio.create_task(client.get(url)))
                    requests += 1
                await asyncio.sleep(0.2)
            await asyncio.gather(*tasks, return_exceptions=True)
        return requests, attempts

    try:
        for name, budget in (("no budget", RetryBudget(max_tokens=float("inf"))),
                             ("the default budget (10 tokens, 0.1 a success)", None)):
            requests, attempts = asyncio.run(fleet(budget))
            print(f"storm, {name}: {attempts / requests:.2f} attempts per request "
                  f"({requests} requests, real waits)", flush=True)
    finally:
        proc.terminate()
        proc.wait(10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", default="overhead,storm")
    parser.add_argument("--rounds", type=int, default=11)
    parser.add_argument("--batch", type=int, default=300)
    parser.add_argument("--storm-seconds", type=float, default=4)
    parser.add_argument("--instruction-requests", type=int, default=2000)
    args = parser.parse_args()
    wanted = set(args.only.split(","))
    if "overhead" in wanted:
        overhead(args.rounds, args.batch)
    if "instructions" in wanted:
        instructions(args.instruction_requests)
    if "storm" in wanted:
        storm(args.storm_seconds)


if __name__ == "__main__":
    main()
