"""The decision graph: questions asked in RFC 9110 order; the status falls out.

After Webmachine's v3 diagram, extended to ranges, 203, 205, 308 and 422. Each
decision is one function named for the question it asks; ``decide`` reads top
to bottom like the diagram. Node ids in the trace follow the diagram where it
has the node (b13 ... o18) and use plain names where statuskit extends it.

Only questions a resource class overrides are asked; a default answer costs a
set lookup, not a call.
"""

from __future__ import annotations

import inspect
import json
import secrets
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from statuskit._json import compact_json
from statuskit.http.accept import negotiate, negotiate_language
from statuskit.http.dates import format_http_date, parse_http_date
from statuskit.http.etags import ETag, parse_etag, parse_etags, strong_match, weak_match
from statuskit.http.fields import format_allow, parse_content_type
from statuskit.http.methods import REGISTERED_METHODS
from statuskit.http.ranges import (
    format_content_range,
    format_unsatisfied_range,
    parse_range,
    resolve_ranges,
)
from statuskit.http.retry_after import format_retry_after
from statuskit.problem import PROBLEM_CONTENT_TYPE, problem_body
from statuskit.resource._outcomes import (
    Accepted,
    Alternate,
    BadGateway,
    Conflict,
    Created,
    Done,
    GatewayTimeout,
    Invalid,
    PreconditionLost,
    ResetContent,
    SeeOther,
)
from statuskit.resource._request import BodyTooLarge, ClientGone, Request
from statuskit.resource._resource import Resource

__all__ = ["Answer", "decide"]

Headers = list[tuple[bytes, bytes]]

_UNAVAILABLE_RETRY_AFTER = 60.0
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
_CACHE_LIMIT = 256


class Answer:
    """The graph's verdict: status, header fields and content."""

    __slots__ = ("body", "headers", "status")

    def __init__(self, status: int, headers: Headers, body: bytes = b"") -> None:
        self.status = status
        self.headers = headers
        self.body = body


class _Trace:
    """The decisions one request passed, when tracing is on."""

    __slots__ = ("nodes",)

    def __init__(self) -> None:
        self.nodes: list[str] = []


def problem(status: int, detail: str | None = None, headers: Headers | None = None,
            **extensions: Any) -> Answer:
    body = problem_body(status, detail, **extensions)
    out: Headers = [(b"content-type", PROBLEM_CONTENT_TYPE.encode())]
    if headers:
        out.extend(headers)
    return Answer(status, out, body)


async def _ask(resource: Resource, name: str, *args: Any) -> Any:
    answer = getattr(resource, name)(*args)
    if name in resource._async:
        answer = await answer
    return answer


def _asks(resource: Resource, name: str) -> bool:
    return name in resource._overridden


# -- the flow ------------------------------------------------------------------------


