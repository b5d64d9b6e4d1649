"""The reference API on a free loopback port, for ``statuskit check`` with no URL."""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

__all__ = ["reference_server"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextlib.contextmanager
def reference_server(header_timeout: float = 2.0, **settings: Any) -> Iterator[str]:
    """Serve ``create_app(**settings)`` behind statuskit's wire protocol; yields its URL."""
    import uvicorn

    from statuskit.reference import create_app
    from statuskit.server import config

    port = _free_port()
    app = create_app(**settings)
    server = uvicorn.Server(config(
        app, port=port, header_timeout=header_timeout,
        uvicorn_options={"log_level": "critical", "lifespan": "off"},
    ))
    # /fail raises on purpose; its logged traceback is not news in a checker's terminal.
    guard_log = logging.getLogger("statuskit.guard")
    level = guard_log.level
    guard_log.setLevel(logging.CRITICAL)
    thread = threading.Thread(target=server.run, name="statuskit-reference", daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while not server.started:
            if time.monotonic() > deadline or not thread.is_alive():
                raise RuntimeError("the reference API did not start")
            time.sleep(0.01)
        yield f"http://127.0.0.1:{port}/"
    finally:
        server.should_exit = True
        thread.join(5)
        guard_log.setLevel(level)
