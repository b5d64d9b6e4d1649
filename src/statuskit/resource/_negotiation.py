"""c3 .. f7: which representation? Proactive negotiation (RFC 9110 §12.5) for
the decision graph: media type, language, charset and content coding, each a
node of Webmachine's v3 diagram, and the Vary field that names them."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from statuskit.http.accept import (
    negotiate,
    negotiate_charset,
    negotiate_encoding,
    negotiate_language,
)
from statuskit.resource._answer import Answer, Headers, problem
from statuskit.resource._outcomes import Alternate
from statuskit.resource._preconditions import Note
from statuskit.resource._representation import charset_of, render
from statuskit.resource._request import Request
from statuskit.resource._resource import CACHE_LIMIT, Resource, ask

__all__ = [
    "accept_does_not_choose",
    "acceptable_charset",
    "acceptable_encoding",
    "acceptable_language",
    "acceptable_media_type",
    "multiple_choices",
    "negotiated",
    "rendered",
    "vary_field",
]


def negotiated(resource: Resource, request: Request, note: Note) -> Answer | None:
    """d4 .. f7: language, charset and coding, each kept on the resource."""
    if resource.languages:
        language = acceptable_language(resource, request, note)
        if isinstance(language, Answer):
            return language
        resource.language = language
    if resource.charsets:
        charset = acceptable_charset(resource, request, note)
        if isinstance(charset, Answer):
            return charset
        resource.charset = charset
    if resource.encodings:
        encoding = acceptable_encoding(resource, request, note)
        if isinstance(encoding, Answer):
            return encoding
        resource.encoding = encoding
    return None


def accept_does_not_choose(accept: str | None) -> bool:
    """c3: Accept exists? (and names more than ``*/*``)"""
    return accept is None or accept.replace(" ", "") in ("", "*/*")


def acceptable_media_type(resource: Resource, request: Request, note: Note) -> str | Answer:
    """c4: acceptable media type available? 406 otherwise (RFC 9110 §15.5.7)."""
    provided = resource.provides
    accept = request.header(b"accept")
    if accept is not None:
        note("c4")
    media_type = _cached_negotiation(type(resource), provided, accept)
    if media_type is None:
        return problem(406, f"Available: {', '.join(provided)}.", vary_field(resource))
    return media_type


def acceptable_language(resource: Resource, request: Request, note: Note) -> str | Answer:
    """d4 → d5: acceptable language available? (RFC 9110 §12.5.4)"""
    note("d4")
    field = request.header(b"accept-language")
    if field is not None:
        note("d5")
    language = negotiate_language(resource.languages, field)
    if language is None:
        return problem(406, f"Available languages: {', '.join(resource.languages)}.",
                       vary_field(resource))
    return language


def acceptable_charset(resource: Resource, request: Request, note: Note) -> str | Answer:
    """e5 → e6: acceptable charset available? (RFC 9110 §12.5.2)"""
    note("e5")
    field = request.header(b"accept-charset")
    if field is not None:
        note("e6")
    charset = negotiate_charset(resource.charsets, field)
    if charset is None:
        return problem(406, f"Available charsets: {', '.join(resource.charsets)}.",
                       vary_field(resource))
    return charset


_IDENTITY = "identity"


def rendered(resource: Resource, request: Request, value: Any, media_type: str) -> bytes | Answer:
    """e6, once the text is known: a negotiated charset that cannot carry it gives
    way to the next acceptable one (``resource.charset`` names the one used); when
    none can, 406 (RFC 9110 §12.5.2, §15.5.7). The client chose the charset, so it
    gets a 4xx, never a 500; a charset the media type itself declares is the
    resource's own, and its failure stays the resource's error."""
    try:
        return render(value, media_type, resource.charset)
    except UnicodeEncodeError:
        if not isinstance(value, str) or charset_of(media_type) is not None:
            raise  # JSON is UTF-8 whatever was negotiated; a declared charset is the resource's
    field = request.header(b"accept-charset")
    tried = {resource.charset}
    while True:
        remaining = [c for c in resource.charsets if c not in tried]
        charset = negotiate_charset(remaining, field) if remaining else None
        if charset is None:
            return problem(406, "The text cannot be written in any charset you accept; "
                           f"available: {', '.join(resource.charsets)}.", vary_field(resource))
        try:
            body = render(value, media_type, charset)
        except UnicodeEncodeError:
            tried.add(charset)
            continue
        resource.charset = charset
        return body


def acceptable_encoding(resource: Resource, request: Request, note: Note) -> str | Answer:
    """f6 → f7: acceptable encoding available? (RFC 9110 §12.5.3: identity stays
    acceptable unless the field excludes it)"""
    note("f6")
    field = request.header(b"accept-encoding")
    if field is not None:
        note("f7")
    elif any(coding.lower() == _IDENTITY for coding in resource.encodings):
        # RFC 9110 §12.5.3: with no field any coding is acceptable; like nginx and
        # Apache, send the one every client reads (raw clients, range downloaders).
        return _IDENTITY
    encoding = negotiate_encoding(resource.encodings, field)
    if encoding is None:
        return problem(406, f"Available codings: {', '.join(resource.encodings)}.",
                       vary_field(resource))
    return encoding.lower()


def _cached_negotiation(cls: type[Resource], provided: Sequence[str],
                        accept: str | None) -> str | None:
    # Clients repeat one Accept value; remember the answer per class (bounded).
    cache = cls._negotiated
    try:
        return cache[accept]
    except KeyError:
        chosen = negotiate(provided, accept)
        if len(cache) < CACHE_LIMIT:
            cache[accept] = chosen
        return chosen


async def multiple_choices(resource: Resource, note: Note) -> Answer | None:
    """Multiple representations, and Accept does not choose? 300 (RFC 9110 §15.4.1)."""
    note("multiple_choices")
    alternates = await ask(resource, "multiple_choices")
    return _choices(alternates) if alternates else None


def _choices(alternates: Sequence[Alternate]) -> Answer:
    # RFC 9110 §15.4.1: list the choices; a Location names the server's preference.
    links = ", ".join(f'<{a.location}>; rel="alternate"; type="{a.media_type}"'
                      for a in alternates)
    body = json.dumps({"alternates": [
        {"href": a.location, "type": a.media_type, "title": a.title} for a in alternates
    ]}).encode()
    return Answer(300, [
        (b"content-type", b"application/json"),
        (b"link", links.encode()),
        (b"location", alternates[0].location.encode()),
        (b"vary", b"Accept"),
    ], body)


def vary_field(resource: Resource) -> Headers:
    """The Vary field of ``resource``'s answers (RFC 9110 §12.5.5): the fields
    negotiation looks at, fixed per class when the class is made."""
    return list(type(resource)._vary)
