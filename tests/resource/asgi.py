"""Calls an ASGI app in-process and collects what it sends, for the resource tests."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Reply:
    status: int
    headers: list[tuple[str, str]]
    body: bytes
    messages: list[dict[str, Any]] = field(default_factory=list)

    def header(self, name: str) -> str | None:
        values = [v for k, v in self.headers if k == name.lower()]
        return ", ".join(values) if values else None

    def json(self) -> Any:
        return json.loads(self.body)


def call(
    app: Any,
    method: str = "GET",
    path: str = "/",
    headers: dict[str, str] | None = None,
    body: bytes = b"",
    *,
    root_path: str = "",
    query: str = "",
) -> Reply:
    return asyncio.run(acall(app, method, path, headers, body, root_path=root_path, query=query))


async def acall(
    app: Any,
    method: str = "GET",
    path: str = "/",
    headers: dict[str, str] | None = None,
    body: bytes = b"",
    *,
    root_path: str = "",
    query: str = "",
) -> Reply:
    raw_headers = [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    if body and "content-length" not in {k.lower() for k in headers or {}}:
        raw_headers.append((b"content-length", str(len(body)).encode()))
    scope = {
        "type": "http", "http_version": "1.1", "method": method, "scheme": "http",
        "path": root_path + path, "raw_path": (root_path + path).encode(),
        "root_path": root_path, "query_string": query.encode(), "headers": raw_headers,
        "client": ("127.0.0.1", 5000), "server": ("127.0.0.1", 80),
    }
    pending = [{"type": "http.request", "body": body, "more_body": False}]
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        if pending:
            return pending.pop()
        await asyncio.sleep(3600)
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app(scope, receive, send)
    start = next(m for m in sent if m["type"] == "http.response.start")
    content = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return Reply(
        start["status"],
        [(k.decode().lower(), v.decode()) for k, v in start.get("headers", [])],
        content,
        sent,
    )
