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


def test_no_host_unanswered_is_the_same_finding_as_no_host_answered_200() -> None:
    # A server too slow for --timeout (or silent) on a request with no Host has broken
    # RFC 9112 §3.2 as surely as one that answers 200: the finding must not change with it.
    from check.rulebreaker import rule_breaker, silent_on_no_host

    def host_problems(port: int) -> set[tuple[str, str]]:
        verdicts = asyncio.run(check_server(f"http://127.0.0.1:{port}/", Options(timeout=0.5)))
        missing = next(v for v in verdicts if v.name == "host-missing")
        assert missing.outcome.name == "FAIL"
        return {(p.rule.id, p.cause) for p in missing.problems}

    with rule_breaker() as answered:
        seen_answered = host_problems(answered)
    with silent_on_no_host() as silent:
        seen_silent = host_problems(silent)
    assert seen_answered == seen_silent == {
        ("host-400", "no 400 for an HTTP/1.1 request with no Host")}
