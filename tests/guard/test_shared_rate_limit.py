"""429 across processes: two servers share one allowance through a real redis-server."""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path

from support.rawhttp import get
from support.servers import free_port, redis_server, serve_process

TESTS = Path(__file__).resolve().parents[1]


def test_two_processes_share_one_rate_limit_through_redis():
    with redis_server() as redis_port:
        settings = json.dumps({"rate_limit": "10/minute",
                               "rate_limit_storage": f"redis://127.0.0.1:{redis_port}"})
        ports = [free_port(), free_port()]
        with contextlib.ExitStack() as stack:
            for port in ports:
                stack.enter_context(serve_process(
                    ["-m", "support.guarded_server", str(port), settings], port,
                    env={"PYTHONPATH": f"{TESTS}:{os.environ.get('PYTHONPATH', '')}"},
                ))
            answers = [get(ports[i % 2], "/") for i in range(14)]
    statuses = [a.status for a in answers]
    assert statuses.count(200) == 10
    assert statuses[10:] == [429] * 4
    for refused in answers[10:]:
        assert 1 <= int(refused.header("retry-after") or "0") <= 60
        assert refused.header("content-type") == "application/problem+json"

