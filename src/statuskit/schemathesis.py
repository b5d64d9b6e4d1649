"""statuskit's HTTP checks as schemathesis checks.

Importing this module registers them with schemathesis (the ``schemathesis`` extra)::

    SCHEMATHESIS_HOOKS=statuskit.schemathesis schemathesis run URL/openapi.json \\
        --checks all

Each check judges with statuskit's own rules (``statuskit.check.rules``) and fails
with the rule's citation, so a schemathesis run reports what ``statuskit check``
would. One looks at each response as it is; the others ask one more question of an
operation (or a path), once per run, with the request schemathesis made:

- ``statuskit_fields``: the fields a status requires (Allow on 405, WWW-Authenticate
  on 401, Location on a redirect, ...), their grammar, no content where none may go;
- ``statuskit_head``: HEAD answers as GET did (RFC 9110 §9.3.2);
- ``statuskit_method_not_allowed``: an undeclared method gets 405 with an Allow that
  lists the path's methods (§15.5.6), or 501 for one declared nowhere (§15.6.2);
- ``statuskit_conditional``: a GET with its own ETag in If-None-Match gets 304
  (§13.1.2), with another tag in If-Match 412 (§13.1.1);
- ``statuskit_not_acceptable``: an Accept no declared media type meets gets 406;
- ``statuskit_content_too_large``: a declared 1 TB body gets 413 before any
  100 Continue (§10.1.1, §15.5.14);
- ``statuskit_problem_json``: an error with content says it in application/problem+json
  (RFC 9457; the seed table's rule, stricter than the RFC).
"""

from __future__ import annotations

import socket
import ssl
import threading
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import requests
import schemathesis

from statuskit.check.record import Exchange
from statuskit.check.rules import (
    ALLOW_LISTS_ALL,
    HEAD_LENGTH,
    HEAD_PARITY,
    NO_CONTINUE_BEFORE_REFUSAL,
    Problem,
    Rule,
    passive_problems,
    status_rule,
)
from statuskit.http import parse_allow

__all__ = ["CHECKS"]

_METHODS = ("get", "put", "post", "delete", "patch", "options", "head", "trace")
_PROBED = ("GET", "PUT", "POST", "DELETE", "PATCH")
UNLIKELY_MEDIA = "application/x-statuskit-unobtainable"
DECLARED_LENGTH = 10**12
_WAIT = 2.0  # seconds for the answer to a declared length
_TIMEOUT = 10.0
_asked: set[tuple[str, str]] = set()  # (check, operation or path): asked once a run
_asked_lock = threading.Lock()


def _first_time(check: str, key: str) -> bool:
    with _asked_lock:
        if (check, key) in _asked:
            return False
        _asked.add((check, key))
        return True


def _fail(problems: list[Problem]) -> None:
    if problems:
        raise AssertionError("; ".join(f"{p.rule.cite}: {p.text}" for p in problems))


def _exchange(response: Any, method: str | None = None) -> Exchange:
    """A statuskit Exchange from a schemathesis (or requests) response."""
    request = response.request
    headers = response.headers
    fields = [(k, v) for k, values in headers.items()
              for v in (values if isinstance(values, list) else [values])]
    body = getattr(response, "content", b"") or b""
    return Exchange(method or str(request.method), str(request.url),
                    list(request.headers.items()), int(response.status_code), "", fields,
                    body)


def _send(response: Any, method: str, headers: Mapping[str, str] | None = None,
          *, content: bool = True) -> requests.Response:
    """The request schemathesis sent, again, as ``method`` with ``headers`` added."""
    request = response.request
    sent = {k: v for k, v in request.headers.items()
            if k.lower() not in ("content-length", "transfer-encoding")}
    body = request.body if content and method not in ("GET", "HEAD") else None
    if body is None:
        sent = {k: v for k, v in sent.items() if k.lower() != "content-type"}
    return requests.request(method, str(request.url), headers={**sent, **(headers or {})},
                            data=body, timeout=_TIMEOUT, allow_redirects=False)


