from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from scripted import Script, scripted_server

from statuskit.client import reset_budgets
from support.servers import serve
from support.tls import self_signed_certificate


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[str, Script]]:
    with scripted_server() as pair:
        yield pair


@pytest.fixture(autouse=True)
def _fresh_budgets() -> None:
    reset_budgets()


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Script, str]]:
    """The scripted server over TLS with a self-signed certificate; yields the base
    URL, the script and the certificate's path (to trust it)."""
    cert, key = self_signed_certificate(tmp_path_factory.mktemp("tls"))
    script = Script()
    with serve(script, date_header=False, ssl_keyfile=str(key), ssl_certfile=str(cert)) as port:
        yield f"https://127.0.0.1:{port}", script, str(cert)
