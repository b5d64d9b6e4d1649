"""The status-code contract as data.

Every record comes from ``catalogue.toml`` beside this module: the 41 codes of
the seed table with the seed's labels, and the rest of the IANA registry.
Nothing here imports the rest of statuskit; every other layer imports this.
"""

from __future__ import annotations

import enum
import os
import re
from typing import Literal, NamedTuple

# Written out (and kept equal to the catalogue by a test) so that type checkers
# and editors see every member.
from statuskit.codes._status import Status

__all__ = [
    "Code",
    "Disagreement",
    "Guidance",
    "RetryRule",
    "Standing",
    "Status",
    "UnknownCode",
    "all_codes",
    "allows_body",
    "is_client_error",
    "is_error",
    "is_informational",
    "is_redirect",
    "is_retryable",
    "is_server_error",
    "is_success",
    "lookup",
    "preload",
    "retry_rule",
    "retryable_codes",
    "seed_codes",
]


class Guidance(enum.StrEnum):
    """What a client does after receiving a code."""

    NONE = "none"  # success or interim: nothing to repeat
    FOLLOW = "follow"  # redirect: request the Location instead
    NEVER = "never"  # repeating cannot help, changed or not
    AFTER_CHANGE = "after-change"  # repeat only a modified request
    LATER = "later"  # the same request may succeed later
    AFTER_RETRY_AFTER = "after-retry-after"  # repeat once Retry-After has passed


class RetryRule(enum.StrEnum):
    """Whether a client repeats a request by itself after this code: the one
    definition every layer reads (``is_retryable``, the client's policy and its
    ``Retryable`` errors)."""

    YES = "yes"  # after backoff, or after Retry-After when one is given
    IF_RETRY_AFTER = "if-retry-after"  # only when the response carries Retry-After
    NO = "no"  # never by itself; a client's policy may still list it


class Standing(enum.StrEnum):
    ACTIVE = "active"
    DEPRECATED = "deprecated"
    UNUSED = "unused"
    RESERVED = "reserved"


# NamedTuple, not a dataclass: records are immutable values either way, and importing
# dataclasses (with inspect) would double what `import statuskit` costs.
class Disagreement(NamedTuple):
    """A point where the seed table and RFC 9110 part ways."""

    topic: str
    seed: str
    rfc: str
    follows: Literal["seed", "rfc"]
    why: str


class Code(NamedTuple):
    """One status code's record in the contract."""

    code: int
    phrase: str
    label: str | None
    meaning: str
    guidance: Guidance
    seed_guidance: Guidance | None
    retry: RetryRule
    requires: tuple[str, ...]
    recommends: tuple[str, ...]
    body_allowed: bool
    standing: Standing
    rfc: str
    disagreements: tuple[Disagreement, ...]

    @property
    def in_seed(self) -> bool:
        return self.label is not None

    @property
    def title(self) -> str:
        """The short human title used in problem details (RFC 9457 §3.1.4)."""
        return self.phrase

    @property
    def status_class(self) -> str:
        return f"{self.code // 100}xx"

    @property
    def retryable(self) -> bool:
        """Whether a client may repeat it by itself, at least with Retry-After."""
        return self.retry is not RetryRule.NO


class UnknownCode(LookupError):
    """Raised by :func:`lookup` for a number or name the catalogue does not hold."""


def _norm(name: str) -> str:
    # "Not Found", "not-found", "NOT_FOUND", "NotFound" and "notfound" are one key.
    return re.sub(r"[^a-z0-9]", "", name.lower())


_DATA_FILE = os.path.join(os.path.dirname(__file__), "catalogue.toml")


def _load() -> tuple[dict[int, Code], dict[str, Code], dict[int, str]]:
    import tomllib  # only here: its import costs as much as the parse

    # A plain open(): importlib.resources would cost more than the parse itself.
    with open(_DATA_FILE, "rb") as data:
        entries = tomllib.load(data)["code"]
    by_code: dict[int, Code] = {}
    by_name: dict[str, Code] = {}
    enum_names: dict[int, str] = {}
    for entry in entries:
        seed_guidance = entry.get("seed_guidance")
        record = Code(
            code=entry["code"],
            phrase=entry["phrase"],
            label=entry.get("label"),
            meaning=entry["meaning"],
            guidance=Guidance(entry["guidance"]),
            seed_guidance=Guidance(seed_guidance) if seed_guidance else None,
            retry=RetryRule(entry.get("retry", "no")),
            requires=tuple(entry.get("requires", ())),
            recommends=tuple(entry.get("recommends", ())),
            body_allowed=entry["body"],
            standing=Standing(entry["standing"]),
            rfc=entry["rfc"],
            disagreements=tuple(Disagreement(**d) for d in entry.get("disagreement", ())),
        )
        by_code[record.code] = record
        enum_names[record.code] = entry.get("name") or _enum_name(record.phrase)
        for name in (record.phrase, record.label, enum_names[record.code]):
            if name:
                by_name.setdefault(_norm(name), record)
    return by_code, by_name, enum_names


