"""Recorded traffic: the exchanges of a HAR file (HTTP Archive 1.2), judged offline.

``read_har(path)`` turns each entry of a HAR that browser devtools, mitmproxy or
Playwright wrote into a ``statuskit.check.record.Exchange`` and judges it with an
``Observer``, as the monitor judges live traffic: one verdict per entry, so that
``statuskit check --har FILE`` writes the same findings, in the same terminal, JSON,
HTML and JUnit reports, as a check of a live server.

A HAR holds what its recorder chose to keep, so each entry is judged only on what
it holds exactly:

- content is known byte for byte when it is base64, or text whose UTF-8 length is
  the recorded ``content.size``; a recorder decodes Content-Encoding, so with one
  the content's length says nothing of Content-Length and is not compared;
- content where none may go (1xx, 204, 304, HEAD) is counted from ``bodySize``,
  the bytes on the wire, and only for HTTP/1.x entries whose header bytes were
  counted apart (``headersSize``): browsers show a 304's cached body as its
  content, and HTTP/2 entries count headers into ``bodySize``;
- an entry without a request method, URL or response status (a blocked request has
  status 0) is skipped with a note, and the rest are judged.

A file that is not a HAR at all (not JSON, JSON past what can be read, no
``log.entries``, past ``HAR_MAX_BYTES``) raises ``HarError`` with one line to show.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from statuskit.check.evidence import Evidence
from statuskit.check.record import Exchange
from statuskit.check.rules import Level, Rule
from statuskit.check.verdict import Outcome, Verdict
from statuskit.defaults import HAR_MAX_BYTES, MiB
from statuskit.http import is_token
from statuskit.monitor._observer import Observer, evidence_of

__all__ = ["HarError", "HarRun", "read_har"]

# What an entry is checked under when it breaks nothing: the observed rules as a whole.
RECORDED = Rule("har", Level.SEED, "statuskit.check.rules.OBSERVED",
                "a recorded exchange breaks none of the rules an observer applies")
_NOTES_SHOWN = 20  # skipped entries named one by one; the rest counted
_NO_CONTENT = frozenset({204, 304})


class HarError(Exception):
    """A file that cannot be read as a HAR: ``str()`` is one line for the user."""


class _Skip(Exception):
    """One entry that cannot be judged: why, in words."""


@dataclass
class HarRun:
    verdicts: list[Verdict]
    entries: int  # in the file
    notes: list[str] = field(default_factory=list)  # entries skipped, and why


def read_har(path: str, *, lint: bool = True) -> HarRun:
    """Every entry of the HAR at ``path`` judged; ``HarError`` for a file that is none."""
    document = _load(path)
    log = document.get("log") if isinstance(document, dict) else None
    entries = log.get("entries") if isinstance(log, dict) else None
    if not isinstance(entries, list):
        raise HarError(f"{path}: not a HAR file (no log.entries list)")
    observer = Observer(lint=lint, logger=None, check="har")
    verdicts, skipped = [], []
    for number, entry in _in_order(entries):
        try:
            seen = exchange_of(entry)
        except _Skip as why:
            skipped.append(f"entry {number}: {why}")
            continue
        verdicts.append(_verdict(observer, seen, number))
    notes = skipped[:_NOTES_SHOWN]
    if len(skipped) > _NOTES_SHOWN:
        notes.append(f"and {len(skipped) - _NOTES_SHOWN} more entries skipped")
    if skipped:
        notes.insert(0, f"{len(skipped)} of {len(entries)} entries not judged:")
    return HarRun(verdicts, len(entries), notes)


def _load(path: str) -> Any:
    try:
        size = os.stat(path).st_size
        if size > HAR_MAX_BYTES:
            raise HarError(f"{path}: {size / MiB:.0f} MiB, past the {HAR_MAX_BYTES // MiB} MiB "
                           "a HAR is read up to")
        with open(path, "rb") as har:
            raw = har.read(HAR_MAX_BYTES + 1)
    except OSError as exc:
        raise HarError(f"{path}: {exc.strerror or exc}") from None
    try:
        # A number past Python's int digits is kept as its text: the entry holding it
        # is skipped for what it says, and the rest of the file is still judged.
        return json.loads(raw.decode("utf-8-sig"), parse_int=_integer)
    except UnicodeDecodeError as exc:
        raise HarError(f"{path}: not UTF-8 at byte {exc.start}: a HAR is JSON text") from None
    except json.JSONDecodeError as exc:
        raise HarError(f"{path}: not JSON (line {exc.lineno} column {exc.colno}: {exc.msg})") \
            from None
    except (ValueError, RecursionError):
        raise HarError(f"{path}: JSON past what can be read (nesting too deep)") from None


def _integer(text: str) -> int | str:
    try:
        return int(text)
    except ValueError:  # past sys.get_int_max_str_digits()
        return text


def _in_order(entries: list[Any]) -> list[tuple[int, Any]]:
    """(1-based number, entry), by startedDateTime where every entry has one (HAR 1.2
    §entries: its recorder's order otherwise)."""
    numbered = list(enumerate(entries, 1))
    starts = [e.get("startedDateTime") if isinstance(e, dict) else None for e in entries]
    if all(isinstance(s, str) for s in starts):
        numbered.sort(key=lambda pair: pair[1]["startedDateTime"])
    return numbered


def _verdict(observer: Observer, seen: Exchange, number: int) -> Verdict:
    parts = urlsplit(seen.url)
    route = f"{seen.method} {parts.path or '/'}"
    problems = observer.judge(seen, route)
    observer.exchanges += 1
    evidence: Evidence = evidence_of(seen, f"HAR entry {number}")
    return Verdict(seen.status, Outcome.FAIL if problems else Outcome.PASS,
                   "; ".join(p.text for p in problems),
                   f"{seen.method} {parts.path or '/'}" + (f"?{parts.query}" if parts.query
                                                           else ""),
                   seen.status, rule=RECORDED, evidence=[evidence], operation=route,
                   name="har", problems=problems, judged=evidence)


# -- one entry -------------------------------------------------------------------------------


def _mapping(value: Any, what: str) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise _Skip(f"no {what}")
    return value


def _fields(value: Any) -> list[tuple[str, str]]:
    """HAR headers as (name, value) pairs; HTTP/2 pseudo-fields and malformed ones left
    out (a recorder's, not the server's)."""
    out = []
    for item in value if isinstance(value, list) else ():
        if isinstance(item, dict) and isinstance(item.get("name"), str) \
                and isinstance(item.get("value"), str) and not item["name"].startswith(":"):
            out.append((item["name"], item["value"]))
    return out


def _version(value: Any) -> str:
    text = value.upper() if isinstance(value, str) else ""
    if text in ("H2", "HTTP/2", "HTTP/2.0"):
        return "HTTP/2"
    if text in ("H3", "HTTP/3", "HTTP/3.0"):
        return "HTTP/3"
    return text if text.startswith("HTTP/1.") else "HTTP/1.1"


def _count(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else -1


def _content(content: Mapping[str, Any]) -> tuple[bytes, bool]:
    """(bytes, exact) of a HAR content or postData object."""
    text = content.get("text")
    if not isinstance(text, str):
        return b"", False
    if content.get("encoding") == "base64":
        try:
            return base64.b64decode(text, validate=True), True
        except (binascii.Error, ValueError):
            return b"", False
    try:
        data = text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate: the recorder's bytes are not known
        return b"", False
    size = _count(content.get("size"))
    return data, text.isascii() or size == len(data)


def exchange_of(entry: Any) -> Exchange:
    """One HAR entry as an exchange; ``_Skip`` when it lacks what judging needs."""
    entry = _mapping(entry, "entry object")
    request = _mapping(entry.get("request"), "request")
    response = _mapping(entry.get("response"), "response")
    method, url = request.get("method"), request.get("url")
    if not isinstance(method, str) or not is_token(method):
        raise _Skip("no request method")
    if not isinstance(url, str) or urlsplit(url).scheme not in ("http", "https") \
            or not urlsplit(url).netloc:
        raise _Skip("no http(s) URL")
    status = response.get("status")
    if not isinstance(status, int) or isinstance(status, bool) or not 100 <= status <= 999:
        if status is None or status == 0:
            raise _Skip("no response status" + (" (0: blocked, failed or cancelled)"
                                                 if status == 0 else ""))
        raise _Skip(f"response status {_shown(status)} is no status code")
    headers = _fields(response.get("headers"))
    version = _version(response.get("httpVersion"))
    seen = Exchange(method.upper(), url, _fields(request.get("headers")), status,
                    str(response.get("statusText") or ""), headers, b"",
                    version=_version(request.get("httpVersion")), response_version=version)
    post = request.get("postData")
    if isinstance(post, dict):
        seen.request_body, seen.request_complete = _content(post)
        if not seen.request_complete:
            seen.request_body = b""
    else:
        seen.request_complete = method.upper() in ("GET", "HEAD", "OPTIONS", "DELETE")
    _response_content(seen, response)
    return seen


def _response_content(seen: Exchange, response: Mapping[str, Any]) -> None:
    if seen.method == "HEAD" or seen.status in _NO_CONTENT or seen.status < 200:
        # What came on the wire, not the body the browser shows from its cache.
        body_size, head_size = _count(response.get("bodySize")), _count(
            response.get("headersSize"))
        wire_counted = seen.response_version.startswith("HTTP/1.") and head_size >= 0
        seen.stray = body_size if wire_counted and body_size > 0 else 0
        return
    content = response.get("content")
    data, exact = _content(content) if isinstance(content, dict) else (b"", False)
    coded = (seen.header("content-encoding") or "identity").strip().lower() != "identity"
    seen.body = data if exact else b""
    seen.body_complete = exact and not coded
    seen.body_length = len(data) if exact and not coded else -1


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else f"{text[:20]}... ({len(text)} characters)"
