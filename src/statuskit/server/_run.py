"""``run()``: Guard + statuskit's protocol + uvicorn.Server in one call."""

from __future__ import annotations

from typing import Any, Literal

import uvicorn

from statuskit.defaults import HEADER_TIMEOUT, MAX_HEADER_SIZE, MAX_TARGET_LENGTH
from statuskit.guard import Guard
from statuskit.http.methods import REGISTERED_METHODS
from statuskit.server._h11 import h11_protocol
from statuskit.server._httptools import httptools_protocol


def config(
    app: Any,
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    header_timeout: float = HEADER_TIMEOUT,
    max_header_size: int = MAX_HEADER_SIZE,
    parser: Literal["httptools", "h11"] = "httptools",
    uvicorn_options: dict[str, Any] | None = None,
    **guard_settings: Any,
) -> uvicorn.Config:
    """The uvicorn configuration ``run()`` uses: ``app`` behind a Guard, on statuskit's protocol.

    An app that is already a ``Guard`` is served as it is.

    ``max_target_length`` and ``extension_methods`` go to both the guard and the protocol,
    so the wire and the guard agree on 414 and 501.
    """
    if isinstance(app, Guard):
        # Already guarded (the reference API is): one guard, and the wire agrees with it.
        if guard_settings:
            raise TypeError("guard settings go to the Guard the app already has")
        guard = app
        # uvicorn's cycles keep Content-Length true themselves; checking twice costs.
        guard.check_content_length = False
        max_target_length = app.max_target_length
        extension_methods: Any = app.methods - REGISTERED_METHODS
    else:
        max_target_length = guard_settings.setdefault("max_target_length", MAX_TARGET_LENGTH)
        extension_methods = guard_settings.get("extension_methods", ())
        guard_settings.setdefault("check_content_length", False)
        guard = Guard(app, **guard_settings)
    if parser == "h11":
        protocol: type = h11_protocol(
            header_timeout=header_timeout,
            max_target_length=max_target_length,
            max_header_size=max_header_size,
            extension_methods=extension_methods,
        )
    else:
        protocol = httptools_protocol(
            header_timeout=header_timeout,
            max_target_length=max_target_length,
            max_header_size=max_header_size,
            # The Guard below keeps the response rules; checking them twice costs ~8 %.
            response_hygiene=False,
        )
    return uvicorn.Config(
        guard, host=host, port=port, http=protocol,
        **(uvicorn_options or {}),
    )


def run(
    app: Any,
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    header_timeout: float = HEADER_TIMEOUT,
    **settings: Any,
) -> None:
    """Serve ``app`` with every wire and transport code; blocks until shut down.

    Other keywords: ``max_header_size``, ``parser`` ("httptools" or "h11"),
    ``uvicorn_options`` (passed to ``uvicorn.Config``) and any Guard setting.
    """
    uvicorn.Server(config(app, host=host, port=port, header_timeout=header_timeout,
                          **settings)).run()
