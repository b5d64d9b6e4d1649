"""The rules verdicts check, each with its force and where it is written.

A probe names the rule its status expectation rests on; the field and
content rules below apply to every response the checker judges. Where the
seed table asks for a code that RFC 9110 only allows (204 for OPTIONS, 406,
417), the rule is the seed's and its level is ``seed``.
"""

from __future__ import annotations

from dataclasses import dataclass

from statuskit.check.profile import Level

__all__ = ["FIELD_RULES", "Rule", "field_rule", "status_rule"]


@dataclass(frozen=True)
class Rule:
    level: Level
    cite: str  # "RFC 9110 §15.5.6" or "seed table"
    text: str  # what the rule asks, in one line


def _seed(text: str) -> Rule:
    return Rule(Level.SEED, "seed table", text)


# The status each seed code's probe expects, when the probe does not say more.
_STATUS_RULES: dict[int, Rule] = {
    204: _seed("OPTIONS is answered with 204 (RFC 9110 §9.3.7 also allows 200)"),
    304: Rule(Level.SHOULD, "RFC 9110 §13.1.2",
              "a GET whose If-None-Match matches the current ETag gets 304"),
    404: _seed("a target with nothing behind it gets 404"),
    405: _seed("a method the target's Allow excludes gets 405"),
    406: _seed("an Accept no representation meets gets 406 (RFC 9110 §12.1: a server MAY "
               "disregard Accept)"),
    412: Rule(Level.MUST, "RFC 9110 §13.1.1",
              "a GET whose If-Match names another tag is not performed: 412"),
    413: _seed("content past the server's limit gets 413 from the declared length"),
    414: Rule(Level.MUST, "RFC 9112 §3",
              "a target longer than the server will parse gets 414"),
    416: _seed("a range past the end gets 416 (RFC 9110 §14.2: a server MAY ignore Range)"),
    206: _seed("a satisfiable byte range gets 206 (RFC 9110 §14.2: a server MAY ignore Range)"),
    417: _seed("an unknown expectation gets 417 (RFC 9110 §10.1.1: a server MAY send it)"),
    501: Rule(Level.SHOULD, "RFC 9110 §9.1", "a method the server does not recognise gets 501"),
    505: _seed("a major version the server does not speak gets 505 (RFC 9112 §2.3: a server "
               "can send it)"),
    408: _seed("a header section that stalls gets 408"),
}


def status_rule(code: int) -> Rule:
    """The rule behind expecting ``code`` (the seed's, unless the RFC says more)."""
    return _STATUS_RULES.get(code) or _seed(f"the situation of the seed's {code} gets {code}")


# (status, field) -> the rule that requires the field on that status.
FIELD_RULES: dict[tuple[int, str], Rule] = {
    (101, "Upgrade"): Rule(Level.MUST, "RFC 9110 §7.8", "a 101 names the protocol in Upgrade"),
    (101, "Connection"): Rule(Level.MUST, "RFC 9110 §7.8",
                              "an Upgrade field is listed in Connection"),
    (206, "Content-Range"): Rule(Level.MUST, "RFC 9110 §15.3.7.1",
                                 "a single-part 206 carries Content-Range"),
    (401, "WWW-Authenticate"): Rule(Level.MUST, "RFC 9110 §15.5.2",
                                    "a 401 carries a challenge in WWW-Authenticate"),
    (405, "Allow"): Rule(Level.MUST, "RFC 9110 §15.5.6",
                         "a 405 lists the target's methods in Allow"),
    (407, "Proxy-Authenticate"): Rule(Level.MUST, "RFC 9110 §15.5.8",
                                      "a 407 carries a challenge in Proxy-Authenticate"),
}
_LOCATION = Rule(Level.SHOULD, "RFC 9110 §15.4", "a redirect names its target in Location")


def field_rule(status: int, name: str) -> Rule:
    rule = FIELD_RULES.get((status, name))
    if rule is not None:
        return rule
    if name == "Location":
        return _LOCATION
    return Rule(Level.SEED, "seed table", f"a {status} carries {name}")


LONG_TARGET_PARSED = _seed("a 64 KiB target gets 414 (RFC 9112 §3 lets a server parse it)")
NO_CONTENT = Rule(Level.MUST, "RFC 9110 §15.3.5, §15.4.5, §15.2",
                  "1xx, 204 and 304 responses carry no content")
HEAD_NO_CONTENT = Rule(Level.MUST, "RFC 9110 §9.3.2", "a response to HEAD carries no content")
NO_LENGTH_ON_204 = Rule(Level.MUST, "RFC 9110 §8.6",
                        "no Content-Length on a 1xx or 204 response")
NO_CHUNKING_ON_204 = Rule(Level.MUST, "RFC 9112 §6.1",
                          "no Transfer-Encoding on a 1xx or 204 response")
ALLOW_GRAMMAR = Rule(Level.MUST, "RFC 9110 §10.2.1", "Allow is a list of method tokens")
ALLOW_MATCHES = Rule(Level.MUST, "RFC 9110 §15.5.6",
                     "a 405's Allow lists only methods the target supports")
OPTIONS_ALLOW = Rule(Level.SHOULD, "RFC 9110 §9.3.7",
                     "a successful OPTIONS names the target's methods (Allow)")
LOCATION_URL = Rule(Level.SHOULD, "RFC 9110 §10.2.2", "Location resolves to an http(s) URL")
RETRY_AFTER_GRAMMAR = Rule(Level.MUST, "RFC 9110 §10.2.3",
                           "Retry-After is delay-seconds or an HTTP-date")
CONTENT_RANGE_206 = Rule(Level.MUST, "RFC 9110 §14.4",
                         "a 206's Content-Range is well formed and matches its content")
CONTENT_RANGE_416 = Rule(Level.SHOULD, "RFC 9110 §15.5.17",
                         "a 416 says the current length as 'bytes */length'")
NO_CONTINUE_BEFORE_REFUSAL = _seed("a request refused from its header section gets no "
                                   "100 Continue first (RFC 9110 §10.1.1 allows one)")
CLOSE_AFTER_408 = Rule(Level.SHOULD, "RFC 9110 §15.5.9", "a 408 closes the connection")
