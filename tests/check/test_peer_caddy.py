"""The checker against Caddy 2.6's file server: OPTIONS 200 without Allow is the seed's
rule, not an RFC SHOULD (RFC 9110 §9.3.7 names Allow only as an example)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from check import peers
from check.peer_report import Checked, checked
from statuskit.check import DEFAULT_PROFILE, Effect, Level
from support.rawhttp import RawConnection, get

EXPECTED = {
    ("cl-te-close", "the connection stayed open: a second request on it was answered"):
        ("fail", 1),
    ("unknown-method-501", "answered 200, expected 501"): ("fail", 1),  # BREW gets the file
    ("options-204", "answered 200, expected 204"): ("warn", 1),
    ("options-allow", "a successful OPTIONS without Allow"): ("warn", 1),
    ("method-not-allowed-405", "answered 200, expected 405"): ("warn", 1),
    ("not-acceptable-406", "answered 200, expected 406"): ("warn", 1),
    ("content-too-large-413", "answered 200, expected 413"): ("warn", 1),
    ("long-target-parsed", "answered 200: it parsed the 64 KiB target"): ("warn", 1),
}


@pytest.fixture(scope="module")
def caddy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Checked]:
    with checked(peers.caddy, tmp_path_factory) as report:
        yield report


def test_every_finding_on_caddy(caddy: Checked) -> None:
    assert caddy.table() == EXPECTED


def test_options_200_without_allow_only_warns(caddy: Checked) -> None:
    answer = get(caddy.port, "/", method="OPTIONS", headers={"Host": f"127.0.0.1:{caddy.port}"})
    assert (answer.status, answer.header("allow")) == (200, None)
    finding = caddy.finding("options-allow")
    assert (finding.rule.level, finding.rule.cite) == (Level.SEED, "seed table")
    assert DEFAULT_PROFILE.finding_effect(finding) is Effect.WARN
    assert caddy.verdict("204").level is Level.SEED  # so the 204 check only warns too


def test_it_reads_a_second_request_after_cl_te(caddy: Checked) -> None:
    with RawConnection(caddy.port) as conn:
        conn.send(f"POST / HTTP/1.1\r\nHost: 127.0.0.1:{caddy.port}\r\nContent-Length: 5\r\n"
                  "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n".encode())
        assert conn.read_response().status == 200
        conn.send(f"GET / HTTP/1.1\r\nHost: 127.0.0.1:{caddy.port}\r\n\r\n".encode())
        assert conn.read_response().status == 200  # RFC 9112 §6.1: it MUST have closed