async def decide(resource: Resource, request: Request, trace: list[str] | None) -> Answer:
    """Walk the graph for one request and return its answer."""
    method = request.method
    note = trace.append if trace is not None else _no_trace
    asks = resource._overridden  # only these are asked; the rest keep their defaults

    note("b13")  # RFC 9110 §15.6.4: is the service available?
    if "service_available" in asks:
        available = await _ask(resource, "service_available")
        if available is not True:
            wait = _UNAVAILABLE_RETRY_AFTER if available is False else float(available)
            return problem(503, headers=[(b"retry-after", format_retry_after(wait).encode())])

    note("b12")  # RFC 9110 §15.6.2: a method nobody registered is not implemented
    if method not in REGISTERED_METHODS and method not in resource.extension_methods:
        return problem(501, f"The method {method} is not implemented here.")

    note("b11")  # RFC 9110 §15.5.15
    if "uri_too_long" in asks and await _ask(resource, "uri_too_long"):
        return problem(414)

    note("b10")  # RFC 9110 §15.5.6: 405 carries Allow
    allowed: Sequence[str] = await _ask(resource, "allowed_methods") \
        if "allowed_methods" in asks else resource._allowed
    if method not in allowed:
        return problem(405, f"{method} is not allowed here.",
                       [(b"allow", format_allow(allowed).encode())])

    if resource._guards or method in _BODY_METHODS:
        denial = await _refusal(resource, request, note)
        if denial is not None:
            return denial
    elif trace is not None:
        trace.extend(("b9", "b8", "b8p", "b7"))  # passed on their default answers

    note("b3")  # RFC 9110 §9.3.7 and the seed: OPTIONS answers 204 with Allow
    if method == "OPTIONS":
        return Answer(204, [(b"allow", format_allow(allowed).encode())])

    note("c3")  # RFC 9110 §12.5.1
    if "multiple_choices" in asks and _accept_does_not_choose(request.header(b"accept")):
        alternates = await _ask(resource, "multiple_choices")
        if alternates:
            note("c3m")
            return _multiple_choices(alternates)
    chosen = _negotiated(resource, request, note)
    if isinstance(chosen, Answer):
        return chosen
    media_type, language = chosen

    note("g7")
    if "exists" in asks:
        exists = resource.exists()
        if "exists" in resource._async:
            exists = await exists  # type: ignore[misc]
        if not exists:
            return await _missing(resource, request, media_type, note)

    validators = await _validators(resource) if resource._validated else _NO_VALIDATORS
    verdict = _preconditions(request, validators, note)
    if verdict is not None:
        if verdict == 412:
            return problem(412)
        cache_control = await _ask(resource, "cache_control") \
            if "cache_control" in asks else None
        return _not_modified(resource, validators, cache_control)

    if method == "GET" or method == "HEAD":
        return await _read(resource, request, media_type, language, validators, note)
    if method == "DELETE":
        note("m20")
        return _outcome(await _ask(resource, "delete"), media_type, validators, note)
    return await _write(resource, request, media_type, validators, note)


def _no_trace(node: str) -> None:
    return None


# -- b9 .. b4: is the request itself acceptable? ----------------------------------------


async def _refusal(resource: Resource, request: Request, note: Any) -> Answer | None:
    note("b9")  # RFC 9110 §15.5.1
    if _asks(resource, "malformed"):
        reason = await _ask(resource, "malformed")
        if reason:
            return problem(400, str(reason))
    note("b8")  # RFC 9110 §11.6.1, §15.5.2: 401 carries a challenge
    if _asks(resource, "authorized"):
        verdict = await _ask(resource, "authorized")
        if verdict is not True:
            challenge = verdict if isinstance(verdict, str) else "Bearer"
            return problem(401, headers=[(b"www-authenticate", challenge.encode())])
    note("b8p")  # RFC 9110 §11.7.1, §15.5.8: 407 carries Proxy-Authenticate
    if _asks(resource, "proxy_authorized"):
        verdict = await _ask(resource, "proxy_authorized")
        if verdict is not True:
            challenge = verdict if isinstance(verdict, str) else "Bearer"
            return problem(407, headers=[(b"proxy-authenticate", challenge.encode())])
    note("b7")  # RFC 9110 §15.5.4
    if _asks(resource, "forbidden"):
        verdict = await _ask(resource, "forbidden")
        if verdict:
            return problem(403, verdict if isinstance(verdict, str) else None)
    if request.method in _BODY_METHODS:
        note("b5")
        refused = _content_type_refused(resource, request)
        if refused is not None:
            return refused
        note("b4")  # RFC 9110 §15.5.14, judged from the declared length
        length = request.header(b"content-length")
        if length is not None and length.strip().isascii() and length.strip().isdigit() and \
                not await _ask(resource, "valid_content_length", int(length)):
            return problem(413)
    return None


def _content_type_refused(resource: Resource, request: Request) -> Answer | None:
    # RFC 9110 §15.5.16: content in a format this method does not take is 415,
    # and so is content that names no format at all.
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


# -- c3 .. d5: which representation? ----------------------------------------------------


