"""The errors are the adapter library's own: ``except httpx.HTTPStatusError`` (or
requests', or httpx2's) still catches after a switch to statuskit, and so do the
retry libraries told to retry on them (stamina, tenacity)."""

from __future__ import annotations

import pickle
from typing import Any

import httpx
import httpx2
import pytest
import requests
import stamina
import tenacity
from runners import runner
from scripted import Script

from statuskit.client import (
    ClientError,
    HTTPStatusError,
    NotFound,
    RetryPolicy,
    ServiceUnavailable,
    raise_for_status,
)

Server = tuple[str, Script]

# The library's own class a status error must also be, per runner.
OWN_STATUS_ERROR: dict[str, type[Exception]] = {
    "httpx": httpx.HTTPStatusError, "httpx2": httpx2.HTTPStatusError,
    "requests": requests.HTTPError}
NO_RETRIES = RetryPolicy(max_attempts=1)


@pytest.mark.parametrize("library", sorted(OWN_STATUS_ERROR))
def test_not_found_is_the_librarys_own_status_error(server: Server, library: str) -> None:
    base, script = server
    path = f"/own-404-{library}"
    script.on(path, (404, {"Content-Type": "application/problem+json"},
                     b'{"title": "Not Found", "detail": "no such note"}'))
    client = runner(library, base)
    try:
        response = client.send("GET", path)
        with pytest.raises(OWN_STATUS_ERROR[library]) as caught:  # the handler written before
            raise_for_status(response)
    finally:
        client.close()
    error: Any = caught.value
    assert isinstance(error, NotFound) and isinstance(error, ClientError)
    assert error.response is response  # what the library's own class promises
    assert error.request is not None and str(error.request.url).endswith(path)
    assert error.problem == {"title": "Not Found", "detail": "no such note"}
    back = pickle.loads(pickle.dumps(error))
    assert isinstance(back, NotFound) and isinstance(back, OWN_STATUS_ERROR[library])
    assert back.response is None and back.problem == error.problem


@pytest.mark.parametrize("library", ["httpx", "httpx2"])
def test_stamina_told_to_retry_on_the_librarys_error_retries_a_statuskit_error(
        server: Server, library: str) -> None:
    base, script = server
    path = f"/stamina-{library}"
    script.on(path, 503, 503, (200, {}, b"third time"))
    client = runner(library, base, policy=NO_RETRIES)  # stamina does the retrying here
    module: Any = httpx if library == "httpx" else httpx2

    @stamina.retry(on=module.HTTPError, attempts=3)
    def fetch() -> Any:
        return raise_for_status(client.send("GET", path))

    try:
        with stamina.set_testing(True, attempts=3):
            response = fetch()
    finally:
        client.close()
    assert response.content == b"third time"
    assert script.count(path) == 3


def test_tenacity_told_to_retry_on_requests_http_error_retries_a_statuskit_error(
        server: Server) -> None:
    base, script = server
    script.on("/tenacity", 503, (200, {}, b"again"))
    client = runner("requests", base, policy=NO_RETRIES)

    @tenacity.retry(retry=tenacity.retry_if_exception_type(requests.HTTPError),
                    stop=tenacity.stop_after_attempt(3), wait=tenacity.wait_none(),
                    reraise=True)
    def fetch() -> Any:
        return raise_for_status(client.send("GET", "/tenacity"))

    try:
        assert fetch().content == b"again"
    finally:
        client.close()
    assert script.count("/tenacity") == 2


def test_a_status_error_from_no_library_is_statuskits_alone() -> None:
    class Plain:
        status_code = 503
        headers: dict[str, str] = {}

    with pytest.raises(ServiceUnavailable) as caught:
        raise_for_status(Plain())
    assert type(caught.value) is ServiceUnavailable
    assert isinstance(caught.value, HTTPStatusError)
    assert not isinstance(caught.value, httpx.HTTPError | requests.RequestException)
    assert caught.value.request is None  # typed for every error; no library, no request
