"""Questions Webmachine resources can answer: Vary members, Expires, OPTIONS
fields and a resource's own exception handler."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import pytest

from statuskit.guard import Guard
from statuskit.http import format_http_date, parse_http_date
from statuskit.resource import App, BadGateway, Outcome, Resource
from statuskit.server import httptools_protocol
from support.rawhttp import get
from support.servers import serve

STALE_AT = 1_900_000_000


class Profile(Resource):
    provides = ("application/json", "text/plain")
    vary = ("Authorization",)

    def etag(self) -> str:
        return "p1"

    def expires(self) -> float:
        return STALE_AT

    def options(self) -> Mapping[str, str]:
        return {"Accept-Patch": "application/merge-patch+json"}

    def representation(self, media_type: str) -> Any:
        return {"me": True}


class Upstream(Resource):
    def representation(self, media_type: str) -> Any:
        raise ConnectionError("upstream refused")

    def handle_exception(self, exc: Exception) -> Outcome | None:
        if isinstance(exc, ConnectionError):
            return BadGateway("the upstream refused the connection")
        return None


class Broken(Upstream):
    def representation(self, media_type: str) -> Any:
        raise KeyError("not handled by the resource")


@pytest.fixture(scope="module")
def port() -> Iterator[int]:
    app = Guard(App({"/me": Profile, "/up": Upstream, "/broken": Broken}))
    with serve(app, http=httptools_protocol()) as port:
        yield port


def test_extra_vary_members_follow_the_negotiated_ones(port: int) -> None:
    reply = get(port, "/me")
    assert reply.status == 200
    assert reply.header("vary") == "Accept, Authorization"  # RFC 9110 §12.5.5


def test_expires_goes_out_with_200_and_304(port: int) -> None:
    full = get(port, "/me")
    assert full.header("expires") == format_http_date(STALE_AT)  # RFC 9111 §5.3
    cached = get(port, "/me", headers={"If-None-Match": '"p1"'})
    assert cached.status == 304
    assert cached.body == b""
    # RFC 9110 §15.4.5: a 304 carries the Expires and Vary a 200 would have
    assert parse_http_date(cached.header("expires") or "") is not None
    assert cached.header("expires") == full.header("expires")
    assert cached.header("vary") == "Accept, Authorization"


def test_options_carries_the_resources_fields_beside_allow(port: int) -> None:
    reply = get(port, "/me", method="OPTIONS")
    assert reply.status == 204
    assert reply.header("allow") == "GET, HEAD, OPTIONS"
    assert reply.header("accept-patch") == "application/merge-patch+json"
    assert reply.body == b""
    assert reply.header("content-length") is None


def test_a_handled_exception_is_the_resources_outcome(port: int) -> None:
    reply = get(port, "/up")
    assert reply.status == 502  # RFC 9110 §15.6.3
    assert reply.header("content-type") == "application/problem+json"
    assert reply.json()["detail"] == "the upstream refused the connection"


def test_an_unhandled_exception_still_reaches_the_guard(port: int) -> None:
    reply = get(port, "/broken")
    assert reply.status == 500
    assert b"not handled" not in reply.body  # no internal detail goes out
