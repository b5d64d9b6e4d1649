"""The checker against lighttpd 1.4 serving one static file: a 431 for a long target."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from check import peers
from check.peer_report import Checked, checked
from statuskit.check import Level
from support.rawhttp import RawConnection, get

EXPECTED = {
    ("if-match-412", "answered 200, expected 412"): ("fail", 1),
    ("long-target-431", "answered 431: it counted the request line against its limit for "
                        "header fields"): ("fail", 1),
    ("options-204", "answered 200, expected 204"): ("warn", 1),
    ("not-acceptable-406", "answered 200, expected 406"): ("warn", 1),
    ("content-too-large-413", "answered 200, expected 413"): ("warn", 1),
    ("expectation-417", "answered 200, expected 417"): ("warn", 1),
}


@pytest.fixture(scope="module")
def lighttpd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Checked]:
    with checked(peers.lighttpd, tmp_path_factory) as report:
        yield report


def test_every_finding_on_lighttpd(lighttpd: Checked) -> None:
    assert lighttpd.table() == EXPECTED


def test_431_for_a_long_target(lighttpd: Checked) -> None:
    with RawConnection(lighttpd.port) as conn:
        conn.send(b"GET /?q=" + b"a" * 65536 + b" HTTP/1.1\r\nHost: l\r\n\r\n")
        answer = conn.read_response()
    assert (answer.status, answer.reason) == (431, "Request Header Fields Too Large")
    finding = lighttpd.finding("long-target-431")
    assert finding.rule.level is Level.MUST and "431 names header fields" in finding.rule.text


def test_if_match_naming_another_tag_is_ignored(lighttpd: Checked) -> None:
    plain = get(lighttpd.port, "/")
    answer = get(lighttpd.port, "/", headers={"If-Match": '"statuskit-not-this"'})
    assert plain.header("etag") and answer.status == 200  # RFC 9110 §13.1.1: MUST 412
    reproducer = lighttpd.finding("if-match-412").reproducer
    assert reproducer is not None
    assert reproducer.command == ("curl -i -H 'If-Match: \"statuskit-not-this\"' "
                                  f"'{lighttpd.url}'")