def _operation(case: Any) -> Mapping[str, Any]:
    raw = getattr(case.operation.definition, "raw", {})
    return raw if isinstance(raw, Mapping) else {}


def _path_methods(case: Any) -> set[str]:
    paths = case.operation.schema.raw_schema.get("paths", {})
    item = paths.get(case.operation.path, {})
    return {m.upper() for m in item if m in _METHODS}


def _all_methods(case: Any) -> set[str]:
    paths = case.operation.schema.raw_schema.get("paths", {})
    return {m.upper() for item in paths.values() if isinstance(item, Mapping)
            for m in item if m in _METHODS}


@schemathesis.check
def statuskit_fields(ctx: Any, response: Any, case: Any) -> bool | None:
    """The fields each status requires, their grammar, and no content where none goes."""
    _fail(passive_problems(_exchange(response, case.method)))
    return None


@schemathesis.check
def statuskit_head(ctx: Any, response: Any, case: Any) -> bool | None:
    """HEAD answers as GET did: the same status, and the same Content-Length if any."""
    if case.method != "GET" or not _first_time("head", f"{case.operation.label} "
                                                       f"{response.status_code}"):
        return None
    head = _send(response, "HEAD")
    if head.status_code != response.status_code:
        _fail([HEAD_PARITY.broken(f"HEAD answered {head.status_code}, not as GET",
                                  f"GET answered {response.status_code}")])
    length, got = head.headers.get("content-length"), response.headers.get("content-length")
    if length is not None and got is not None and length != got:
        again = _send(response, "GET")  # the content may have changed in between
        if again.headers.get("content-length") not in (None, length):
            _fail([HEAD_LENGTH.broken("HEAD's Content-Length is not GET's",
                                      f"HEAD says {length}, GET {got}")])
    return None


def _undeclared(case: Any) -> str | None:
    declared = _path_methods(case)
    return next((m for m in _PROBED if m not in declared), None)


@schemathesis.check
def statuskit_method_not_allowed(ctx: Any, response: Any, case: Any) -> bool | None:
    """An undeclared method gets 405 with Allow listing the path's methods."""
    method = _undeclared(case)
    if method is None or not _first_time("405", case.operation.path):
        return None
    seen = _exchange(_send(response, method, content=False), method)
    declared = _path_methods(case)
    if seen.status == 501 and method not in _all_methods(case):
        return None  # RFC 9110 §15.6.2: a method implemented for no resource
    problems = [] if seen.status == 405 else [status_rule(405).broken(
        f"answered {seen.status}, expected 405", f"{method}, which the document does "
                                                 "not declare for the path")]
    allow = seen.header("allow")
    if seen.status == 405 and allow is not None:
        missing = sorted(declared - {"HEAD", "OPTIONS", "TRACE"} - parse_allow(allow))
        if missing:
            problems.append(ALLOW_LISTS_ALL.broken(
                "a 405's Allow omits methods the document declares for the path",
                f"Allow: {allow} omits {', '.join(missing)}"))
    _fail(problems + passive_problems(seen))
    return None


@schemathesis.check
def statuskit_conditional(ctx: Any, response: Any, case: Any) -> bool | None:
    """A GET with its ETag in If-None-Match gets 304; with another in If-Match, 412."""
    etag = response.headers.get("etag")
    if case.method != "GET" or response.status_code != 200 or not etag:
        return None
    if not _first_time("conditional", case.operation.label):
        return None
    etag = etag[0] if isinstance(etag, list) else etag
    problems: list[Problem] = []
    for code, fields in ((304, {"If-None-Match": etag}),
                         (412, {"If-Match": '"statuskit-not-this"'})):
        seen = _send(response, "GET", fields)
        if seen.status_code != code:
            rule = status_rule(code)
            problems.append(rule.broken(f"answered {seen.status_code}, expected {code}",
                                        f"GET with {', '.join(fields)}"))
    _fail(problems)
    return None


