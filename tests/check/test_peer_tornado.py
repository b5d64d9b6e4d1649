"""The checker against Tornado 6 (one ``RequestHandler`` with ``get``): one defect is one
finding, and the JSON summary first counts what failed the run."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from check import peers
from check.peer_report import Checked, checked
from statuskit.check import PROFILES
from statuskit.check.report import RunInfo, to_json
from support.rawhttp import RawConnection, get, request

# What Tornado 6.6 earns under the default (rfc) profile: (rule, cause) -> (effect, instances).
EXPECTED = {
    ("allow-on-405", "405 without Allow"): ("fail", 4),  # DELETE, HEAD, OPTIONS and BREW
    ("head-parity", "HEAD answered 405, not as GET"): ("fail", 1),  # no head() by default
    ("if-match-412", "answered 200, expected 412"): ("fail", 1),  # it sends an ETag itself
    ("long-target-414", "no answer"): ("fail", 1),  # past max_header_size: a bare close
    ("unknown-method-501", "answered 405, expected 501"): ("fail", 1),
    ("options-204", "answered 405, expected 204"): ("warn", 1),
    ("not-acceptable-406", "answered 200, expected 406"): ("warn", 1),
    ("no-continue-before-refusal", "sent 100 Continue, inviting 1 TB of declared content"):
        ("warn", 1),
    ("expectation-417", "answered 200, expected 417"): ("warn", 1),
    ("version-505", "answered 400, expected 505"): ("warn", 1),
}


@pytest.fixture(scope="module")
def tornado(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Checked]:
    with checked(peers.tornado, tmp_path_factory) as report:
        yield report


def test_every_finding_on_tornado(tornado: Checked) -> None:
    assert tornado.table() == EXPECTED


def test_one_405_without_allow_is_one_finding_with_four_instances(tornado: Checked) -> None:
    finding = tornado.finding("allow-on-405")
    # RFC 9110 §15.5.6: one missing field, seen by four checks; before, four failures.
    assert sorted(i.check for i in finding.instances) == ["204", "405", "501", "head-parity"]
    assert finding.rule.cite == "RFC 9110 §15.5.6"
    reproducer = finding.reproducer
    assert reproducer is not None and not reproducer.raw
    assert reproducer.command == f"curl -i --head '{tornado.url}'"  # the shortest
    for method in ("DELETE", "OPTIONS", "BREW"):  # the oracle: Tornado's own answers
        answer = get(tornado.port, "/", method=method)
        assert (answer.status, answer.header("allow")) == (405, None)
    head = request(tornado.port, b"HEAD / HTTP/1.1\r\nHost: t\r\n\r\n", head_request=True)
    assert (head.status, head.header("allow")) == (405, None)


def test_a_verdict_with_two_defects_is_an_instance_of_both(tornado: Checked) -> None:
    verdict = tornado.verdict("head-parity")
    assert [p.rule.id for p in verdict.problems] == ["head-parity", "allow-on-405"]
    assert tornado.finding("head-parity").instances[0].detail == "GET answered 200"


def test_json_summary_first_counts_what_failed_the_run(tornado: Checked) -> None:
    document = json.loads(to_json(tornado.verdicts, RunInfo(tornado.url, 1.0)))
    summary = document["summary"]
    assert list(summary)[:2] == ["fail", "warn"]
    assert (summary["fail"], summary["warn"]) == (5, 5)
    assert summary["instances"] == {"fail": 8, "warn": 5}
    # Ten checks failed a rule; the profile made four of them warnings.
    assert (summary["checks"]["fail"], summary["checks"]["warn"]) == (6, 4)
    under_seed = json.loads(to_json(tornado.verdicts, RunInfo(tornado.url, 1.0,
                                                              PROFILES["seed"])))
    assert (under_seed["summary"]["fail"], under_seed["summary"]["warn"]) == (10, 0)


def test_long_target_is_closed_without_an_answer(tornado: Checked) -> None:
    with RawConnection(tornado.port) as conn:
        conn.send(b"GET /?q=" + b"a" * 65536 + b" HTTP/1.1\r\nHost: t\r\n\r\n")
        assert conn.pending(1.0) == b"" and conn.is_closed()
    verdict = tornado.verdict("414")
    assert verdict.problems[0].detail == "the server closed the connection without answering"


def test_continue_for_1_tb_ends_the_exchange_and_warns(tornado: Checked) -> None:
    with RawConnection(tornado.port) as conn:
        conn.send(b"POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 1000000000000\r\n"
                  b"Expect: 100-continue\r\n\r\n")
        assert conn.read_head()[1] == 100  # RFC 9110 §10.1.1 allows it; the seed does not
    verdict = tornado.verdict("413")
    assert verdict.evidence[0].response.startswith("HTTP/1.1 100")
    assert not PROFILES["rfc"].fails(verdict)
