"""statuskit.server.config() on an app install() already guarded: served as it is, one Guard
deep, with the wire and that Guard agreeing on 414 and 501."""

from __future__ import annotations

from typing import Any

import pytest
import uvicorn
from apps import fastapi_app, starlette_app

from statuskit.server import config
from statuskit.starlette import install
from statuskit.starlette._contract import Contract
from support.rawhttp import get
from support.servers import free_port, running

QUIET = {"log_level": "warning", "lifespan": "off"}


class CountingGuard(Contract):
    """install()'s Guard (the Contract is one), counting the requests it sees, to prove
    there is only one Guard in the path."""

    seen = 0

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            type(self).seen += 1
        await super().__call__(scope, receive, send)


@pytest.mark.parametrize("build", [fastapi_app, starlette_app], ids=["fastapi", "starlette"])
def test_an_installed_app_is_served_as_it_is(build: Any) -> None:
    app = install(build(), max_target_length=300)
    built = config(app, port=free_port(), uvicorn_options=QUIET)
    assert built.app is app  # not wrapped in a second Guard


def test_guard_settings_for_an_installed_app_are_refused_at_config() -> None:
    app = install(starlette_app())
    with pytest.raises(TypeError, match="install"):
        config(app, rate_limit="10/second")


@pytest.mark.parametrize("build", [fastapi_app, starlette_app], ids=["fastapi", "starlette"])
def test_each_request_meets_one_guard_and_the_wire_shares_its_limits(
        build: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    import statuskit.starlette._install as installing

    monkeypatch.setattr(installing, "Contract", CountingGuard)
    CountingGuard.seen = 0
    app = install(build(), max_target_length=300)
    port = free_port()
    server = uvicorn.Server(config(app, port=port, uvicorn_options=QUIET))
    with running(server):
        ok = get(port, "/items/1")
        long_target = get(port, "/items/" + "1" * 400)
        unknown = get(port, "/items/1", method="PURGE")
    assert ok.status == 200
    assert CountingGuard.seen == 2  # the GET and the PURGE; the 414 never reached an app
    # RFC 9110 §15.5.15 at the install()'s limit, from the wire, as problem+json.
    assert long_target.status == 414
    assert long_target.header("content-type") == "application/problem+json"
    # RFC 9110 §15.6.2: a method no route implements.
    assert unknown.status == 501
    assert unknown.header("content-type") == "application/problem+json"