def _produces(case: Any, status: int) -> list[str]:
    responses = _operation(case).get("responses", {})
    entry = responses.get(str(status), {}) if isinstance(responses, Mapping) else {}
    content = entry.get("content", {}) if isinstance(entry, Mapping) else {}
    return [str(m) for m in content] if isinstance(content, Mapping) else []


@schemathesis.check
def statuskit_not_acceptable(ctx: Any, response: Any, case: Any) -> bool | None:
    """An Accept that no declared media type meets gets 406."""
    if case.method != "GET" or response.status_code // 100 != 2:
        return None
    produces = _produces(case, response.status_code)
    if not produces or any(m.startswith("*/") for m in produces):
        return None
    if not _first_time("406", case.operation.label):
        return None
    seen = _send(response, "GET", {"Accept": UNLIKELY_MEDIA})
    if seen.status_code != 406:
        _fail([status_rule(406).broken(f"answered {seen.status_code}, expected 406",
                                       f"Accept: {UNLIKELY_MEDIA}; it produces "
                                       f"{', '.join(produces)}")])
    return None


def _declared_length(url: str, method: str, content_type: str) -> tuple[str, str]:
    """The first status line a server sends to a declared 1 TB body it never gets, and
    what was seen besides ("" or "100 Continue")."""
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    head = (f"{method} {target} HTTP/1.1\r\nHost: {parts.netloc}\r\n"
            f"Content-Type: {content_type}\r\nContent-Length: {DECLARED_LENGTH}\r\n"
            "Expect: 100-continue\r\n\r\n").encode("latin-1")
    with socket.create_connection((parts.hostname or "127.0.0.1", port), _WAIT) as raw:
        sock: socket.socket = raw
        if parts.scheme == "https":
            sock = ssl.create_default_context().wrap_socket(raw, server_hostname=parts.hostname)
        sock.settimeout(_WAIT)
        sock.sendall(head)
        received = b""
        try:
            while b"\r\n" not in received and len(received) < 65536:
                chunk = sock.recv(4096)
                if not chunk:
                    break
                received += chunk
        except TimeoutError:
            pass
    line = received.split(b"\r\n", 1)[0].decode("latin-1")
    return line, "100 Continue" if line.split(" ")[1:2] == ["100"] else ""


@schemathesis.check
def statuskit_content_too_large(ctx: Any, response: Any, case: Any) -> bool | None:
    """A declared 1 TB body gets 413 from the header section, with no 100 Continue."""
    if case.body is None or case.method in ("GET", "HEAD") \
            or not _first_time("413", case.operation.label):
        return None
    line, interim = _declared_length(str(response.request.url), case.method,
                                     case.media_type or "application/json")
    rule: Rule = status_rule(413)
    if interim:
        _fail([NO_CONTINUE_BEFORE_REFUSAL.broken("sent 100 Continue, inviting 1 TB of "
                                                 "declared content")])
    if line.split(" ")[1:2] != ["413"]:
        _fail([rule.broken(f"answered {line or 'nothing'}, expected 413",
                           "a declared 1 TB body with Expect: 100-continue")])
    return None


@schemathesis.check
def statuskit_problem_json(ctx: Any, response: Any, case: Any) -> bool | None:
    """An error with content says it in application/problem+json (RFC 9457)."""
    if response.status_code < 400 or not response.content:
        return None
    media = str(response.headers.get("content-type", [""])[0]
                if isinstance(response.headers.get("content-type"), list)
                else response.headers.get("content-type", ""))
    if media.split(";")[0].strip().lower() != "application/problem+json":
        raise AssertionError(f"seed table (RFC 9457 §3): a {response.status_code} with "
                             f"content in {media or 'no media type'}, not "
                             "application/problem+json")
    return None


CHECKS = (statuskit_fields, statuskit_head, statuskit_method_not_allowed,
          statuskit_conditional, statuskit_not_acceptable, statuskit_content_too_large,
          statuskit_problem_json)
