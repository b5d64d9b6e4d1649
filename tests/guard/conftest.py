from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack
from typing import Any

import pytest

from statuskit.guard import Guard
from support.apps import plain_app
from support.servers import serve

GuardedServer = Callable[..., int]


@pytest.fixture
def guarded() -> Iterator[GuardedServer]:
    """``guarded(http="httptools", app=plain_app, **settings) -> port`` of a live server."""
    with ExitStack() as stack:

        def start(*, http: str = "httptools", app: Any = plain_app, **settings: Any) -> int:
            guard = Guard(app, **settings)
            cm: AbstractContextManager[int] = serve(guard, http=http)
            port = stack.enter_context(cm)
            start.guard = guard  # type: ignore[attr-defined]
            return port

        yield start
