"""Issue 26, H3: the reference API holds what it needs, not what it was sent.

Measured from the server's own process (peak RSS) over a raw socket, on a
reference API served by run(). Before: each JSON job was kept parsed (1 MiB of
``[{},{},...]`` held 24 MB) and any 1 MiB body was parsed on the event loop
(~400 ms of every other client's time). The full-size runs: ``bench/attacks.py``.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from support.memory_server import memory_server, peak_rss
from support.rawhttp import RawConnection, RawResponse

MiB = 1 << 20
PROBLEM = "application/problem+json"

pytestmark = pytest.mark.skipif(not Path("/proc/self/status").exists(),
                                reason="RSS is read from /proc")


def _objects(size: int) -> bytes:
    """``size`` bytes of the JSON that costs the most to parse and hold: a list of
    empty objects (3 bytes each on the wire, ~64 bytes each parsed)."""
    count = (size - 2) // 3
    return b"[" + b",".join([b"{}"] * count) + b"]"


def _post(conn: RawConnection, path: str, body: bytes,
          media_type: str = "application/json") -> RawResponse:
    conn.send(f"POST {path} HTTP/1.1\r\nHost: t\r\nContent-Type: {media_type}\r\n"
              f"Content-Length: {len(body)}\r\n\r\n".encode() + body)
    return conn.read_response()


@pytest.mark.parametrize("path, media_type", [
    ("/jobs", "application/json"),
    ("/feedback", "application/json"),
    ("/feedback", "application/x-www-form-urlencoded"),
    ("/old-notes", "application/json"),
])
def test_mebibyte_of_content_is_413_before_it_is_parsed(path, media_type):
    body = _objects(MiB) if media_type == "application/json" else b"&".join([b"a="] * (MiB // 3))
    with memory_server("httptools", app="reference") as (port, _), \
            RawConnection(port, timeout=10) as conn:
        refused = _post(conn, path, body, media_type)
    # RFC 9110 §15.5.14: content larger than the resource is willing to process.
    assert refused.status == 413
    assert refused.header("content-type") == PROBLEM
    assert refused.json()["status"] == 413


def test_jobs_keep_their_size_and_result_not_their_content():
    body = _objects(60 * 1024)  # inside the limit: ~1.3 MB once parsed
    with memory_server("httptools", app="reference") as (port, pid), \
            RawConnection(port, timeout=10) as conn:
        before = peak_rss(pid)
        locations = []
        for _ in range(40):
            accepted = _post(conn, "/jobs", body)
            assert accepted.status == 202, accepted
            assert accepted.json()["status"] == "running"
            locations.append(accepted.header("location"))
        grown = peak_rss(pid) - before
        time.sleep(0.2)  # the jobs take 0.1 s
        conn.send(f"GET {locations[-1]}/result HTTP/1.1\r\nHost: t\r\n\r\n".encode())
        result = conn.read_response()
    # 40 parsed payloads kept would be ~50 MB; one at a time, a few.
    assert grown < 16 * MiB, f"{grown / MiB:.0f} MiB held by 40 jobs"
    assert result.status == 200
    assert result.header("content-type") == "application/json"
    assert json.loads(result.body)["input_size"] == len(body)  # the bytes as sent
