"""The decision graph's flow: questions asked in RFC 9110 order; the status falls out.

After Webmachine's v3 diagram, extended to 203, 205, 300, 407, 422 and ranges.
Each node (or run of nodes) is one small function named for the question it
asks, with its diagram ids in its docstring; ``decide`` is the spine that calls
them top to bottom like the diagram, and each records its id in the trace.
Where statuskit adds a question the diagram lacks, the trace uses its plain
name (``proxy_authorized``, ``multiple_choices``, ``validate``,
``non_authoritative``, ``if_range``, ``range``).

Only questions a resource class overrides are asked; a default answer costs a
set lookup, not a call, and a GET or HEAD to a class that answers none of
b13 .. b7 skips those nodes' functions altogether (unless traced). ``raise
Halt(...)`` in any question ends the flow (``halted``). Negotiation (c3 .. f7)
lives in ``_negotiation``; the precondition and range logic in pure functions
(``_preconditions``, ``_ranges``) that other layers share.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Coroutine, Sequence
from typing import Any

from statuskit.http.dates import format_http_date
from statuskit.http.etags import ETag
from statuskit.http.fields import format_allow, parse_content_type
from statuskit.http.methods import REGISTERED_METHODS
from statuskit.http.retry_after import format_retry_after
from statuskit.resource._answer import Answer, Headers, problem
from statuskit.resource._halt import Halt, halt_answer
from statuskit.resource._negotiation import (
    accept_does_not_choose,
    acceptable_media_type,
    multiple_choices,
    negotiated,
    rendered,
)
from statuskit.resource._outcomes import Outcome, outcome_answer
from statuskit.resource._preconditions import (
    NOT_MODIFIED,
    PRECONDITION_FAILED,
    Note,
    evaluate_preconditions,
    last_modified_field,
    modified_second,
    no_note,
    timestamp,
)
from statuskit.resource._ranges import select_range
from statuskit.resource._representation import content_type, encode_content, render
from statuskit.resource._request import BodyTooLarge, ClientGone, Request
from statuskit.resource._resource import CACHE_LIMIT, Resource, ask

__all__ = ["decide", "halted", "handled"]

_UNAVAILABLE_RETRY_AFTER = 60.0
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})



# -- the flow ------------------------------------------------------------------------


async def decide(resource: Resource, request: Request, trace: list[str] | None) -> Answer:
    """Walk the graph for one request and return its answer: is the request itself
    acceptable (b13 .. b3), in which representation (c3 .. f7), does the resource
    exist (g7), do the preconditions hold (g8 .. l17), and then the method acts
    (m16 .. o18). A GET or HEAD to a class that answers none of b13 .. b3's
    questions passes them without a call; a traced request asks node by node."""
    method = request.method
    note: Note = trace.append if trace is not None else no_note
    if trace is not None or resource._asks_first or method not in _READS:
        refused = await acceptable(resource, request, note)
        if refused is not None:
            return refused
    chosen = await chosen_representation(resource, request, note) \
        if resource._chooses or trace is not None \
        else acceptable_media_type(resource, request, note)
    if isinstance(chosen, Answer):
        return chosen
    resource.media_type = chosen  # what a Halt's content is rendered in from here on
    note("g7")
    if "exists" in resource._overridden and not await exists(resource):
        return await missing(resource, request, chosen, note)
    validators = (await _awaited_validators(resource, request) if resource._validators_wait
                  else _validators(resource)) if resource._validated else _NO_VALIDATORS
    verdict = _preconditions(request, validators, exists=True, creates=False, note=note)
    if verdict is not None:
        caching = await _awaited_caching(resource) if resource._caching_waits else None
        return precondition_answer(resource, validators, verdict, caching)
    return await act(resource, request, chosen, validators, note)


_READS = frozenset({"GET", "HEAD"})


async def handled(resource: Resource, exc: Exception, *, debug: bool) -> Answer | None:
    """The resource's own reading of an exception it raised; None: not handled.
    ``handle_exception`` answers an outcome, a ``Halt`` (returned or raised: any
    status, fields and content), or content of its own for the 500."""
    if "handle_exception" not in resource._overridden:
        return None
    try:
        given = await ask(resource, "handle_exception", exc)
    except Halt as halt:
        given = halt
    if given is None:
        return None
    if isinstance(given, Halt):
        return await halted(resource, given, debug=debug)
    if isinstance(given, Outcome):
        return outcome_answer(given, _media_type(resource), resource.charset)
    # RFC 9110 §15.6.1: the 500 with what the resource chose to say, and nothing else.
    return await halted(resource, Halt(500, content=given), debug=debug)


async def halted(resource: Resource, halt: Halt, *, debug: bool) -> Answer:
    """The answer a question's ``raise Halt(...)`` names, with the graph's guarantees."""
    allowed: Sequence[str] = resource._allowed
    if halt.status == 405 and "allowed_methods" in resource._overridden:
        try:
            allowed = await ask(resource, "allowed_methods")
        except Exception:  # the question that halted may be this one
            allowed = resource._allowed
    return halt_answer(halt, media_type=_media_type(resource), charset=resource.charset,
                       allowed=allowed, debug=debug)


def _media_type(resource: Resource) -> str:
    # Negotiated when the flow got past c4; before that, the resource's first.
    return resource.media_type or resource.provides[0]


# -- b13 .. b3: is the request itself acceptable? ----------------------------------------


async def acceptable(resource: Resource, request: Request, note: Note) -> Answer | None:
    """b13 .. b3 in the diagram's order; the first refusal answers."""
    method = request.method
    allowed = await first_questions(resource, method, note) if resource._asks_early \
        else first_on_defaults(resource, method, note)
    if isinstance(allowed, Answer):
        return allowed
    refused = await refused_by_resource(resource, note) if resource._guards \
        else passed(note, _RESOURCE_CHECKS)
    if refused is None:
        refused = await content_refused(resource, request, note) \
            if method in _BODY_METHODS else passed(note, _CONTENT_CHECKS)
    if refused is not None:
        return refused
    note("b3")
    return await options(resource, allowed) if method == "OPTIONS" else None


