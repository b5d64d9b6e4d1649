from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from typing import Any

import pytest

from statuskit.server import h11_protocol, httptools_protocol
from support.apps import plain_app
from support.servers import serve

Wire = Callable[..., int]


@pytest.fixture(params=["httptools", "h11"])
def wire(request: pytest.FixtureRequest) -> Iterator[Wire]:
    """``wire(app=plain_app, **protocol_settings) -> port``, once per parser."""
    factory: Any = httptools_protocol if request.param == "httptools" else h11_protocol
    with ExitStack() as stack:

        def start(*, app: Any = plain_app, **settings: Any) -> int:
            return stack.enter_context(serve(app, http=factory(**settings)))

        yield start


@pytest.fixture
def httptools_wire() -> Iterator[Wire]:
    with ExitStack() as stack:

        def start(*, app: Any = plain_app, **settings: Any) -> int:
            return stack.enter_context(serve(app, http=httptools_protocol(**settings)))

        yield start


@pytest.fixture(params=["httptools", "h11"])
def stack(request: pytest.FixtureRequest) -> Iterator[Wire]:
    """``stack(app=plain_app, **config_settings) -> port``: the app as ``run()`` serves
    it (Guard + statuskit protocol + uvicorn), once per parser."""
    import uvicorn

    from statuskit.server import config
    from support.servers import free_port, running

    with ExitStack() as stack:

        def start(*, app: Any = plain_app, **settings: Any) -> int:
            port = free_port()
            options = {"log_level": "critical", "lifespan": "off",
                       **settings.pop("uvicorn_options", {})}
            server = uvicorn.Server(config(app, port=port, parser=request.param,
                                           uvicorn_options=options, **settings))
            stack.enter_context(running(server))
            return port

        yield start
