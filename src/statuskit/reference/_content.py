"""What JSON content the reference API takes: one parser for every JSON route.

``json.loads`` alone would take three things this service cannot keep or
answer safely, so the parser refuses each as malformed content (400):

- nesting deeper than ``MAX_JSON_DEPTH`` arrays/objects (about 1,000 levels
  make ``json.loads`` raise RecursionError, which no caller expects);
- strings, member names included, holding a lone surrogate: ``"\\ud800"`` is
  valid JSON grammar, but RFC 8259 §8.2 leaves such strings' meaning
  unpredictable, I-JSON (RFC 7493 §2.1) forbids them, and they have no UTF-8
  form, so SQLite cannot store them nor a response carry them back;
- ``NaN`` and ``Infinity``, which RFC 8259 §6 does not permit.

Numbers past Python's 4,300-digit conversion limit already raise ValueError.
"""

from __future__ import annotations

import json
from typing import Any

from statuskit.reference.store import unstorable

__all__ = ["MAX_JSON_DEPTH", "JSONTooDeep", "LoneSurrogate", "NotAJSONNumber", "parse_json_content"]

# Arrays and objects nested inside each other: a note is one level, a job
# payload is free-form; 32 is far beyond any real document here.
MAX_JSON_DEPTH = 32


class JSONTooDeep(ValueError):
    """Arrays/objects nested past MAX_JSON_DEPTH."""


class LoneSurrogate(ValueError):
    """A string with a lone surrogate, which has no UTF-8 form."""


class NotAJSONNumber(ValueError):
    """NaN, Infinity or -Infinity (RFC 8259 §6)."""


def _refuse_constant(name: str) -> Any:
    raise NotAJSONNumber(name)


def parse_json_content(body: bytes) -> Any:
    """Request content as JSON; ValueError (the graph's 400) for anything above."""
    try:
        value = json.loads(body, parse_constant=_refuse_constant)
    except RecursionError:
        raise JSONTooDeep(f"nested deeper than {MAX_JSON_DEPTH} levels") from None
    _check_tree(value)
    return value


def _check_tree(value: Any) -> None:
    # Iterative, so no document can make this walk recurse.
    pending: list[tuple[Any, int]] = [(value, 0)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, str):
            if unstorable(item):
                raise LoneSurrogate("a string holds a lone surrogate")
        elif isinstance(item, dict | list):
            if depth >= MAX_JSON_DEPTH:
                raise JSONTooDeep(f"nested deeper than {MAX_JSON_DEPTH} levels")
            members = [*item, *item.values()] if isinstance(item, dict) else item
            pending.extend((member, depth + 1) for member in members)
