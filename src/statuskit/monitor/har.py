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

The file is read as a stream, one entry decoded at a time, so what is held is one
entry and the verdicts, not the document; entries are judged as they come. A file
whose entries are out of ``startedDateTime`` order is read once more and judged in
that order, from exchanges held as a monitor holds them (content past
``MONITOR_MAX_BODY`` counted, not kept).
"""

from __future__ import annotations

import base64
import binascii
import codecs
import itertools
import json
import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, BinaryIO
from urllib.parse import urlsplit

from statuskit.check.evidence import Evidence
from statuskit.check.record import Exchange
from statuskit.check.rules import Level, Rule
from statuskit.check.verdict import Outcome, Verdict
from statuskit.defaults import HAR_MAX_BYTES, MONITOR_MAX_BODY, MiB
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
    # Judged as read, in the file's order, which is the order to judge in unless every
    # entry has a startedDateTime and they are out of order: then once more, sorted.
    judged = _Judging(lint)
    starts = []
    for number, entry in enumerate(_read_entries(path), 1):
        starts.append(_start_of(entry))
        judged.add(number, _seen_or_why(entry, number, judged.partial))
    order = _order(starts)
    if order is not None:
        judged = _Judging(lint)
        held = [_held(_seen_or_why(entry, number, judged.partial))
                for number, entry in enumerate(_read_entries(path), 1)]
        for index in order:
            judged.add(index + 1, held[index])
    notes = _listed(judged.skipped, f"{len(judged.skipped)} of {len(starts)} entries not "
                                    "judged:")
    notes += _listed(judged.partial, f"{len(judged.partial)} parts of entries not judged:")
    return HarRun(judged.verdicts, len(starts), notes)


class _Judging:
    """One run of the observer over the entries, in the order they are given."""

    def __init__(self, lint: bool) -> None:
        self.observer = Observer(lint=lint, logger=None, check="har")
        self.verdicts: list[Verdict] = []
        self.skipped: list[str] = []
        self.partial: list[str] = []  # entries judged without part of what they hold

    def add(self, number: int, seen: Exchange | str) -> None:
        if isinstance(seen, str):
            self.skipped.append(f"entry {number}: {seen}")
        else:
            self.verdicts.append(_verdict(self.observer, seen, number))


def _listed(lines: list[str], heading: str) -> list[str]:
    if not lines:
        return []
    shown = [heading, *lines[:_NOTES_SHOWN]]
    if len(lines) > _NOTES_SHOWN:
        shown.append(f"and {len(lines) - _NOTES_SHOWN} more")
    return shown


def _seen_or_why(entry: Any, number: int, partial: list[str]) -> Exchange | str:
    notes: list[str] = []
    try:
        seen = exchange_of(entry, notes)
    except _Skip as why:
        return str(why)
    partial += (f"entry {number}: {note}" for note in notes)
    return seen


def _held(seen: Exchange | str) -> Exchange | str:
    """An exchange kept until its turn holds what a monitor holds: the content's length
    and its first MONITOR_MAX_BODY bytes."""
    if isinstance(seen, Exchange) and len(seen.body) > MONITOR_MAX_BODY:
        seen.body_length = seen.sent_length if seen.sent_length is not None else -1
        seen.body, seen.body_complete = seen.body[:MONITOR_MAX_BODY], False
    return seen


def _start_of(entry: Any) -> str | None:
    start = entry.get("startedDateTime") if isinstance(entry, dict) else None
    return start if isinstance(start, str) else None


def _order(starts: list[str | None]) -> list[int] | None:
    """Entry indexes by startedDateTime where every entry has one (HAR 1.2 §entries:
    its recorder's order otherwise); None when that is the file's order."""
    if not all(isinstance(start, str) for start in starts):
        return None
    keys: list[str] = [start for start in starts if start is not None]
    if all(a <= b for a, b in itertools.pairwise(keys)):
        return None
    return sorted(range(len(keys)), key=keys.__getitem__)


# -- the file, as a stream of entries --------------------------------------------------------

_WINDOW = MiB  # bytes decoded at a time; an entry longer than this widens the window
_WHITESPACE = re.compile(r"[ \t\n\r]*")  # RFC 8259 §2: ws
_NEAR_END = 6  # a literal, number or \uXXXX escape cut by the window's end fails this close


def _read_entries(path: str) -> Iterator[Any]:
    """Each value of ``log.entries`` in the file's order, decoded one at a time."""
    try:
        size = os.stat(path).st_size
        if size > HAR_MAX_BYTES:
            raise HarError(f"{path}: {size / MiB:.0f} MiB, past the {HAR_MAX_BYTES // MiB} MiB "
                           "a HAR is read up to")
        har = open(path, "rb")  # noqa: SIM115 (the with below closes it)
    except OSError as exc:
        raise HarError(f"{path}: {exc.strerror or exc}") from None
    with har:
        text = _Text(path, har)
        found = False
        if text.next_char() != "{":
            text.value()  # not JSON at all, or JSON of another kind
        else:
            for key in text.members():
                if key == "log" and text.next_char() == "{":
                    for name in text.members():
                        if name == "entries" and text.next_char() == "[":
                            found = True
                            yield from text.items()
                        else:
                            text.value()
                else:
                    text.value()
        if text.next_char():
            raise text.error("Extra data")
        if not found:
            raise HarError(f"{path}: not a HAR file (no log.entries list)")


class _Text:
    """The JSON text of a file, decoded a window at a time: ``value()`` decodes the one
    value at the position, ``members()`` and ``items()`` walk an object or an array
    without holding it. Errors name the line and column, as ``json.loads`` does."""

    def __init__(self, path: str, har: BinaryIO) -> None:
        self.path, self.file = path, har
        self.decoder = codecs.getincrementaldecoder("utf-8-sig")()
        # A number past Python's int digits is kept as its text: the entry holding it is
        # skipped for what it says, and the rest of the file is still judged.
        self.json = json.JSONDecoder(parse_int=_integer)
        self.text, self.pos, self.eof = "", 0, False
        self.bytes_read = 0
        self.lines = 0  # line breaks before text[0]
        self.column = 0  # characters of text[0]'s line before text[0]

    def _fill(self, at_least: int = _WINDOW) -> bool:
        """More text after what is left unread; False at the end of the file."""
        if self.eof:
            return False
        done = self.text[:self.pos]
        breaks = done.count("\n")
        self.lines += breaks
        self.column = len(done) - done.rfind("\n") - 1 if breaks else self.column + len(done)
        pending = len(self.decoder.getstate()[0])
        data = self.file.read(max(at_least, _WINDOW))
        try:
            more = self.decoder.decode(data, final=not data)
        except UnicodeDecodeError as exc:
            at = self.bytes_read - pending + exc.start
            raise HarError(f"{self.path}: not UTF-8 at byte {at}: a HAR is JSON text") from None
        self.bytes_read += len(data)
        if self.bytes_read > HAR_MAX_BYTES:  # a pipe or a device has no size to refuse early
            raise HarError(f"{self.path}: past the {HAR_MAX_BYTES // MiB} MiB a HAR is read up to")
        self.text, self.pos, self.eof = self.text[self.pos:] + more, 0, not data
        return True

    def error(self, message: str, at: int | None = None) -> HarError:
        at = self.pos if at is None else at
        breaks = self.text.count("\n", 0, at)
        column = at - self.text.rfind("\n", 0, at) if breaks else self.column + at + 1
        return HarError(f"{self.path}: not JSON (line {self.lines + breaks + 1} column "
                        f"{column}: {message})")

    def next_char(self) -> str:
        """The next character that is not whitespace, left unread ("": the end)."""
        while True:
            self.pos = _WHITESPACE.match(self.text, self.pos).end()  # type: ignore[union-attr]
            if self.pos < len(self.text):
                return self.text[self.pos]
            if not self._fill():
                return ""

    def value(self) -> Any:
        self.next_char()
        while True:
            try:
                value, end = self.json.raw_decode(self.text, self.pos)
            except json.JSONDecodeError as exc:
                cut = exc.msg.startswith("Unterminated string") \
                    or exc.pos >= len(self.text) - _NEAR_END
                if cut and self._fill(len(self.text)):
                    continue  # the value goes on past the window: widen it
                raise self.error(exc.msg, exc.pos) from None
            except (ValueError, RecursionError):
                raise HarError(f"{self.path}: JSON past what can be read (nesting too deep)") \
                    from None
            if end == len(self.text) and not isinstance(value, (dict, list)) \
                    and self._fill(len(self.text)):
                continue  # a number may go on in the next window
            self.pos = end
            return value

    def _expect(self, char: str, what: str) -> None:
        if self.next_char() != char:
            raise self.error(what)
        self.pos += 1

    def members(self) -> Iterator[str]:
        """Each key of the object here; the caller reads its value before the next."""
        self._expect("{", "Expecting '{'")
        if self.next_char() == "}":
            self.pos += 1
            return
        while True:
            if self.next_char() != '"':
                raise self.error("Expecting property name enclosed in double quotes")
            key = self.value()
            self._expect(":", "Expecting ':' delimiter")
            yield key
            if self.next_char() == "}":
                self.pos += 1
                return
            self._expect(",", "Expecting ',' delimiter")

    def items(self) -> Iterator[Any]:
        """Each value of the array here, decoded one at a time."""
        self._expect("[", "Expecting '['")
        if self.next_char() == "]":
            self.pos += 1
            return
        while True:
            yield self.value()
            if self.next_char() == "]":
                self.pos += 1
                return
            self._expect(",", "Expecting ',' delimiter")


def _integer(text: str) -> int | str:
    try:
        return int(text)
    except ValueError:  # past sys.get_int_max_str_digits()
        return text


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


# RFC 9110 §5.5: no field on the wire holds CR or NUL (nor LF: a recorder that keeps
# repeated field lines as one value, as Chromium's DevTools protocol does, joins them
# with LF), and a lone surrogate is no character at all: a recorder's, not a server's.
_NOT_ON_A_WIRE = re.compile("[\r\x00\ud800-\udfff]")


def _fields(value: Any, side: str) -> list[tuple[str, str]]:
    """HAR headers as (name, value) pairs, HTTP/2 pseudo-fields (":status") left out;
    ``_Skip`` for a list that cannot be what was sent: a field left out would be judged
    missing (a 405 without its Allow)."""
    if not isinstance(value, list):
        raise _Skip(f"no {side} headers list")
    out = []
    for number, item in enumerate(value, 1):
        if not (isinstance(item, dict) and isinstance(item.get("name"), str)
                and isinstance(item.get("value"), str)):
            raise _Skip(f"{side} header {number} is not a name and a text value")
        name, text = item["name"], item["value"]
        if name.startswith(":"):
            continue
        both = name + text
        if both.isascii() and "\r" not in both and "\x00" not in both:
            wire_name, wire_value = name, text  # the usual field, as it was
        else:
            wire_name, wire_value = _as_bytes(name), _as_bytes(text)
        if wire_name is None or wire_value is None or "\n" in name:
            raise _Skip(f"{side} header {_shown(name)} holds a character no field on the "
                        "wire holds (CR, NUL or a lone surrogate)")
        if "\n" in wire_value:
            out += [(wire_name, line) for line in wire_value.split("\n")]
        else:
            out.append((wire_name, wire_value))
    return out


def _as_bytes(text: str) -> str | None:
    """A field as its bytes read as latin-1, how every exchange holds fields: text past
    latin-1 is taken as the UTF-8 its recorder decoded (obs-text, RFC 9110 §5.5). None
    for text no field on the wire holds."""
    if text.isascii():  # the usual field: no surrogate, no text past latin-1
        return None if "\r" in text or "\x00" in text else text
    if _NOT_ON_A_WIRE.search(text):
        return None
    try:
        text.encode("latin-1")
    except UnicodeEncodeError:
        return text.encode("utf-8").decode("latin-1")
    return text


def _version(value: Any) -> str:
    text = value.upper() if isinstance(value, str) else ""
    if text in ("H2", "HTTP/2", "HTTP/2.0"):
        return "HTTP/2"
    if text in ("H3", "HTTP/3", "HTTP/3.0"):
        return "HTTP/3"
    return text if text.startswith("HTTP/1.") else "HTTP/1.1"


def _count(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else -1


def _content(content: Mapping[str, Any], notes: list[str],
             what: str) -> tuple[bytes, bool]:
    """(bytes, exact) of a HAR content or postData object; ``notes`` says why none."""
    text = content.get("text")
    if not isinstance(text, str):
        return b"", False
    if content.get("encoding") == "base64":
        try:
            return base64.b64decode(text, validate=True), True
        except (binascii.Error, ValueError):
            notes.append(f"its {what} is not base64: judged without it")
            return b"", False
    try:
        data = text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate: the recorder's bytes are not known
        return b"", False
    size = _count(content.get("size"))
    return data, text.isascii() or size == len(data)


def exchange_of(entry: Any, notes: list[str] | None = None) -> Exchange:
    """One HAR entry as an exchange; ``_Skip`` when it lacks what judging needs, and in
    ``notes`` what it was judged without."""
    notes = [] if notes is None else notes
    entry = _mapping(entry, "entry object")
    request = _mapping(entry.get("request"), "request")
    response = _mapping(entry.get("response"), "response")
    method, url = request.get("method"), request.get("url")
    if not isinstance(method, str) or not is_token(method):
        raise _Skip("no request method")
    if not isinstance(url, str) or not _is_http_url(url):
        raise _Skip("no http(s) URL")
    status = response.get("status")
    if not isinstance(status, int) or isinstance(status, bool) or not 100 <= status <= 999:
        if status is None or status == 0:
            raise _Skip("no response status" + (" (0: blocked, failed or cancelled)"
                                                 if status == 0 else ""))
        raise _Skip(f"response status {_shown(status)} is no status code")
    headers = _fields(response.get("headers"), "response")
    version = _version(response.get("httpVersion"))
    reason = response.get("statusText")
    reason = (_as_bytes(reason) or "") if isinstance(reason, str) and "\n" not in reason \
        else ""
    seen = Exchange(method.upper(), url, _fields(request.get("headers"), "request"), status,
                    reason, headers, b"",
                    version=_version(request.get("httpVersion")), response_version=version)
    post = request.get("postData")
    if isinstance(post, dict):
        seen.request_body, seen.request_complete = _content(post, notes, "request content")
        if not seen.request_complete:
            seen.request_body = b""
    else:
        seen.request_complete = method.upper() in ("GET", "HEAD", "OPTIONS", "DELETE")
    _response_content(seen, response, notes)
    return seen


def _is_http_url(url: str) -> bool:
    if _NOT_ON_A_WIRE.search(url) or "\n" in url:
        return False
    try:
        parts = urlsplit(url)
    except ValueError:  # "http://[::1": no URL
        return False
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def _response_content(seen: Exchange, response: Mapping[str, Any], notes: list[str]) -> None:
    if seen.method == "HEAD" or seen.status in _NO_CONTENT or seen.status < 200:
        # What came on the wire, not the body the browser shows from its cache.
        body_size, head_size = _count(response.get("bodySize")), _count(
            response.get("headersSize"))
        wire_counted = seen.response_version.startswith("HTTP/1.") and head_size >= 0
        seen.stray = body_size if wire_counted and body_size > 0 else 0
        return
    content = response.get("content")
    data, exact = _content(content, notes, "response content") if isinstance(content, dict) \
        else (b"", False)
    coded = (seen.header("content-encoding") or "identity").strip().lower() != "identity"
    seen.body = data if exact else b""
    seen.body_complete = exact and not coded
    seen.body_length = len(data) if exact and not coded else -1


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else f"{text[:20]}... ({len(text)} characters)"
