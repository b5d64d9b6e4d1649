"""What the decision graph hands back: a status, header fields and content."""

from __future__ import annotations

from typing import Any

from statuskit.problem import PROBLEM_CONTENT_TYPE, problem_body

__all__ = ["Answer", "Headers", "problem"]

Headers = list[tuple[bytes, bytes]]


class Answer:
    """The graph's verdict: status, header fields and content."""

    __slots__ = ("body", "headers", "status")

    def __init__(self, status: int, headers: Headers, body: bytes = b"") -> None:
        self.status = status
        self.headers = headers
        self.body = body


def problem(status: int, detail: str | None = None, headers: Headers | None = None,
            **extensions: Any) -> Answer:
    """An RFC 9457 problem answer with the catalogue's title for ``status``."""
    body = problem_body(status, detail, **extensions)
    out: Headers = [(b"content-type", PROBLEM_CONTENT_TYPE.encode())]
    if headers:
        out.extend(headers)
    return Answer(status, out, body)
