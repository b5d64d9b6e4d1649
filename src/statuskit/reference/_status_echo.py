"""``/status/{code}``: any code 200-599 with the header fields that code calls for.

For client developers, like httpbin's endpoint, except that every answer is
valid HTTP: Location on redirects, Allow on 405, a challenge on 401/407,
Retry-After where it is recommended, Content-Range agreeing with the content,
and no content where none is allowed.
"""

from __future__ import annotations

import json
import re
from collections.abc import MutableMapping
from typing import Any
from urllib.parse import parse_qs

from statuskit.codes import UnknownCode, allows_body, lookup
from statuskit.http import format_content_range, format_unsatisfied_range, resolve_ranges
from statuskit.problem import PROBLEM_CONTENT_TYPE, problem_body
from statuskit.reference._ranges import read_range
from statuskit.types import Send

__all__ = ["status_app"]


_PARTIAL = b"0123456789" * 10  # what /status/206 takes ranges of

# RFC 3986 §3.3-3.5: a path-absolute reference (which never starts with "//"),
# with an optional query and fragment, every other octet percent-encoded. No
# backslash, whitespace or control character can pass, so no browser's lenient
# URL parser (WHATWG URL §4.4 drops tabs and newlines and reads "\" as "/")
# can turn the Location into "//elsewhere": a redirect from here stays here.
_PCHAR = r"(?:[A-Za-z0-9\-._~!$&'()*+,;=:@]|%[0-9A-Fa-f]{2})"
_SAME_ORIGIN_PATH = re.compile(
    rf"/(?:{_PCHAR}+(?:/{_PCHAR}*)*)?(?:\?(?:{_PCHAR}|[/?])*)?(?:#(?:{_PCHAR}|[/?])*)?")
MAX_LOCATION_LENGTH = 2048
_BAD_LOCATION = ("location must be a path on this server: it starts with one '/', and every "
                 "character outside RFC 3986's path, query and fragment characters is "
                 "percent-encoded (no spaces, controls, backslashes or non-ASCII).")

_MECHANISM = {
    100: "100 Continue is an interim answer: send a request with 'Expect: 100-continue' "
         "and a body to POST /notes.",
    101: "101 Switching Protocols answers an Upgrade: open a WebSocket to /ws/echo.",
}


async def status_app(scope: MutableMapping[str, Any], receive: Any, send: Send) -> None:
    root: str = scope.get("root_path", "")
    tail = scope["path"][len(root):].strip("/")
    head = scope["method"] == "HEAD"
    query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
    # isascii: str.isdigit is also true for other scripts' digits ("٢٠٠").
    if not (tail.isascii() and tail.isdigit()) or len(tail) != 3:
        await _problem(send, 404, "Ask for /status/NNN with a three-digit code.", head)
        return
    code = int(tail)
    if code in _MECHANISM:
        await _problem(send, 400, _MECHANISM[code], head)
        return
    if not 200 <= code <= 599:
        await _problem(send, 404, "Codes 200 to 599 can be asked for here.", head)
        return
    retry_after = query.get("retry_after", ["1"])[0]
    if not (retry_after.isascii() and retry_after.isdigit()) or len(retry_after) > 9:
        await _problem(send, 400, "retry_after must be a whole number of seconds.", head)
        return
    location = query.get("location", ["/"])[0]
    if len(location) > MAX_LOCATION_LENGTH or not _SAME_ORIGIN_PATH.fullmatch(location):
        await _problem(send, 400, _BAD_LOCATION, head)
        return
    if code == 206:
        await _partial(scope, send, head)
        return
    headers, body = _answer(code, retry_after, location)
    if allows_body(code):
        headers.append((b"content-length", str(len(body)).encode()))
    await send({"type": "http.response.start", "status": code, "headers": headers})
    await send({"type": "http.response.body", "body": b"" if head else body})


def _fields(code: int) -> tuple[str, ...]:
    try:
        record = lookup(code)
    except UnknownCode:
        return ()
    return (*record.requires, *record.recommends)


def _answer(code: int, retry_after: str, location: str) -> tuple[list[tuple[bytes, bytes]], bytes]:
    headers: list[tuple[bytes, bytes]] = []
    wanted = _fields(code)
    if "Location" in wanted or (300 <= code < 400 and code not in (304, 305, 306)):
        headers.append((b"location", location.encode()))
    if "Retry-After" in wanted:
        headers.append((b"retry-after", retry_after.encode()))
    if "Allow" in wanted:
        headers.append((b"allow", b"GET, HEAD, OPTIONS"))
    if "WWW-Authenticate" in wanted:
        headers.append((b"www-authenticate", b'Bearer realm="statuskit"'))
    if "Proxy-Authenticate" in wanted:
        headers.append((b"proxy-authenticate", b'Bearer realm="statuskit"'))
    if "Upgrade" in wanted:
        headers += [(b"upgrade", b"websocket"), (b"connection", b"Upgrade")]
    if code == 304:
        headers.append((b"etag", b'"status-304"'))
    if not allows_body(code):
        return headers, b""
    if code == 416:
        headers.append((b"content-range", b"bytes */0"))
    if code >= 400:
        headers.append((b"content-type", PROBLEM_CONTENT_TYPE.encode()))
        return headers, problem_body(code, "Asked for at /status.")
    headers.append((b"content-type", b"application/json"))
    return headers, json.dumps({"status": code, "phrase": _phrase(code)}).encode()


def _phrase(code: int) -> str:
    try:
        return lookup(code).phrase
    except UnknownCode:
        return ""


async def _partial(scope: MutableMapping[str, Any], send: Send, head: bool) -> None:
    # RFC 9110 §15.3.7: a 206 answers a Range request, with the part and where it
    # sits in the whole; unasked, it would not be valid HTTP.
    wanted = next((v.decode("latin-1") for k, v in scope["headers"] if k == b"range"), None)
    specs = read_range(wanted) if wanted is not None else None
    parts = resolve_ranges(specs, len(_PARTIAL)) if specs else ()
    if specs and not parts:
        # RFC 9110 §15.5.17: none of the ranges overlaps the content.
        await _problem(send, 416, f"The whole is {len(_PARTIAL)} bytes.", head, [
            (b"content-range", format_unsatisfied_range(len(_PARTIAL)).encode())])
        return
    if len(parts) != 1:
        await _problem(send, 400, "206 answers a request for one range: send "
                                  f"'Range: bytes=0-9' (the whole is {len(_PARTIAL)} bytes).", head)
        return
    first, last = parts[0]
    body = _PARTIAL[first:last + 1]
    await send({"type": "http.response.start", "status": 206, "headers": [
        (b"content-type", b"text/plain"),
        (b"content-range", format_content_range(first, last, len(_PARTIAL)).encode()),
        (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": b"" if head else body})


async def _problem(send: Send, status: int, detail: str, head: bool,
                   extra: list[tuple[bytes, bytes]] | None = None) -> None:
    body = problem_body(status, detail)
    await send({"type": "http.response.start", "status": status, "headers": [
        (b"content-type", PROBLEM_CONTENT_TYPE.encode()),
        (b"content-length", str(len(body)).encode()), *(extra or [])]})
    await send({"type": "http.response.body", "body": b"" if head else body})
