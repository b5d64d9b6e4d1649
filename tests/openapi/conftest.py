"""One FastAPI service on loopback and one ``--openapi`` run over it, per module."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from openapi.fastapi_app import create_app
from openapi.harness import Checked
from statuskit.check.openapi import OpenAPIOptions, OpenAPIRun, check_openapi
from support.servers import serve


@pytest.fixture(scope="module")
def fastapi_checked() -> Iterator[Checked]:
    # The operation probes alone: the value phase has tests of its own (tests/check_values).
    with serve(create_app()) as port:
        run = asyncio.run(check_openapi(f"http://127.0.0.1:{port}/", None,
                                        OpenAPIOptions(allow_writes=True, values=False)))
        assert isinstance(run, OpenAPIRun)
        yield Checked(port, run)
