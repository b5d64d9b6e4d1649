"""The same server gives the same findings at any --timeout.

Over stock uvicorn with h11 closing idle connections after 3 s: a verdict that waited
for the server's close (cl-te did) saw it at --timeout 5 and 8 and not at 2. Every
check now decides by what the server does, so the three runs must agree exactly,
finding by finding and check by check.
"""

from __future__ import annotations

import asyncio

from check.peer_report import Checked
from statuskit.check import Options, check_server
from support.apps import plain_app
from support.servers import serve

TIMEOUTS = (2.0, 5.0, 8.0)
KEEP_ALIVE = 3  # seconds uvicorn keeps an idle connection: between the timeouts


def test_findings_and_verdicts_are_the_same_at_timeouts_2_5_and_8() -> None:
    runs = []
    with serve(plain_app, http="h11", timeout_keep_alive=KEEP_ALIVE) as port:
        for timeout in TIMEOUTS:
            verdicts = asyncio.run(check_server(f"http://127.0.0.1:{port}/",
                                                Options(timeout=timeout)))
            runs.append(Checked(port, verdicts))
    tables = [run.table() for run in runs]
    assert tables[0] == tables[1] == tables[2]
    outcomes = [{v.name: (v.outcome, v.status) for v in run.verdicts} for run in runs]
    assert outcomes[0] == outcomes[1] == outcomes[2]
    # The check that used to flip: h11 reads on after Content-Length with
    # Transfer-Encoding (RFC 9112 §6.1), whatever the timeout.
    assert tables[0][("cl-te-close", "the connection stayed open: a second request on it "
                                     "was answered")] == ("fail", 1)
