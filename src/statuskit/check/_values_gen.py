"""Valid cases from the field's generators: hypothesis with hypothesis-jsonschema.

Both are the optional ``fuzz`` extra; ``require`` says in one line how to get them.
Strings are what every server reads the same way: UTF-8 without NUL; a path segment
never empty, ``.``, ``..`` or holding a ``/`` (each names another route); a header
value visible ASCII without spaces at its ends (RFC 9110 §5.5: a recipient strips
them). Formats come from generators written here, so that a value is one that every
validator of the format takes (no leap second, no quoted local part).
"""

from __future__ import annotations

import base64
import importlib
import string
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, date, datetime
from random import Random
from typing import TYPE_CHECKING, Any

from statuskit.check._values_cases import LOCATIONS, NO_BODY, Case, Shape

if TYPE_CHECKING:
    from hypothesis.strategies import SearchStrategy

__all__ = ["MISSING_MESSAGE", "FuzzMissing", "case_strategy", "find_case", "minimal_case",
           "require"]

MISSING_MESSAGE = ("the value phase of --openapi needs hypothesis and hypothesis-jsonschema: "
                   "pip install 'statuskit[fuzz]'")
_OWN_FORMAT = "x-statuskit-"  # formats renamed so that our generators fill them
_LOW_DATE, _HIGH_DATE = date(1970, 1, 2), date(2099, 12, 30)
_ALNUM = string.ascii_lowercase + string.digits


class FuzzMissing(RuntimeError):
    """hypothesis or hypothesis-jsonschema is not installed."""


def require() -> None:
    """Raise FuzzMissing, with the one line to show, when the extra is missing."""
    from statuskit import _preload

    _preload.settled(_preload.VALUES)
    for module in ("hypothesis", "hypothesis_jsonschema", "jsonschema"):
        try:
            importlib.import_module(module)
        except ImportError:
            raise FuzzMissing(MISSING_MESSAGE) from None


# Named functions, not lambdas: hypothesis describes a drawn value by the functions that
# made it, and a lambda it can only describe by parsing the source file around it.


def _time_text(t: Any) -> str:
    return str(t.replace(microsecond=0).isoformat()) + "Z"


def _moment_text(d: datetime) -> str:
    return d.replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _email(local: str, host: str) -> str:
    return f"{local}@{host}.example.com"


def _uri(host: str, path: str) -> str:
    return f"https://{host}.example.com/{path}"


def _hostname(label: str) -> str:
    return f"{label}.example.com"


def _base64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _formats() -> dict[str, SearchStrategy[str]]:
    from hypothesis import strategies as st

    label = st.text(_ALNUM, min_size=1, max_size=12)
    dates = st.dates(_LOW_DATE, _HIGH_DATE)
    times = st.times().map(_time_text)
    moments = st.datetimes(datetime(1970, 1, 2), datetime(2099, 12, 30),
                           timezones=st.just(UTC)).map(_moment_text)
    emails = st.builds(_email, label, label)
    uris = st.builds(_uri, label, label)
    by_version = {f"uuid{v}": st.uuids(version=v).map(str) for v in (1, 3, 4, 5)}
    formats: dict[str, SearchStrategy[str]] = {
        "date": dates.map(date.isoformat), "date-time": moments, "time": times,
        "email": emails, "idn-email": emails, "uri": uris, "url": uris,
        "hostname": label.map(_hostname),
        "ipv4": st.ip_addresses(v=4).map(str), "ipv6": st.ip_addresses(v=6).map(str),
        "uuid": st.uuids().map(str), **by_version,
        "byte": st.binary(max_size=24).map(_base64),
        "binary": st.text(_ALNUM, max_size=24), "password": st.text(_ALNUM, max_size=24),
    }
    return {_OWN_FORMAT + name: strategy for name, strategy in formats.items()}