def _negotiated(
    resource: Resource, request: Request, note: Any
) -> tuple[str, str | None] | Answer:
    provided = resource.provides
    media_type = _cached_negotiation(type(resource), provided, request.header(b"accept"))
    if media_type is None:
        note("c4")  # RFC 9110 §15.5.7
        return problem(406, f"Available: {', '.join(provided)}.", _vary(resource))
    language: str | None = None
    if resource.languages:
        note("d4")  # RFC 9110 §12.5.4
        language = negotiate_language(resource.languages, request.header(b"accept-language"))
        if language is None:
            note("d5")
            return problem(406, f"Available languages: {', '.join(resource.languages)}.",
                           _vary(resource))
    return media_type, language


def _cached_negotiation(cls: type[Resource], provided: Sequence[str],
                        accept: str | None) -> str | None:
    # Clients repeat one Accept value; remember the answer per class (bounded).
    cache = cls._negotiated
    try:
        return cache[accept]
    except KeyError:
        chosen = negotiate(provided, accept)
        if len(cache) < _CACHE_LIMIT:
            cache[accept] = chosen
        return chosen


def _accept_does_not_choose(accept: str | None) -> bool:
    return accept is None or accept.replace(" ", "") in ("", "*/*")


def _multiple_choices(alternates: Sequence[Alternate]) -> Answer:
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


def _vary(resource: Resource) -> Headers:
    # RFC 9110 §12.5.5: name the fields negotiation looked at; fixed per class.
    cls = type(resource)
    vary = cls.__dict__.get("_vary_field")
    if vary is None:
        fields = []
        if len(cls.provides) > 1:
            fields.append("Accept")
        if len(cls.languages) > 1:
            fields.append("Accept-Language")
        vary = [(b"vary", ", ".join(fields).encode())] if fields else []
        cls._vary_field = vary  # type: ignore[attr-defined]
    return list(vary)


# -- g7 false: the resource is not there ------------------------------------------------


async def _missing(resource: Resource, request: Request, media_type: str,
                   note: Any) -> Answer:
    method = request.method
    note("h7")  # RFC 9110 §13.1.1: If-Match, even "*", is false for a missing resource
    if request.header(b"if-match") is not None:
        return problem(412)
    if method == "PUT":
        note("i4")
        moved = await _moved(resource, "moved_permanently", method, permanent=True)
        if moved is not None:
            return moved
        return await _write(resource, request, media_type, _Validators(None, None), note)
    note("k5")
    if _asks(resource, "previously_existed") and await _ask(resource, "previously_existed"):
        for name, permanent in (("moved_permanently", True), ("moved_temporarily", False)):
            moved = await _moved(resource, name, method, permanent=permanent)
            if moved is not None:
                return moved
        note("l5")  # RFC 9110 §15.5.11
        return problem(410)
    note("l7")  # RFC 9110 §15.5.5
    return problem(404)


async def _moved(resource: Resource, question: str, method: str, *,
                 permanent: bool) -> Answer | None:
    if not _asks(resource, question):
        return None
    location = await _ask(resource, question)
    if location is None:
        return None
    # RFC 9110 §15.4.2-3 vs §15.4.8-9: 301/302 let clients turn POST into GET;
    # 308/307 keep the method, so unsafe methods get those.
    keeps_method = method not in ("GET", "HEAD")
    status = (308 if keeps_method else 301) if permanent else (307 if keeps_method else 302)
    return problem(status, headers=[(b"location", str(location).encode())])


# -- validators and preconditions -------------------------------------------------------


class _Validators:
    __slots__ = ("etag", "last_modified")

    def __init__(self, etag: ETag | None, last_modified: float | None) -> None:
        self.etag = etag
        self.last_modified = last_modified

    def headers(self) -> Headers:
        out: Headers = []
        if self.etag is not None:
            out.append((b"etag", str(self.etag).encode()))
        if self.last_modified is not None:
            out.append((b"last-modified", format_http_date(self.last_modified).encode()))
        return out


