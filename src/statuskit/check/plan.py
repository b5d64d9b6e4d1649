"""Probe plans: how to provoke a server's resource-specific codes.

A plan is TOML (``--plan FILE``) or the ``statuskit_plan`` member of the JSON a
server publishes at ``GET /`` (the reference API does). Both have one shape::

    version = 1

    [probes.201]
    why = "a new note"
    [[probes.201.steps]]
    name = "create"                  # later steps may say {create.location}
    method = "POST"
    path = "/notes"
    headers = { Content-Type = "application/json" }
    json = { title = "probe" }       # or: body = "raw text"
    expect = [201]

    [[probes.412.steps]]             # steps run in order; the last one is judged
    name = "create"
    method = "POST"
    path = "/notes"
    json = { title = "probe" }
    expect = [201]
    [[probes.412.steps]]
    method = "PUT"
    path = "{create.location}"
    headers = { If-Match = '"not-the-etag"' }
    json = { title = "probe" }
    expect = [412]

    [probes.306]
    not_applicable = "unused (RFC 9110 §15.4.7)"

Placeholders, in paths, header values and JSON strings: ``{NAME.location}``,
``{NAME.etag}``, ``{NAME.json.FIELD}`` (from step NAME's response) and
``{unique}`` (a fresh token per probe). Step keys besides the above:
``expect_interim`` (e.g. ``[100]``: send the content only after an interim
answer), ``websocket`` (a path to open a WebSocket on; expects 101), ``content_size``
(pad the content with spaces up to N bytes; whitespace after a JSON value leaves the
same document, RFC 8259 §2) and ``target_size`` (add ``pad=aaa...`` to the query until
the request target is N bytes). Probe keys:
``wire`` ("version", "no-length" or "slow-headers": sent on a bare socket),
``load`` (true: only with ``--include-load``).
"""

from __future__ import annotations

import json
import re
import tomllib
import uuid
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Plan", "PlanError", "Probe", "Step", "load_plan", "padded_content", "padded_target",
           "plan_from_document"]


class PlanError(ValueError):
    """The plan is not in the shape this module documents."""


@dataclass(frozen=True)
class Step:
    method: str = "GET"
    path: str = "/"
    name: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    json: Any = None
    body: str | None = None
    expect: tuple[int, ...] = ()
    expect_interim: tuple[int, ...] = ()
    websocket: str | None = None
    content_size: int | None = None
    target_size: int | None = None


@dataclass(frozen=True)
class Probe:
    code: int
    steps: tuple[Step, ...] = ()
    why: str = ""
    not_applicable: str | None = None
    wire: str | None = None
    load: bool = False


@dataclass(frozen=True)
class Plan:
    probes: dict[int, Probe]


_WIRE_KINDS = frozenset({"version", "no-length", "slow-headers"})
_MAX_PADDED = 16 * 1024 * 1024  # a plan may not make the checker send more than this


def padded_content(content: bytes, size: int | None) -> bytes:
    return content if size is None else content + b" " * max(0, size - len(content))


def padded_target(target: str, size: int | None) -> str:
    if size is None:
        return target
    target += ("&" if "?" in target else "?") + "pad="
    return target + "a" * max(0, size - len(target))


def _step(raw: Any, where: str) -> Step:
    if not isinstance(raw, dict):
        raise PlanError(f"{where}: a step is a table")
    expect = raw.get("expect", [])
    if not isinstance(expect, list) or not all(isinstance(s, int) for s in expect):
        raise PlanError(f"{where}: expect is a list of status codes")
    headers = raw.get("headers", {})
    if not isinstance(headers, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in headers.items()):
        raise PlanError(f"{where}: headers is a table of strings")
    body = raw.get("body")
    if body is not None and not isinstance(body, str):
        raise PlanError(f"{where}: body is a string")
    sizes = {k: raw.get(k) for k in ("content_size", "target_size")}
    for key, size in sizes.items():
        if size is not None and (not isinstance(size, int) or isinstance(size, bool)
                                 or not 0 <= size <= _MAX_PADDED):
            raise PlanError(f"{where}: {key} is a number of bytes up to {_MAX_PADDED}")
    return Step(
        method=str(raw.get("method", "GET")),
        path=str(raw.get("path", "/")),
        name=raw.get("name"),
        headers=dict(headers),
        json=raw.get("json"),
        body=body,
        expect=tuple(expect),
        expect_interim=tuple(raw.get("expect_interim", ())),
        websocket=raw.get("websocket"),
        content_size=sizes["content_size"],
        target_size=sizes["target_size"],
    )


def plan_from_document(document: Any) -> Plan:
    """A plan from its parsed form (TOML table or JSON object)."""
    if not isinstance(document, dict) or document.get("version") != 1:
        raise PlanError("a plan has version = 1")
    probes: dict[int, Probe] = {}
    for code_text, raw in (document.get("probes") or {}).items():
        if not str(code_text).isdigit() or not isinstance(raw, dict):
            raise PlanError(f"probes.{code_text}: a probe is keyed by its status code")
        code = int(code_text)
        where = f"probes.{code}"
        wire = raw.get("wire")
        if wire is not None and wire not in _WIRE_KINDS:
            raise PlanError(f"{where}: wire is one of {sorted(_WIRE_KINDS)}")
        steps = tuple(_step(s, f"{where}.steps[{i}]") for i, s in enumerate(raw.get("steps", [])))
        if not steps and raw.get("not_applicable") is None:
            raise PlanError(f"{where}: give steps or not_applicable")
        probes[code] = Probe(code, steps, str(raw.get("why", "")), raw.get("not_applicable"),
                             wire, bool(raw.get("load", False)))
    return Plan(probes)


def load_plan(path: str) -> Plan:
    with open(path, "rb") as source:
        try:
            return plan_from_document(tomllib.load(source))
        except tomllib.TOMLDecodeError as exc:
            raise PlanError(f"{path}: {exc}") from None


_PLACEHOLDER = re.compile(r"\{(unique|[A-Za-z_][\w-]*\.(?:location|etag|json\.[\w-]+))\}")


class Bindings:
    """Responses of named steps, for the placeholders of later ones."""

    def __init__(self) -> None:
        self.unique = uuid.uuid4().hex[:12]
        self.responses: dict[str, tuple[dict[str, str], bytes]] = {}

    def remember(self, name: str, headers: dict[str, str], body: bytes) -> None:
        self.responses[name] = ({k.lower(): v for k, v in headers.items()}, body)

    def fill(self, value: Any) -> Any:
        if isinstance(value, str):
            return _PLACEHOLDER.sub(self._lookup, value)
        if isinstance(value, dict):
            return {k: self.fill(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.fill(v) for v in value]
        return value

    def _lookup(self, match: re.Match[str]) -> str:
        key = match.group(1)
        if key == "unique":
            return self.unique
        name, _, what = key.partition(".")
        if name not in self.responses:
            raise PlanError(f"{{{key}}} names a step that has not run")
        headers, body = self.responses[name]
        if what in ("location", "etag"):
            if what not in headers:
                raise PlanError(f"step {name!r} answered without {what.title()}")
            return headers[what]
        member = what.removeprefix("json.")
        try:
            return str(json.loads(body)[member])
        except (ValueError, KeyError, TypeError):
            raise PlanError(f"step {name!r} has no JSON member {member!r}") from None
