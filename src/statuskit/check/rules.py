"""Every rule the checker holds a server to: its id, force, source and statement.

A ``Rule`` is one requirement in plain words, with a stable ``id`` (what reports
and ``--only``-style filters name), its ``level`` (RFC ``MUST``, RFC ``SHOULD``,
or ``seed`` where the seed table asks for more than the RFC) and where it is
written (``cite``). A rule broken is a ``Problem``: the rule and the ``cause``,
what the server did in words that are the same for every instance of one defect
("405 without Allow"), plus this instance's ``detail``.

Rules that need no request of their own are *passive*: ``rule.judge(exchange)``
says what one recorded exchange (``statuskit.check.record.Exchange``) breaks, with
no network, so the same rules apply to probes, to requests made in process and
to traffic only observed. ``PASSIVE`` lists them; ``passive_problems`` applies
them all. The other rules need the situation a probe creates (a random path for
404, an unknown method for 501) and are judged by the probe that creates it.

This module imports nothing of the checker but ``record``: everything else
(verdicts, findings, profiles, reports) imports it.
"""

from __future__ import annotations

import enum
import json
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

from statuskit.check.record import Exchange
from statuskit.codes import all_codes, allows_body
from statuskit.http import (
    ETag,
    is_token,
    parse_allow,
    parse_content_range,
    parse_content_type,
    parse_etag,
    parse_http_date,
    parse_retry_after,
    parse_unsatisfied_range,
)
from statuskit.resource._preconditions import (
    if_match_holds,
    if_none_match_matches,
    modified_after,
    not_modified_since,
)

__all__ = ["OBSERVED", "PASSIVE", "RULES", "Level", "Problem", "Rule", "field_rule",
           "passive_problems", "status_rule"]


class Level(enum.StrEnum):
    """The force of a rule, strongest first."""

    MUST = "MUST"  # an RFC 9110/9112 MUST or MUST NOT
    SHOULD = "SHOULD"  # an RFC SHOULD or SHOULD NOT
    SEED = "seed"  # the seed table, where it is stricter than or differs from the RFC

    @property
    def rank(self) -> int:
        return _RANK[self]

    @classmethod
    def strongest(cls, levels: Iterable[Level]) -> Level | None:
        return min(levels, key=lambda level: level.rank, default=None)


_RANK = {Level.MUST: 0, Level.SHOULD: 1, Level.SEED: 2}

Check = Callable[["Rule", Exchange], "Problem | None"]


@dataclass(frozen=True)
class Rule:
    id: str  # stable: "allow-on-405", "head-parity", "cl-te-close"
    level: Level
    cite: str  # "RFC 9110 §15.5.6", or "seed table"
    text: str  # what the rule asks, in one line
    check: Check | None = field(default=None, compare=False, repr=False)
    # Where ``check`` can find anything (an observer skips the rest unasked): the
    # statuses it judges (None: any) and a response field it needs present ("": none).
    statuses: frozenset[int] | None = field(default=None, compare=False, repr=False)
    needs: str = field(default="", compare=False, repr=False)
    # ... the request methods it judges (None: any), and a media type the answer's
    # Content-Type must name ("": any) for it to find anything.
    methods: frozenset[str] | None = field(default=None, compare=False, repr=False)
    media: str = field(default="", compare=False, repr=False)

    @property
    def passive(self) -> bool:
        """Whether one recorded exchange is enough to judge this rule."""
        return self.check is not None

    def judge(self, exchange: Exchange) -> Problem | None:
        """What ``exchange`` breaks of this rule (None: it holds, or does not apply).
        A rule that needs a probe's situation judges nothing here."""
        return self.check(self, exchange) if self.check is not None else None

    def broken(self, cause: str, detail: str = "") -> Problem:
        return Problem(self, cause, detail)

    def to_dict(self) -> dict[str, str]:
        return {"id": self.id, "level": str(self.level), "cite": self.cite, "text": self.text}


@dataclass(frozen=True)
class Problem:
    """One rule a server broke: ``cause`` is the same for every instance of one defect
    (it never holds a timeout, a random token or a path); ``detail`` is this one's."""

    rule: Rule
    cause: str  # "405 without Allow", "answered 405, expected 204"
    detail: str = ""  # "GET answered 200", "nothing within 2 s"

    @property
    def text(self) -> str:
        return f"{self.cause} ({self.detail})" if self.detail else self.cause

    def to_dict(self) -> dict[str, str]:
        return {"id": self.rule.id, "level": str(self.rule.level), "rule": self.rule.cite,
                "cause": self.cause, "detail": self.detail}


RULES: dict[str, Rule] = {}


def _rule(id: str, level: Level, cite: str, text: str, check: Check | None = None, *,
          statuses: Iterable[int] | None = None, needs: str = "",
          methods: Iterable[str] | None = None, media: str = "") -> Rule:
    rule = Rule(id, level, cite, text, check,
                None if statuses is None else frozenset(statuses), needs,
                None if methods is None else frozenset(methods), media)
    RULES[id] = rule
    return rule