def _enum_name(phrase: str) -> str:
    return re.sub(r"[^A-Z0-9]+", "_", phrase.upper()).strip("_")


_TABLES: tuple[dict[int, Code], dict[str, Code], dict[int, str]] | None = None


def _tables() -> tuple[dict[int, Code], dict[str, Code], dict[int, str]]:
    # Parsed on first use, not at import: importing statuskit stays cheap for
    # programs that never ask about a code.
    global _TABLES
    if _TABLES is None:
        _TABLES = _load()
    return _TABLES


def preload() -> None:
    """Parse the catalogue now, if it is not yet: a server layer calls it while it is
    set up, so that the first answer on an event loop reads no file (a blocking read
    there stalls every other request, and Starlette's suite runs BlockBuster on it)."""
    _tables()


def enum_names() -> dict[int, str]:
    """Status member name per code, as the catalogue gives it."""
    return dict(_tables()[2])


def lookup(key: int | str) -> Code:
    """The record for a number (``404``, ``"404"``) or a name (``"ServerTimeout"``,
    ``"not found"``), ignoring case and separators."""
    by_code, by_name, _ = _tables()
    if isinstance(key, int):
        found = by_code.get(key)
    elif not isinstance(key, str):
        found = None
    elif _is_code_text(key.strip()):
        found = by_code.get(int(key))
    else:
        found = by_name.get(_norm(key))
    if found is None:
        raise UnknownCode(f"unknown status code: {key!r}")
    return found


def _is_code_text(text: str) -> bool:
    # RFC 9110 §15: a status code is 3DIGIT, and DIGIT is ASCII (RFC 5234 B.1);
    # str.isdigit() also takes other scripts' digits and superscripts, and int()
    # raises on thousands of digits.
    return len(text) == 3 and text.isascii() and text.isdigit()


def all_codes() -> tuple[Code, ...]:
    by_code = _tables()[0]
    return tuple(by_code[c] for c in sorted(by_code))


def seed_codes() -> tuple[Code, ...]:
    return tuple(c for c in all_codes() if c.in_seed)


def is_informational(code: int) -> bool:
    return 100 <= code < 200


def is_success(code: int) -> bool:
    return 200 <= code < 300


def is_redirect(code: int) -> bool:
    return 300 <= code < 400


def is_client_error(code: int) -> bool:
    return 400 <= code < 500


def is_server_error(code: int) -> bool:
    return 500 <= code < 600


def is_error(code: int) -> bool:
    return 400 <= code < 600


def allows_body(code: int) -> bool:
    """Whether a response with this code may carry content (RFC 9110 §6.4.1)."""
    record = _tables()[0].get(code)
    if record is not None:
        return record.body_allowed
    return not (is_informational(code) or code in (204, 304))


def retry_rule(code: int) -> RetryRule:
    """The catalogue's rule for ``code``; an unregistered code follows the x00 of
    its class (RFC 9110 §15: "a client MUST treat an unrecognized status code as
    being equivalent to the x00 status code of that class")."""
    by_code = _tables()[0]
    record = by_code.get(code) or by_code.get(code // 100 * 100)
    return record.retry if record is not None else RetryRule.NO


def is_retryable(code: int, *, retry_after: bool = False) -> bool:
    """Whether the same request may be repeated unchanged by a client on its own;
    ``retry_after``: the response carried a valid Retry-After."""
    rule = retry_rule(code)
    return rule is RetryRule.YES or (rule is RetryRule.IF_RETRY_AFTER and retry_after)


def retryable_codes() -> frozenset[int]:
    """Every code a client may repeat by itself (some only with Retry-After)."""
    return frozenset(c.code for c in all_codes() if c.retryable)
