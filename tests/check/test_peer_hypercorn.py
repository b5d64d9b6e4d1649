"""The checker against hypercorn 0.18 serving a Starlette app: Content-Length with
Transfer-Encoding is judged by a second request on the connection, at any timeout, and
a 431 for a long target says what the server did."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from check import peers
from check.peer_report import Checked, checked, stable
from statuskit.check import Level
from support.rawhttp import RawConnection

EXPECTED = {
    ("cl-te-close", "the connection stayed open: a second request on it was answered"):
        ("fail", 1),
    ("long-target-431", "answered 431: it counted the request line against its limit for "
                        "header fields"): ("fail", 1),
    ("unknown-method-501", "answered 405, expected 501"): ("fail", 1),
    ("options-204", "answered 405, expected 204"): ("warn", 1),
    ("not-acceptable-406", "answered 200, expected 406"): ("warn", 1),
    ("expectation-417", "answered 200, expected 417"): ("warn", 1),
    ("version-505", "answered 200, expected 505"): ("warn", 1),
}
CL_TE = (b"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"
         b"0\r\n\r\n")


@pytest.fixture(scope="module")
def hypercorn(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Checked]:
    with checked(peers.hypercorn, tmp_path_factory) as report:
        yield report


def test_every_finding_on_hypercorn(hypercorn: Checked) -> None:
    assert hypercorn.table() == EXPECTED


def test_a_second_request_after_cl_te_is_answered_on_the_wire(hypercorn: Checked) -> None:
    # RFC 9112 §6.1: after such a request the server MUST close; hypercorn reads on.
    with RawConnection(hypercorn.port) as conn:
        conn.send(CL_TE)
        assert conn.read_response().status == 405
        conn.send(b"GET / HTTP/1.1\r\nHost: h\r\n\r\n")
        assert conn.read_response().status == 200
    finding = hypercorn.finding("cl-te-close")
    assert finding.rule.level is Level.MUST
    assert finding.instances[0].detail == "answered 405, then 'HTTP/1.1 200' to HEAD"
    reproducer = finding.reproducer
    assert reproducer is not None and reproducer.raw.count(b" HTTP/1.1\r\n") == 2  # curl can't


def test_cl_te_findings_are_the_same_at_any_timeout(hypercorn: Checked) -> None:
    # hypercorn closes an idle connection after 5 s: waiting for that close passed at
    # --timeout 8 and failed at 2; the second request decides at both. (And head and
    # content go in one write: hypercorn closes when it answers before reading them.)
    short, long = stable(hypercorn.port, {"cl-te"}, (2, 8))
    assert short == long == {k: v for k, v in EXPECTED.items() if k[0] == "cl-te-close"}


def test_431_for_a_long_target_is_its_own_finding(hypercorn: Checked) -> None:
    with RawConnection(hypercorn.port) as conn:
        conn.send(b"GET /?q=" + b"a" * 65536 + b" HTTP/1.1\r\nHost: h\r\n\r\n")
        assert conn.read_response().status == 431
    finding = hypercorn.finding("long-target-431")
    # RFC 9112 §3 asks 414; RFC 6585 §5 keeps 431 for header fields: a MUST, named so.
    assert (finding.rule.level, finding.rule.cite) == (Level.MUST, "RFC 9112 §3; RFC 6585 §5")
    assert hypercorn.verdict("414").status == 431
