"""Errors a client raises: one class per status code, grouped the way a caller
catches them (``ClientError``, ``ServerError``, ``Retryable``).

Every error carries the attempt history (``attempts``) and survives pickling
(multiprocessing, Celery, ProcessPoolExecutor): the live response, which may
hold a connection, stays behind; its status, fields, problem details and
history travel.
"""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Any, ClassVar, TypeAlias

from statuskit.client._flavours import HTTPX_FAMILY, Kind, library_of, revive
from statuskit.codes import UnknownCode, is_retryable, lookup

if TYPE_CHECKING:
    import httpx
    import httpx2
    import requests

    from statuskit.client._core import Attempt

__all__ = [
    "AnyRequest",
    "AnyResponse",
    "ClientError",
    "HTTPStatusError",
    "InsecureRedirect",
    "ResumeFailed",
    "RetryAfterTooLong",
    "Retryable",
    "ServerError",
    "StatuskitClientError",
]

# A response from one of the libraries statuskit's adapters run on.
AnyResponse: TypeAlias = "httpx.Response | httpx2.Response | requests.Response"
# And the request it answered.
AnyRequest: TypeAlias = "httpx.Request | httpx2.Request | requests.PreparedRequest"

# The most of a response body read to find its problem details; past this, none.
PROBLEM_READ_LIMIT = 64 * 1024

_LIVE = frozenset({"response", "request", "_request", "_response"})


def _revive(cls: type[BaseException], library: str | None,
            args: tuple[Any, ...]) -> BaseException:
    cls = revive(cls, library)
    error = cls.__new__(cls)
    error.args = args
    return error


class StatuskitClientError(Exception):
    """Base of everything statuskit's client raises; ``attempts`` is the history.

    Raised by an adapter (or by ``raise_for_status`` on a library's response), an
    instance is also that library's own error class of its kind (``library_kind``):
    ``httpx.HTTPStatusError``, ``requests.HTTPError`` and so on."""

    library_kind: ClassVar[Kind] = "status"
    attempts: list[Attempt]
    # The library's own errors carry the request (httpx's as a property that
    # raises while unset): declared here so ``except NotFound as e: e.request``
    # type-checks, never assigned here so the library's own attribute stays.
    request: AnyRequest | None

    def __getattr__(self, name: str) -> Any:
        # Only for what normal lookup did not find: a statuskit error no library
        # flavoured (raise_for_status on another object) has no request.
        if name == "request":
            return None
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def __reduce__(self) -> tuple[Any, ...]:
        # Exception's own pickling calls __init__(*args), which these signatures
        # do not take; and a live response (sockets, locks) must not travel.
        state = {k: (None if k in _LIVE else v) for k, v in self.__dict__.items()}
        cls = type(self)
        plain = cls.__dict__.get("statuskit_plain", cls)
        return _revive, (plain, cls.__dict__.get("statuskit_library"), self.args), state


class HTTPStatusError(StatuskitClientError):
    """A response whose status is an error. ``problem`` holds its RFC 9457 details
    when it sent ``application/problem+json``; ``attempts`` the retry history;
    ``response`` the response (None once the error has been pickled)."""

    status: ClassVar[int] = 0
    response: AnyResponse | None

    def __init__(self, response: Any, *, retry_after: float | None = None,
                 attempts: list[Attempt] | None = None, body: bytes | None = None) -> None:
        self.response = response
        self.status_code: int = response.status_code
        self.url = str(getattr(response, "url", "") or "")
        self.headers = dict(response.headers)
        self.problem = _problem_of(response, body)
        self.retry_after = retry_after
        self.attempts = attempts or []
        detail = self.problem.get("detail") if self.problem else None
        if isinstance(detail, str) and detail:
            # RFC 9457 §3.1.4: detail is a string. A lone surrogate from the server's
            # JSON could not be written to a UTF-8 log: replaced in the message only.
            message = f"{_status_line(response)}: {_writable(detail)}"
        else:
            message = _status_line(response)
        # Not super(): the flavoured classes put the library's own error next in
        # line, whose constructor takes other arguments (see _flavours.build).
        Exception.__init__(self, message)

    @property
    def retryable(self) -> bool:
        """Whether the catalogue lets a client repeat this request by itself."""
        return is_retryable(self.status_code, retry_after=self.retry_after is not None)


class ClientError(HTTPStatusError):
    """4xx: the request needs changing before it can succeed."""


class ServerError(HTTPStatusError):
    """5xx: the server failed a request that may have been fine."""


class Retryable:
    """Mixed into the codes the catalogue lets a client repeat by itself (its
    ``retry`` field; 413 only with Retry-After: see ``HTTPStatusError.retryable``)."""


