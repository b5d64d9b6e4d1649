"""A self-signed certificate for localhost and 127.0.0.1, made by openssl for one test run."""

from __future__ import annotations

import subprocess
from pathlib import Path


def self_signed_certificate(where: Path) -> tuple[Path, Path]:
    """``(cert.pem, key.pem)`` in ``where``, valid one day, SAN localhost and 127.0.0.1."""
    cert, key = where / "cert.pem", where / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=localhost", "-keyout", str(key), "-out", str(cert),
                    "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
                   check=True, capture_output=True)
    return cert, key