def _seed(id: str, text: str) -> Rule:
    return _rule(id, Level.SEED, "seed table", text)


# -- the status a probe's situation calls for -----------------------------------------------

_STATUS_RULES: dict[int, Rule] = {
    204: _seed("options-204", "OPTIONS is answered with 204 (RFC 9110 §9.3.7 also allows 200)"),
    304: _rule("if-none-match-304", Level.SHOULD, "RFC 9110 §13.1.2",
               "a GET whose If-None-Match matches the current ETag gets 304"),
    404: _seed("not-found-404", "a target with nothing behind it gets 404"),
    405: _seed("method-not-allowed-405", "a method the target's Allow excludes gets 405"),
    406: _seed("not-acceptable-406", "an Accept no representation meets gets 406 (RFC 9110 "
                                     "§12.1: a server MAY disregard Accept)"),
    412: _rule("if-match-412", Level.MUST, "RFC 9110 §13.1.1",
               "a request whose If-Match names another tag is not performed: 412"),
    413: _seed("content-too-large-413", "content past the server's limit gets 413 from the "
                                        "declared length"),
    414: _rule("long-target-414", Level.MUST, "RFC 9112 §3",
               "a target longer than the server will parse gets 414"),
    416: _seed("range-416", "a range past the end gets 416 (RFC 9110 §14.2: a server MAY "
                            "ignore Range)"),
    206: _seed("range-206", "a satisfiable byte range gets 206 (RFC 9110 §14.2: a server MAY "
                            "ignore Range)"),
    417: _seed("expectation-417", "an unknown expectation gets 417 (RFC 9110 §10.1.1: a server "
                                  "MAY send it)"),
    501: _rule("unknown-method-501", Level.SHOULD, "RFC 9110 §9.1",
               "a method the server does not recognise gets 501"),
    505: _seed("version-505", "a major version the server does not speak gets 505 (RFC 9112 "
                              "§2.3: a server can send it)"),
    408: _seed("slow-headers-408", "a header section that stalls gets 408"),
}


def status_rule(code: int) -> Rule:
    """The rule behind expecting ``code`` (the seed's, unless the RFC says more)."""
    rule = _STATUS_RULES.get(code)
    if rule is None:
        rule = RULES.get(f"seed-{code}") or _seed(
            f"seed-{code}", f"the situation of the seed's {code} gets {code}")
    return rule


LONG_TARGET_PARSED = _seed("long-target-parsed",
                           "a 64 KiB target gets 414 (RFC 9112 §3 lets a server parse it)")
TARGET_COUNTED_AS_FIELDS = _rule(
    "long-target-431", Level.MUST, "RFC 9112 §3; RFC 6585 §5",
    "a target past what the server will parse gets 414: 431 names header fields too "
    "large, and the request line is not a field")
NO_CONTINUE_BEFORE_REFUSAL = _seed("no-continue-before-refusal",
                                   "a request refused from its header section gets no "
                                   "100 Continue first (RFC 9110 §10.1.1 allows one)")
# What a server did that invited content past any limit: the same words from every probe.
INVITED_1_TB = "sent 100 Continue, inviting 1 TB of declared content"
CLOSE_AFTER_408 = _rule("close-after-408", Level.SHOULD, "RFC 9110 §15.5.9",
                        "a 408 closes the connection")
OPTIONS_ALLOW = _seed("options-allow", "a successful OPTIONS lists the target's methods in "
                                       "Allow (RFC 9110 §9.3.7 names Allow only as an example "
                                       "of what it SHOULD send)")
ALLOW_LISTS_ALL = _rule("allow-lists-all", Level.MUST, "RFC 9110 §15.5.6",
                        "a 405's Allow lists every method the target supports")
IMPLEMENTED_SOMEWHERE = _rule("501-for-implemented", Level.SHOULD, "RFC 9110 §15.6.2",
                              "501 is for a method the server implements for no resource")

# -- the message checks (statuskit.check.framing) ------------------------------------------

HEAD_PARITY = _rule("head-parity", Level.MUST, "RFC 9110 §9.1, §9.3.2",
                    "HEAD is answered as GET is: the same status, with no content")
HEAD_LENGTH = _rule("head-length", Level.MUST, "RFC 9110 §8.6",
                    "a Content-Length on a HEAD answer is the length GET would send")
HEAD_FIELDS = _rule("head-fields", Level.SHOULD, "RFC 9110 §9.3.2",
                    "HEAD carries the header fields GET would carry")
HOST_400 = _rule("host-400", Level.MUST, "RFC 9112 §3.2",
                 "an HTTP/1.1 request with no Host, or with more than one, gets 400")
CLOSE_ON_CL_TE = _rule("cl-te-close", Level.MUST, "RFC 9112 §6.1",
                       "a request with Content-Length and Transfer-Encoding is answered and "
                       "the connection closed: no second request is read on it")
BARE_LF = _rule("bare-lf", Level.SHOULD, "RFC 9112 §2.2, §3",
                "lines ending in a bare LF are read as line ends (MAY), refused with 400 "
                "(SHOULD, an invalid request line), or left unfinished")
