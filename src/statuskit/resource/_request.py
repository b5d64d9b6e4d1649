"""The request as the decision graph sees it: header fields looked up lazily."""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any

from statuskit.types import Receive

__all__ = ["Request"]



class Request:
    """One HTTP request. Header fields are decoded only when a decision asks."""

    __slots__ = ("_body", "_fields", "_receive", "method", "params", "path", "scope", "state")

    def __init__(
        self, scope: MutableMapping[str, Any], receive: Receive, params: dict[str, Any],
        state: Any = None,
    ) -> None:
        self.scope = scope
        self._receive = receive
        self.method: str = scope["method"]
        self.path: str = scope["path"]
        self.params = params
        self.state = state
        self._fields: dict[bytes, bytes] | None = None
        self._body: bytes | None = None

    def header(self, name: bytes) -> str | None:
        """A field's value (``name`` lower-case bytes); repeated lines are joined with
        commas as RFC 9110 §5.3 allows for list-based fields."""
        fields = self._fields
        if fields is None:
            fields = self.fields()
        value = fields.get(name)
        return value.decode("latin-1") if value is not None else None

    def fields(self) -> dict[bytes, bytes]:
        """Every field by lower-case name, as raw bytes (built once): for the
        questions that only need to know whether a field was sent at all."""
        fields = self._fields
        if fields is None:
            headers = self.scope["headers"]
            fields = dict(headers)  # one C call for the usual head: no name repeated
            if len(fields) != len(headers):
                fields = _joined(headers)
            self._fields = fields
        return fields

    @property
    def query_string(self) -> str:
        raw: bytes = self.scope.get("query_string", b"")
        return raw.decode("latin-1")

    def has_body(self) -> bool:
        """Whether the request carries content (RFC 9112 §6.3)."""
        length = self.header(b"content-length")
        if length is not None:
            return length.strip() not in ("", "0")
        return self.header(b"transfer-encoding") is not None

    async def body(self, limit: int | None = None) -> bytes:
        """The whole content, read once. Past ``limit`` bytes raises ``BodyTooLarge``."""
        if self._body is None:
            chunks: list[bytes] = []
            size = 0
            while True:
                message = await self._receive()
                if message["type"] == "http.disconnect":
                    raise ClientGone
                chunk = message.get("body", b"")
                size += len(chunk)
                if limit is not None and size > limit:
                    raise BodyTooLarge(size)
                chunks.append(chunk)
                if not message.get("more_body", False):
                    break
            self._body = b"".join(chunks)
        return self._body


def _joined(headers: Any) -> dict[bytes, bytes]:
    # RFC 9110 §5.3: a repeated field is one list, its lines joined with commas.
    fields: dict[bytes, bytes] = {}
    for key, value in headers:
        if key in fields:
            fields[key] = fields[key] + b", " + value
        else:
            fields[key] = value
    return fields


class BodyTooLarge(Exception):
    """The content grew past the resource's limit while it streamed in."""


class ClientGone(Exception):
    """The client disconnected before its content arrived."""
