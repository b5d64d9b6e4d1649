"""Real uvicorn servers on a free loopback port, in a thread or a subprocess."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from typing import Any

import uvicorn


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_port(port: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        time.sleep(0.02)
    raise TimeoutError(f"nothing listening on 127.0.0.1:{port}")


@contextlib.contextmanager
def serve(app: Any, *, http: Any = "httptools", **config: Any) -> Iterator[int]:
    """Run ``app`` on uvicorn in a background thread; yields the port."""
    # IPPROTO_TCP, not the default 0: asyncio sets TCP_NODELAY only on sockets that say
    # they are TCP, and without it every response whose head and body go out in two
    # writes waits 40 ms for the client's delayed ACK.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = int(sock.getsockname()[1])
    server = uvicorn.Server(
        uvicorn.Config(app, http=http, **{"lifespan": "off", "log_level": "warning", **config})
    )
    try:
        with running(server, sockets=[sock]):
            yield port
    finally:
        sock.close()


@contextlib.contextmanager
def running(server: uvicorn.Server, **run_options: Any) -> Iterator[uvicorn.Server]:
    """Run a configured uvicorn server in a background thread until the block ends."""
    thread = threading.Thread(target=server.run, kwargs=run_options, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while not server.started:
            if time.monotonic() > deadline or not thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.01)
        yield server
    finally:
        server.should_exit = True
        thread.join(10)


@contextlib.contextmanager
def serve_process(argv: list[str], port: int, env: dict[str, str] | None = None) -> Iterator[None]:
    """Run ``python argv...`` (a server listening on ``port``) in a subprocess."""
    process = subprocess.Popen(
        [sys.executable, *argv],
        env={**os.environ, **(env or {})},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        try:
            wait_for_port(port)
        except TimeoutError:
            process.kill()
            _, err = process.communicate(timeout=5)
            raise RuntimeError(err.decode(errors="replace")) from None
        yield
    finally:
        process.terminate()
        try:
            process.wait(5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)