async def first_questions(resource: Resource, method: str,
                          note: Note) -> Answer | Sequence[str]:
    """b13 .. b10, for a resource that answers one of them."""
    refused = await service_available(resource, note) or known_method(resource, method, note) \
        or await uri_too_long(resource, note)
    if refused is not None:
        return refused
    allowed = await allowed_methods(resource, note)
    return allowed if method in allowed else method_not_allowed(method, allowed)


def first_on_defaults(resource: Resource, method: str, note: Note) -> Answer | Sequence[str]:
    """b13 .. b10 on their defaults: available, URI not too long, the class's methods."""
    note("b13")
    refused = known_method(resource, method, note)
    if refused is not None:
        return refused
    note("b11")
    note("b10")
    allowed = resource._allowed
    return allowed if method in allowed else method_not_allowed(method, allowed)


async def service_available(resource: Resource, note: Note) -> Answer | None:
    """b13: is the service available? 503 + Retry-After (RFC 9110 §15.6.4)."""
    note("b13")
    if "service_available" not in resource._overridden:
        return None
    available = await ask(resource, "service_available")
    if available is True:
        return None
    wait = _UNAVAILABLE_RETRY_AFTER if available is False else float(available)
    return problem(503, headers=[(b"retry-after", format_retry_after(wait).encode())])


def known_method(resource: Resource, method: str, note: Note) -> Answer | None:
    """b12: known method? A method nobody registered is 501 (RFC 9110 §15.6.2)
    unless this resource names it among its ``extension_methods``."""
    note("b12")
    if method in REGISTERED_METHODS or method in resource.extension_methods:
        return None
    return problem(501, f"The method {method} is not implemented here.")


async def uri_too_long(resource: Resource, note: Note) -> Answer | None:
    """b11: URI too long? (RFC 9110 §15.5.15)"""
    note("b11")
    if "uri_too_long" in resource._overridden and await ask(resource, "uri_too_long"):
        return problem(414)
    return None