OBS_FOLD = _rule("obs-fold", Level.MUST, "RFC 9112 §5.2",
                 "obsolete line folding is refused with 400 or read as a space")

# -- operation probes (statuskit.check._openapi_probes) ------------------------------------

ABSENT_IS_404 = _seed("absent-404", "a path parameter of its type naming nothing gets 404, "
                                    "not 422 or 5xx (RFC 9110 §15.5.21 keeps 422 for content)")
# These three judge observed traffic too (in OBSERVED, below), where the exchange
# alone shows the fault: a 500 to malformed JSON, or to a Content-Type that is no
# media type; a 201 to POST without Location.
MALFORMED_IS_400 = _rule("malformed-400", Level.SEED, "seed table",
                         "malformed JSON gets 400 (RFC 9110 §15.5.21: 422 is for content "
                         "whose syntax is correct)", lambda r, s: _malformed_json(r, s),
                         statuses=(500,))
MEDIA_IS_415 = _rule("media-415", Level.SEED, "seed table",
                     "content in a media type the operation does not take gets 415 (RFC 9110 "
                     "§15.5.16)", lambda r, s: _unreadable_media(r, s), statuses=(500,))
INVALID_IS_422 = _seed("invalid-422", "well-formed JSON the schema rejects gets 422 or 400 "
                                      "(RFC 9110 §15.5.21)")
NO_CREDENTIALS_IS_401 = _seed("no-credentials-401", "an operation that requires credentials "
                                                    "gets 401 without them (RFC 9110 §15.5.2)")
CREATED_IS_201 = _rule("created-201", Level.SHOULD, "RFC 9110 §9.3.3",
                       "a POST that creates answers 201 with Location",
                       lambda r, s: _created_location(r, s), statuses=(201,))
DELETED_IS_GONE = _seed("deleted-gone", "a resource after its DELETE is 404 or 410 (RFC 9110 "
                                        "§9.3.5)")
DOCUMENTED = _rule("documented", Level.SEED, "OpenAPI 3.1 §4.8.16",
                   "every status an operation answers is one its document declares")
NO_ANSWER = _rule("answers", Level.MUST, "RFC 9112 §4", "a server answers every request it reads")

# -- the value phase (statuskit.check._values_phase) ---------------------------------------

VALUE_SERVER_ERROR = _rule("value-5xx", Level.SEED, "RFC 9110 §15.6, §15.5",
                           "no values a client sends, allowed or not, get a 5xx: a client's "
                           "mistake is a 4xx")
VALID_REFUSED = _rule("valid-refused", Level.SEED, "OpenAPI 3.1 §4.8.12, §4.8.13",
                      "values the document allows are not refused with 400, 422 or another "
                      "4xx (401, 403, 404, 409, 410, 412, 428 and 429 say something else)")
INVALID_ACCEPTED = _rule("invalid-accepted", Level.SEED, "RFC 9110 §15.5.1, §15.5.21",
                         "a value its schema forbids is refused with a 4xx, not performed "
                         "with a 2xx")
RESPONSE_MEDIA = _rule("response-media", Level.SEED, "OpenAPI 3.1 §4.8.17",
                       "a response's media type is one its document declares for the status")
RESPONSE_SCHEMA = _rule("response-schema", Level.SEED, "OpenAPI 3.1 §4.8.17, §4.8.24",
                        "a response's content is valid against the schema declared for its "
                        "status and media type")
CREATED_IS_THERE = _rule("created-there", Level.SEED, "RFC 9110 §15.3.2",
                         "a resource just created answers its GET with a 2xx")


# -- passive rules: one recorded exchange is enough -----------------------------------------


def _required_field(status: int, name: str) -> Check:
    def check(rule: Rule, seen: Exchange) -> Problem | None:
        if seen.status != status or seen.header(name) is not None:
            return None
        if name == "Content-Range" and (seen.header("content-type") or "").lower().startswith(
                "multipart/byteranges"):
            return None  # RFC 9110 §15.3.7.2: each part carries its own
        return rule.broken(f"{status} without {name}")

    return check


# (status, field) -> (level, cite, statement) where the RFC says more than the catalogue.
_FIELD_SOURCES: dict[tuple[int, str], tuple[Level, str, str]] = {
    (101, "Upgrade"): (Level.MUST, "RFC 9110 §7.8", "a 101 names the protocol in Upgrade"),
    (101, "Connection"): (Level.MUST, "RFC 9110 §7.8", "an Upgrade field is listed in "
                                                       "Connection"),
    (206, "Content-Range"): (Level.MUST, "RFC 9110 §15.3.7.1",
                             "a single-part 206 carries Content-Range"),
    (401, "WWW-Authenticate"): (Level.MUST, "RFC 9110 §15.5.2",
                                "a 401 carries a challenge in WWW-Authenticate"),
    (405, "Allow"): (Level.MUST, "RFC 9110 §15.5.6", "a 405 lists the target's methods in Allow"),
    (407, "Proxy-Authenticate"): (Level.MUST, "RFC 9110 §15.5.8",
                                  "a 407 carries a challenge in Proxy-Authenticate"),
    (426, "Upgrade"): (Level.MUST, "RFC 9110 §15.5.22", "a 426 names the protocols to switch "
                                                        "to in Upgrade"),
}


