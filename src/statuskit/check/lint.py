"""Every response the checker sees goes through httplint; its notes ride along."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["LintNote", "lint_response"]


@dataclass(frozen=True, slots=True)
class LintNote:
    level: str  # "bad" (an error), "warning", "info" or "good"
    subject: str
    summary: str
    name: str = ""  # httplint's name for the note: "CL_INCORRECT"

    @property
    def is_error(self) -> bool:
        return self.level == "bad"


def lint_response(
    method: str,
    url: str,
    request_headers: Iterable[tuple[str, str]],
    status: int,
    reason: str,
    headers: list[tuple[str, str]],
    body: bytes,
    *,
    levels: Iterable[str] = ("bad", "warning"),
    request_version: str = "HTTP/1.1",
    complete: bool = True,
) -> list[LintNote]:
    """httplint's notes at the given levels for one exchange; ``complete`` False when
    ``body`` is not all the content (cut at the checker's limit, or unfinished)."""
    from statuskit import _preload

    _preload.settled(_preload.LINT)
    from httplint import HttpRequestLinter, HttpResponseLinter

    request = HttpRequestLinter()
    request.process_request_topline(method.encode(), url.encode(),
                                    request_version.encode())
    request.process_headers([(k.encode("latin-1"), v.encode("latin-1"))
                             for k, v in request_headers])
    request.finish_content(True)
    response = HttpResponseLinter(_related=request)
    response.is_head_response = method == "HEAD"
    response.process_response_topline(b"HTTP/1.1", str(status).encode(), reason.encode())
    response.process_headers([(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers])
    response.feed_content(body)
    response.finish_content(complete)
    wanted = frozenset(levels)
    media = next((v for k, v in headers if k.lower() == "content-type"), "")
    return [
        LintNote(note.level.value, note.subject, str(note), type(note).__name__)
        for note in response.notes
        if note.level.value in wanted and not _known_false_positive(note, status, media)
        and (complete or type(note).__name__ not in _ON_WHOLE_CONTENT)
    ]


# Notes about the request the probe sent on purpose, not about the server's answer:
# httplint restates every error status as a note (STATUS_*), and flags the 64 KiB
# target of the 414 probe.
_PROBE_CAUSED = frozenset({"URI_TOO_LONG"})
# Notes that compare the whole content with the fields: about part of it they say
# nothing (httplint compares Content-Length even when told the content is incomplete).
_ON_WHOLE_CONTENT = frozenset({"CL_INCORRECT"})


def _known_false_positive(note: object, status: int, media: str) -> bool:
    name = type(note).__name__
    if name.startswith("STATUS_") or name in _PROBE_CAUSED:
        return True
    # RFC 9110 §15.3.7.2: a multipart/byteranges 206 carries Content-Range in each
    # part, not in the header section; httplint's 206 check does not look at parts.
    return (status == 206 and media.lower().startswith("multipart/byteranges")
            and name == "PARTIAL_WITHOUT_RANGE")

