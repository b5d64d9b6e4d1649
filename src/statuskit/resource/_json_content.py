"""JSON request content a resource can store and send back: ``parse_json``.

``json.loads`` alone takes things no resource can keep or answer with safely,
so the parser refuses each as malformed content (ValueError, the graph's 400):

- nesting deeper than ``MAX_JSON_DEPTH`` arrays/objects (about 1,000 levels make
  ``json.loads`` raise RecursionError, which no caller expects);
- strings, member names included, holding a lone surrogate: ``"\\ud800"`` is valid
  JSON grammar, but RFC 8259 §8.2 leaves such strings' meaning unpredictable,
  I-JSON (RFC 7493 §2.1) forbids them, and they have no UTF-8 form, so a stored
  one makes every later response that carries it fail;
- ``NaN``, ``Infinity`` and numbers too large for a float (``1e400``), which
  RFC 8259 §6 does not permit and no response could carry back as JSON;
- integers longer than ``MAX_JSON_INT_DIGITS`` digits, Python's own limit for
  int() (whatever ``sys.set_int_max_str_digits`` says), as conversion time grows
  with the square of the length.
"""

from __future__ import annotations

import json
import math
from typing import Any

__all__ = [
    "MAX_JSON_DEPTH",
    "MAX_JSON_INT_DIGITS",
    "JSONTooDeep",
    "LoneSurrogate",
    "NotAJSONNumber",
    "parse_json",
]

# Arrays and objects nested inside each other: 32 is far beyond any real document.
MAX_JSON_DEPTH = 32
# CPython's default int() limit for decimal text (sys.get_int_max_str_digits()).
MAX_JSON_INT_DIGITS = 4300


class JSONTooDeep(ValueError):
    """Arrays/objects nested past MAX_JSON_DEPTH."""


class LoneSurrogate(ValueError):
    """A string with a lone surrogate, which has no UTF-8 form."""


class NotAJSONNumber(ValueError):
    """NaN, Infinity, a number past a float's range, or an integer past MAX_JSON_INT_DIGITS."""


def parse_json(body: bytes) -> Any:
    """Request content as JSON; ValueError (the graph's 400) for anything above."""
    try:
        value = json.loads(body, parse_constant=_refuse_constant, parse_float=_finite_float,
                           parse_int=_bounded_int)
    except RecursionError:
        raise JSONTooDeep(f"nested deeper than {MAX_JSON_DEPTH} levels") from None
    _check_tree(value)
    return value


def _refuse_constant(name: str) -> Any:
    raise NotAJSONNumber(name)  # RFC 8259 §6


def _finite_float(text: str) -> float:
    number = float(text)
    if math.isinf(number):
        raise NotAJSONNumber("a number past a float's range")
    return number


def _bounded_int(text: str) -> int:
    if len(text) - text.startswith("-") > MAX_JSON_INT_DIGITS:
        raise NotAJSONNumber(f"an integer longer than {MAX_JSON_INT_DIGITS} digits")
    return int(text)


def _check_tree(value: Any) -> None:
    # Iterative, so no document can make this walk recurse.
    pending: list[tuple[Any, int]] = [(value, 0)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, str):
            if _has_lone_surrogate(item):
                raise LoneSurrogate("a string holds a lone surrogate")
        elif isinstance(item, dict | list):
            if depth >= MAX_JSON_DEPTH:
                raise JSONTooDeep(f"nested deeper than {MAX_JSON_DEPTH} levels")
            members = [*item, *item.values()] if isinstance(item, dict) else item
            pending.extend((member, depth + 1) for member in members)


def _has_lone_surrogate(text: str) -> bool:
    # RFC 3629 §3: surrogates have no UTF-8 form; json.loads pairs the valid ones.
    if text.isascii():
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False
