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
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

from statuskit.check.record import Exchange
from statuskit.codes import all_codes, allows_body
from statuskit.http import (
    is_token,
    parse_allow,
    parse_content_range,
    parse_retry_after,
    parse_unsatisfied_range,
)

__all__ = ["PASSIVE", "RULES", "Level", "Problem", "Rule", "field_rule", "passive_problems",
           "status_rule"]


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


def _rule(id: str, level: Level, cite: str, text: str, check: Check | None = None) -> Rule:
    rule = Rule(id, level, cite, text, check)
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
MALFORMED_IS_400 = _seed("malformed-400", "malformed JSON gets 400 (RFC 9110 §15.5.21: 422 is "
                                          "for content whose syntax is correct)")
MEDIA_IS_415 = _seed("media-415", "content in a media type the operation does not take gets "
                                  "415 (RFC 9110 §15.5.16)")
INVALID_IS_422 = _seed("invalid-422", "well-formed JSON the schema rejects gets 422 or 400 "
                                      "(RFC 9110 §15.5.21)")
NO_CREDENTIALS_IS_401 = _seed("no-credentials-401", "an operation that requires credentials "
                                                    "gets 401 without them (RFC 9110 §15.5.2)")
CREATED_IS_201 = _rule("created-201", Level.SHOULD, "RFC 9110 §9.3.3",
                       "a POST that creates answers 201 with Location")
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
                                               text, _required_field(record.code, name))
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
    target = urlsplit(urljoin(seen.url, location))
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
    if seen.method != "HEAD" and parsed[1] - parsed[0] + 1 != len(seen.body):
        return rule.broken("206 whose Content-Range disagrees with its content",
                           f"{content_range!r}, {len(seen.body)} bytes")
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
    return len(seen.body) + seen.stray


def _no_content(rule: Rule, seen: Exchange) -> Problem | None:
    if seen.method == "HEAD" or allows_body(seen.status) or not _sent(seen):
        return None
    return rule.broken(f"content sent with {seen.status}", f"{_sent(seen)} bytes")


def _no_content_to_head(rule: Rule, seen: Exchange) -> Problem | None:
    if seen.method != "HEAD" or not _sent(seen):
        return None
    return rule.broken("content sent with HEAD", f"{_sent(seen)} bytes")


ALLOW_GRAMMAR = _rule("allow-grammar", Level.MUST, "RFC 9110 §10.2.1",
                      "Allow is a list of method tokens", _allow_grammar)
ALLOW_EXCLUDES_REFUSED = _rule("allow-excludes-refused", Level.MUST, "RFC 9110 §15.5.6",
                               "a 405's Allow lists only methods the target supports",
                               _allow_excludes_refused)
LOCATION_URL = _rule("location-url", Level.SHOULD, "RFC 9110 §10.2.2",
                     "Location resolves to an http(s) URL", _location_url)
RETRY_AFTER_GRAMMAR = _rule("retry-after-grammar", Level.MUST, "RFC 9110 §10.2.3",
                            "Retry-After is delay-seconds or an HTTP-date", _retry_after)
CONTENT_RANGE_206 = _rule("content-range-206", Level.MUST, "RFC 9110 §14.4",
                          "a 206's Content-Range is well formed and matches its content",
                          _content_range_206)
CONTENT_RANGE_416 = _rule("content-range-416", Level.SHOULD, "RFC 9110 §15.5.17",
                          "a 416 says the current length as 'bytes */length'",
                          _content_range_416)
NO_LENGTH_ON_204 = _rule("no-length-on-204", Level.MUST, "RFC 9110 §8.6",
                         "no Content-Length on a 1xx or 204 response",
                         _no_framing_field("Content-Length"))
NO_CHUNKING_ON_204 = _rule("no-chunking-on-204", Level.MUST, "RFC 9112 §6.1",
                           "no Transfer-Encoding on a 1xx or 204 response",
                           _no_framing_field("Transfer-Encoding"))
NO_CONTENT = _rule("no-content", Level.MUST, "RFC 9110 §15.3.5, §15.4.5, §15.2",
                   "1xx, 204 and 304 responses carry no content", _no_content)
HEAD_NO_CONTENT = _rule("head-no-content", Level.MUST, "RFC 9110 §9.3.2",
                        "a response to HEAD carries no content", _no_content_to_head)

# In the order a report lists what one exchange broke: required fields, field grammar,
# then content where none may go.
PASSIVE: tuple[Rule, ...] = (*FIELD_RULES.values(), ALLOW_GRAMMAR, ALLOW_EXCLUDES_REFUSED,
                             LOCATION_URL, RETRY_AFTER_GRAMMAR, CONTENT_RANGE_206,
                             CONTENT_RANGE_416, NO_LENGTH_ON_204, NO_CHUNKING_ON_204,
                             NO_CONTENT, HEAD_NO_CONTENT)


def passive_problems(exchange: Exchange) -> list[Problem]:
    """Every passive rule ``exchange`` breaks, in ``PASSIVE`` order."""
    return [p for rule in PASSIVE if (p := rule.judge(exchange)) is not None]