async def allowed_methods(resource: Resource, note: Note) -> Sequence[str]:
    """b10: the methods this resource allows."""
    note("b10")
    if "allowed_methods" in resource._overridden:
        allowed: Sequence[str] = await ask(resource, "allowed_methods")
        return allowed
    return resource._allowed


def method_not_allowed(method: str, allowed: Sequence[str]) -> Answer:
    """b10 false: 405 carries Allow (RFC 9110 §15.5.6)."""
    return problem(405, f"{method} is not allowed here.",
                   [(b"allow", format_allow(allowed).encode())])


async def content_refused(resource: Resource, request: Request, note: Note) -> Answer | None:
    """b6 .. b4: the content's fields, format and length."""
    note("b6")
    refused = content_headers_refused(request) or content_type_refused(resource, request, note)
    return refused if refused is not None else await content_too_large(resource, request, note)


def passed(note: Note, nodes: tuple[str, ...]) -> Answer | None:
    """Nodes passed on their defaults, for the trace: no refusal."""
    if note is not no_note:
        for node in nodes:
            note(node)
    return None


_RESOURCE_CHECKS = ("b9", "b8", "b7")
_CONTENT_CHECKS = ("b6", "b5", "b4")


async def refused_by_resource(resource: Resource, note: Note) -> Answer | None:
    """b9 .. b7: malformed, unauthorized (also by a gateway), forbidden."""
    asks = resource._overridden
    note("b9")
    refused = await malformed(resource) if "malformed" in asks else None
    if refused is None:
        note("b8")
        if "authorized" in asks:
            refused = await authorized(resource, "authorized", 401, b"www-authenticate")
    if refused is None and "proxy_authorized" in asks:
        note("proxy_authorized")
        refused = await authorized(resource, "proxy_authorized", 407, b"proxy-authenticate")
    if refused is None:
        note("b7")
        refused = await forbidden(resource) if "forbidden" in asks else None
    return refused


async def malformed(resource: Resource) -> Answer | None:
    """b9: malformed? (RFC 9110 §15.5.1)"""
    reason = await ask(resource, "malformed")
    return problem(400, str(reason)) if reason else None


async def authorized(resource: Resource, question: str, status: int,
                     field: bytes) -> Answer | None:
    """b8: authorized? 401 carries WWW-Authenticate (RFC 9110 §11.6.1, §15.5.2);
    for a gateway, 407 carries Proxy-Authenticate (§11.7.1, §15.5.8)."""
    verdict = await ask(resource, question)
    if verdict is True:
        return None
    challenge = verdict if isinstance(verdict, str) else "Bearer"
    return problem(status, headers=[(field, challenge.encode())])


async def forbidden(resource: Resource) -> Answer | None:
    """b7: forbidden? (RFC 9110 §15.5.4)"""
    verdict = await ask(resource, "forbidden")
    if not verdict:
        return None
    return problem(403, verdict if isinstance(verdict, str) else None)


def content_headers_refused(request: Request) -> Answer | None:
    """b6: okay Content-* fields? A PUT with Content-Range is partial content
    mistaken for a whole representation: 400 (RFC 9110 §14.5)."""
    if request.method == "PUT" and request.header(b"content-range") is not None:
        return problem(400, "Partial PUT (Content-Range) is not supported here.")
    return None


def content_type_refused(resource: Resource, request: Request, note: Note) -> Answer | None:
    """b5: known Content-Type? Content in a format this method does not take is
    415, and so is content that names no format at all (RFC 9110 §15.5.16)."""
    note("b5")
    accepted = resource.accepts.get(request.method)
    if accepted is None or not request.has_body():
        return None
    raw = request.header(b"content-type")
    parsed = parse_content_type(raw) if raw is not None else None
    if parsed is None or parsed[0] not in accepted:
        offer = ", ".join(accepted)
        field = _ACCEPT_FIELD.get(request.method, b"accept")
        return problem(415, f"Send content as one of: {offer}.", [(field, offer.encode())])
    return None


