"""A small HTTP/1.1 server written to break the rules the checker must catch.

It answers OPTIONS with 204 + Content-Length: 5 + "hello", a conditional GET
with a 304 that carries content and no validator, HEAD with content, requests
with no Host or two, and keeps the connection open after a request with both
Content-Length and Transfer-Encoding. Everything else on / is a plain 200.
Keep-alive, so stray bytes land where the next answer should start.
"""

from __future__ import annotations

import contextlib
import socket
import socketserver
import threading
from collections.abc import Iterator

PAGE = b"<!doctype html><title>x</title><p>hello from the rule breaker\n"


def _answer(method: str, fields: dict[str, list[str]]) -> bytes:
    if method == "OPTIONS":
        # RFC 9110 §8.6 and §15.3.5 broken: Content-Length and content on a 204.
        return (b"HTTP/1.1 204 No Content\r\nAllow: GET, HEAD, OPTIONS, POST\r\n"
                b"Content-Length: 5\r\n\r\nhello")
    if "if-none-match" in fields:
        # RFC 9110 §15.4.5 broken: content on a 304, and no ETag.
        return (b"HTTP/1.1 304 Not Modified\r\nContent-Length: 8\r\n\r\nmodified")
    length = str(len(PAGE)).encode()
    head = (b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nETag: \"v1\"\r\n"
            b"Content-Length: " + length + b"\r\n\r\n")
    # RFC 9110 §9.3.2 broken: HEAD gets the content too.
    return head + PAGE


class _Handler(socketserver.StreamRequestHandler):
    def handle(self) -> None:
        while True:
            line = self.rfile.readline(65537)
            if not line:
                return
            method = line.split(b" ", 1)[0].decode("latin-1")
            fields: dict[str, list[str]] = {}
            while (raw := self.rfile.readline(65537)) not in (b"\r\n", b"\n", b""):
                name, _, value = raw.decode("latin-1").partition(":")
                fields.setdefault(name.strip().lower(), []).append(value.strip())
            if "chunked" in ",".join(fields.get("transfer-encoding", [])):
                while self.rfile.readline() not in (b"0\r\n", b""):
                    pass
                self.rfile.readline()
            elif "content-length" in fields:
                length = int(fields["content-length"][0])
                if length > 1 << 20:
                    self.wfile.write(b"HTTP/1.1 100 Continue\r\n\r\n")
                    self.wfile.flush()
                    self.rfile.read(1)  # invites the 1 TB and waits for it; never answers
                    return
                self.rfile.read(length)
            # No Host check at all (RFC 9112 §3.2 broken), and keep-alive even after
            # Content-Length with Transfer-Encoding (RFC 9112 §6.1 broken).
            if self.server.silent_on_no_host and "host" not in fields:  # type: ignore[attr-defined]
                self.rfile.read(1)  # as a server too loaded to answer within the timeout
                return
            self.wfile.write(_answer(method, fields))
            self.wfile.flush()


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    silent_on_no_host = False


@contextlib.contextmanager
def silent_on_no_host() -> Iterator[int]:
    """The rule breaker, except that a request with no Host never gets an answer."""
    with rule_breaker(silent_on_no_host=True) as port:
        yield port


@contextlib.contextmanager
def rule_breaker(*, silent_on_no_host: bool = False) -> Iterator[int]:
    server = _Server(("127.0.0.1", 0), _Handler)
    server.silent_on_no_host = silent_on_no_host
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield int(server.server_address[1])
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def raw_bytes(port: int, request: bytes, wait: float = 0.5) -> bytes:
    """Every byte the server sends within ``wait`` seconds: an oracle that parses nothing."""
    with socket.create_connection(("127.0.0.1", port), timeout=wait) as sock:
        sock.sendall(request)
        data = b""
        with contextlib.suppress(TimeoutError):
            while chunk := sock.recv(65536):
                data += chunk
        return data