def _field_rules() -> dict[tuple[int, str], Rule]:
    rules: dict[tuple[int, str], Rule] = {}
    for record in all_codes():
        for name in record.requires:
            level, cite, text = _FIELD_SOURCES.get((record.code, name), (
                (Level.SHOULD, "RFC 9110 §15.4", "a redirect names its target in Location")
                if name == "Location" else
                (Level.SEED, "seed table", f"a {record.code} carries {name}")))
            rules[(record.code, name)] = _rule(f"{name.lower()}-on-{record.code}", level, cite,
                                               text, _required_field(record.code, name),
                                               statuses=(record.code,))
    return rules


FIELD_RULES = _field_rules()


def field_rule(status: int, name: str) -> Rule:
    """The rule that requires field ``name`` on ``status``."""
    rule = FIELD_RULES.get((status, name))
    if rule is None:
        rule = RULES.get(f"{name.lower()}-on-{status}") or _seed(
            f"{name.lower()}-on-{status}", f"a {status} carries {name}")
    return rule


def _allow_grammar(rule: Rule, seen: Exchange) -> Problem | None:
    allow = seen.header("allow")
    if allow is None:
        return None
    if not parse_allow(allow) or not all(is_token(m.strip()) for m in allow.split(",")
                                         if m.strip()):
        return rule.broken("Allow is not a list of methods", repr(allow))
    return None


def _allow_excludes_refused(rule: Rule, seen: Exchange) -> Problem | None:
    allow = seen.header("allow")
    if seen.status != 405 or allow is None or seen.method not in parse_allow(allow):
        return None
    return rule.broken("405 whose Allow lists the method it refused", seen.method)


def _location_url(rule: Rule, seen: Exchange) -> Problem | None:
    location = seen.header("location")
    if location is None:
        return None
    try:
        target = urlsplit(urljoin(seen.url, location))
    except ValueError:  # "http://[::1": no URI-reference (RFC 9110 §10.2.2), and no URL
        return rule.broken("Location does not resolve to an http(s) URL", repr(location))
    if target.scheme in ("http", "https") and target.netloc:
        return None
    return rule.broken("Location does not resolve to an http(s) URL", repr(location))


def _retry_after(rule: Rule, seen: Exchange) -> Problem | None:
    value = seen.header("retry-after")
    if value is None or parse_retry_after(value) is not None:
        return None
    return rule.broken("Retry-After is neither seconds nor a date", repr(value))


def _content_range_206(rule: Rule, seen: Exchange) -> Problem | None:
    content_range = seen.header("content-range")
    if seen.status != 206 or content_range is None:
        return None
    parsed = parse_content_range(content_range)
    if parsed is None:
        return rule.broken("206 with a malformed Content-Range", repr(content_range))
    sent = seen.sent_length
    if seen.method != "HEAD" and sent is not None and parsed[1] - parsed[0] + 1 != sent:
        return rule.broken("206 whose Content-Range disagrees with its content",
                           f"{content_range!r}, {sent} bytes")
    return None


def _content_range_416(rule: Rule, seen: Exchange) -> Problem | None:
    content_range = seen.header("content-range")
    if seen.status != 416 or content_range is None \
            or parse_unsatisfied_range(content_range) is not None:
        return None
    return rule.broken("416 whose Content-Range is not 'bytes */length'", repr(content_range))


def _no_framing_field(name: str) -> Check:
    def check(rule: Rule, seen: Exchange) -> Problem | None:
        # RFC 9110 §8.6 and RFC 9112 §6.1: no framing fields where no content may go.
        if (seen.status == 204 or 100 <= seen.status < 200) and seen.header(name) is not None:
            return rule.broken(f"{name} on a {seen.status} response")
        return None

    return check


def _sent(seen: Exchange) -> int:
    """Content bytes, counted from the wire when the exchange was raw (``stray``):
    HTTP libraries drop what comes where none may."""
    return (seen.sent_length or 0) + seen.stray


def _no_content(rule: Rule, seen: Exchange) -> Problem | None:
    if seen.method == "HEAD" or allows_body(seen.status) or not _sent(seen):
        return None
    return rule.broken(f"content sent with {seen.status}", f"{_sent(seen)} bytes")


def _no_content_to_head(rule: Rule, seen: Exchange) -> Problem | None:
    if seen.method != "HEAD" or not _sent(seen):
        return None
    return rule.broken("content sent with HEAD", f"{_sent(seen)} bytes")


_NO_FRAMING = (*range(100, 200), 204)
ALLOW_GRAMMAR = _rule("allow-grammar", Level.MUST, "RFC 9110 §10.2.1",
                      "Allow is a list of method tokens", _allow_grammar, needs="allow")