# RFC 9110 §15.5.16 lets Accept name the formats a 415 would have taken; POST and
# PATCH have fields of their own for that (W3C LDP Accept-Post, RFC 5789 Accept-Patch).
_ACCEPT_FIELD = {"POST": b"accept-post", "PATCH": b"accept-patch"}


async def content_too_large(resource: Resource, request: Request, note: Note) -> Answer | None:
    """b4: request content too large? Judged from the declared length (RFC 9110 §15.5.14)."""
    note("b4")
    length = request.header(b"content-length")
    if length is None:
        return None
    length = length.strip(" \t")
    if not (length.isascii() and length.isdigit()):
        return None  # not a length; the wire layer answers for malformed framing
    if len(length) > 18 or not await ask(resource, "valid_content_length", int(length)):
        return problem(413)
    return None


async def options(resource: Resource, allowed: Sequence[str]) -> Answer:
    """b3: OPTIONS? 204 with Allow (RFC 9110 §9.3.7 and the seed), and the
    fields the resource adds (Accept-Patch, CORS, ...)."""
    headers = [(b"allow", format_allow(allowed).encode())]
    if "options" in resource._overridden:
        for name, value in (await ask(resource, "options")).items():
            headers.append((name.lower().encode("latin-1"), value.encode("latin-1")))
    return Answer(204, headers)


# -- c3 .. g7: which representation, and is it there? -------------------------------------


async def chosen_representation(resource: Resource, request: Request,
                                note: Note) -> str | Answer:
    """c3 .. f7: alternates (300) when Accept does not choose, then the media
    type (c4), language, charset and coding (d4 .. f7) or a 406."""
    note("c3")
    if "multiple_choices" in resource._overridden and \
            accept_does_not_choose(request.header(b"accept")):
        choices = await multiple_choices(resource, note)
        if choices is not None:
            return choices
    chosen = acceptable_media_type(resource, request, note)
    if isinstance(chosen, Answer) or not resource._negotiates:
        return chosen
    refused = negotiated(resource, request, note)
    return refused if refused is not None else chosen


async def exists(resource: Resource) -> bool:
    """g7: does the resource exist?"""
    found = resource.exists()
    if "exists" in resource._async:
        found = await found  # type: ignore[misc]
    return bool(found)


def precondition_answer(resource: Resource, validators: _Validators, verdict: int,
                        caching: _Caching | None) -> Answer:
    """j18 / g11 / h12 / l17: a precondition decided the answer (412 or 304).
    ``caching``: the awaited answers of a class whose caching questions are async."""
    if verdict == 412:
        return problem(412)
    if caching is None:
        caching = _caching(resource) if resource._caches else _NO_CACHING
    return not_modified(resource, validators, caching)


def act(resource: Resource, request: Request, media_type: str, validators: _Validators,
        note: Note) -> Coroutine[Any, Any, Answer]:
    """m16 / n16 / o16: which action? DELETE (m20), GET and HEAD (o18), or a
    write (POST n11, PUT o14). Returns the action's coroutine, for decide to
    await: one frame less per request."""
    method = request.method
    note("m16")
    if method == "DELETE":
        note("m20")
        return deleted(resource, media_type, note)
    note("n16")
    if method != "POST":
        note("o16")
        if method in _READS:
            note("o18")
            return read(resource, request, media_type, validators, note)
    return write(resource, request, media_type, note, created=False)


async def deleted(resource: Resource, media_type: str, note: Note) -> Answer:
    """m20: did the delete go through?"""
    return outcome_answer(await ask(resource, "delete"), media_type, resource.charset,
                          note=note)


# -- g7 false: the resource is not there ------------------------------------------------


