"""Issue 26's cheap attacks at a larger size than the tests use, against any tree:
what one client makes the server hold (peak RSS growth of the server process).

    python bench/attacks.py [--tree PATH] [--mib N]

``--tree`` is a checkout whose tests/support/memory_server.py serves that tree's
statuskit (default: this one). Run it on two trees in one session to compare.
Not part of the test suite.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

MiB = 1 << 20


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tree", default=str(Path(__file__).resolve().parents[1]))
    parser.add_argument("--mib", type=int, default=64, help="bytes each attack sends")
    args = parser.parse_args()
    sys.path.insert(0, str(Path(args.tree) / "tests"))
    from support.memory_server import memory_server, peak_rss
    from support.rawhttp import RawConnection

    def send_for(conn: RawConnection, data: bytes, seconds: float) -> int:
        conn.sock.settimeout(0.2)
        sent, deadline, view = 0, time.monotonic() + seconds, memoryview(data)
        while sent < len(data) and time.monotonic() < deadline:
            try:
                sent += conn.sock.send(view[sent:sent + 65536])
            except TimeoutError:
                continue
            except OSError:
                break
        return sent

    size = args.mib * MiB
    filler = b"X-Filler: " + b"a" * 1014 + b"\r\n"
    for parser_name in ("httptools", "h11"):
        with memory_server(parser_name) as (port, pid), RawConnection(port, 30) as conn:
            before = peak_rss(pid)
            conn.send(b"GET /slow?seconds=6 HTTP/1.1\r\nHost: t\r\n\r\n"
                      b"GET / HTTP/1.1\r\nHost: t\r\n")
            sent = send_for(conn, filler * (size // 1024), 5.0)
            print(f"H1 {parser_name:<9} head behind a pending response: {sent / MiB:6.1f} MiB "
                  "sent, "
                  f"server grew {(peak_rss(pid) - before) / MiB:6.1f} MiB", flush=True)
        with memory_server(parser_name) as (port, pid), RawConnection(port, 30) as conn:
            before = peak_rss(pid)
            sent = send_for(conn, b"GET / HTTP/1.1\r\nHost: t\r\n\r\n" * (size // 27 // 4), 5.0)
            time.sleep(2.0)
            print(f"H2 {parser_name:<9} pipelined GETs never read:      {sent / MiB:6.1f} MiB "
                  "sent, "
                  f"server grew {(peak_rss(pid) - before) / MiB:6.1f} MiB", flush=True)
    body = b"[" + b",".join([b"{}"] * (MiB // 3)) + b"]"
    with memory_server("httptools", app="reference") as (port, pid), \
            RawConnection(port, 60) as conn:
        before = peak_rss(pid)
        statuses, started = [], time.perf_counter()
        for _ in range(20):
            conn.send(b"POST /jobs HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
                      b"Content-Length: %d\r\n\r\n" % len(body) + body)
            statuses.append(conn.read_response().status)
            if statuses[-1] == 413:
                break
        took = (time.perf_counter() - started) / len(statuses)
        print(f"H3 reference  POST /jobs 1 MiB of [{{}},...] x{len(statuses)}: "
              f"{sorted(set(statuses))}, "
              f"{took * 1000:.0f} ms each, server grew {(peak_rss(pid) - before) / MiB:6.1f} MiB")


if __name__ == "__main__":
    main()
