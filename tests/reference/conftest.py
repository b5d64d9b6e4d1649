from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from statuskit.check.lint import lint_response
from statuskit.reference import create_app
from statuskit.server import httptools_protocol
from support.servers import serve


class Linted(httpx.Client):
    """An httpx client that runs every response through httplint and fails the test
    on any error-level note."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(event_hooks={"response": [self._lint]}, **kwargs)
        self.seen = 0

    def _lint(self, response: httpx.Response) -> None:
        response.read()
        request = response.request
        errors = [n for n in lint_response(
            request.method, str(request.url), list(request.headers.items()),
            response.status_code, response.reason_phrase, list(response.headers.items()),
            response.content, levels=("bad",))]
        assert not errors, f"{request.method} {request.url} -> {response.status_code}: {errors}"
        self.seen += 1


@pytest.fixture(scope="module")
def server() -> Iterator[int]:
    app = create_app(job_seconds=0.3, gateway_timeout=0.5)
    with serve(app, http=httptools_protocol(header_timeout=1.0, response_hygiene=False)) as port:
        yield port


@pytest.fixture
def client(server: int) -> Iterator[Linted]:
    with Linted(base_url=f"http://127.0.0.1:{server}", timeout=10) as c:
        yield c
        assert c.seen > 0
