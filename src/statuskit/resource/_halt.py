"""``Halt``: a question ends the flow with the answer it names.

Webmachine lets any decision answer a status of its own choosing (its ``halt``).
Here a question raises ``Halt(status, headers=..., content=..., media_type=...)``
and the graph answers it, keeping the promises every answer of the graph keeps:
a final status only, no content on 204 and 304 (nor on HEAD, which the App
strips), Allow on a 405, and, in debug mode, every field the status requires
(the catalogue's ``requires``) or an error that names the one missing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from statuskit.codes import UnknownCode, lookup
from statuskit.http.fields import format_allow
from statuskit.resource._answer import Answer, Headers, problem
from statuskit.resource._representation import content_type, render

__all__ = ["Halt", "MissingField", "halt_answer"]

# RFC 9110 §5.1: a field name is a token; §5.5: a value carries no CR, LF or NUL
# (a value with CR LF in it would be a second field, or a second response).
_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
_FORBIDDEN_IN_VALUE = re.compile(r"[\x00\r\n]")
# The App writes Content-Length from the content it sends; a resource's own would
# be a second, possibly false, framing of the same message (RFC 9112 §6.3).
_FRAMING = frozenset({b"content-length", b"transfer-encoding"})
_NO_CONTENT = (204, 304)  # RFC 9110 §15.3.5, §15.4.5


class Halt(Exception):
    """Raised by any question or action: the answer is ``status`` with these
    fields and this content (bytes, str or a JSON-able value, rendered in
    ``media_type``, by default the negotiated one). Without content a 4xx or
    5xx gets the graph's problem+json for its status."""

    def __init__(self, status: int, *,
                 headers: Mapping[str, str] | Iterable[tuple[str, str]] | None = None,
                 content: Any = None, media_type: str | None = None) -> None:
        if type(status) is not int or not 200 <= status <= 599:
            # RFC 9110 §15: a 1xx is interim, never the answer; nothing lies past 599
            raise ValueError(f"Halt needs a final status (200-599), not {status!r}")
        super().__init__(status)
        self.status = status
        self.headers = _fields(headers)
        self.content = content
        self.media_type = media_type

    def __repr__(self) -> str:
        return f"Halt({self.status})"


class MissingField(TypeError):
    """In debug mode: a Halt's status requires a field the Halt does not carry."""


def _fields(given: Mapping[str, str] | Iterable[tuple[str, str]] | None) -> Headers:
    if given is None:
        return []
    pairs = given.items() if isinstance(given, Mapping) else given
    out: Headers = []
    for name, value in pairs:
        if not isinstance(name, str) or not _TOKEN.fullmatch(name):
            raise ValueError(f"not a field name (RFC 9110 §5.1): {name!r}")
        if not isinstance(value, str) or _FORBIDDEN_IN_VALUE.search(value):
            raise ValueError(f"field {name}: a value is text without CR, LF or NUL "
                             f"(RFC 9110 §5.5): {value!r}")
        key = name.lower().encode("ascii")
        if key not in _FRAMING:
            out.append((key, value.encode("latin-1")))
    return out


def halt_answer(halt: Halt, *, media_type: str, charset: str | None,
                allowed: Sequence[str], debug: bool) -> Answer:
    """The answer a Halt names, with the graph's guarantees. ``media_type``: the
    negotiated one (or the resource's first); ``allowed``: the methods for a
    405's Allow when the Halt names none."""
    status, headers = halt.status, list(halt.headers)
    names = {name for name, _ in headers}
    if status == 405 and b"allow" not in names:
        headers.append((b"allow", format_allow(allowed).encode()))  # RFC 9110 §15.5.6
    answer = _with_content(halt, status, headers, names, media_type, charset)
    if debug:
        _check_required(answer)
    return answer


def _with_content(halt: Halt, status: int, headers: Headers, names: set[bytes],
                  media_type: str, charset: str | None) -> Answer:
    if status in _NO_CONTENT:
        # No content, and so no Content-Type describing any.
        return Answer(status, [(k, v) for k, v in headers if k != b"content-type"])
    if halt.content is None:
        if status < 400:
            return Answer(status, headers)
        return problem(status, headers=headers) if b"content-type" not in names \
            else Answer(status, headers)
    chosen = halt.media_type or media_type
    body = render(halt.content, chosen, charset)
    if b"content-type" not in names:
        headers.append((b"content-type", content_type(chosen, charset)))
    return Answer(status, headers, body)


def _check_required(answer: Answer) -> None:
    try:
        required = lookup(answer.status).requires
    except UnknownCode:
        return  # a status the catalogue does not know requires nothing it knows of
    present = {name for name, _ in answer.headers}
    for field in required:
        if field.lower().encode() in present:
            continue
        if field == "Content-Range" and _is_multipart(answer):
            continue  # RFC 9110 §14.6: each part carries its own Content-Range
        raise MissingField(f"Halt({answer.status}) needs a {field} field "
                           f"({lookup(answer.status).rfc})")


def _is_multipart(answer: Answer) -> bool:
    for name, value in answer.headers:
        if name == b"content-type":
            return value.lower().startswith(b"multipart/byteranges")
    return False
