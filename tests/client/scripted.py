"""A loopback server that answers from a script and counts what it receives."""

from __future__ import annotations

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
    lock: threading.Lock = field(default_factory=threading.Lock)

    def on(self, path: str, *answers: tuple[int, dict[str, str], bytes] | int) -> None:
        self.answers[path] = [a if isinstance(a, tuple) else (a, {}, b"") for a in answers]

    def count(self, path: str) -> int:
        return len(self.seen.get(path, []))

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
            script = self.answers.get(path, [(404, {}, b"")])
            status, headers, content = script[min(len(calls), len(script)) - 1]
        if path == "/echo":
            content = json.dumps({"method": scope["method"], "body": body.decode()}).encode()
            headers = {"content-type": "application/json"}
        raw = [(k.lower().encode(), v.encode()) for k, v in headers.items()]
        if status not in (204, 304):
            raw.append((b"content-length", str(len(content)).encode()))
        await send({"type": "http.response.start", "status": status, "headers": raw})
        await send({"type": "http.response.body", "body": content})


@contextmanager
def scripted_server() -> Iterator[tuple[str, Script]]:
    script = Script()
    # No Date of uvicorn's own: scripts set the Date a test needs.
    with serve(script, date_header=False) as port:
        yield f"http://127.0.0.1:{port}", script