ALLOW_EXCLUDES_REFUSED = _rule("allow-excludes-refused", Level.MUST, "RFC 9110 §15.5.6",
                               "a 405's Allow lists only methods the target supports",
                               _allow_excludes_refused, statuses=(405,), needs="allow")
LOCATION_URL = _rule("location-url", Level.SHOULD, "RFC 9110 §10.2.2",
                     "Location resolves to an http(s) URL", _location_url,
                     needs="location")
RETRY_AFTER_GRAMMAR = _rule("retry-after-grammar", Level.MUST, "RFC 9110 §10.2.3",
                            "Retry-After is delay-seconds or an HTTP-date", _retry_after,
                            needs="retry-after")
CONTENT_RANGE_206 = _rule("content-range-206", Level.MUST, "RFC 9110 §14.4",
                          "a 206's Content-Range is well formed and matches its content",
                          _content_range_206, statuses=(206,), needs="content-range")
CONTENT_RANGE_416 = _rule("content-range-416", Level.SHOULD, "RFC 9110 §15.5.17",
                          "a 416 says the current length as 'bytes */length'",
                          _content_range_416, statuses=(416,), needs="content-range")
NO_LENGTH_ON_204 = _rule("no-length-on-204", Level.MUST, "RFC 9110 §8.6",
                         "no Content-Length on a 1xx or 204 response",
                         _no_framing_field("Content-Length"), statuses=_NO_FRAMING,
                         needs="content-length")
NO_CHUNKING_ON_204 = _rule("no-chunking-on-204", Level.MUST, "RFC 9112 §6.1",
                           "no Transfer-Encoding on a 1xx or 204 response",
                           _no_framing_field("Transfer-Encoding"), statuses=_NO_FRAMING,
                           needs="transfer-encoding")
NO_CONTENT = _rule("no-content", Level.MUST, "RFC 9110 §15.3.5, §15.4.5, §15.2",
                   "1xx, 204 and 304 responses carry no content", _no_content,
                   statuses=(c for c in range(100, 600) if not allows_body(c)))
HEAD_NO_CONTENT = _rule("head-no-content", Level.MUST, "RFC 9110 §9.3.2",
                        "a response to HEAD carries no content", _no_content_to_head,
                        methods=("HEAD",))

# In the order a report lists what one exchange broke: required fields, field grammar,
# then content where none may go.
PASSIVE: tuple[Rule, ...] = (*FIELD_RULES.values(), ALLOW_GRAMMAR, ALLOW_EXCLUDES_REFUSED,
                             LOCATION_URL, RETRY_AFTER_GRAMMAR, CONTENT_RANGE_206,
                             CONTENT_RANGE_416, NO_LENGTH_ON_204, NO_CHUNKING_ON_204,
                             NO_CONTENT, HEAD_NO_CONTENT)


def passive_problems(exchange: Exchange) -> list[Problem]:
    """Every passive rule ``exchange`` breaks, in ``PASSIVE`` order."""
    return [p for rule in PASSIVE if (p := rule.judge(exchange)) is not None]


# -- rules judged on traffic only observed (statuskit.monitor, statuskit check --har) -------
#
# Each needs no request of its own, like PASSIVE, but fires only where the exchange
# itself proves the fault: a rule that would need to know more (the representation's
# current validators, what the app accepts) judges nothing when that is not in the
# exchange. ``OBSERVED`` is PASSIVE and these; the probes of ``check`` judge the
# situations these cover themselves.

_CONDITIONAL_FIELDS = ("if-match", "if-none-match", "if-modified-since", "if-unmodified-since")
_JSON_SUFFIX = "+json"
_PROBLEM_MEDIA = "application/problem+json"
# RFC 9110 §15.4.5: what a 304 repeats of the 200 it stands for (Date is left out: in
# process the server, not the app, adds it to both).
FIELDS_REPEATED_ON_304 = ("ETag", "Vary", "Content-Location", "Cache-Control", "Expires")
_PROBLEM_STRINGS = ("type", "title", "detail", "instance")


def _never(_: str) -> None:
    """The precondition evaluator's trace, kept by nobody here."""


def _unknown_conditions(seen: Exchange) -> bool:
    """Conditional fields of other specifications (WebDAV's If, CalDAV's
    If-Schedule-Tag-Match, ...): a 304 or 412 may rest on them, so nothing is judged."""
    return any((name := n.lower()) == "if" or (name.startswith("if-") and name not in
                                               _CONDITIONAL_FIELDS and name != "if-range")
               for n, _ in seen.request_headers)


def _current_tag(seen: Exchange) -> ETag | None:
    value = seen.header("etag")
    return parse_etag(value) if value is not None else None


def _modified(seen: Exchange) -> float | None:
    value = seen.header("last-modified")
    date = parse_http_date(value) if value is not None else None
    return date.timestamp() if date is not None else None