class RetryAfterTooLong(StatuskitClientError):
    """The server asked for a wait past ``max_retry_after`` or the deadline. The
    response is read and closed: ``response.content`` is there, the connection is
    back in the pool."""

    response: AnyResponse | None

    def __init__(self, retry_after: float, response: Any, reason: str,
                 attempts: list[Attempt] | None = None) -> None:
        self.retry_after = retry_after
        self.response = response
        self.status_code: int = response.status_code
        self.attempts = attempts or []
        Exception.__init__(self, reason)


class InsecureRedirect(StatuskitClientError):
    """A followed redirect from https to http, refused unless allowed."""

    library_kind: ClassVar[Kind] = "request"

    def __init__(self, message: str, *, url: str = "", location: str = "",
                 attempts: list[Attempt] | None = None) -> None:
        self.url = url
        self.location = location
        self.attempts = attempts or []
        Exception.__init__(self, message)


class ResumeFailed(StatuskitClientError):
    """A GET's body broke and the rest could not be had as part of the same
    representation (it changed, or the server answered something that does not
    fit). What was handed out (``received`` bytes) is all there is; the break is
    the ``__cause__``. Never a splice of two versions."""

    library_kind: ClassVar[Kind] = "transport"

    def __init__(self, message: str, *, url: str = "", received: int = 0,
                 attempts: list[Attempt] | None = None) -> None:
        self.url = url
        self.received = received
        self.attempts = attempts or []
        Exception.__init__(self, message)


def _status_line(response: Any) -> str:
    status = response.status_code
    reason = getattr(response, "reason_phrase", None) or getattr(response, "reason", None)
    if not reason:
        try:
            reason = lookup(status).phrase
        except UnknownCode:
            reason = ""
    return f"{status} {reason}".rstrip()


def is_problem(response: Any) -> bool:
    media = (response.headers.get("content-type") or "").split(";")[0].strip().lower()
    return media == "application/problem+json"


def _problem_of(response: Any, body: bytes | None) -> dict[str, Any] | None:
    if not is_problem(response):
        return None
    content = body if body is not None else _content_of(response)
    if content is None or len(content) > PROBLEM_READ_LIMIT:
        return None
    try:
        # RFC 8259 §6: NaN and Infinity are not JSON; nesting past the parser's
        # recursion limit is a server's attack, not a problem document.
        document = json.loads(content, parse_constant=_not_json)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None
    return document if isinstance(document, dict) else None


def _not_json(constant: str) -> Any:
    raise ValueError(f"{constant} is not JSON")


def _writable(text: str) -> str:
    return text.encode("utf-8", "replace").decode("utf-8")


def _content_of(response: Any) -> bytes | None:
    """The body; a streamed response is read here, at most PROBLEM_READ_LIMIT
    bytes, and closed. None when it cannot be read from here (an async stream,
    a broken connection, a body past the limit)."""
    library = library_of(response)
    if library == "requests":
        return _requests_content(response)
    if library in HTTPX_FAMILY:
        return _httpx_content(response, sys.modules[library])
    try:
        content: bytes = response.content
        return content
    except Exception:  # whatever else it is, its body could not be had
        return None


def _httpx_content(response: Any, library: Any) -> bytes | None:
    if hasattr(response, "_content"):  # read already
        content: bytes = response.content
        return content
    if response.is_stream_consumed or not isinstance(response.stream, library.SyncByteStream):
        # An async stream cannot be read (nor closed) from sync code: the caller's
        # ``async with`` closes it; ``araise_for_status`` reads it.
        return None
    return _bounded(response.iter_bytes, response.close)


def _requests_content(response: Any) -> bytes | None:
    if response._content is not False:  # read already (or stream=False)
        content: bytes = response.content
        return content
    if response._content_consumed:
        return None
    # stream=True: read as much as a problem document may be, then let the
    # connection go, instead of ``response.content`` reading all of it.
    return _bounded(lambda: response.iter_content(16 * 1024), response.close)


def _bounded(chunks: Any, close: Any) -> bytes | None:
    body = bytearray()
    try:
        for chunk in chunks():
            body += chunk
            if len(body) > PROBLEM_READ_LIMIT:
                return None
    except Exception:  # the body broke: the status still says what happened
        return None
    finally:
        close()
    return bytes(body)


async def read_async_problem(response: Any) -> bytes | None:
    """The async counterpart of ``_content_of`` for an httpx-family response whose
    async stream nobody read: at most PROBLEM_READ_LIMIT bytes, then closed."""
    library = library_of(response)
    if library not in HTTPX_FAMILY or hasattr(response, "_content") \
            or response.is_stream_consumed \
            or not isinstance(response.stream, sys.modules[library].AsyncByteStream):
        return None
    body = bytearray()
    try:
        async for chunk in response.aiter_bytes():
            body += chunk
            if len(body) > PROBLEM_READ_LIMIT:
                return None
    except Exception:  # the body broke: the status still says what happened
        return None
    finally:
        await response.aclose()
    return bytes(body)