async def missing(resource: Resource, request: Request, media_type: str, note: Note) -> Answer:
    """g7 false. RFC 9110 §13.2.1: preconditions count only where the request
    would succeed without them, so redirects, 410 and 404 come first and only a
    request that creates meets h7 (If-Match on a missing target: 412)."""
    method = request.method
    note("i7")
    if method == "PUT":
        note("i4")
        redirect = await moved(resource, "moved_permanently", method, permanent=True)
        if redirect is not None:
            return redirect
        return await create(resource, request, media_type, note)
    note("k7")
    if "previously_existed" in resource._overridden and \
            await ask(resource, "previously_existed"):
        return await previously_existed(resource, request, media_type, note)
    return await post_to_missing(resource, request, media_type, note, ("l7", "m7"), 404)


async def previously_existed(resource: Resource, request: Request, media_type: str,
                             note: Note) -> Answer:
    """k7 true: k5 moved for good? l5 moved for now? Else gone (410), unless a
    POST here creates it (m5, n5)."""
    method = request.method
    note("k5")
    answer = await moved(resource, "moved_permanently", method, permanent=True)
    if answer is None:
        note("l5")
        answer = await moved(resource, "moved_temporarily", method, permanent=False)
    if answer is not None:
        return answer
    return await post_to_missing(resource, request, media_type, note, ("m5", "n5"), 410)


async def post_to_missing(resource: Resource, request: Request, media_type: str, note: Note,
                          nodes: tuple[str, str], status: int) -> Answer:
    """l7 / m5: is it POST? m7 / n5: does a POST here create it? Else 404
    (RFC 9110 §15.5.5) or, for what was here once, 410 (§15.5.11)."""
    note(nodes[0])
    if request.method == "POST":
        note(nodes[1])
        if await allow_missing_post(resource):
            return await create(resource, request, media_type, note)
    return problem(status)


async def moved(resource: Resource, question: str, method: str, *,
                permanent: bool) -> Answer | None:
    """i4 / k5: moved permanently? l5: moved temporarily? RFC 9110 §15.4.2-3 vs
    §15.4.8-9: 301/302 let clients turn POST into GET; 308/307 keep the method,
    so unsafe methods get those."""
    if question not in resource._overridden:
        return None
    location = await ask(resource, question)
    if location is None:
        return None
    keeps_method = method not in ("GET", "HEAD")
    status = (308 if keeps_method else 301) if permanent else (307 if keeps_method else 302)
    return problem(status, headers=[(b"location", str(location).encode())])


async def allow_missing_post(resource: Resource) -> bool:
    """m7 / n5: does a POST to this missing resource create it?"""
    if "allow_missing_post" not in resource._overridden:
        return False
    return bool(await ask(resource, "allow_missing_post"))


async def create(resource: Resource, request: Request, media_type: str, note: Note) -> Answer:
    """A PUT, or an allowed POST, to a missing target: If-Match is false here (h7)."""
    verdict = _preconditions(request, _NO_VALIDATORS, exists=False, creates=True, note=note)
    if verdict is not None:
        return problem(verdict)
    return await write(resource, request, media_type, note, created=True)


# -- validators and preconditions -------------------------------------------------------


_UNASKED: Any = object()


class _Validators:
    """The current ETag, and Last-Modified asked only when an answer needs it: a 304
    for an echoed ETag never does (RFC 9110 §13.2.2 steps 3-4, §15.4.5)."""

    __slots__ = ("_modified", "etag", "resource")

    def __init__(self, etag: ETag | None, last_modified: float | None = _UNASKED,
                 resource: Resource | None = None) -> None:
        self.etag = etag
        self._modified = last_modified
        self.resource = resource

    @property
    def last_modified(self) -> float | None:
        """The change's own second: what dates are compared with (the field is moved
        back, headers()). An ``async def`` last_modified is awaited first (awaited)."""
        modified = self._modified
        if modified is _UNASKED:
            resource = self.resource
            modified = None
            if resource is not None and "last_modified" in resource._overridden:
                modified = modified_second(resource.last_modified())  # type: ignore[arg-type]
            self._modified = modified
        return modified

    async def awaited(self) -> None:
        """Ask an ``async def`` last_modified now, where an answer needs it."""
        resource = self.resource
        if self._modified is _UNASKED and resource is not None and \
                "last_modified" in resource._async:
            self._modified = modified_second(await ask(resource, "last_modified"))

    def headers(self) -> Headers:
        out: Headers = []
        if self.etag is not None:
            out.append((b"etag", self.etag.field_value))
        modified = self.last_modified
        if modified is not None:
            # RFC 9110 §8.8.2.1: never later than Date; compared with, it stays the
            # change's own second (_validators).
            field = last_modified_field(modified)
            out.append((b"last-modified", _http_date_field(int(field))))
        return out