def _conditions_304(rule: Rule, seen: Exchange) -> Problem | None:
    # RFC 9110 §15.4.5: a 304 answers a conditional GET or HEAD whose condition was
    # false; §13.2.2 says which condition decides. Judged only on what the 304 says
    # of the representation (its own ETag, Last-Modified).
    if seen.status != 304 or _unknown_conditions(seen):
        return None
    present = {n: v for n in _CONDITIONAL_FIELDS if (v := seen.request_header(n)) is not None}
    if not present:
        return rule.broken("304 to a request without a condition", seen.method)
    if seen.method not in ("GET", "HEAD"):
        return rule.broken("304 to a method other than GET or HEAD", seen.method)
    tag = _current_tag(seen)
    if_match = present.get("if-match")
    if if_match is not None and tag is not None and not if_match_holds(if_match, tag, _never):
        return rule.broken("304 though If-Match fails: 412 is due",
                           f"If-Match: {if_match}, ETag: {tag}")
    if_none_match = present.get("if-none-match")
    if if_none_match is not None:
        if tag is not None and not if_none_match_matches(if_none_match, tag, _never):
            return rule.broken("304 though If-None-Match does not match the ETag it carries",
                               f"If-None-Match: {if_none_match}, ETag: {tag}")
        return None
    since = present.get("if-modified-since")
    if since is None:
        return rule.broken("304 to a request without If-None-Match or If-Modified-Since",
                           ", ".join(present))
    modified = _modified(seen)
    if modified is not None and parse_http_date(since) is not None \
            and not not_modified_since(since, modified, math.inf, _never):
        return rule.broken("304 though Last-Modified is later than If-Modified-Since",
                           f"If-Modified-Since: {since}, Last-Modified: "
                           f"{seen.header('last-modified')}")
    return None


def _holds_412(seen: Exchange, name: str, value: str) -> bool | None:
    """Whether one precondition holds on what the 412 says (None: it cannot tell)."""
    if name == "if-match":
        tag = _current_tag(seen)
        return None if tag is None else if_match_holds(value, tag, _never)
    if name == "if-unmodified-since":
        if seen.request_header("if-match") is not None:
            return True  # RFC 9110 §13.2.2 step 2: evaluated only without If-Match
        modified = _modified(seen)
        if modified is None or parse_http_date(value) is None:
            return None
        return not modified_after(value, modified, _never)
    if name == "if-none-match" and seen.method not in ("GET", "HEAD"):
        tag = _current_tag(seen)
        return None if tag is None else not if_none_match_matches(value, tag, _never)
    return True  # If-Modified-Since, or If-None-Match on GET/HEAD: never a 412


def _conditions_412(rule: Rule, seen: Exchange) -> Problem | None:
    # RFC 9110 §15.5.13: a 412 says a condition in the request's fields was false.
    if seen.status != 412 or _unknown_conditions(seen):
        return None
    present = {n: v for n in _CONDITIONAL_FIELDS if (v := seen.request_header(n)) is not None}
    held = [_holds_412(seen, n, v) for n, v in present.items()]
    if all(h is True for h in held):
        if not any(n in ("if-match", "if-unmodified-since") or
                   (n == "if-none-match" and seen.method not in ("GET", "HEAD"))
                   for n in present):
            return rule.broken("412 to a request with no precondition that can fail",
                               ", ".join(present) or "no conditional field")
        return rule.broken("412 though every precondition holds on the ETag and "
                           "Last-Modified it carries", ", ".join(present))
    return None


def _repeated_on_304(rule: Rule, seen: Exchange) -> Problem | None:
    earlier = seen.earlier_200
    if seen.status != 304 or earlier is None:
        return None
    had = {n.lower() for n, _ in earlier}
    missing = [n for n in FIELDS_REPEATED_ON_304 if n.lower() in had and seen.header(n) is None]
    if not missing:
        return None
    return rule.broken("304 without fields the 200 to the same request carried",
                       ", ".join(missing))


def _declared_lengths(value: str) -> set[str] | None:
    members = {m.strip(" \t") for m in value.split(",")}
    return members if all(m.isascii() and m.isdigit() for m in members) else None


def _content_length(rule: Rule, seen: Exchange) -> Problem | None:
    # RFC 9110 §8.6: Content-Length is the number of content octets; a HEAD or a 304
    # may carry the length a GET or 200 would, and 1xx/204 carry none (no-length-on-204).
    value = seen.header("content-length")
    if value is None or seen.method == "HEAD" or seen.status == 304 or seen.status == 204 \
            or seen.status < 200 or seen.header("transfer-encoding") is not None:
        return None
    sent = seen.sent_length
    if len(value) <= 18 and value.isascii() and value.isdigit():  # the usual one number
        return None if sent is None or int(value) == sent else \
            rule.broken("Content-Length disagrees with the content",
                        f"says {value}, sent {sent} bytes")
    declared = _declared_lengths(value)
    if declared is None or len(declared) != 1:
        return rule.broken("Content-Length is not one number of bytes", repr(value))
    length = declared.pop().lstrip("0") or "0"
    if sent is None or length == str(sent):
        return None
    return rule.broken("Content-Length disagrees with the content",
                       f"says {value}, sent {sent} bytes")


