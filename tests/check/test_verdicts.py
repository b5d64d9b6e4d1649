"""Verdict rules on hand-made responses: each can fail."""

from __future__ import annotations

from statuskit.check.record import Exchange
from statuskit.check.verdict import Outcome, judge


def seen(status: int, headers: dict[str, str] | None = None, body: bytes = b"",
         method: str = "GET") -> Exchange:
    return Exchange(method, "http://127.0.0.1/x", [("Host", "127.0.0.1")], status, "",
                list((headers or {}).items()), body)


def test_no_response_never_passes() -> None:
    verdict = judge(404, None, {404}, probe="p", error="connection refused")
    assert verdict.outcome is Outcome.FAIL
    assert verdict.reason == "no answer (connection refused)"
    assert [p.cause for p in verdict.problems] == ["no answer"]  # the same at any timeout


def test_wrong_status_fails() -> None:
    assert judge(404, seen(200), {404}, probe="p").outcome is Outcome.FAIL


def test_405_without_allow_fails() -> None:
    verdict = judge(405, seen(405), {405}, probe="p")
    assert verdict.outcome is Outcome.FAIL
    assert "Allow" in verdict.reason


def test_405_whose_allow_lists_the_refused_method_fails() -> None:
    # Passive: the refused method is the request's own, so no probe needs to say it.
    verdict = judge(405, seen(405, {"Allow": "GET, DELETE"}, method="DELETE"), {405}, probe="p")
    assert verdict.outcome is Outcome.FAIL
    assert verdict.problems[0].rule.id == "allow-excludes-refused"


def test_malformed_retry_after_fails() -> None:
    verdict = judge(429, seen(429, {"Retry-After": "soon"}), {429}, probe="p")
    assert verdict.outcome is Outcome.FAIL
    assert "Retry-After" in verdict.reason


def test_a_delay_seconds_too_long_to_hold_is_a_valid_retry_after() -> None:
    # RFC 9110 §10.2.3: 1*DIGIT, no bound (RFC 9111 §1.2.2: it saturates to 2^31).
    verdict = judge(429, seen(429, {"Retry-After": "9" * 13}), {429}, probe="p")
    assert verdict.outcome is not Outcome.FAIL, verdict.reason
    assert "Retry-After" not in (verdict.reason or "")


def test_content_range_disagreeing_with_content_fails() -> None:
    verdict = judge(206, seen(206, {"Content-Range": "bytes 0-9/100"}, b"abc"), {206},
                    probe="p")
    assert verdict.outcome is Outcome.FAIL
    assert "disagrees" in verdict.reason


def test_body_on_204_fails() -> None:
    verdict = judge(204, seen(204, {}, b"oops"), {204}, probe="p")
    assert verdict.outcome is Outcome.FAIL
    assert "content sent with 204" in verdict.reason


def test_body_on_head_fails() -> None:
    verdict = judge(200, seen(200, {}, b"oops", method="HEAD"), {200}, probe="p")
    assert verdict.outcome is Outcome.FAIL


def test_redirect_without_location_fails() -> None:
    assert judge(301, seen(301), {301}, probe="p").outcome is Outcome.FAIL


def test_location_that_does_not_resolve_fails() -> None:
    verdict = judge(302, seen(302, {"Location": "mailto:x@example.com"}), {302}, probe="p")
    assert verdict.outcome is Outcome.FAIL


def test_interim_before_a_refusal_fails() -> None:
    refused = seen(413)
    refused.interim = [100]
    verdict = judge(413, refused, {413}, probe="p", forbid_interim=True)
    assert verdict.outcome is Outcome.FAIL
    assert verdict.reason == ("sent 100 Continue, inviting 1 TB of declared content "
                              "(then answered 413)")


def test_good_401_passes_and_carries_lint_notes() -> None:
    verdict = judge(401, seen(401, {"WWW-Authenticate": 'Bearer realm="x"',
                                    "Content-Length": "0"}), {401}, probe="p")
    assert verdict.outcome is Outcome.PASS
    assert all(n.level in ("bad", "warning") for n in verdict.lint)