@functools.lru_cache(maxsize=512)
def _http_date_field(second: int) -> bytes:
    # The same few Last-Modified seconds are sent over and over: format each once.
    return format_http_date(second).encode()


_NO_VALIDATORS = _Validators(None, None)


def _validators(resource: Resource) -> _Validators:
    """The validators of a class whose etag and last_modified are plain methods;
    last_modified is asked when an answer needs it."""
    etag = _current_etag(resource, resource.etag()) if "etag" in resource._overridden \
        else None
    return _Validators(etag, resource=resource)


async def _awaited_validators(resource: Resource, request: Request) -> _Validators:
    """The validators of a class with an ``async def`` etag or last_modified; the
    date is asked here when a date field needs it, else where the answer does
    (read), as for plain methods."""
    asks = resource._overridden
    etag = _current_etag(resource, await ask(resource, "etag")) if "etag" in asks else None
    validators = _Validators(etag, resource=resource)
    fields = request.fields()
    if b"if-modified-since" in fields or b"if-unmodified-since" in fields:
        await validators.awaited()
    return validators


def _current_etag(resource: Resource, raw: Any) -> ETag | None:
    etag: ETag | None = raw
    if isinstance(raw, str):
        # Tags repeat from request to request: the parsed ones are kept per class.
        etag = type(resource)._etags.get(raw) or _etag(type(resource), raw)
    coding = resource.encoding
    if etag is not None and not etag.weak and coding is not None and coding != "identity":
        # RFC 9110 §8.8.3: a strong tag names one representation's bytes, and
        # the gzip representation is another one.
        etag = _etag(type(resource), f"{etag.opaque}-{coding}")
    return etag


def _etag(cls: type[Resource], opaque: str) -> ETag:
    # Tags repeat from request to request: keep the parsed ones per class (bounded).
    cache = cls._etags
    found = cache.get(opaque)
    if found is None:
        found = ETag(opaque)
        if len(cache) < CACHE_LIMIT:
            cache[opaque] = found
    return found


def _preconditions(request: Request, v: _Validators, *, exists: bool, creates: bool,
                   note: Note) -> int | None:
    fields = request.fields()
    if_match, if_none_match = fields.get(b"if-match"), fields.get(b"if-none-match")
    if_modified_since = fields.get(b"if-modified-since")
    if_unmodified_since = fields.get(b"if-unmodified-since")
    if if_match is None and if_unmodified_since is None and exists:
        if if_none_match is None and if_modified_since is None:
            if note is not no_note:
                for node in ("g8", "h10", "i12", "l13"):
                    note(node)  # passed: no field to evaluate
            return None  # the usual case: an unconditional request
        etag = v.etag
        if note is no_note and if_none_match is not None and etag is not None and \
                if_none_match.decode("latin-1") == etag.text:
            # The usual revalidation: the client echoes the tag it was given. What
            # evaluate_preconditions answers after g8, h10, i12, k13 (a traced
            # request goes that way): j18 (RFC 9110 §13.2.2 step 3).
            method = request.method
            return NOT_MODIFIED if method == "GET" or method == "HEAD" \
                else PRECONDITION_FAILED
    # Last-Modified is asked for only where a date field is compared with it.
    dated = if_modified_since is not None or if_unmodified_since is not None
    return evaluate_preconditions(
        request.method, if_match=_text(if_match), if_none_match=_text(if_none_match),
        if_modified_since=_text(if_modified_since),
        if_unmodified_since=_text(if_unmodified_since),
        etag=v.etag, last_modified=v.last_modified if dated else None, exists=exists,
        creates=creates, note=note)