def _media(value: str | None) -> str | None:
    parsed = parse_content_type(value) if value is not None else None
    return parsed[0] if parsed is not None else None


def _problem_document(seen: Exchange) -> object:
    """The problem document the answer carries: its JSON value, ``_INVALID`` when it is
    not JSON, or ``_UNJUDGED`` when there is none to read whole."""
    value = seen.header("content-type")
    if value is None or not value[:24].lower().startswith(_PROBLEM_MEDIA) \
            or _media(value) != _PROBLEM_MEDIA or seen.method == "HEAD" \
            or not allows_body(seen.status) or not seen.body_complete \
            or (seen.header("content-encoding") or "identity").lower() != "identity":
        return _UNJUDGED
    try:
        return json.loads(seen.body.decode("utf-8"))  # RFC 8259 §8.1: UTF-8, no BOM
    except (UnicodeDecodeError, json.JSONDecodeError):
        return _INVALID
    except (ValueError, RecursionError):
        return _UNJUDGED  # valid JSON past what Python reads (4,300 digits, deep nesting)


_INVALID = object()
_UNJUDGED = object()


def _problem_json(rule: Rule, seen: Exchange) -> Problem | None:
    document = _problem_document(seen)
    if document is _INVALID:
        return rule.broken("problem+json content that is not JSON", f"{seen.sent_length} bytes")
    if document is not _UNJUDGED and not isinstance(document, dict):
        return rule.broken("problem+json content that is not a JSON object",
                           type(document).__name__)
    return None


def _problem_status(rule: Rule, seen: Exchange) -> Problem | None:
    document = _problem_document(seen)
    status = document.get("status") if isinstance(document, dict) else None
    if isinstance(status, int) and not isinstance(status, bool) and status != seen.status:
        return rule.broken("a problem document whose status is not the response's",
                           f"status {status} in a {seen.status}")
    return None


def _problem_members(rule: Rule, seen: Exchange) -> Problem | None:
    document = _problem_document(seen)
    if not isinstance(document, dict):
        return None
    wrong = [n for n in _PROBLEM_STRINGS if n in document and not isinstance(document[n], str)]
    status = document.get("status")
    if "status" in document and (not isinstance(status, int) or isinstance(status, bool)):
        wrong.append("status")
    if not wrong:
        return None
    return rule.broken("a problem document with members of the wrong type", ", ".join(wrong))


def _created_location(rule: Rule, seen: Exchange) -> Problem | None:
    # RFC 9110 §9.3.3: a POST that created a resource SHOULD answer 201 with Location;
    # for PUT the target URI names what was created (§15.3.2), so only POST is judged.
    if seen.status != 201 or seen.method != "POST" or seen.header("location") is not None:
        return None
    return rule.broken("201 to POST without Location")


def _range_416(rule: Rule, seen: Exchange) -> Problem | None:
    if seen.status != 416 or seen.header("content-range") is not None \
            or not (seen.request_header("range") or "").lower().lstrip().startswith("bytes"):
        return None
    return rule.broken("416 to a byte range without Content-Range")


def _byteranges_parts(rule: Rule, seen: Exchange) -> Problem | None:
    parsed = parse_content_type(seen.header("content-type") or "")
    if seen.status != 206 or parsed is None or parsed[0] != "multipart/byteranges" \
            or seen.method == "HEAD" or not seen.body_complete:
        return None
    boundary = parsed[1].get("boundary")
    if not boundary:
        return rule.broken("multipart/byteranges without a boundary")
    parts = _multipart_parts(seen.body, boundary.encode("latin-1", "replace"))
    if parts is None:
        return rule.broken("multipart/byteranges content not delimited by its boundary")
    for number, (head, content) in enumerate(parts, 1):
        value = _part_field(head, b"content-range")
        found = parse_content_range(value) if value is not None else None
        if found is None:
            return rule.broken("a byteranges part without a valid Content-Range",
                               f"part {number}: {value!r}")
        if found[1] - found[0] + 1 != len(content):
            return rule.broken("a byteranges part whose Content-Range disagrees with its "
                               "content", f"part {number}: {value!r}, {len(content)} bytes")
    return None


def _multipart_parts(body: bytes, boundary: bytes) -> list[tuple[bytes, bytes]] | None:
    """(field section, content) of each part (RFC 2046 §5.1.1: a delimiter is CRLF,
    "--", the boundary; the CRLF before it belongs to it). None: not so delimited."""
    delimiter = b"--" + boundary
    at = 0 if body.startswith(delimiter) else body.find(b"\r\n" + delimiter)
    if at < 0:
        return None
    at = at + len(delimiter) + (0 if at == 0 and body.startswith(delimiter) else 2)
    parts: list[tuple[bytes, bytes]] = []
    while True:
        if body.startswith(b"--", at):
            return parts or None  # the close delimiter
        line_end = body.find(b"\r\n", at)
        if line_end < 0 or body[at:line_end].strip(b" \t"):
            return None
        following = body.find(b"\r\n" + delimiter, line_end)
        if following < 0:
            return None
        part = body[line_end + 2:following]
        head, blank, content = part.partition(b"\r\n\r\n")
        if not blank:
            head, content = (b"", part[2:]) if part.startswith(b"\r\n") else (part, b"")
        parts.append((head, content))
        at = following + 2 + len(delimiter)


