"""The checker against a server written to break rules: each broken MUST is a
failure at level MUST, and a raw request (which parses nothing) proves it."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from check.rulebreaker import raw_bytes, rule_breaker
from statuskit.check import (
    DEFAULT_PROFILE,
    Effect,
    Level,
    Options,
    Outcome,
    Verdict,
    check_server,
)

# Every generic probe and message check, with what the default (rfc) profile makes of it.
EXPECTED = {
    "204": Effect.FAIL, "304": Effect.FAIL, "head-parity": Effect.FAIL,
    "host-missing": Effect.FAIL, "host-duplicated": Effect.FAIL, "cl-te": Effect.FAIL,
    "412": Effect.FAIL,  # 200 to an If-Match naming another tag (RFC 9110 §13.1.1)
    "501": Effect.FAIL,  # 200 to BREW (RFC 9110 §9.1 SHOULD 501)
    "bare-lf": Effect.PASS, "obs-fold": Effect.PASS,
    "404": Effect.WARN, "405": Effect.WARN, "406": Effect.WARN, "413": Effect.WARN,
    "414": Effect.WARN, "417": Effect.WARN, "505": Effect.WARN,
    "206": Effect.NOT_APPLICABLE, "416": Effect.NOT_APPLICABLE,  # no Accept-Ranges
}
CHECKS = {int(k) if k.isdigit() else k for k in EXPECTED}


@pytest.fixture(scope="module")
def breaker() -> Iterator[int]:
    with rule_breaker() as port:
        yield port


@pytest.fixture(scope="module")
def verdicts(breaker: int) -> dict[str, Verdict]:
    found = asyncio.run(check_server(f"http://127.0.0.1:{breaker}/",
                                     Options(only=CHECKS, timeout=2)))
    return {v.name: v for v in found}


def test_every_verdict_on_the_rule_breaker(verdicts: dict[str, Verdict]) -> None:
    got = {name: DEFAULT_PROFILE.effect(v) for name, v in verdicts.items()}
    assert got == EXPECTED, {n: (v.outcome, v.status, v.reason) for n, v in verdicts.items()}


def test_content_on_204_fails_at_must(verdicts: dict[str, Verdict], breaker: int) -> None:
    # Oracle: the bytes after the empty line of the 204 are there on the wire.
    wire = raw_bytes(breaker, b"OPTIONS / HTTP/1.1\r\nHost: x\r\n\r\n")
    assert wire.startswith(b"HTTP/1.1 204") and wire.endswith(b"\r\n\r\nhello")
    verdict = verdicts["204"]
    assert verdict.outcome is Outcome.FAIL and verdict.level is Level.MUST
    assert "content sent with 204 (5 bytes)" in verdict.reason
    assert "Content-Length on a 204" in verdict.reason  # RFC 9110 §8.6
    assert verdict.evidence[0].body == "hello"
    assert DEFAULT_PROFILE.fails(verdict)


def test_content_on_304_fails_at_must(verdicts: dict[str, Verdict], breaker: int) -> None:
    wire = raw_bytes(breaker, b'GET / HTTP/1.1\r\nHost: x\r\nIf-None-Match: "v1"\r\n\r\n')
    assert wire.startswith(b"HTTP/1.1 304") and wire.endswith(b"modified")
    verdict = verdicts["304"]
    assert verdict.outcome is Outcome.FAIL and verdict.level is Level.MUST
    assert "content sent with 304 (8 bytes)" in verdict.reason
    assert verdict.cite.startswith("RFC 9110")


def test_content_on_head_fails_head_parity(verdicts: dict[str, Verdict], breaker: int) -> None:
    wire = raw_bytes(breaker, b"HEAD / HTTP/1.1\r\nHost: x\r\n\r\n")
    assert wire.endswith(b"rule breaker\n")
    verdict = verdicts["head-parity"]
    assert verdict.outcome is Outcome.FAIL and verdict.level is Level.MUST
    assert "content sent with HEAD" in verdict.reason
    assert [e.request.split(" ")[0] for e in verdict.evidence] == ["GET", "HEAD"]


@pytest.mark.parametrize("name", ["host-missing", "host-duplicated"])
def test_no_host_check_fails_at_must(verdicts: dict[str, Verdict], breaker: int,
                                     name: str) -> None:
    assert raw_bytes(breaker, b"GET / HTTP/1.1\r\n\r\n").startswith(b"HTTP/1.1 200")
    verdict = verdicts[name]
    assert verdict.outcome is Outcome.FAIL and verdict.level is Level.MUST
    assert verdict.cite == "RFC 9112 §3.2"
    assert verdict.status == 200 and "no 400 for" in verdict.reason


def test_keep_alive_after_cl_te_fails_at_must(verdicts: dict[str, Verdict]) -> None:
    verdict = verdicts["cl-te"]
    assert verdict.outcome is Outcome.FAIL and verdict.level is Level.MUST
    assert verdict.cite == "RFC 9112 §6.1"
    assert "a second request on it was answered" in verdict.reason


@pytest.mark.parametrize("name", ["bare-lf", "obs-fold"])
def test_lenient_reading_that_answers_as_get_passes(verdicts: dict[str, Verdict],
                                                    name: str) -> None:
    # RFC 9112 §2.2 (a recipient MAY take LF as a line end) and §5.2 (obs-fold MAY be
    # read as SP): answering as the plain GET did is allowed.
    verdict = verdicts[name]
    assert verdict.outcome is Outcome.PASS, verdict
    assert verdict.status == 200
    if name == "bare-lf":  # the evidence says what the text alone cannot show
        assert "bare LF" in verdict.evidence[0].note


def test_continue_for_1_tb_is_named_in_the_reason(verdicts: dict[str, Verdict]) -> None:
    verdict = verdicts["413"]
    assert verdict.outcome is Outcome.FAIL
    assert verdict.reason.startswith("sent 100 Continue, inviting 1 TB")
    assert verdict.level is Level.SEED  # RFC 9110 §10.1.1 allows the 100
    assert not DEFAULT_PROFILE.fails(verdict)


def test_stray_bytes_do_not_spoil_the_next_probe(verdicts: dict[str, Verdict]) -> None:
    # Each probe has its own connection: after the 204's stray "hello" the other
    # probes still read real status lines.
    answered = {n for n, v in verdicts.items() if v.outcome is not Outcome.NOT_APPLICABLE}
    assert all(verdicts[n].status is not None for n in answered - {"413"})