def _text(value: bytes | None) -> str | None:
    # Field values are octets; RFC 9110 §5.5 reads them as ISO-8859-1 at most.
    return value.decode("latin-1") if value is not None else None


def not_modified(resource: Resource, v: _Validators, caching: _Caching) -> Answer:
    """304: the fields a 200 would carry that identify the representation or govern
    its caching, and no content (RFC 9110 §15.4.5)."""
    etag = v.etag
    # RFC 9110 §15.4.5: a 304 carries the ETag a 200 would, but other representation
    # metadata only where it guides a cache update: Last-Modified when there is no ETag.
    headers = [(b"etag", etag.field_value)] if etag is not None else v.headers()
    _cache_headers(resource, headers, caching)
    return Answer(304, headers)


_Caching = tuple[str | None, float | None]
_NO_CACHING: _Caching = (None, None)


def _caching(resource: Resource) -> _Caching:
    """Cache-Control and Expires, for the resources that set them with plain methods
    (asked in place: no coroutine per request)."""
    asks = resource._overridden
    cache_control: Any = resource.cache_control() if "cache_control" in asks else None
    expires: Any = resource.expires() if "expires" in asks else None
    return cache_control, timestamp(expires) if expires is not None else None


async def _awaited_caching(resource: Resource) -> _Caching:
    """Cache-Control and Expires, for a class that asks either with ``async def``."""
    asks = resource._overridden
    cache_control = await ask(resource, "cache_control") if "cache_control" in asks else None
    expires = await ask(resource, "expires") if "expires" in asks else None
    return cache_control, timestamp(expires)


def _cache_headers(resource: Resource, headers: Headers, caching: _Caching) -> None:
    cache_control, expires = caching
    if cache_control:
        headers.append((b"cache-control", cache_control.encode()))
    if expires is not None:
        headers.append((b"expires", format_http_date(expires).encode()))  # RFC 9111 §5.3
    headers.extend(resource._vary)  # RFC 9110 §15.4.5: a 304 keeps Vary too


# -- o18: reading with GET and HEAD -----------------------------------------------------


async def read(resource: Resource, request: Request, media_type: str, v: _Validators,
               note: Note) -> Answer:
    """o18: the representation, whole (200 / 203) or in part (206 / 416)."""
    if "get" in resource._overridden:
        outcome = await ask(resource, "get")
        if outcome is not None:
            return outcome_answer(outcome, media_type, resource.charset, note=note)
    value = resource.representation(media_type)
    if "representation" in resource._async:
        value = await value
    body = rendered(resource, request, value, media_type) if resource.charsets \
        else render(value, media_type, resource.charset)
    if isinstance(body, Answer):
        return body
    if resource._validators_wait:
        await v.awaited()
    body, headers = representation_fields(resource, media_type, body, v)
    caching = (await _awaited_caching(resource) if resource._caching_waits
               else _caching(resource)) if resource._caches else _NO_CACHING
    _cache_headers(resource, headers, caching)
    status = 200
    if "non_authoritative" in resource._overridden and \
            await ask(resource, "non_authoritative"):
        note("non_authoritative")
        status = 203  # RFC 9110 §15.3.4
    if resource.supports_ranges:
        return ranged(request, status, body, headers, v, note)
    return Answer(status, headers, body)


def representation_fields(resource: Resource, media_type: str, body: bytes,
                          v: _Validators) -> tuple[bytes, Headers]:
    """The representation's metadata (RFC 9110 §8): its type, coding (applied
    here), validators and language."""
    headers = [(b"content-type", content_type(media_type, resource.charset))]
    coding = resource.encoding
    if coding is not None and coding != "identity":
        body = encode_content(body, coding)
        headers.append((b"content-encoding", coding.encode()))  # RFC 9110 §8.4
    headers.extend(v.headers())
    if resource.language is not None:
        headers.append((b"content-language", resource.language.encode()))
    return body, headers


