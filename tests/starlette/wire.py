"""Raw exchanges the starlette tests share."""

from __future__ import annotations

import json
from typing import Any

from support.rawhttp import RawConnection, RawResponse

PROBLEM = "application/problem+json"
_FOLLOWER = b"GET /items HTTP/1.1\r\nHost: test\r\n\r\n"


def exchange(port: int, method: str, target: str, headers: dict[str, str] | None = None,
             body: bytes = b"") -> RawResponse:
    """One request; then a pipelined GET / on the same connection must parse, which it
    cannot if the first answer sent content it should not have (HEAD, 204, 304)."""
    fields = {"Host": "test", **(headers or {})}
    if body:
        fields.setdefault("Content-Length", str(len(body)))
    head = f"{method} {target} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in fields.items())
    with RawConnection(port) as conn:
        conn.send(head.encode("latin-1") + b"\r\n" + body + _FOLLOWER)
        first = conn.read_response(head_request=method == "HEAD")
        follower = conn.read_response()
        # Content the first answer should not have sent would open the next status line.
        assert follower.version == "HTTP/1.1", "content leaked into the next response"
        assert follower.status in (200, 404)
    return first


def problem(response: RawResponse, status: int) -> dict[str, Any]:
    """The RFC 9457 document of ``response``, checked for its required members."""
    assert response.status == status, (response.status, response.body[:300])
    assert response.header("content-type") == PROBLEM
    assert int(response.header("content-length") or -1) == len(response.body)
    document: dict[str, Any] = json.loads(response.body)
    assert document["status"] == status
    assert document["type"] == "about:blank" and document["title"]
    return document


def methods(allow: str | None) -> list[str]:
    assert allow is not None, "Allow is missing"
    return [m.strip() for m in allow.split(",")]
