"""HTTP/1.x over a raw socket: for what lives below HTTP client libraries."""

from __future__ import annotations

import json
import socket
import time
from dataclasses import dataclass, field
from typing import Any


@dataclass
class RawResponse:
    status: int
    reason: str
    version: str
    headers: list[tuple[str, str]]
    body: bytes
    interim: list[int] = field(default_factory=list)  # 1xx statuses seen before it

    def header(self, name: str) -> str | None:
        for key, value in self.headers:
            if key == name.lower():
                return value
        return None

    def json(self) -> Any:
        return json.loads(self.body)


class RawConnection:
    """One client connection; requests are bytes written as given."""

    def __init__(self, port: int, timeout: float = 5.0) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.buffer = b""

    def __enter__(self) -> RawConnection:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.sock.close()

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def _fill(self) -> bool:
        chunk = self.sock.recv(65536)
        if not chunk:
            return False
        self.buffer += chunk
        return True

    def _read_until(self, marker: bytes) -> bytes:
        while marker not in self.buffer:
            if not self._fill():
                raise ConnectionError(f"closed before {marker!r}; got {self.buffer[:200]!r}")
        data, _, self.buffer = self.buffer.partition(marker)
        return data

    def _read_exact(self, size: int) -> bytes:
        while len(self.buffer) < size:
            if not self._fill():
                raise ConnectionError("closed inside the content")
        data, self.buffer = self.buffer[:size], self.buffer[size:]
        return data

    def read_head(self) -> tuple[str, int, str, list[tuple[str, str]]]:
        head = self._read_until(b"\r\n\r\n").decode("latin-1")
        status_line, *lines = head.split("\r\n")
        version, status, *reason = status_line.split(" ", 2)
        headers = []
        for line in lines:
            name, _, value = line.partition(":")
            headers.append((name.strip().lower(), value.strip()))
        return version, int(status), (reason[0] if reason else ""), headers

    def read_response(self, *, head_request: bool = False) -> RawResponse:
        interim = []
        while True:
            version, status, reason, headers = self.read_head()
            if 100 <= status < 200 and status != 101:
                interim.append(status)
                continue
            break
        response = RawResponse(status, reason, version, headers, b"", interim)
        if head_request or status in (204, 304):
            return response
        length = response.header("content-length")
        if response.header("transfer-encoding") == "chunked":
            body = b""
            while True:
                size = int(self._read_until(b"\r\n").split(b";")[0], 16)
                if size == 0:
                    self._read_until(b"\r\n")
                    break
                body += self._read_exact(size)
                self._read_exact(2)
            response.body = body
        elif length is not None:
            response.body = self._read_exact(int(length))
        else:
            while self._fill():
                pass
            response.body, self.buffer = self.buffer, b""
        return response

    def is_closed(self, wait: float = 2.0) -> bool:
        """True when the server closed the connection (EOF) within ``wait`` seconds."""
        if self.buffer:
            return False
        self.sock.settimeout(wait)
        try:
            return self.sock.recv(1) == b""
        except TimeoutError:
            return False
        except ConnectionResetError:
            return True

    def pending(self, wait: float = 0.2) -> bytes:
        """Whatever the server sends within ``wait`` seconds (b"" if nothing)."""
        self.sock.settimeout(wait)
        deadline = time.monotonic() + wait
        try:
            while time.monotonic() < deadline:
                if not self._fill():
                    break
        except TimeoutError:
            pass
        data, self.buffer = self.buffer, b""
        return data


def request(
    port: int, data: bytes, *, head_request: bool = False, timeout: float = 5.0
) -> RawResponse:
    with RawConnection(port, timeout) as conn:
        conn.send(data)
        return conn.read_response(head_request=head_request)


def get(port: int, target: str = "/", *, method: str = "GET", version: str = "HTTP/1.1",
        headers: dict[str, str] | None = None, body: bytes = b"") -> RawResponse:
    fields = {"Host": "test"}
    if body:
        fields["Content-Length"] = str(len(body))
    fields.update(headers or {})
    head = f"{method} {target} {version}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in fields.items())
    return request(port, head.encode("latin-1") + b"\r\n" + body, head_request=method == "HEAD")