_NO_VALIDATORS = _Validators(None, None)


async def _validators(resource: Resource) -> _Validators:
    asks, asynchronous = resource._overridden, resource._async
    etag: ETag | None = None
    if "etag" in asks:
        raw = resource.etag()
        if "etag" in asynchronous:
            raw = await raw  # type: ignore[misc]
        etag = _etag(type(resource), raw) if isinstance(raw, str) else raw  # type: ignore[assignment]
    modified: float | None = None
    if "last_modified" in asks:
        stamp = resource.last_modified()
        if "last_modified" in asynchronous:
            stamp = await stamp  # type: ignore[misc]
        if isinstance(stamp, datetime):
            stamp = (stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)).timestamp()
        if stamp is not None:
            # RFC 9110 §8.8.2.1: never later than the response's Date. Servers stamp
            # Date from a clock refreshed once a second (uvicorn does), so a change
            # within the last second is dated to the second before.
            modified = float(min(int(stamp), int(time.time()) - 1))  # type: ignore[arg-type]
    return _Validators(etag, modified)


def _etag(cls: type[Resource], opaque: str) -> ETag:
    # Tags repeat from request to request: keep the parsed ones per class (bounded).
    cache = cls._etags
    found = cache.get(opaque)
    if found is None:
        found = ETag(opaque)
        if len(cache) < _CACHE_LIMIT:
            cache[opaque] = found
    return found


def _preconditions(request: Request, v: _Validators, note: Any) -> int | None:
    """RFC 9110 §13.2.2, in its order: None to go on, or 412 / 304."""
    method = request.method
    if_match = request.header(b"if-match")
    if if_match is not None:
        note("g8")  # step 1: If-Match, strong comparison (§13.1.1)
        if not _if_match_passes(if_match, v.etag):
            return 412
    else:
        since = request.header(b"if-unmodified-since")
        if since is not None:
            note("h10")  # step 2: If-Unmodified-Since, only without If-Match (§13.1.4)
            date = parse_http_date(since)
            if date is not None and v.last_modified is not None \
                    and v.last_modified > date.timestamp():
                return 412
    if_none_match = request.header(b"if-none-match")
    if if_none_match is not None:
        note("i12")  # step 3: If-None-Match, weak comparison (§13.1.2)
        if _if_none_match_fails(if_none_match, v.etag):
            return 304 if method in ("GET", "HEAD") else 412
    elif method in ("GET", "HEAD"):
        since = request.header(b"if-modified-since")
        if since is not None:
            note("l13")  # step 4: If-Modified-Since, GET/HEAD without If-None-Match
            date = parse_http_date(since)
            if date is not None and v.last_modified is not None \
                    and date.timestamp() <= datetime.now(UTC).timestamp() \
                    and v.last_modified <= date.timestamp():
                return 304
    return None


def _if_match_passes(value: str, current: ETag | None) -> bool:
    if current is not None and not current.weak and value == str(current):
        return True  # the usual case: the client echoes the tag it was given
    return _listed(value, current, strong_match)  # RFC 9110 §13.1.1: strong comparison


def _if_none_match_fails(value: str, current: ETag | None) -> bool:
    if current is not None and value == str(current):
        return True  # the usual case: the client echoes the tag it was given
    return _listed(value, current, weak_match)  # RFC 9110 §13.1.2: weak comparison


def _listed(value: str, current: ETag | None, match: Callable[[ETag, ETag], bool]) -> bool:
    tags = parse_etags(value)
    if tags == "*":
        return True  # the resource exists
    if tags is None or current is None:
        return False
    return any(match(tag, current) for tag in tags)


def _cache_headers(resource: Resource, headers: Headers, cache_control: str | None) -> None:
    if cache_control:
        headers.append((b"cache-control", cache_control.encode()))
    headers.extend(_vary(resource))


