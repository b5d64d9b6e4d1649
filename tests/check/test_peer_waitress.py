"""The checker against waitress 3 serving a WSGI app: a request whose lines end in a bare
LF is unfinished to waitress, and leaving it unanswered is allowed (RFC 9112 §2.2)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from check import peers
from check.peer_report import Checked, checked
from statuskit.check import Level, Outcome
from support.rawhttp import RawConnection

EXPECTED = {
    ("cl-te-close", "the connection stayed open: a second request on it was answered"):
        ("fail", 1),
    ("host-400", "no 400 for a request with two Host fields"): ("fail", 1),
    ("host-400", "no 400 for an HTTP/1.1 request with no Host"): ("fail", 1),
    ("unknown-method-501", "answered 405, expected 501"): ("fail", 1),
    ("options-204", "answered 405, expected 204"): ("warn", 1),
    ("not-acceptable-406", "answered 200, expected 406"): ("warn", 1),
    ("long-target-parsed", "answered 200: it parsed the 64 KiB target"): ("warn", 1),
    ("expectation-417", "answered 200, expected 417"): ("warn", 1),
    ("version-505", "answered 200, expected 505"): ("warn", 1),
}


@pytest.fixture(scope="module")
def waitress(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Checked]:
    with checked(peers.waitress, tmp_path_factory) as report:
        yield report


def test_every_finding_on_waitress(waitress: Checked) -> None:
    assert waitress.table() == EXPECTED


def test_a_bare_lf_request_left_unfinished_passes(waitress: Checked) -> None:
    with RawConnection(waitress.port) as conn:  # the oracle: no answer, connection open
        conn.send(b"GET / HTTP/1.1\nHost: w\n\n")
        assert conn.pending(1.0) == b"" and not conn.is_closed(0.2)
    with RawConnection(waitress.port) as conn:  # the same request with CRLF is answered
        conn.send(b"GET / HTTP/1.1\r\nHost: w\r\n\r\n")
        assert conn.read_response().status == 200
    verdict = waitress.verdict("bare-lf")
    assert verdict.outcome is Outcome.PASS and verdict.rule.level is Level.SHOULD
    assert "did not read a bare LF as a line end" in verdict.reason
    assert "RFC 9112 §2.2" in verdict.reason


def test_no_host_check_on_the_wire(waitress: Checked) -> None:
    with RawConnection(waitress.port) as conn:
        conn.send(b"GET / HTTP/1.1\r\n\r\n")
        answer = conn.read_response()
    assert (answer.version, answer.status) == ("HTTP/1.1", 200)  # RFC 9112 §3.2: MUST 400
    assert waitress.finding("host-400", "no 400 for an HTTP/1.1 request with no Host") \
        .reproducer is not None