def _part_field(head: bytes, name: bytes) -> str | None:
    for line in head.split(b"\r\n"):
        key, colon, value = line.partition(b":")
        if colon and key.strip().lower() == name:
            return value.strip().decode("latin-1")
    return None


def _json_media(media: str | None) -> bool:
    return media is not None and (media == "application/json" or media.endswith(_JSON_SUFFIX))


def _malformed_json(rule: Rule, seen: Exchange) -> Problem | None:
    # A 500 says the server erred (RFC 9110 §15.6.1); to content that is not JSON under
    # a JSON media type the error is the client's (§15.5.1). Only 500: 501/503/504
    # have reasons of their own that may come first. Judged only on content read whole.
    if seen.status != 500 or not seen.request_complete \
            or not _json_media(_media(seen.request_header("content-type"))) \
            or (seen.request_header("content-encoding") or "identity").lower() != "identity":
        return None
    try:
        json.loads(seen.request_body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return rule.broken("500 to malformed JSON", f"{len(seen.request_body)} bytes")
    except (ValueError, RecursionError):
        return None  # JSON past what Python reads: the server may have met the same limit
    return None


def _unreadable_media(rule: Rule, seen: Exchange) -> Problem | None:
    # A Content-Type that is no media type at all (RFC 9110 §8.3.1) names no format the
    # server supports: 415 (§15.5.16), not 500.
    value = seen.request_header("content-type")
    if seen.status != 500 or value is None or parse_content_type(value) is not None:
        return None
    return rule.broken("500 to content whose Content-Type is not a media type", repr(value))


CONDITIONS_304 = _rule("304-conditions", Level.MUST, "RFC 9110 §13.2.2, §15.4.5",
                       "a 304 answers a GET or HEAD whose condition evaluated false",
                       _conditions_304, statuses=(304,))
CONDITIONS_412 = _rule("412-conditions", Level.MUST, "RFC 9110 §13.2.2, §15.5.13",
                       "a 412 answers a request one of whose preconditions evaluated false",
                       _conditions_412, statuses=(412,))
REPEATED_ON_304 = _rule("304-fields", Level.MUST, "RFC 9110 §15.4.5",
                        "a 304 carries the ETag, Vary, Content-Location, Cache-Control and "
                        "Expires a 200 to the same request would", _repeated_on_304,
                        statuses=(304,))
CONTENT_LENGTH = _rule("content-length", Level.MUST, "RFC 9110 §8.6; RFC 9112 §6.3",
                       "Content-Length is the number of content bytes sent", _content_length,
                       needs="content-length")
PROBLEM_JSON = _rule("problem-json", Level.MUST, "RFC 9457 §3; RFC 8259",
                     "application/problem+json content is a JSON object", _problem_json,
                     needs="content-type", media=_PROBLEM_MEDIA)
PROBLEM_STATUS = _rule("problem-status", Level.MUST, "RFC 9457 §3.1.2",
                       "a problem document's status is the response's status",
                       _problem_status, needs="content-type", media=_PROBLEM_MEDIA)
PROBLEM_MEMBERS = _rule("problem-members", Level.SHOULD, "RFC 9457 §3.1",
                        "type, title, detail and instance are strings, status a number "
                        "(a consumer ignores a member of another type)", _problem_members,
                        needs="content-type", media=_PROBLEM_MEDIA)
RANGE_416_FIELD = _rule("content-range-on-416", Level.SHOULD, "RFC 9110 §15.5.17",
                        "a 416 to a byte-range request says the current length in "
                        "Content-Range", _range_416, statuses=(416,))
BYTERANGES_PARTS = _rule("byteranges-parts", Level.MUST, "RFC 9110 §14.6, §15.3.7.2",
                         "each part of a multipart/byteranges 206 carries a Content-Range "
                         "that matches its content", _byteranges_parts, statuses=(206,),
                         needs="content-type", media="multipart/byteranges")

# What a passive observer applies to every exchange it sees, in report order.
OBSERVED: tuple[Rule, ...] = (*PASSIVE, CREATED_IS_201, RANGE_416_FIELD, BYTERANGES_PARTS,
                              CONTENT_LENGTH, REPEATED_ON_304, CONDITIONS_304, CONDITIONS_412,
                              PROBLEM_JSON, PROBLEM_STATUS, PROBLEM_MEMBERS, MALFORMED_IS_400,
                              MEDIA_IS_415)

# httplint's errors about a response, as one rule: which ones an observer reports is
# its business (statuskit.monitor), not this module's, which imports nothing of httplint.
MESSAGE_SYNTAX = _rule("httplint", Level.SHOULD, "httplint (RFC 9110, 9111, 9112)",
                       "httplint finds no error in the response's fields")