def _not_modified(resource: Resource, v: _Validators, cache_control: str | None) -> Answer:
    # RFC 9110 §15.4.5: the fields a 200 would carry that describe the representation
    # or its caching, and no content.
    headers = v.headers()
    _cache_headers(resource, headers, cache_control)
    return Answer(304, headers)


# -- reading: GET and HEAD --------------------------------------------------------------


async def _read(resource: Resource, request: Request, media_type: str, language: str | None,
                v: _Validators, note: Any) -> Answer:
    note("o18")
    if "get" in resource._overridden:
        outcome = await _ask(resource, "get")
        if outcome is not None:
            return _outcome(outcome, media_type, v, note)
    value = resource.representation(media_type)
    if "representation" in resource._async:
        value = await value
    body = render(value, media_type)
    headers = [(b"content-type", _content_type(media_type))]
    headers.extend(v.headers())
    if language is not None:
        headers.append((b"content-language", language.encode()))
    cache_control = await _ask(resource, "cache_control") \
        if "cache_control" in resource._overridden else None
    _cache_headers(resource, headers, cache_control)
    status = 200
    if "non_authoritative" in resource._overridden and \
            await _ask(resource, "non_authoritative"):
        note("o18n")
        status = 203  # RFC 9110 §15.3.4
    if resource.supports_ranges:
        headers.append((b"accept-ranges", b"bytes"))  # RFC 9110 §14.3
        if status == 200 and request.method == "GET":
            ranged = _ranged(request, body, media_type, headers, v, note)
            if ranged is not None:
                return ranged
    return Answer(status, headers, body)


def _content_type(media_type: str) -> bytes:
    if media_type.startswith("text/"):
        return f"{media_type}; charset=utf-8".encode()
    return media_type.encode()


def render(value: Any, media_type: str) -> bytes:
    """Bytes for a representation value: bytes as they are, text as UTF-8, anything
    else as JSON."""
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode("utf-8")
    return compact_json(value)


def _ranged(request: Request, body: bytes, media_type: str, headers: Headers,
            v: _Validators, note: Any) -> Answer | None:
    raw = request.header(b"range")
    if raw is None:
        return None
    if_range = request.header(b"if-range")
    if if_range is not None:
        note("if_range")
        if not _if_range_holds(if_range, v):
            return None  # RFC 9110 §13.1.5: the whole representation instead
    specs = parse_range(raw)
    if specs is None:
        return None  # RFC 9110 §14.2: ignore an unknown unit or a malformed field
    note("range")
    length = len(body)
    parts = _coalesce(resolve_ranges(specs, length))
    if not parts:
        # RFC 9110 §15.5.17: 416 with the current length
        answer = problem(416, headers=[
            (b"content-range", format_unsatisfied_range(length).encode())])
        return answer
    if len(parts) == 1:
        first, last = parts[0]
        headers.append((b"content-range", format_content_range(first, last, length).encode()))
        return Answer(206, headers, body[first:last + 1])
    # RFC 9110 §14.6: several ranges go out as multipart/byteranges
    boundary = secrets.token_hex(12)
    chunks: list[bytes] = []
    for first, last in parts:
        chunks.append(
            f"--{boundary}\r\nContent-Type: {_content_type(media_type).decode()}\r\n"
            f"Content-Range: {format_content_range(first, last, length)}\r\n\r\n".encode())
        chunks.append(body[first:last + 1])
        chunks.append(b"\r\n")
    chunks.append(f"--{boundary}--\r\n".encode())
    headers[0] = (b"content-type", f"multipart/byteranges; boundary={boundary}".encode())
    return Answer(206, headers, b"".join(chunks))


def _coalesce(parts: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    # RFC 9110 §14.2: a server may coalesce overlapping ranges; doing so also
    # defeats requests that ask for the same bytes many times over.
    merged: list[tuple[int, int]] = []
    for first, last in sorted(parts):
        if merged and first <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(merged[-1][1], last))
        else:
            merged.append((first, last))
    return merged if len(merged) < len(parts) else list(parts)


