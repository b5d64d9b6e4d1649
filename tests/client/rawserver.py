"""A loopback HTTP/1.1 server on raw sockets, for answers no framework would send:
a body cut off mid-way, a 206 of the wrong bytes, a Range ignored.

A handler gets each request (its number, line and fields) and returns the bytes
to send and whether to drop the connection after them.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field


@dataclass
class Request:
    number: int  # 1 for the first request the server got
    method: str
    target: str
    headers: dict[str, str]  # names lowercased


@dataclass
class Answer:
    data: bytes
    drop: bool = False  # close the connection right after ``data``


def response(status: str, fields: dict[str, str], body: bytes, *,
             send: int | None = None) -> Answer:
    """A response declaring all of ``body`` (Content-Length) but sending only its first
    ``send`` bytes, then dropping the connection, when ``send`` is given."""
    head = f"HTTP/1.1 {status}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in fields.items())
    head += f"Content-Length: {len(body)}\r\n\r\n"
    if send is None:
        return Answer(head.encode("latin-1") + body)
    return Answer(head.encode("latin-1") + body[:send], drop=True)


def chunked(status: str, fields: dict[str, str], body: bytes, *, chunk: int = 8192,
            send: int | None = None) -> Answer:
    """A chunked response (no Content-Length: nothing declares the body's length but
    the last chunk); cut off after ``send`` body bytes and dropped when given."""
    head = f"HTTP/1.1 {status}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in fields.items())
    head += "Transfer-Encoding: chunked\r\n\r\n"
    sent = body if send is None else body[:send]
    data = b"".join(b"%x\r\n%s\r\n" % (len(sent[i:i + chunk]), sent[i:i + chunk])
                    for i in range(0, len(sent), chunk))
    if send is None:
        return Answer(head.encode("latin-1") + data + b"0\r\n\r\n")
    return Answer(head.encode("latin-1") + data, drop=True)


Handler = Callable[[Request], Answer]


@dataclass
class RawServer:
    handler: Handler
    requests: list[Request] = field(default_factory=list)
    sent: int = 0  # body and head bytes written, all connections
    sent_per_request: list[int] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def serve(self, connection: socket.socket) -> None:
        with connection:
            buffer = b""
            while True:
                while b"\r\n\r\n" not in buffer:
                    try:
                        chunk = connection.recv(65536)
                    except OSError:  # the client went away, or stayed silent
                        return
                    if not chunk:
                        return
                    buffer += chunk
                head, buffer = buffer.split(b"\r\n\r\n", 1)
                line, *lines = head.decode("latin-1").split("\r\n")
                method, target, _ = line.split(" ", 2)
                fields = {}
                for raw in lines:
                    name, _, value = raw.partition(":")
                    fields[name.strip().lower()] = value.strip()
                with self.lock:
                    request = Request(len(self.requests) + 1, method, target, fields)
                    self.requests.append(request)
                answer = self.handler(request)
                try:
                    connection.sendall(answer.data)
                except OSError:
                    return
                with self.lock:
                    self.sent += len(answer.data)
                    self.sent_per_request.append(len(answer.data))
                if answer.drop:
                    connection.shutdown(socket.SHUT_RDWR)
                    return


@contextmanager
def raw_server(handler: Handler) -> Iterator[tuple[str, RawServer]]:
    server = RawServer(handler)
    listener = socket.create_server(("127.0.0.1", 0))
    stopping = threading.Event()
    workers: list[threading.Thread] = []
    connections: list[socket.socket] = []

    def accept() -> None:
        while not stopping.is_set():
            try:
                connection, _ = listener.accept()
            except OSError:  # shut down: the test is over
                return
            connection.settimeout(10)
            connections.append(connection)
            worker = threading.Thread(target=server.serve, args=(connection,), daemon=True)
            worker.start()
            workers.append(worker)

    acceptor = threading.Thread(target=accept, daemon=True)
    acceptor.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}", server
    finally:
        stopping.set()
        # shutdown() wakes the accept() blocked in the other thread (close() alone
        # does not, on Linux).
        with contextlib.suppress(OSError):
            listener.shutdown(socket.SHUT_RDWR)
        acceptor.join(timeout=5)
        listener.close()
        for connection in connections:  # a client's idle keep-alive connection
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
        for worker in workers:
            worker.join(timeout=5)
