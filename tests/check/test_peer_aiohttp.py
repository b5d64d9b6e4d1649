"""The checker against aiohttp 3 (its own server): a long target refused with 400, and
an HTTP/1.1 server that answers some errors in HTTP/1.0 is still held to Host's rules."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from check import peers
from check.peer_report import Checked, checked
from statuskit.check import Level, Outcome
from support.rawhttp import RawConnection

EXPECTED = {
    ("long-target-414", "answered 400, expected 414"): ("fail", 1),
    ("unknown-method-501", "answered 400, expected 501"): ("fail", 1),
    ("options-204", "answered 405, expected 204"): ("warn", 1),
    ("not-acceptable-406", "answered 200, expected 406"): ("warn", 1),
    ("version-505", "answered 400, expected 505"): ("warn", 1),
}


@pytest.fixture(scope="module")
def aiohttp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Checked]:
    with checked(peers.aiohttp, tmp_path_factory) as report:
        yield report


def test_every_finding_on_aiohttp(aiohttp: Checked) -> None:
    assert aiohttp.table() == EXPECTED


def test_long_target_refused_with_400_breaks_the_must(aiohttp: Checked) -> None:
    with RawConnection(aiohttp.port) as conn:
        conn.send(b"GET /?q=" + b"a" * 65536 + b" HTTP/1.1\r\nHost: a\r\n\r\n")
        assert conn.read_response().status == 400
    finding = aiohttp.finding("long-target-414")
    assert (finding.rule.level, finding.rule.cite) == (Level.MUST, "RFC 9112 §3")
    reproducer = finding.reproducer
    assert reproducer is not None  # 64 KiB of "a" as a count, not spelt out
    assert "$(head -c 65536 /dev/zero | tr '\\0' 'a')" in reproducer.command
    assert len(reproducer.command) < 200


def test_an_http_1_1_server_is_held_to_host_rules(aiohttp: Checked) -> None:
    with RawConnection(aiohttp.port) as conn:  # its errors say HTTP/1.0 ...
        conn.send(b"GET / HTTP/1.1\r\n\r\n")
        refusal = conn.read_response()
    with RawConnection(aiohttp.port) as conn:  # ... its answers HTTP/1.1
        conn.send(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n")
        answer = conn.read_response()
    assert (refusal.status, answer.version) == (400, "HTTP/1.1")
    for name in ("host-missing", "host-duplicated"):
        verdict = aiohttp.verdict(name)
        assert (verdict.outcome, verdict.status) == (Outcome.PASS, 400)
