"""Targets: only http(s) URLs with a host; credentials leave the URL."""

from __future__ import annotations

import asyncio
import base64

import pytest

from statuskit.check import TargetError, parse_target
from statuskit.check.target import reach
from support.servers import free_port


@pytest.mark.parametrize(("text", "words"), [
    ("127.0.0.1:8000", "give the scheme"),
    ("ftp://127.0.0.1/", "only http:// and https://"),
    ("file:///etc/passwd", "only http:// and https://"),
    ("http://127.0.0.1:99999/", "port"),
    ("http://127.0.0.1:0/", "port"),
    ("http://:80/", "no host"),
])
def test_not_a_target(text: str, words: str) -> None:
    with pytest.raises(TargetError, match=words):
        parse_target(text)


def test_credentials_become_basic_authorization_and_leave_the_url() -> None:
    target = parse_target("http://me:p%40ss@example.test:8080/a?b=1#frag")
    assert target.url == "http://example.test:8080/a?b=1"
    assert target.authority == "example.test:8080"
    assert target.authorization == "Basic " + base64.b64encode(b"me:p@ss").decode()
    assert target.target == "/a?b=1"


def test_https_defaults_to_443_with_a_verifying_context() -> None:
    import ssl

    target = parse_target("https://example.test/")
    assert target.port == 443 and target.tls is not None
    assert target.tls.verify_mode is ssl.CERT_REQUIRED and target.tls.check_hostname


def test_insecure_turns_verification_off() -> None:
    import ssl

    target = parse_target("https://example.test/", insecure=True)
    assert target.tls is not None and target.tls.verify_mode is ssl.CERT_NONE


def test_missing_cacert_file_is_a_target_error() -> None:
    with pytest.raises(TargetError, match="--cacert"):
        parse_target("https://example.test/", cacert="/nonexistent/ca.pem")


def test_refused_connection_is_one_clear_error() -> None:
    target = parse_target(f"http://127.0.0.1:{free_port()}/")
    with pytest.raises(TargetError, match="connection refused"):
        asyncio.run(reach(target, 2))
