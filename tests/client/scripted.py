"""A loopback server that answers from a script and counts what it receives.

Two scripted headers act instead of being sent: ``X-Break: 1`` promises 100 more
bytes than it sends and drops the connection (a body that breaks), ``X-Delay: s``
waits before answering (a read timeout).
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from support.servers import serve


@dataclass
class Script:
    """Per path: the answers to give in order (the last one repeats)."""

    answers: dict[str, list[tuple[int, dict[str, str], bytes]]] = field(default_factory=dict)
    seen: dict[str, list[tuple[str, bytes]]] = field(default_factory=dict)
    headers: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    ports: dict[str, list[int]] = field(default_factory=dict)  # client port per request
    lock: threading.Lock = field(default_factory=threading.Lock)

    def on(self, path: str, *answers: tuple[int, dict[str, str], bytes] | int) -> None:
        self.answers[path] = [a if isinstance(a, tuple) else (a, {}, b"") for a in answers]

    def count(self, path: str) -> int:
        return len(self.seen.get(path, []))

    def connections(self, *paths: str) -> int:
        """How many TCP connections the requests for ``paths`` came over."""
        return len({port for path in paths for port in self.ports.get(path, [])})

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        path = scope["path"]
        with self.lock:
            calls = self.seen.setdefault(path, [])
            calls.append((scope["method"], body))
            self.headers.setdefault(path, []).append(
                {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]})
            self.ports.setdefault(path, []).append(scope["client"][1])
            script = self.answers.get(path, [(404, {}, b"")])
            status, headers, content = script[min(len(calls), len(script)) - 1]
        if path == "/echo":
            content = json.dumps({"method": scope["method"], "body": body.decode()}).encode()
            headers = {"content-type": "application/json"}
        acts = {k.lower(): v for k, v in headers.items() if k.lower() in ("x-break", "x-delay")}
        raw = [(k.lower().encode(), v.encode()) for k, v in headers.items()
               if k.lower() not in acts]
        if "x-delay" in acts:
            await asyncio.sleep(float(acts["x-delay"]))
        promised = len(content) + (100 if "x-break" in acts else 0)
        if status not in (204, 304):
            raw.append((b"content-length", str(promised).encode()))
        await send({"type": "http.response.start", "status": status, "headers": raw})
        await send({"type": "http.response.body", "body": content,
                    "more_body": "x-break" in acts})
        # With X-Break the app returns short of its Content-Length: uvicorn drops
        # the connection, and the client sees the body break.


@contextmanager
def scripted_server() -> Iterator[tuple[str, Script]]:
    script = Script()
    # No Date of uvicorn's own: scripts set the Date a test needs.
    with serve(script, date_header=False) as port:
        yield f"http://127.0.0.1:{port}", script
