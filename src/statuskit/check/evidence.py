"""What a verdict rests on: the request as sent and the answer as received.

Evidence is text a person can read in a report: the request line and fields
the checker sent (credentials redacted), the interim and final status lines
and fields that came back, and the first bytes of any content. Content is cut
at ``BODY_EXCERPT`` bytes; ``body_length`` keeps the true size.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import httpx2

__all__ = ["BODY_EXCERPT", "SECRET_FIELDS", "Evidence", "excerpt", "redact_fields"]

BODY_EXCERPT = 512  # bytes of content shown in a report
SECRET_FIELDS = frozenset({"authorization", "proxy-authorization", "cookie", "set-cookie"})
_REDACTED = "[redacted]"


@dataclass
class Evidence:
    """One exchange as text. ``response`` is empty when nothing came back."""

    request: str  # request line and fields as sent, one per line; then the content, if any
    response: str = ""  # interim and final status lines and fields, one per line
    body: str = ""  # the first BODY_EXCERPT bytes of content, decoded for reading
    body_length: int = 0  # bytes of content received
    note: str = ""  # what else the checker saw: "connection closed", "over TLS", ...
    url: str = ""  # the target, absolute: where a reproducer sends the request again
    # The request's bytes as written, and those of a request sent after the answer on
    # the same connection, credentials redacted: what a reproducer sends. Not in
    # reports: ``request`` and ``note`` show them.
    raw: bytes = field(default=b"", repr=False)  # up to a 1 MiB probe body: not for repr
    follow_up: bytes = field(default=b"", repr=False)

    def to_dict(self) -> dict[str, Any]:
        return {"url": self.url, "request": self.request, "response": self.response,
                "body": self.body, "body_length": self.body_length, "note": self.note}

    @classmethod
    def from_wire(cls, sent: bytes, received_heads: list[bytes], body: bytes,
                  note: str = "", *, url: str = "", follow_up: bytes = b"") -> Evidence:
        """From raw bytes: ``sent`` is the whole request, ``received_heads`` each
        status line plus field section as it arrived (interim ones first);
        ``follow_up`` a request sent after the answer on the same connection."""
        end = b"\r\n\r\n" if b"\r\n\r\n" in sent else b"\n\n"  # a bare-LF probe
        head, _, content = sent.partition(end)
        request = _redact_text(head.decode("latin-1"))
        if content:
            request += "\n\n" + excerpt(content, len(content))
        response = "\n".join(_redact_text(h.decode("latin-1").rstrip("\r\n"))
                             for h in received_heads)
        return cls(request, response, excerpt(body, len(body)), len(body), note, url,
                   _redact_bytes(sent), _redact_bytes(follow_up))

    @classmethod
    def from_httpx(cls, response: httpx2.Response, note: str = "", *,
                   content: bytes | None = None) -> Evidence:
        """From an httpx exchange; httpx keeps no raw bytes, so lines are rebuilt.
        ``content``: what was read of a streamed answer."""
        request = response.request
        target = request.url.raw_path.decode("ascii", "replace")
        lines = [f"{request.method} {target} HTTP/1.1",
                 *(f"{k}: {v}" for k, v in redact_fields(request.headers.items()))]
        sent = request.content if request.stream is not None and _has_content(request) else b""
        text = "\n".join(lines) + ("\n\n" + excerpt(sent, len(sent)) if sent else "")
        status = f"{response.http_version} {response.status_code} {response.reason_phrase}"
        answer = "\n".join([status.rstrip(), *(f"{k}: {v}" for k, v in
                                               redact_fields(response.headers.items()))])
        if content is None:
            content = response.content
        raw = "\r\n".join([*lines, "", ""]).encode("latin-1", "replace") + sent
        return cls(text, answer, excerpt(content, len(content)), len(content), note,
                   str(request.url), raw)


def _has_content(request: httpx2.Request) -> bool:
    try:
        return bool(request.content)
    except Exception:  # a streaming request body that was never read: nothing to show
        return False


def excerpt(data: bytes, length: int) -> str:
    """The first BODY_EXCERPT bytes for reading; non-UTF-8 bytes escaped."""
    text = data[:BODY_EXCERPT].decode("utf-8", "backslashreplace")
    if length > BODY_EXCERPT:
        text += f"\u2026 ({length - BODY_EXCERPT} more bytes)"
    return text


def redact_fields(fields: Any) -> list[tuple[str, str]]:
    return [(k, _REDACTED if k.lower() in SECRET_FIELDS else v) for k, v in fields]


def _redact_bytes(sent: bytes) -> bytes:
    """``sent`` with the value of every secret field line replaced, line ends kept."""
    lines = sent.split(b"\n")
    for i, line in enumerate(lines):
        name, colon, _ = line.partition(b":")
        if colon and name.strip().lower().decode("latin-1") in SECRET_FIELDS:
            lines[i] = name + b": " + _REDACTED.encode() + (b"\r" if line.endswith(b"\r")
                                                            else b"")
    return b"\n".join(lines)


def _redact_text(head: str) -> str:
    lines = head.replace("\r\n", "\n").split("\n")
    out = []
    for line in lines:
        name, colon, _ = line.partition(":")
        if colon and name.strip().lower() in SECRET_FIELDS:
            line = f"{name}: {_REDACTED}"
        out.append(line)
    return "\n".join(out)