def _own_formats(node: Any) -> Any:
    """``node`` with each string format renamed to ours."""
    if isinstance(node, list):
        return [_own_formats(n) for n in node]
    if not isinstance(node, Mapping):
        return node
    out = {k: _own_formats(v) if k not in ("enum", "const", "default") else v
           for k, v in node.items()}
    if isinstance(out.get("format"), str) and "string" in str(out.get("type", "string")):
        out["format"] = _OWN_FORMAT + out["format"]
    elif "format" in out and not isinstance(out.get("format"), str):
        out.pop("format")
    return out


def _no_control(text: str) -> bool:
    return "\x00" not in text


def _segment(value: Any) -> bool:
    text = value if isinstance(value, str) else str(value)
    return text not in ("", ".", "..") and "/" not in text


def _field_value(value: Any) -> bool:
    if not isinstance(value, str):
        return True
    return value == value.strip(" \t") and all(0x20 <= ord(c) < 0x7F for c in value)


def _cookie_value(value: Any) -> bool:
    return _field_value(value) and not any(c in str(value) for c in ' ";,\\')


# RFC 3986 §2.3: unreserved characters, which no server or router reads as anything but
# themselves; not starting with a dot (``.`` and ``..`` name other paths).
_SEGMENT = "^[A-Za-z0-9_~-][A-Za-z0-9._~-]*$"


def _path_schema(schema: Mapping[str, Any]) -> Mapping[str, Any]:
    """A free string in a path holds only unreserved characters: a space, a ``%`` or
    a ``;`` is a value some routers split, decode twice or refuse, and the checker is
    not sure which a server means (RFC 3986 §3.3)."""
    if schema.get("type") == "string" and not any(
            k in schema for k in ("pattern", "format", "enum", "const")):
        return {**schema, "pattern": _SEGMENT}
    return schema


def _slot_strategy(location: str, schema: Mapping[str, Any]) -> SearchStrategy[Any]:
    from hypothesis_jsonschema import from_schema

    if location == "path":
        schema = _path_schema(schema)
    codec = "ascii" if location in ("header", "cookie") else "utf-8"
    strategy = from_schema(_own_formats(schema), custom_formats=_formats(), allow_x00=False,
                           codec=codec)
    if location == "path":
        return strategy.filter(_segment)
    if location == "header":
        return strategy.filter(_field_value)
    if location == "cookie":
        return strategy.filter(_cookie_value)
    return strategy


def case_strategy(shape: Shape) -> SearchStrategy[Case]:
    """Valid cases of ``shape``: required parameters always, optional ones sometimes,
    the body whenever it has a schema."""
    from hypothesis import strategies as st
    from hypothesis_jsonschema import from_schema

    by_location: dict[str, SearchStrategy[dict[str, Any]]] = {}
    for location in LOCATIONS:
        required: dict[str, SearchStrategy[Any]] = {}
        optional: dict[str, SearchStrategy[Any]] = {}
        for slot in shape.slots_at(location):
            if slot.generate is None:
                continue
            strategy = _slot_strategy(location, slot.generate)
            (required if slot.parameter.required else optional)[slot.parameter.name] = strategy
        by_location[location] = st.fixed_dictionaries(required, optional=optional)
    body: SearchStrategy[Any] = st.just(NO_BODY)
    if shape.body_generate is not None:
        body = from_schema(_own_formats(shape.body_generate), custom_formats=_formats(),
                           allow_x00=False, codec="utf-8")

    def build(path: dict[str, Any], query: dict[str, Any], header: dict[str, Any],
              cookie: dict[str, Any], content: Any) -> Case:
        return Case({"path": path, "query": query, "header": header, "cookie": cookie},
                    content, media=shape.media)

    return st.builds(build, by_location["path"], by_location["query"],
                     by_location["header"], by_location["cookie"], body)


