"""What reading costs the checker, against any two trees, paired in one run: CPU of
``raw_exchange`` per answer (a 2-byte, 64 KiB and 1 MiB Content-Length body, and a
64 KiB chunked one) and of ``read_har`` per entry.

    python bench/check_read.py --base /path/to/other/src [--rounds 3]

Each measurement runs in a fresh interpreter whose ``sys.path`` starts at one tree's
``src``; the trees alternate A B B A per round, and the report is each case's median
ratio (this tree / base) and its range. Thread CPU time of the client's thread only
(the raw server runs in another thread). Not part of the test suite.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parents[1] / "src"

_MEASURE = r'''
import asyncio, json, socket, sys, tempfile, threading, time
from statuskit.check.raw import raw_exchange
from statuskit.check.target import parse_target
from statuskit.monitor.har import read_har

def serve(answer):
    server = socket.socket(); server.bind(("127.0.0.1", 0)); server.listen(64)
    def loop():
        while True:
            conn, _ = server.accept()
            with conn:
                data = b""
                while b"\r\n\r\n" not in data:
                    data += conn.recv(65536)
                conn.sendall(answer)
                try:
                    while conn.recv(65536):
                        pass
                except OSError:
                    pass
    threading.Thread(target=loop, daemon=True).start()
    return server.getsockname()[1]

def chunked(size):
    piece = b"c" * 4096
    return (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
            + (b"1000\r\n" + piece + b"\r\n") * (size // 4096) + b"0\r\n\r\n")

cases = {f"content-length {n} B": b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % n
         + b"x" * n for n in (2, 65536, 1 << 20)}
cases["chunked 64 KiB"] = chunked(65536)
out = {}
for name, answer in cases.items():
    target = parse_target(f"http://127.0.0.1:{serve(answer)}/")
    async def run(times):
        for _ in range(times):
            raw = await raw_exchange(target, b"GET / HTTP/1.1\r\nHost: {host}\r\n\r\n")
            assert raw.status == 200 and not raw.error, raw.error
    asyncio.run(run(20))  # warm
    started = time.thread_time()
    asyncio.run(run(200))
    out[name] = (time.thread_time() - started) / 200 * 1e6

entry = {"startedDateTime": "2026-01-01T00:00:00.000Z", "request": {"method": "GET",
         "url": "http://127.0.0.1/items/1", "headers": [{"name": "Accept", "value": "*/*"}]},
         "response": {"status": 200, "httpVersion": "HTTP/1.1", "headers": [
             {"name": "Content-Type", "value": "text/plain"},
             {"name": "Content-Length", "value": "2000"}],
             "content": {"size": 2000, "text": "t" * 2000}}}
with tempfile.NamedTemporaryFile("w", suffix=".har", delete=False) as har:
    json.dump({"log": {"entries": [entry] * 3000}}, har)
read_har(har.name)
started = time.thread_time()
read_har(har.name)
out["read_har, per entry"] = (time.thread_time() - started) / 3000 * 1e6
print(json.dumps(out))
'''


def _measure(src: str) -> dict[str, float]:
    done = subprocess.run([sys.executable, "-c", f"import sys; sys.path.insert(0, {src!r})\n"
                           + _MEASURE], capture_output=True, text=True, check=True)
    result: dict[str, float] = json.loads(done.stdout)
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", required=True, help="the other tree's src directory")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    ratios: dict[str, list[float]] = {}
    absolute: dict[str, list[tuple[float, float]]] = {}
    for _ in range(args.rounds):
        a1, b1 = _measure(str(HERE)), _measure(args.base)
        b2, a2 = _measure(args.base), _measure(str(HERE))
        for name in a1:
            for here, base in ((a1[name], b1[name]), (a2[name], b2[name])):
                ratios.setdefault(name, []).append(here / base)
                absolute.setdefault(name, []).append((here, base))
    for name, values in ratios.items():
        here = statistics.median(h for h, _ in absolute[name])
        base = statistics.median(b for _, b in absolute[name])
        print(f"{name:24} this {here:9.1f} us  base {base:9.1f} us  ratio median "
              f"{statistics.median(values):.2f} (range {min(values):.2f}-{max(values):.2f})")


if __name__ == "__main__":
    main()
