"""Rule levels, profiles, evidence and JUnit: what a verdict says and what it does to a run."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from statuskit.check import DEFAULT_PROFILE, PROFILES, Effect, Level, Outcome
from statuskit.check.evidence import BODY_EXCERPT, Evidence
from statuskit.check.record import Exchange
from statuskit.check.report import RunInfo, to_junit
from statuskit.check.rules import Rule, status_rule
from statuskit.check.verdict import Verdict, judge


def seen(status: int, headers: dict[str, str] | None = None, body: bytes = b"",
         method: str = "GET", stray: int = 0) -> Exchange:
    return Exchange(method, "http://127.0.0.1/x", [("Host", "127.0.0.1")], status, "",
                list((headers or {}).items()), body, stray=stray)


SEED_ONLY = Rule("test-seed", Level.SEED, "seed table", "test")


def test_seed_rule_failure_warns_under_rfc_and_fails_under_seed() -> None:
    verdict = judge(406, seen(200), {406}, probe="p")
    assert verdict.outcome is Outcome.FAIL and verdict.level is Level.SEED
    assert DEFAULT_PROFILE.effect(verdict) is Effect.WARN
    assert PROFILES["seed"].effect(verdict) is Effect.FAIL
    assert DEFAULT_PROFILE.exit_code([verdict]) == 0
    assert PROFILES["seed"].exit_code([verdict]) == 1


def test_tolerated_status_breaks_only_the_weaker_rule() -> None:
    must = Rule("test-414", Level.MUST, "RFC 9112 §3", "414")
    tolerated = judge(414, seen(200), {414}, probe="p", rule=must, tolerated={200: SEED_ONLY})
    refused = judge(414, seen(400), {414}, probe="p", rule=must, tolerated={200: SEED_ONLY})
    assert tolerated.level is Level.SEED
    assert (refused.level, refused.cite) == (Level.MUST, "RFC 9112 §3")


def test_strongest_problem_sets_the_level() -> None:
    # A 405 without Allow drawn by a probe expecting 204 breaks the seed's rule and a MUST.
    verdict = judge(204, seen(405), {204}, probe="p")
    assert [p.rule.level for p in verdict.problems] == [Level.SEED, Level.MUST]
    assert verdict.level is Level.MUST and verdict.cite == "RFC 9110 §15.5.6"
    assert PROFILES["must"].fails(verdict)


def test_content_length_on_204_is_a_must_failure_even_without_bytes() -> None:
    verdict = judge(204, seen(204, {"Content-Length": "0"}), {204}, probe="p")
    assert verdict.outcome is Outcome.FAIL and verdict.cite == "RFC 9110 §8.6"


def test_stray_bytes_count_as_content_on_304() -> None:
    verdict = judge(304, seen(304, stray=7), {304}, probe="p")
    assert verdict.level is Level.MUST
    assert "content sent with 304 (7 bytes)" in verdict.reason


def test_passing_verdict_keeps_the_level_of_the_rule_it_checks() -> None:
    verdict = judge(501, seen(501), {501}, probe="p")
    assert verdict.outcome is Outcome.PASS
    assert (verdict.level, verdict.cite) == (status_rule(501).level, "RFC 9110 §9.1")


def test_not_applicable_and_skipped_never_fail_a_profile() -> None:
    must = Rule("test-must", Level.MUST, "RFC 9110", "test")
    verdicts = [Verdict(404, Outcome.NOT_APPLICABLE, rule=must),
                Verdict(408, Outcome.SKIPPED, rule=must)]
    assert all(p.exit_code(verdicts) == 0 for p in PROFILES.values())


def test_evidence_redacts_credentials_and_truncates_content() -> None:
    sent = b"GET / HTTP/1.1\r\nHost: h\r\nAuthorization: Basic c2VjcmV0\r\n\r\n"
    body = b"x" * (BODY_EXCERPT + 100)
    evidence = Evidence.from_wire(sent, [b"HTTP/1.1 200 OK\r\nSet-Cookie: s=1\r\n\r\n"], body)
    assert "c2VjcmV0" not in evidence.request and "Authorization: [redacted]" in evidence.request
    assert "Set-Cookie: [redacted]" in evidence.response
    assert evidence.body_length == BODY_EXCERPT + 100
    assert evidence.body.endswith("(100 more bytes)")


def test_junit_has_a_case_per_finding_and_per_quiet_check() -> None:
    failed = judge(405, seen(405), {405}, probe="DELETE", operation="DELETE /items/{id}",
                   name="405")
    warned = judge(406, seen(200), {406}, probe="p")
    passed = judge(404, seen(404), {404}, probe="GET a random path")
    document = ET.fromstring(to_junit([failed, warned, passed], RunInfo("http://x/", 1.0)))
    findings_suite, checks_suite = document.findall("./testsuite")
    cases = findings_suite.findall("testcase")
    assert [c.get("name") for c in cases] == ["allow-on-405: 405 without Allow",
                                              "not-acceptable-406: answered 200, expected 406"]
    failure = cases[0].find("failure")
    assert failure is not None and failure.get("type") == "MUST"
    assert "405 DELETE /items/{id}: DELETE" in (failure.text or "")
    assert cases[1].find("failure") is None
    assert "warning" in (cases[1].findtext("system-out") or "")
    assert findings_suite.get("failures") == "1"
    # A check that found something is an instance of its findings; the rest are listed.
    assert [(c.get("classname"), c.get("name")) for c in checks_suite.findall("testcase")] == [
        ("statuskit.check", "404 NotFound")]
