"""A hostile HTTP server on a free loopback port: raw bytes, no HTTP library.

Each connection's request head is read, then ``answer(conn, head, done)`` writes
whatever it writes (``done`` is set when the test ends, for answers that never stop
on their own). With ``hold`` the connection then stays open until the client goes or
the test ends; without it, it closes once the answer is written.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Callable, Iterator

__all__ = ["Answer", "hostile_server"]

Answer = Callable[[socket.socket, bytes, threading.Event], None]


@contextlib.contextmanager
def hostile_server(answer: Answer, *, hold: bool = True,
                   timeout: float = 30.0) -> Iterator[int]:
    """Serve ``answer`` to every connection; yields the port."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    server.settimeout(0.1)
    done = threading.Event()

    def one(conn: socket.socket) -> None:
        with conn:
            conn.settimeout(timeout)
            head = b""
            try:
                while b"\r\n\r\n" not in head:
                    if not (chunk := conn.recv(65536)):
                        return
                    head += chunk
                answer(conn, head, done)
                while hold and not done.is_set() and conn.recv(65536):
                    pass
            except OSError:
                return

    def accept() -> None:
        while not done.is_set():
            try:
                conn, _ = server.accept()
            except TimeoutError:
                continue
            threading.Thread(target=one, args=(conn,), daemon=True).start()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield server.getsockname()[1]
    finally:
        done.set()
        thread.join(5)
        server.close()
