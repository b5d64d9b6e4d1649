"""The checker against Apache 2.4 serving one static file: nothing fails the run."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from check import peers
from check.peer_report import Checked, checked
from statuskit.check import DEFAULT_PROFILE, Outcome
from support.rawhttp import RawConnection, get

EXPECTED = {
    ("options-204", "answered 200, expected 204"): ("warn", 1),  # RFC 9110 §9.3.7 allows 200
    ("not-acceptable-406", "answered 200, expected 406"): ("warn", 1),
    ("version-505", "answered 200, expected 505"): ("warn", 1),
}


@pytest.fixture(scope="module")
def apache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Checked]:
    with checked(peers.apache, tmp_path_factory) as report:
        yield report


def test_every_finding_on_apache(apache: Checked) -> None:
    assert apache.table() == EXPECTED
    assert DEFAULT_PROFILE.exit_code(apache.verdicts) == 0


def test_options_200_with_allow_breaks_only_the_seeds_204(apache: Checked) -> None:
    answer = get(apache.port, "/", method="OPTIONS")
    assert answer.status == 200 and "GET" in (answer.header("allow") or "")
    verdict = apache.verdict("204")
    assert [p.rule.id for p in verdict.problems] == ["options-204"]


def test_a_413_from_the_declared_length_is_read_whole(apache: Checked) -> None:
    with RawConnection(apache.port) as conn:
        conn.send(b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1000000000000\r\n"
                  b"Expect: 100-continue\r\n\r\n")
        refusal = conn.read_response()
    assert refusal.status == 413 and refusal.interim == []
    verdict = apache.verdict("413")
    assert (verdict.outcome, verdict.status) == (Outcome.PASS, 413)
    assert verdict.evidence[0].body_length == len(refusal.body) > 0
    assert not [n for n in verdict.lint if n.level == "bad"]


def test_cl_te_is_refused_and_the_connection_closed(apache: Checked) -> None:
    verdict = apache.verdict("cl-te")
    assert verdict.outcome is Outcome.PASS and verdict.reason.endswith("closed the connection")
