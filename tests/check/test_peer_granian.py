"""The checker against granian 2 (Rust) serving a Starlette app over ASGI."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from check import peers
from check.peer_report import Checked, checked
from statuskit.check import Outcome
from support.rawhttp import RawConnection

EXPECTED = {
    ("host-400", "no 400 for a request with two Host fields"): ("fail", 1),
    ("host-400", "no 400 for an HTTP/1.1 request with no Host"): ("fail", 1),
    ("unknown-method-501", "answered 405, expected 501"): ("fail", 1),
    ("options-204", "answered 405, expected 204"): ("warn", 1),
    ("not-acceptable-406", "answered 200, expected 406"): ("warn", 1),
    ("expectation-417", "answered 200, expected 417"): ("warn", 1),
    ("version-505", "answered 400, expected 505"): ("warn", 1),
}


@pytest.fixture(scope="module")
def granian(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Checked]:
    with checked(peers.granian, tmp_path_factory) as report:
        yield report


def test_every_finding_on_granian(granian: Checked) -> None:
    assert granian.table() == EXPECTED


def test_two_host_fields_and_none_are_two_findings(granian: Checked) -> None:
    for head in (b"GET / HTTP/1.1\r\n\r\n", b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"):
        with RawConnection(granian.port) as conn:
            conn.send(head)
            assert conn.read_response().status == 200  # RFC 9112 §3.2: MUST 400
    missing = granian.finding("host-400", "no 400 for an HTTP/1.1 request with no Host")
    twice = granian.finding("host-400", "no 400 for a request with two Host fields")
    assert [i.check for i in missing.instances + twice.instances] == ["host-missing",
                                                                     "host-duplicated"]
    assert missing.reproducer is not None and missing.reproducer.command.startswith(
        "curl -i -H 'Host:' ")  # curl leaves out a field given with no value
    assert twice.reproducer is not None and twice.reproducer.command.startswith("printf ")


def test_closing_after_cl_te_passes(granian: Checked) -> None:
    with RawConnection(granian.port) as conn:
        conn.send(b"POST / HTTP/1.1\r\nHost: g\r\nContent-Length: 5\r\n"
                  b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n")
        assert conn.read_response().header("connection") == "close"
        conn.send(b"GET / HTTP/1.1\r\nHost: g\r\n\r\n")
        assert conn.is_closed()
    verdict = granian.verdict("cl-te")
    assert verdict.outcome is Outcome.PASS
    assert verdict.reason == "answered 405 and closed the connection"
