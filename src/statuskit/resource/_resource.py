"""``Resource``: a class that answers questions about one thing at one URL.

Override the questions whose default does not fit; each may be ``async def``.
The decision graph (``_flow``) asks them in RFC 9110 order and the status code
falls out of the answers; no method here ever names a status number.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import datetime
from typing import Any, ClassVar, TypeAlias, TypeVar

from statuskit.http.etags import ETag
from statuskit.resource._json_content import parse_json
from statuskit.resource._outcomes import Alternate, Outcome
from statuskit.resource._representation import charset_of, check_charset, check_coding
from statuskit.resource._request import Request

T = TypeVar("T")
# Every question may be answered by a plain or an ``async def`` method.
Maybe: TypeAlias = T | Awaitable[T]

__all__ = ["CACHE_LIMIT", "Resource", "ask", "parse_json"]

# Per-class caches (negotiation answers, parsed entity tags) hold this many entries.
CACHE_LIMIT = 256

# Every question the graph may ask; each may be a plain or an async method.
QUESTIONS = (
    "service_available", "allowed_methods", "uri_too_long", "malformed", "authorized",
    "proxy_authorized", "forbidden", "valid_content_length", "multiple_choices", "exists",
    "previously_existed", "moved_permanently", "moved_temporarily", "etag", "last_modified",
    "cache_control", "is_conflict", "validate", "non_authoritative", "representation", "get",
    "post", "put", "patch", "delete", "allow_missing_post", "expires", "options",
    "handle_exception",
)

# Methods whose presence as an override makes the HTTP method allowed.
_ACTIONS = {"post": "POST", "put": "PUT", "patch": "PATCH", "delete": "DELETE"}


class Resource:
    """Base class: every question has a default a plain read-only resource keeps.

    Class attributes are read once per class, not per request:

    ``provides``
        Media types this resource can produce, in the server's order of preference.
    ``languages``
        Content languages it can produce (empty: not negotiated). The one chosen
        for a request is ``self.language`` when ``representation`` runs.
    ``charsets``
        Charsets text representations can be encoded in, in the server's order
        of preference (empty: not negotiated; text goes out as UTF-8 or in the
        charset a ``provides`` entry declares). The one chosen is ``self.charset``.
    ``accepts``
        Per method, the media types of request content it takes and their parsers.
    ``max_content_length``
        Largest request content it takes (413 past it).
    ``supports_ranges``
        Whether GET answers Range requests (206 / 416, ``Accept-Ranges: bytes``).
    ``encodings``
        Content codings GET may apply (``("gzip", "identity")``), in the server's
        order of preference, negotiated with Accept-Encoding (empty: none). The
        one chosen is ``self.encoding``; a strong ETag gains ``-gzip`` for the
        gzip representation (RFC 9110 §8.8.3: a different representation).
    ``extension_methods``
        Methods beyond the IANA registry this resource knows of (501 for others).
    ``vary``
        Request fields beyond the negotiated ones that select the representation
        (``("Authorization",)``): added to Vary (RFC 9110 §12.5.5).
    """

    provides: ClassVar[Sequence[str]] = ("application/json",)
    languages: ClassVar[Sequence[str]] = ()
    charsets: ClassVar[Sequence[str]] = ()
    encodings: ClassVar[Sequence[str]] = ()
    accepts: ClassVar[Mapping[str, Mapping[str, Callable[[bytes], Any]]]] = {}
    max_content_length: ClassVar[int] = 1024 * 1024
    supports_ranges: ClassVar[bool] = False
    extension_methods: ClassVar[frozenset[str]] = frozenset()
    vary: ClassVar[Sequence[str]] = ()

    # Filled in per subclass by __init_subclass__.
    _allowed: ClassVar[tuple[str, ...]] = ("GET", "HEAD", "OPTIONS")
    _async: ClassVar[frozenset[str]] = frozenset()
    _overridden: ClassVar[frozenset[str]] = frozenset({"representation", "valid_content_length"})
    _negotiated: ClassVar[dict[str | None, str | None]] = {}
    _etags: ClassVar[dict[str, ETag]] = {}
    _guards: ClassVar[bool] = False  # answers any of malformed/authorized/forbidden
    _validated: ClassVar[bool] = False  # answers etag or last_modified
    _caches: ClassVar[bool] = False  # answers cache_control or expires
    _validators_wait: ClassVar[bool] = False  # etag or last_modified is async def
    _caching_waits: ClassVar[bool] = False  # cache_control or expires is async def
    _negotiates: ClassVar[bool] = False  # has languages, charsets or encodings
    _asks_early: ClassVar[bool] = False  # answers a question of b13 .. b10
    _asks_first: ClassVar[bool] = False  # answers a question of b13 .. b7
    _chooses: ClassVar[bool] = False  # offers alternates (300) or negotiates beyond c4
    _vary: ClassVar[tuple[tuple[bytes, bytes], ...]] = ()  # the Vary field, or nothing

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # Decided once per class so the hot path never inspects: which questions are
        # async, and which the class answers itself (the rest keep their defaults
        # and are not asked at all).
        cls._async = frozenset(
            name for name in QUESTIONS if inspect.iscoroutinefunction(getattr(cls, name, None))
        )
        cls._overridden = frozenset(
            name for name in QUESTIONS if getattr(cls, name) is not getattr(Resource, name)
        ) | {"representation", "valid_content_length"}
        cls._negotiated = {}
        cls._etags = {}
        cls._guards = bool(cls._overridden & {"malformed", "authorized", "proxy_authorized",
                                              "forbidden"})
        cls._validated = bool(cls._overridden & {"etag", "last_modified"})
        cls._caches = bool(cls._overridden & {"cache_control", "expires"})
        cls._validators_wait = bool(cls._async & cls._overridden & {"etag", "last_modified"})
        cls._caching_waits = bool(cls._async & cls._overridden & {"cache_control", "expires"})
        cls._negotiates = bool(cls.languages or cls.charsets or cls.encodings)
        cls._asks_early = bool(
            cls._overridden & {"service_available", "uri_too_long", "allowed_methods"})
        cls._asks_first = cls._asks_early or cls._guards
        cls._chooses = cls._negotiates or "multiple_choices" in cls._overridden
        cls._vary = _vary_of(cls)
        allowed = ["GET", "HEAD"]
        allowed += [method for name, method in _ACTIONS.items()
                    if getattr(cls, name) is not getattr(Resource, name)]
        cls._allowed = (*allowed, "OPTIONS")
        for name in (*cls.charsets, *filter(None, map(charset_of, cls.provides))):
            check_charset(name)  # a charset Python cannot encode is a class bug
        for name in cls.encodings:
            check_coding(name)

    # What negotiation chose for this request (c4, d5, e6); None when not negotiated
    # (or, for media_type, not yet).
    media_type: str | None = None
    language: str | None = None
    charset: str | None = None
    encoding: str | None = None

    def __init__(self, request: Request) -> None:
        self.request = request

    # -- the questions, in the order the graph asks them -------------------------------

    def service_available(self) -> Maybe[bool | float]:
        """True, or the seconds until it will be (503 + Retry-After)."""
        return True

    def allowed_methods(self) -> Maybe[Sequence[str]]:
        """Methods this resource answers; by default GET, HEAD, OPTIONS and each of
        POST/PUT/PATCH/DELETE whose action method the subclass defines."""
        return self._allowed

    def uri_too_long(self) -> Maybe[bool]:
        return False

    def malformed(self) -> Maybe[str | None]:
        """Why the request is malformed (400), or None."""
        return None

    def authorized(self) -> Maybe[bool | str]:
        """True, or the challenge for WWW-Authenticate (401)."""
        return True

    def proxy_authorized(self) -> Maybe[bool | str]:
        """True, or the challenge for Proxy-Authenticate (407), for gateways."""
        return True

    def forbidden(self) -> Maybe[bool | str]:
        """False, or True / a reason when the client may not do this (403)."""
        return False

    def valid_content_length(self, length: int) -> Maybe[bool]:
        return length <= self.max_content_length

    def multiple_choices(self) -> Maybe[Sequence[Alternate] | None]:
        """Alternates to offer (300) when the request's Accept does not choose one."""
        return None

    def exists(self) -> Maybe[bool]:
        return True

    def previously_existed(self) -> Maybe[bool]:
        """Whether a missing resource was here once (410 instead of 404, or a move)."""
        return False

    def moved_permanently(self) -> Maybe[str | None]:
        """Where a missing resource lives now for good (301, or 308 for unsafe methods)."""
        return None

    def moved_temporarily(self) -> Maybe[str | None]:
        """Where a missing resource lives for now (302, or 307 for unsafe methods)."""
        return None

    def allow_missing_post(self) -> Maybe[bool]:
        """Whether a POST to this missing resource creates it (``post`` runs and
        ``Done`` answers 201) instead of 404 / 410."""
        return False

    def etag(self) -> Maybe[ETag | str | None]:
        """The current entity tag (a str is a strong tag's opaque value)."""
        return None

    def last_modified(self) -> Maybe[datetime | float | None]:
        return None

    def cache_control(self) -> Maybe[str | None]:
        return None

    def expires(self) -> Maybe[datetime | float | None]:
        """When the representation goes stale (Expires, RFC 9111 §5.3), or None."""
        return None

    def options(self) -> Maybe[Mapping[str, str]]:
        """Header fields to add to the OPTIONS answer beside Allow."""
        return {}

    def handle_exception(self, exc: Exception) -> Maybe[Any]:
        """What an exception raised by a question or an action means: an outcome
        (``BadGateway``, ``Conflict``, ...), a ``Halt`` (any status, fields and
        content; raising it works too), other content (bytes, str, a JSON-able
        value: the 500's content, rendered like a representation), or None to let
        it propagate (the guard answers 500). Nothing of ``exc`` goes out unless
        this method puts it there."""
        return None

    def is_conflict(self, content: Any) -> Maybe[str | None]:
        """Why writing ``content`` clashes with the current state (409), or None."""
        return None

    def validate(self, content: Any) -> Maybe[list[dict[str, Any]] | None]:
        """Semantic errors in parsed content (422), or None when it is valid."""
        return None

    def non_authoritative(self) -> Maybe[bool]:
        """Whether the representation was transformed from an origin's (203)."""
        return False

    # -- the representation and the actions --------------------------------------------

    def representation(self, media_type: str) -> Maybe[Any]:
        """The current representation: bytes, str, or a JSON-able value."""
        return {}

    def get(self) -> Maybe[Outcome | None]:
        """A GET that is more than a representation (a gateway's forward, a job's
        redirect); None means: serve ``representation``."""
        return None

    def post(self, content: Any) -> Maybe[Outcome]:
        raise NotImplementedError

    def put(self, content: Any) -> Maybe[Outcome]:
        raise NotImplementedError

    def patch(self, content: Any) -> Maybe[Outcome]:
        raise NotImplementedError

    def delete(self) -> Maybe[Outcome]:
        raise NotImplementedError


def _vary_of(cls: type[Resource]) -> tuple[tuple[bytes, bytes], ...]:
    # RFC 9110 §12.5.5: name each request field that negotiation looks at (a choice
    # among more than one offer), then the class's own ``vary``.
    fields = []
    if len(cls.provides) > 1:
        fields.append("Accept")
    if len(cls.languages) > 1:
        fields.append("Accept-Language")
    if len(cls.charsets) > 1:
        fields.append("Accept-Charset")
    if len(cls.encodings) > 1:
        fields.append("Accept-Encoding")
    fields.extend(name for name in cls.vary if name not in fields)
    return ((b"vary", ", ".join(fields).encode()),) if fields else ()


async def ask(resource: Resource, name: str, *args: Any) -> Any:
    """Ask ``resource`` the question ``name``, awaiting it when it is ``async def``."""
    answer = getattr(resource, name)(*args)
    if name in resource._async:
        answer = await answer
    return answer
