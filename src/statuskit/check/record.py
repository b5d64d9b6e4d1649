"""One HTTP exchange as recorded: the request as sent and the answer as received.

This is all a rule needs to judge a message, whoever recorded it: a probe of
``statuskit check`` on a bare socket or through httpx, a request made in process,
or an exchange a monitor only observed. Fields are (name, value) pairs in the
order they came; content is bytes as they came, before any decoding.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from statuskit.check.evidence import Evidence

if TYPE_CHECKING:
    import httpx2

__all__ = ["Exchange"]


@dataclass
class Exchange:
    """A request and the final answer to it (``status`` 0: nothing came back)."""

    method: str
    url: str  # absolute: scheme, authority, path and query of the target
    request_headers: list[tuple[str, str]]
    status: int
    reason: str
    headers: list[tuple[str, str]]
    body: bytes  # the answer's content
    interim: list[int] = field(default_factory=list)  # 1xx statuses before the answer
    version: str = "HTTP/1.1"  # of the request as sent
    evidence: Evidence | None = None
    stray: int = 0  # bytes that arrived after an answer that may carry no content
    request_body: bytes = b""
    response_version: str = "HTTP/1.1"  # as the answer's status line said
    # What an observer (a monitor, a HAR file) may not have whole: ``body`` is all the
    # content unless ``body_complete`` is False (a capture cut at its limit, a HAR
    # entry without its bytes); ``body_length`` counts every byte sent even then
    # (-1: unknown beyond ``body``). The same for the request's content.
    body_complete: bool = True
    body_length: int = -1
    cut: int = 0  # bytes kept when check stopped reading the content at its cap
    request_complete: bool = True
    # The header fields of the last 200 seen to the same GET (its Vary'd fields the
    # same), where whoever recorded this exchange saw one: what a 304 must repeat.
    earlier_200: list[tuple[str, str]] | None = None
    # The answer's fields by lower-cased name, built at the first look-up.
    _index: dict[str, str] | None = field(default=None, init=False, repr=False, compare=False)

    @classmethod
    def from_httpx(cls, response: httpx2.Response, *, body: bytes | None = None,
                   content: bytes | None = None, note: str = "") -> Exchange:
        """From an exchange httpx made; ``body`` replaces the content it read, ``content``
        is what was read of a streamed answer (``statuskit.check.bounded``)."""
        if content is None:
            content = response.content
        request = response.request
        try:
            sent = request.content
        except Exception:  # a streaming request body that was never read
            sent = b""
        return cls(request.method, str(request.url), list(request.headers.items()),
                   response.status_code, response.reason_phrase, list(response.headers.items()),
                   content if body is None else body,
                   evidence=Evidence.from_httpx(response, note, content=content),
                   request_body=sent,
                   response_version=response.http_version)

    @property
    def sent_length(self) -> int | None:
        """Bytes of content the answer carried in all (None: not known)."""
        if self.body_length >= 0:
            return self.body_length
        return len(self.body) if self.body_complete else None

    def header(self, name: str) -> str | None:
        """The answer's field ``name``, repeated lines joined with ", " (None: absent)."""
        index = self._index
        if index is None:
            index = self._index = {}
            for key, value in self.headers:
                key = key.lower()
                index[key] = f"{index[key]}, {value}" if key in index else value
        return index.get(name.lower())

    def has(self, name: str) -> bool:
        """Whether the answer carries field ``name`` (lower-cased)."""
        if self._index is None:
            self.header(name)
        assert self._index is not None
        return name in self._index

    def request_header(self, name: str) -> str | None:
        return _joined(self.request_headers, name)


def _joined(fields: list[tuple[str, str]], name: str) -> str | None:
    name = name.lower()
    values = [v for k, v in fields if k.lower() == name]
    return ", ".join(values) if values else None
