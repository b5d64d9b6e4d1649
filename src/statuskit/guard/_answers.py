"""The guard's own responses: RFC 9457 problem documents with the catalogue's title."""

from __future__ import annotations

from typing import Any

from statuskit.problem import problem_body, problem_headers
from statuskit.types import Send

# A short, generic explanation per code; nothing from the request is echoed back.
DETAILS: dict[int, str] = {
    400: "The request is malformed.",
    408: "The request content was not received in time.",
    411: "This resource requires a Content-Length (or chunked framing) on the request.",
    413: "The request content is larger than this server accepts.",
    414: "The request target is longer than this server accepts.",
    417: "The server cannot meet the expectation in the Expect header field.",
    429: "Too many requests; wait for Retry-After before repeating.",
    500: "The server failed to handle the request.",
    501: "The request method is not implemented by this server.",
    503: "The server is temporarily unable to handle the request.",
    504: "The server did not answer within the timeout the client asked for.",
    505: "The HTTP version of the request is not supported by this server.",
}


def retry_after_value(seconds: float) -> bytes:
    """Retry-After as delta-seconds (RFC 9110 §10.2.3), rounded up: never too early."""
    from statuskit.http import format_retry_after

    return format_retry_after(seconds).encode("ascii")


def problem_response(
    status: int,
    detail: str | None = None,
    *,
    retry_after: float | None = None,
    close: bool = False,
    **extensions: Any,
) -> tuple[list[tuple[bytes, bytes]], bytes]:
    """Headers and body of one problem response."""
    body = problem_body(status, detail if detail is not None else DETAILS.get(status), **extensions)
    headers = problem_headers(body)
    if retry_after is not None:
        headers.append((b"retry-after", retry_after_value(retry_after)))
    if close:
        # RFC 9112 §9.6: the connection ends after this response.
        headers.append((b"connection", b"close"))
    return headers, body


async def send_problem(
    send: Send,
    status: int,
    *,
    head: bool,
    detail: str | None = None,
    retry_after: float | None = None,
    close: bool = False,
    **extensions: Any,
) -> None:
    """Send a problem response; for HEAD only the header section (RFC 9110 §9.3.2)."""
    headers, body = problem_response(
        status, detail, retry_after=retry_after, close=close, **extensions
    )
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": b"" if head else body, "more_body": False})
