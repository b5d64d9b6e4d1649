"""``GET /``: how to provoke every seed code here, for people and for the checker.

The same data serves both: ``examples`` lists one request per code in plain
words, and ``statuskit_plan`` is the machine form ``statuskit check`` runs
(schema: ``statuskit.check.plan``). Steps may name earlier steps' results:
``{create.location}``, ``{create.etag}``, ``{create.json.id}``.

Big requests are described by size, not spelled out, so the index stays a
few kilobytes (the 413 and 414 examples once made it 167 KB):

``content_size: N``
    The step's content (its ``json`` or ``body``) followed by spaces up to N
    bytes. Whitespace after a JSON value leaves the same document
    (RFC 8259 §2), so the server sees the note it would have, only longer.
``target_size: N``
    The step's path with ``pad=aaa...`` added to its query (``?`` or ``&``)
    until the request target is N bytes.

Readers that do not know these keys still parse the plan (unknown step keys
are ignored); they would send the short request. ``statuskit check`` sends its
own generic 413 and 414 probes and does not run these two steps.
"""

from __future__ import annotations

from typing import Any

from statuskit.codes import lookup
from statuskit.defaults import MAX_TARGET_LENGTH
from statuskit.reference._ids import ID_ALPHABET
from statuskit.reference._resources import MAX_CONTENT_BYTES, MAX_NOTE_BYTES, MAX_TITLE
from statuskit.reference._status_echo import MAX_LOCATION_LENGTH
from statuskit.resource import MAX_JSON_DEPTH, MAX_JSON_INT_DIGITS

__all__ = ["index_document", "probe_plan"]

_NOTE = {"title": "probe note", "body": "written by the probe plan"}
# Past the notes' 64 KiB limit and the 8 KiB target limit (statuskit.defaults).
_BIG_NOTE_BYTES = MAX_NOTE_BYTES + 1024
_LONG_TARGET_BYTES = MAX_TARGET_LENGTH + 808
_JSON = {"Content-Type": "application/json"}


def _create(name: str = "create") -> dict[str, Any]:
    return {"name": name, "method": "POST", "path": "/notes", "headers": _JSON,
            "json": _NOTE, "expect": [201]}


