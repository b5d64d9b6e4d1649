"""Every probe over TLS: a self-signed certificate made here, a real server on loopback."""

from __future__ import annotations

import asyncio
import shutil
import socket
import ssl
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from check.test_generic_probes import GENERIC, careful
from statuskit.check import Options, Outcome, TargetError, check_server, parse_target
from statuskit.check.raw import raw_exchange
from statuskit.guard import Guard
from statuskit.server import httptools_protocol
from support.servers import serve
from support.tls import self_signed_certificate

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl is missing")


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return self_signed_certificate(tmp_path_factory.mktemp("tls"))


@pytest.fixture(scope="module")
def tls_port(certificate: tuple[Path, Path]) -> Iterator[int]:
    cert, key = certificate
    with serve(Guard(careful, max_body_size=1024), http=httptools_protocol(),
               ssl_certfile=str(cert), ssl_keyfile=str(key)) as port:
        yield port


def test_every_generic_probe_passes_over_tls(tls_port: int,
                                             certificate: tuple[Path, Path]) -> None:
    options = Options(only=GENERIC, timeout=3, cacert=str(certificate[0]))
    verdicts = asyncio.run(check_server(f"https://localhost:{tls_port}/", options))
    assert {v.code: v.outcome for v in verdicts} == dict.fromkeys(GENERIC, Outcome.PASS)
    for verdict in verdicts:
        assert verdict.status == verdict.code
        assert "over TLS" in verdict.evidence[-1].note


def test_insecure_skips_verification(tls_port: int) -> None:
    options = Options(only={505, 501, 414}, timeout=3, insecure=True)
    verdicts = asyncio.run(check_server(f"https://127.0.0.1:{tls_port}/", options))
    assert [(v.code, v.outcome) for v in verdicts] == [
        (414, Outcome.PASS), (501, Outcome.PASS), (505, Outcome.PASS)]


def test_unverified_certificate_is_a_target_error(tls_port: int) -> None:
    with pytest.raises(TargetError, match="certificate"):
        asyncio.run(check_server(f"https://localhost:{tls_port}/", Options(timeout=3)))


def test_plain_http_to_the_tls_port_is_a_target_error(tls_port: int) -> None:
    with pytest.raises(TargetError, match="does not answer HTTP"):
        asyncio.run(check_server(f"http://127.0.0.1:{tls_port}/", Options(timeout=3)))


def test_https_to_a_plain_port_is_a_target_error() -> None:
    with serve(careful) as port, pytest.raises(TargetError, match="TLS"):
        asyncio.run(check_server(f"https://127.0.0.1:{port}/", Options(timeout=3)))


def test_cli_without_cacert_is_one_line_and_exit_2(tls_port: int) -> None:
    result = subprocess.run([sys.executable, "-m", "statuskit", "check",
                             f"https://localhost:{tls_port}/"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1 and "--cacert" in result.stderr


def test_raw_probe_sends_sni(certificate: tuple[Path, Path]) -> None:
    cert, key = certificate
    names: list[str | None] = []
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)

    def remember(_sock: ssl.SSLObject, name: str | None, _ctx: ssl.SSLContext) -> None:
        names.append(name)

    context.sni_callback = remember  # type: ignore[assignment]
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def answer_once() -> None:
        conn, _ = listener.accept()
        with context.wrap_socket(conn, server_side=True) as tls:
            tls.recv(65536)
            tls.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")

    thread = threading.Thread(target=answer_once, daemon=True)
    thread.start()
    target = parse_target(f"https://localhost:{port}/", cacert=str(cert))
    exchange = asyncio.run(raw_exchange(target, b"GET / HTTP/1.1\r\nHost: {host}\r\n\r\n"))
    thread.join(5)
    listener.close()
    assert names == ["localhost"]
    assert (exchange.status, exchange.body) == (200, b"ok")
    assert exchange.sent.startswith(b"GET / HTTP/1.1\r\nHost: localhost:")
