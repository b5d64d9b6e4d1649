"""The checker against ``python3 -m http.server``, a server nobody here wrote."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from statuskit.check import DEFAULT_PROFILE, Effect, Level, Options, Outcome, Verdict, check_server
from support.rawhttp import RawConnection, get
from support.servers import free_port, wait_for_port

# What http.server (Python 3.11) earns under the default (rfc) profile, with why.
EXPECTED = {
    # It answers HTTP/1.0 (RFC 9110 §6.2: the highest version it conforms to), so the
    # Host rules of RFC 9112 §3.2, which are HTTP/1.1's, do not bind it.
    "host-missing": Effect.NOT_APPLICABLE,
    "host-duplicated": Effect.NOT_APPLICABLE,
    "head-parity": Effect.PASS,
    "cl-te": Effect.PASS,  # POST is 501 and HTTP/1.0 closes the connection
    "bare-lf": Effect.PASS,  # read as line ends (RFC 9112 §2.2 MAY)
    "obs-fold": Effect.PASS,  # read as one field (RFC 9112 §5.2 MAY replace with SP)
    "501": Effect.PASS,
    "404": Effect.PASS,
    "414": Effect.PASS,
    "304": Effect.PASS,  # If-Modified-Since with its Last-Modified
    "405": Effect.NOT_APPLICABLE,  # DELETE/PUT/PATCH/POST are 501: implemented nowhere
    "413": Effect.NOT_APPLICABLE,  # POST is 501: no URL takes content
    "204": Effect.WARN,  # OPTIONS is 501: the seed's 204 rule only
    "406": Effect.WARN,  # Accept disregarded (RFC 9110 §12.1 allows it)
    "417": Effect.WARN,  # unknown Expect ignored (RFC 9110 §10.1.1 MAY)
    "505": Effect.WARN,  # an HTTP/0.9-style answer with no status line
}
ONLY = {int(k) if k.isdigit() else k for k in EXPECTED}


@pytest.fixture(scope="module")
def port(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    root: Path = tmp_path_factory.mktemp("www")
    (root / "index.html").write_text("<!doctype html><title>x</title><p>hello\n")
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "http.server", str(port), "--bind",
                                "127.0.0.1", "--directory", str(root)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_port(port)
        yield port
    finally:
        process.terminate()
        process.wait(10)


@pytest.fixture(scope="module")
def verdicts(port: int) -> dict[str, Verdict]:
    found = asyncio.run(check_server(f"http://127.0.0.1:{port}/", Options(only=ONLY, timeout=3)))
    return {v.name: v for v in found}


def test_checker_verdicts_on_http_server(verdicts: dict[str, Verdict]) -> None:
    got = {name: DEFAULT_PROFILE.effect(v) for name, v in verdicts.items()}
    assert got == EXPECTED, {n: (v.outcome, v.status, v.reason) for n, v in verdicts.items()}


@pytest.mark.parametrize("name", ["host-missing", "host-duplicated"])
def test_an_http_1_0_server_is_not_held_to_http_1_1_host_rules(
        port: int, verdicts: dict[str, Verdict], name: str) -> None:
    with RawConnection(port) as conn:  # the oracle: its own status line, read raw
        conn.send(b"GET / HTTP/1.1\r\n\r\n")
        answer = conn.read_response()
    assert (answer.version, answer.status) == ("HTTP/1.0", 200)
    verdict = verdicts[name]
    assert verdict.outcome is Outcome.NOT_APPLICABLE and verdict.rule.level is Level.MUST
    assert "answers HTTP/1.0" in verdict.reason and "RFC 9112 §3.2" in verdict.reason
    assert verdict.evidence == [] and verdict.status is None  # nothing was sent for it


def test_methods_answered_501_make_405_not_applicable(port: int,
                                                      verdicts: dict[str, Verdict]) -> None:
    assert get(port, "/", method="DELETE").status == 501  # RFC 9110 §15.6.2
    verdict = verdicts["405"]
    assert "answered 501 to DELETE, PUT, PATCH, POST" in verdict.reason
    assert "§15.6.2" in verdict.reason


def test_413_is_not_applicable_where_post_is_not_implemented(
        verdicts: dict[str, Verdict]) -> None:
    assert "does not take POST (answered 501)" in verdicts["413"].reason


def test_http_0_9_style_answer_is_said_plainly(verdicts: dict[str, Verdict]) -> None:
    assert verdicts["505"].reason.startswith("answered with no status line")
    assert verdicts["505"].problems[0].cause == "answered with no status line, as HTTP/0.9 would"