def settings_for(max_examples: int, *, shrink: bool = True) -> Any:
    from hypothesis import HealthCheck, Phase, Verbosity, settings

    phases = (Phase.generate, Phase.shrink) if shrink else (Phase.generate,)
    return settings(max_examples=max_examples, database=None, deadline=None,
                    phases=phases, suppress_health_check=list(HealthCheck),
                    report_multiple_bugs=True, verbosity=Verbosity.quiet, print_blob=False,
                    derandomize=False)


# -- the same values for the same seed, wherever statuskit is installed ----------------------
#
# hypothesis draws, now and then, a constant it found in the source of "local" modules:
# any module outside site-packages, so statuskit's own when it is installed editable, and
# only those imported when the draw happens. A --seed would then send other values from
# a checkout than from a wheel, and other values again if a module loads a moment
# earlier. The value phase's draws use hypothesis's built-in constants alone: what an
# installed statuskit draws anyway.

_draws = threading.local()
_GLOBAL_ONLY: dict[Any, tuple[Any, ...]] = {}


def _guard_constants() -> None:
    """Make the value phase's draws (inside ``_own_draws``) ignore local constants; any
    other hypothesis user in the process draws as before."""
    try:
        from hypothesis.internal.conjecture import providers

        provider: Any = providers.HypothesisProvider
        original = provider._maybe_draw_constant
        global_constants = providers.GLOBAL_CONSTANTS
        constraints_key = getattr(providers, "choice_constraints_key")  # noqa: B009
        permitted = getattr(providers, "choice_permitted")  # noqa: B009
    except (ImportError, AttributeError):  # another hypothesis: its own behaviour stands
        return
    if getattr(original, "statuskit_guard", False):
        return

    def maybe_draw_constant(self: Any, choice_type: Any, constraints: Any, *,
                            p: float = 0.05) -> Any:
        if not getattr(_draws, "own", False):
            return original(self, choice_type, constraints, p=p)
        # hypothesis's own steps with an empty local pool, random draw for random draw
        if self._random.random() > p:
            return None
        key = (choice_type, constraints_key(choice_type, constraints))
        pool = _GLOBAL_ONLY.get(key)
        if pool is None:
            pool = _GLOBAL_ONLY[key] = tuple(c for c in global_constants.set_for_type(
                choice_type) if permitted(c, constraints))
        if not pool:
            return None
        return self._random.choice(self._random.choice([pool]))

    maybe_draw_constant.statuskit_guard = True  # type: ignore[attr-defined]
    provider._maybe_draw_constant = maybe_draw_constant


@contextmanager
def _own_draws() -> Iterator[None]:
    _guard_constants()
    before = getattr(_draws, "own", False)
    _draws.own = True
    try:
        yield
    finally:
        _draws.own = before


def find_case(strategy: SearchStrategy[Case], condition: Callable[[Case], bool],
              settings: Any, seed: int | str) -> Case:
    """hypothesis's ``find`` with the value phase's seed and constants."""
    from hypothesis import find

    with _own_draws():
        return find(strategy, condition, settings=settings, random=Random(seed))


def minimal_case(shape: Shape, seed: int) -> Case | None:
    """The simplest valid case (hypothesis shrinks to it), checked by the oracle; None
    when the schemas give none."""
    from hypothesis.errors import HypothesisException, NoSuchExample

    strategy = case_strategy(shape)
    drawn: list[Case] = []

    def first(case: Case) -> bool:
        # Never "found": hypothesis ends after this one example without replaying it
        # to report it (a pretty-printed value and a traceback, half of each call).
        drawn.append(case)
        return False

    try:
        # hypothesis tries the simplest choice sequence first: the first case drawn is
        # the one shrinking would end at, with no shrinking to pay for.
        find_case(strategy, first, settings_for(1, shrink=False), seed)
    except NoSuchExample:
        pass
    except (HypothesisException, ValueError, TypeError, RecursionError, SystemError):
        return None
    if not drawn:
        return None
    case = drawn[0]
    return case if shape.oracle.valid(case) else None