def probe_plan(*, proxy_token: str | None, read_only_token: str | None) -> dict[str, Any]:
    """The plan for a reference API built with these demo credentials."""
    proxy = {"Proxy-Authorization": f"Bearer {proxy_token}"} if proxy_token else {}
    probes: dict[str, dict[str, Any]] = {
        "100": {"why": "Expect: 100-continue on a POST with content: 100, then 201",
                "steps": [{"method": "POST", "path": "/notes", "json": _NOTE,
                           "headers": {**_JSON, "Expect": "100-continue"},
                           "expect_interim": [100], "expect": [201]}]},
        "101": {"why": "a WebSocket upgrade", "steps": [{"websocket": "/ws/echo",
                                                         "expect": [101]}]},
        "201": {"why": "a new note", "steps": [_create()]},
        "202": {"why": "work accepted for later, with a status monitor",
                "steps": [{"method": "POST", "path": "/jobs", "headers": _JSON,
                           "json": {"task": "probe"}, "expect": [202]}]},
        "203": {"why": "the gateway reshapes what the upstream said",
                "steps": [{"method": "GET", "path": "/gateway/hello", "headers": proxy,
                           "expect": [203]}]},
        "204": {"why": "OPTIONS answers with Allow and no content (the seed's rule)",
                "steps": [{"method": "OPTIONS", "path": "/notes", "expect": [204]}]},
        "205": {"why": "a feedback form the client should clear",
                "steps": [{"method": "POST", "path": "/feedback",
                           "headers": {"Content-Type": "application/x-www-form-urlencoded"},
                           "body": "rating=5&comment=fine", "expect": [205]}]},
        "206": {"why": "one range of a note",
                "steps": [_create(), {"method": "GET", "path": "{create.location}",
                                      "headers": {"Range": "bytes=0-3"}, "expect": [206]}]},
        "300": {"why": "the guide comes in two formats and Accept picks neither",
                "steps": [{"method": "GET", "path": "/guide", "expect": [300]}]},
        "301": {"why": "the notes collection moved for good",
                "steps": [{"method": "GET", "path": "/old-notes", "expect": [301]}]},
        "302": {"why": "the newest note changes over time",
                "steps": [{"method": "GET", "path": "/latest-note", "expect": [302]}]},
        "303": {"why": "a finished job points at its result",
                "steps": [{"name": "job", "method": "POST", "path": "/jobs", "headers": _JSON,
                           "json": {"seconds": 0}, "expect": [202]},
                          {"method": "GET", "path": "{job.location}", "expect": [303]}]},
        "304": {"why": "the client already has this version",
                "steps": [_create(), {"method": "GET", "path": "{create.location}",
                                      "headers": {"If-None-Match": "{create.etag}"},
                                      "expect": [304]}]},
        "305": {"why": "deprecated (RFC 9110 §15.4.6): no resource here uses it; "
                       "/status/305 shows its form",
                "steps": [{"method": "GET", "path": "/status/305", "expect": [305]}]},
        "306": {"why": "unused (RFC 9110 §15.4.7): /status/306 shows its form",
                "steps": [{"method": "GET", "path": "/status/306", "expect": [306]}]},
        "307": {"why": "drafts are kept with the notes for now; the POST is kept",
                "steps": [{"method": "POST", "path": "/drafts", "headers": _JSON,
                           "json": _NOTE, "expect": [307]}]},
        "308": {"why": "a POST to the old notes address keeps its method",
                "steps": [{"method": "POST", "path": "/old-notes", "headers": _JSON,
                           "json": _NOTE, "expect": [308]}]},
        "400": {"why": "content that is not JSON at all",
                "steps": [{"method": "POST", "path": "/notes", "headers": _JSON,
                           "body": "{not json", "expect": [400]}]},
        "401": {"why": "the private notes need a bearer token",
                "steps": [{"method": "GET", "path": "/private/notes", "expect": [401]}]},
        "402": {"why": "reserved (RFC 9110 §15.5.3): /status/402 shows its form",
                "steps": [{"method": "GET", "path": "/status/402", "expect": [402]}]},
        "403": {"why": "a read-only token trying to write",
                "steps": [{"method": "POST", "path": "/private/notes",
                           "headers": {**_JSON, "Authorization": f"Bearer {read_only_token}"},
                           "json": _NOTE, "expect": [403]}]},
        "404": {"why": "no note has this id",
                "steps": [{"method": "GET", "path": "/notes/no-such-note", "expect": [404]}]},
        "405": {"why": "the collection cannot be deleted",
                "steps": [{"method": "DELETE", "path": "/notes", "expect": [405]}]},
        "406": {"why": "notes come as JSON, text or Markdown, not PNG",
                "steps": [_create(), {"method": "GET", "path": "{create.location}",
                                      "headers": {"Accept": "image/png"}, "expect": [406]}]},
        "407": {"why": "the gateway wants proxy credentials",
                "steps": [{"method": "GET", "path": "/gateway/hello", "expect": [407]}]},
        "408": {"why": "a header section that never completes", "wire": "slow-headers",
                "steps": [{"method": "GET", "path": "/", "expect": [408]}]},
        "409": {"why": "an id that is already taken",
                "steps": [{"name": "first", "method": "POST", "path": "/notes",
                           "headers": _JSON, "json": {**_NOTE, "id": "{unique}"},
                           "expect": [201]},
                          {"method": "POST", "path": "/notes", "headers": _JSON,
                           "json": {**_NOTE, "id": "{first.json.id}"}, "expect": [409]}]},
        "410": {"why": "a deleted note",
                "steps": [_create(),
                          {"method": "DELETE", "path": "{create.location}", "expect": [204]},
                          {"method": "GET", "path": "{create.location}", "expect": [410]}]},
        "411": {"why": "content with neither Content-Length nor chunked framing",
                "wire": "no-length",
                "steps": [{"method": "POST", "path": "/notes", "headers": _JSON,
                           "expect": [411]}]},
        "412": {"why": "a write conditional on a version that is not current",
                "steps": [_create(), {"method": "PUT", "path": "{create.location}",
                                      "headers": {**_JSON, "If-Match": '"not-the-etag"'},
                                      "json": _NOTE, "expect": [412]}]},
        "413": {"why": "a note past 64 KiB, refused from its declared length",
                "steps": [{"method": "POST", "path": "/notes", "headers": _JSON,
                           "json": {"title": "big"}, "content_size": _BIG_NOTE_BYTES,
                           "expect": [413]}]},
        "414": {"why": "a target past 8 KiB", "steps": [
            {"method": "GET", "path": "/notes", "target_size": _LONG_TARGET_BYTES,
             "expect": [414]}]},
        "415": {"why": "notes are JSON, not plain text",
                "steps": [{"method": "POST", "path": "/notes",
                           "headers": {"Content-Type": "text/plain"}, "body": "hello",
                           "expect": [415]}]},
        "416": {"why": "a range past the end of the note",
                "steps": [_create(), {"method": "GET", "path": "{create.location}",
                                      "headers": {"Range": "bytes=100000-"},
                                      "expect": [416]}]},
        "417": {"why": "an expectation nobody here can meet",
                "steps": [{"method": "GET", "path": "/notes",
                           "headers": {"Expect": "something-else"}, "expect": [417]}]},
        "422": {"why": "well-formed JSON with an empty title",
                "steps": [{"method": "POST", "path": "/notes", "headers": _JSON,
                           "json": {"title": ""}, "expect": [422]}]},
        "429": {"why": "more requests than --rate-limit allows", "load": True,
                "steps": [{"method": "GET", "path": "/notes", "expect": [429]}]},
        "500": {"why": "a deliberate bug",
                "steps": [{"method": "GET", "path": "/fail", "expect": [500]}]},
        "501": {"why": "a method nobody registered",
                "steps": [{"method": "BREW", "path": "/notes", "expect": [501]}]},
        "502": {"why": "the upstream answers with something that is not JSON",
                "steps": [{"method": "GET", "path": "/gateway/broken", "headers": proxy,
                           "expect": [502]}]},
        "503": {"why": "--maintenance, or more than --max-concurrency requests at once",
                "load": True,
                "steps": [{"method": "GET", "path": "/slow?seconds=1", "expect": [503]}]},
        "504": {"why": "the client's own timeout runs out first (the seed's ServerTimeout)",
                "steps": [{"method": "GET", "path": "/slow?seconds=2&timeout=0.2",
                           "expect": [504]}]},
        "505": {"why": "an HTTP version this server does not speak", "wire": "version",
                "steps": [{"method": "GET", "path": "/", "expect": [505]}]},
    }
    return {"version": 1, "probes": probes}