def _if_range_holds(value: str, v: _Validators) -> bool:
    # RFC 9110 §13.1.5: an entity-tag compares strongly; a date must equal a
    # Last-Modified exactly. A weak tag never matches.
    if value.lstrip().startswith(('"', "W/")):
        tag = parse_etag(value)
        return tag is not None and v.etag is not None and strong_match(tag, v.etag)
    date = parse_http_date(value)
    return date is not None and v.last_modified is not None \
        and date.timestamp() == v.last_modified


# -- writing: POST, PUT, PATCH ----------------------------------------------------------


async def _write(resource: Resource, request: Request, media_type: str, v: _Validators,
                 note: Any) -> Answer:
    method = request.method
    try:
        content = await _content(resource, request)
    except _Unparsable as exc:
        return problem(400, f"The request content could not be parsed: {exc}.")
    except BodyTooLarge:
        return problem(413)
    except ClientGone:
        return problem(400, "The client went away before its content arrived.")
    note("validate")
    if _asks(resource, "validate"):
        errors = await _ask(resource, "validate", content)
        if errors:
            return problem(422, "The content is well-formed but not valid.", errors=errors)
    if method in ("PUT", "PATCH") and _asks(resource, "is_conflict"):
        note("o14")
        reason = await _ask(resource, "is_conflict", content)
        if reason:
            return problem(409, str(reason))
    note("n11" if method == "POST" else "o16")
    if method in _BODY_METHODS:
        outcome = await _ask(resource, method.lower(), content)
    else:
        # An extension method the resource allows: answered by the method named for it.
        handler = getattr(resource, method.lower().replace("-", "_"), None)
        if handler is None:
            return problem(501, f"The method {method} is not implemented here.")
        outcome = handler(content)
        if inspect.isawaitable(outcome):
            outcome = await outcome
    return _outcome(outcome, media_type, v, note)


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


def _new_etag(opaque: str | None) -> Headers:
    return [(b"etag", str(ETag(opaque)).encode())] if opaque is not None else []


def _outcome(outcome: Any, media_type: str, v: _Validators, note: Any) -> Answer:
    """Map what an action reports to its status (RFC 9110 §15)."""
    if isinstance(outcome, Done):
        headers = _new_etag(outcome.etag)
        if outcome.body is None:
            return Answer(204, headers)  # RFC 9110 §15.3.5
        headers.append((b"content-type", _content_type(media_type)))
        return Answer(200, headers, render(outcome.body, media_type))
    if isinstance(outcome, Created):
        headers = [(b"location", outcome.location.encode()), *_new_etag(outcome.etag)]
        if outcome.body is None:
            return Answer(201, headers)
        headers.append((b"content-type", _content_type(media_type)))
        return Answer(201, headers, render(outcome.body, media_type))
    if isinstance(outcome, SeeOther):
        return Answer(303, [(b"location", outcome.location.encode())])
    if isinstance(outcome, Accepted):
        headers = [(b"location", outcome.monitor.encode())] if outcome.monitor else []
        if outcome.body is None:
            return Answer(202, headers)
        headers.append((b"content-type", _content_type(media_type)))
        return Answer(202, headers, render(outcome.body, media_type))
    if isinstance(outcome, ResetContent):
        return Answer(205, [])  # RFC 9110 §15.3.6: no content
    if isinstance(outcome, Conflict):
        return problem(409, outcome.detail)
    if isinstance(outcome, PreconditionLost):
        return problem(412, "The resource changed while the request was in flight.")
    if isinstance(outcome, Invalid):
        return problem(422, "The content is well-formed but not valid.", errors=outcome.errors)
    if isinstance(outcome, BadGateway):
        return problem(502, outcome.detail)
    if isinstance(outcome, GatewayTimeout):
        return problem(504, outcome.detail)
    raise TypeError(f"an action returned {outcome!r}, which is not an outcome")
