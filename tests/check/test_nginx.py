"""The checker against a real nginx serving a static file on loopback, plain and TLS."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from check.nginx import NGINX, nginx
from statuskit.check import DEFAULT_PROFILE, Effect, Options, Verdict, check_server
from support.rawhttp import get
from support.tls import self_signed_certificate

pytestmark = pytest.mark.skipif(NGINX is None, reason="nginx is not installed")

# What nginx 1.22.1 (Debian 12) earned under the default (rfc) profile, with why.
EXPECTED = {
    "404": Effect.PASS,  # a random path
    "412": Effect.PASS,  # If-Match with another tag on a static file
    "304": Effect.PASS,  # If-None-Match with its ETag; no content on the wire
    "206": Effect.PASS,  # Range: bytes=0-0
    "416": Effect.PASS,  # a range past the end
    "414": Effect.PASS,  # a 64 KiB target: 414 (large_client_header_buffers)
    "505": Effect.PASS,  # HTTP/3.0 request line
    "413": Effect.PASS,  # 1 TB declared: 413 from client_max_body_size, no 100 first
    "501": Effect.FAIL,  # BREW gets 405 (RFC 9110 §9.1 SHOULD 501), and with no Allow (MUST)
    "405": Effect.FAIL,  # a static 405 carries no Allow (RFC 9110 §15.5.6 MUST)
    "417": Effect.WARN,  # an unknown Expect is ignored: RFC 9110 §10.1.1 MAY, the seed's 417
    "406": Effect.WARN,  # Accept disregarded: RFC 9110 §12.1 allows it; the seed asks 406
    "204": Effect.FAIL,  # OPTIONS on a static file is 405 (the seed's 204) with no Allow (MUST)
    "head-parity": Effect.PASS,
    "host-missing": Effect.PASS,
    "host-duplicated": Effect.PASS,
    "cl-te": Effect.PASS,  # 400 and the connection closed
    "bare-lf": Effect.PASS,  # read as line ends (RFC 9112 §2.2 MAY)
    "obs-fold": Effect.PASS,  # 400
}
ONLY = {int(k) if k.isdigit() else k for k in EXPECTED}


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return self_signed_certificate(tmp_path_factory.mktemp("nginx-tls"))


@pytest.fixture(scope="module", params=["http", "https"])
def checked(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
            certificate: tuple[Path, Path]) -> Iterator[tuple[int, dict[str, Verdict]]]:
    tls = certificate if request.param == "https" else None
    with nginx(tmp_path_factory.mktemp("nginx"), tls) as port:
        url = f"{request.param}://localhost:{port}/"
        verdicts = asyncio.run(check_server(url, Options(only=ONLY, timeout=3,
                                                         cacert=str(certificate[0]))))
        yield port, {v.name: v for v in verdicts}


def test_checker_verdicts_on_nginx(checked: tuple[int, dict[str, Verdict]]) -> None:
    _, verdicts = checked
    got = {name: DEFAULT_PROFILE.effect(v) for name, v in verdicts.items()}
    assert got == EXPECTED, {n: (v.outcome, v.status, v.reason) for n, v in verdicts.items()}
    assert all(v.status is not None for v in verdicts.values())


def test_unknown_method_verdict_names_both_rules(checked: tuple[int, dict[str, Verdict]]) -> None:
    verdict = checked[1]["501"]
    assert verdict.status == 405
    assert [p.rule.cite for p in verdict.problems] == ["RFC 9110 §9.1", "RFC 9110 §15.5.6"]


def test_plain_nginx_405_has_no_allow_on_the_wire(tmp_path: Path) -> None:
    # Oracle independent of the checker's reader: the raw test client.
    with nginx(tmp_path) as port:
        response = get(port, "/", method="DELETE")
    assert response.status == 405
    assert response.header("allow") is None