# What bad input is refused with, so a client can know before it sends.
LIMITS = {
    "json": f"at most {MAX_JSON_DEPTH} nested arrays/objects and {MAX_JSON_INT_DIGITS}-digit "
            "integers; no lone surrogates (\\ud800-\\udfff unpaired), NaN, Infinity or "
            "numbers past a float's range: 400",
    "note_id": f"{ID_ALPHABET}: 422",
    "note_content_bytes": MAX_NOTE_BYTES,
    "content_bytes": f"at most {MAX_CONTENT_BYTES} bytes to any route (notes, jobs, feedback, "
                     "moved paths): 413",
    "note_title_characters": MAX_TITLE,
    "status_location": f"a same-origin RFC 3986 path reference, at most {MAX_LOCATION_LENGTH} "
                       "characters, percent-encoded: 400 otherwise",
}

_REQUEST_KEYS = ("method", "path", "headers", "json", "body", "content_size", "target_size")


def index_document(plan: dict[str, Any]) -> dict[str, Any]:
    """The JSON index: one example per seed code, plus the plan itself."""
    examples = []
    for code, probe in sorted(plan["probes"].items()):
        record = lookup(int(code))
        last = probe["steps"][-1]
        example: dict[str, Any] = {
            "code": int(code),
            "label": record.label,
            "why": probe["why"],
        }
        if "websocket" in last:
            example["request"] = {"websocket": last["websocket"]}
        else:
            example["request"] = {k: last[k] for k in _REQUEST_KEYS if k in last}
        if len(probe["steps"]) > 1:
            example["after"] = [f"{s['method']} {s['path']}" for s in probe["steps"][:-1]]
        examples.append(example)
    return {
        "service": "statuskit reference API",
        "limits": LIMITS,
        "examples": examples,
        "statuskit_plan": plan,
    }
