"""Several worker processes serving one listening socket.

The parent binds the socket once and forks the workers; the kernel spreads new
connections among them. Each worker builds its own uvicorn configuration (and so
its own app) after the fork, so nothing that must not cross a fork (an SQLite
connection, an event loop, a thread) is shared: state that must hold across
workers lives outside them (SQLite on disk, Redis for rate limits).

uvicorn's own supervisor starts workers with ``spawn`` and needs the app as an
import string; forking lets ``run()`` keep taking an app object or a factory.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import signal
import socket
import time
from collections.abc import Callable
from multiprocessing.process import BaseProcess
from types import FrameType

import uvicorn

__all__ = ["WorkersExited", "bind", "serve_workers"]

logger = logging.getLogger("statuskit.server")

# A worker that dies within this many seconds of starting is not restarted again:
# it would only die again (a broken app, a port it cannot use).
_STARTUP_GRACE = 1.0
# Seconds the workers get to finish their requests after SIGTERM before SIGKILL.
_SHUTDOWN_GRACE = 10.0
_BACKLOG = 2048


class WorkersExited(RuntimeError):
    """Every worker exited without being asked to (a broken app dies again on restart)."""


def bind(host: str, port: int) -> socket.socket:
    """A listening TCP socket. getaddrinfo's protocol (IPPROTO_TCP) matters: asyncio sets
    TCP_NODELAY only on sockets that say they are TCP, and without it a response whose
    head and body are two writes waits for the client's delayed ACK (40 ms)."""
    family, kind, proto, _, address = socket.getaddrinfo(
        host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(_BACKLOG)
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


def _work(build: Callable[[], uvicorn.Config], sock: socket.socket) -> None:
    # The parent's handlers are inherited through fork; a worker ends the uvicorn way.
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    uvicorn.Server(build()).run(sockets=[sock])


class _Supervisor:
    """Keeps ``count`` workers alive until SIGINT or SIGTERM, then stops them all."""

    def __init__(self, build: Callable[[], uvicorn.Config], sock: socket.socket,
                 count: int) -> None:
        self.build, self.sock, self.count = build, sock, count
        self.context = multiprocessing.get_context("fork")
        self.workers: list[tuple[BaseProcess, float]] = []
        self.stopping = False

    def start_one(self) -> None:
        process = self.context.Process(target=_work, args=(self.build, self.sock),
                                       name="statuskit-worker", daemon=False)
        process.start()
        self.workers.append((process, time.monotonic()))

    def stop(self, signum: int, frame: FrameType | None) -> None:
        self.stopping = True

    def watch(self) -> None:
        while not self.stopping and self.workers:
            time.sleep(0.2)
            for entry in list(self.workers):
                process, started = entry
                if process.is_alive():
                    continue
                self.workers.remove(entry)
                if self.stopping:
                    break
                if time.monotonic() - started < _STARTUP_GRACE:
                    logger.error("worker %s exited %s at start; not restarting it",
                                 process.pid, process.exitcode)
                    continue
                logger.warning("worker %s exited %s; starting another",
                               process.pid, process.exitcode)
                self.start_one()

    def shut_down(self) -> None:
        for process, _ in self.workers:
            if process.is_alive() and process.pid is not None:
                with contextlib.suppress(ProcessLookupError):
                    process.terminate()
        deadline = time.monotonic() + _SHUTDOWN_GRACE
        for process, _ in self.workers:
            process.join(max(0.0, deadline - time.monotonic()))
            if process.is_alive():
                process.kill()
                process.join()


def serve_workers(build: Callable[[], uvicorn.Config], sock: socket.socket,
                  count: int) -> None:
    """Serve on ``sock`` from ``count`` forked workers; returns after SIGINT/SIGTERM, and
    raises ``WorkersExited`` when every worker died without being asked to.

    ``build`` runs in each worker, after the fork."""
    supervisor = _Supervisor(build, sock, count)
    previous = {s: signal.signal(s, supervisor.stop) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        for _ in range(count):
            supervisor.start_one()
        supervisor.watch()
        if not supervisor.stopping:
            raise WorkersExited(f"all {count} workers exited at start; see their errors above")
    finally:
        supervisor.shut_down()
        for signum, handler in previous.items():
            signal.signal(signum, handler)