def ranged(request: Request, status: int, body: bytes, headers: Headers, v: _Validators,
           note: Note) -> Answer:
    """if_range / range: the representation in part (206 / 416) when asked for."""
    headers.append((b"accept-ranges", b"bytes"))  # RFC 9110 §14.3
    # Without a Range field select_range answers None before it notes anything.
    if status == 200 and b"range" in request.fields():
        partial = select_range(
            request.method, request.header(b"range"), request.header(b"if-range"), body,
            headers[0][1].decode("latin-1"), etag=v.etag, last_modified=v.last_modified,
            note=note)
        if partial is not None:
            return _partial_answer(partial, headers)
    return Answer(status, headers, body)


def _partial_answer(partial: Any, headers: Headers) -> Answer:
    if partial.status == 416:
        # RFC 9110 §15.5.17: 416 with the current length
        return problem(416, headers=[(b"content-range", partial.content_range.encode())])
    if partial.content_type is not None:
        headers[0] = (b"content-type", partial.content_type.encode())
    else:
        headers.append((b"content-range", partial.content_range.encode()))
    return Answer(206, headers, partial.body)


# -- writing: POST, PUT, PATCH ----------------------------------------------------------


async def write(resource: Resource, request: Request, media_type: str, note: Note, *,
                created: bool) -> Answer:
    """n11 (POST) / o14, p3 (PUT conflict?) and the action; ``created``: the
    target had no current representation (p11 then answers 201)."""
    method = request.method
    content = await received(resource, request)
    if isinstance(content, Answer):
        return content
    refused = await write_refused(resource, method, content, note, created=created)
    if refused is not None:
        return refused
    if method == "POST":
        note("n11")
    outcome = await _act(resource, method, content)
    if outcome is None:
        return problem(501, f"The method {method} is not implemented here.")
    return outcome_answer(outcome, media_type, resource.charset, created=created, note=note)


async def received(resource: Resource, request: Request) -> Any:
    """The request's content, parsed by the resource's parser for its type, or the
    4xx that says why there is none (RFC 9110 §15.5.1, §15.5.14)."""
    try:
        return await _content(resource, request)
    except _Unparsable as exc:
        return problem(400, f"The request content could not be parsed: {exc}.")
    except BodyTooLarge:
        return problem(413)
    except ClientGone:
        return problem(400, "The client went away before its content arrived.")


async def write_refused(resource: Resource, method: str, content: Any, note: Note, *,
                        created: bool) -> Answer | None:
    """validate: 422 for content that is well-formed but not valid (RFC 9110
    §15.5.21); o14 / p3: 409 for a write that conflicts (§15.5.10)."""
    note("validate")
    if "validate" in resource._overridden:
        errors = await ask(resource, "validate", content)
        if errors:
            return problem(422, "The content is well-formed but not valid.", errors=errors)
    if method in ("PUT", "PATCH") and "is_conflict" in resource._overridden:
        note("p3" if created else "o14")
        reason = await ask(resource, "is_conflict", content)
        if reason:
            return problem(409, str(reason))
    return None


async def _act(resource: Resource, method: str, content: Any) -> Any:
    if method in _BODY_METHODS:
        return await ask(resource, method.lower(), content)
    # An extension method the resource allows: answered by the method named for it.
    handler = getattr(resource, method.lower().replace("-", "_"), None)
    if handler is None:
        return None
    outcome = handler(content)
    if inspect.isawaitable(outcome):
        outcome = await outcome
    return outcome


class _Unparsable(Exception):
    pass


async def _content(resource: Resource, request: Request) -> Any:
    parsers = resource.accepts.get(request.method)
    body = await request.body(resource.max_content_length)
    if parsers is None or not body:
        return body if body else None
    raw = request.header(b"content-type")
    parsed = parse_content_type(raw) if raw is not None else None
    parser = parsers.get(parsed[0]) if parsed is not None else None
    if parser is None:
        return body
    try:
        return parser(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise _Unparsable(type(exc).__name__) from None
