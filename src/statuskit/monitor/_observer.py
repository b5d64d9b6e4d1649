"""Judging exchanges that were only observed: the rules of ``check``, once per (rule, route).

An ``Observer`` takes recorded exchanges (``statuskit.check.record.Exchange``) one at a
time, from whatever saw them (the ``Monitor`` middleware, a HAR file), with the route
each belongs to ("GET /items/{item_id}"). It applies ``rules.OBSERVED`` (only the rules
whose status and fields the exchange has: ``Rule.statuses``, ``Rule.needs``) and
httplint, once per message shape, and keeps one ``Sighting`` per (rule, cause, route):
the first exchange that showed it and how many did since. Everything it holds is
bounded (``statuskit.defaults``): traffic can raise counts, never memory.

It never raises to its caller for what an exchange holds: a rule that fails on one is
a bug of ours, counted in ``errors`` and logged once, and the exchange goes unjudged.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from statuskit.check import rules
from statuskit.check.evidence import Evidence, excerpt, redact_fields
from statuskit.check.findings import Finding, Instance, Reproducer, group
from statuskit.check.record import Exchange
from statuskit.check.rules import Problem, Rule
from statuskit.defaults import (
    MONITOR_MAX_FINDINGS,
    MONITOR_MAX_HISTORY,
    MONITOR_MAX_ROUTES,
    MONITOR_MAX_SHAPES,
)

__all__ = ["OTHER_ROUTES", "Observer", "Sighting"]

LOGGER = logging.getLogger("statuskit.monitor")
OTHER_ROUTES = "(other routes)"  # where findings go once MONITOR_MAX_ROUTES are named
_MAX_TESTS = 20  # tests named per sighting (the pytest option); the count goes on
# httplint notes left out: those about the request the client sent, those one of the
# rules above already reports (one defect, one finding), those that compare with the
# clock now (a HAR is judged long after), and httplint's view that every 201 needs a
# Location (RFC 9110 §15.3.2: without one, the target URI names what was created).
_LINT_LEFT_OUT = frozenset({
    "CL_INCORRECT", "CONTENT_NOT_ALLOWED", "CREATED_WITHOUT_LOCATION",
    "REDIRECT_WITHOUT_LOCATION", "PARTIAL_WITHOUT_RANGE", "CL_AND_TE_PRESENT",
    "DATE_INCORRECT", "DATE_CLOCKLESS_BAD_HDR", "LM_FUTURE", "REQUEST_CONTENT_NOT_DEFINED",
    "REQUEST_TARGET_FORM", "ACCEPT_BAD_SYNTAX", "ACCEPT_LANGUAGE_BAD_SYNTAX",
    "RESPONSE_HDR_IN_REQUEST", "BAD_ORIGIN_SYNTAX", "ORIGIN_PORT_TOO_LONG", "CHECK_POST_ZERO",
    "PARTIAL_NOT_REQUESTED", "UPGRADE_NOT_REQUESTED", "UNEXPECTED_CONTINUE",
})
# What a 304 is compared with (rules.FIELDS_REPEATED_ON_304): a 200 with none of these
# fields is not remembered (and forgets an earlier one: a 304 has nothing to repeat).
_REMEMBERED = tuple(n.lower() for n in rules.FIELDS_REPEATED_ON_304)
# Answers counted by their exact fields (Observer.clean), and the most field bytes one
# may hold: 1024 answers of at most 1 KiB each, besides the shapes.
_MAX_COUNTED = 1024
_MAX_COUNTED_FIELDS = 1024
_LINT_LEFT_OUT_PREFIXES = ("RANGE_", "REFERER_", "CORS_PREFLIGHT_REQ_", "STATUS_")


@dataclass
class Sighting:
    """One finding on one route: the first exchange that showed it, and how many did."""

    problem: Problem
    route: str
    first: Instance
    count: int = 1
    tests: list[str] = field(default_factory=list)  # pytest node ids, the first few

    @property
    def rule(self) -> Rule:
        return self.problem.rule

    @property
    def key(self) -> tuple[str, str, str]:
        return self.problem.rule.id, self.problem.cause, self.route

    def instance(self) -> Instance:
        """The first instance, its detail saying how often the route showed it."""
        seen = f"{self.count} exchange{'s' if self.count != 1 else ''}"
        detail = f"{self.first.detail}; {seen}" if self.first.detail else seen
        first = self.first
        return Instance(first.check, first.operation, first.probe, first.status, detail,
                        first.evidence, first.reproducer)

    def to_dict(self) -> dict[str, Any]:
        reproducer = self.first.reproducer
        return {"rule": self.rule.to_dict(), "cause": self.problem.cause, "route": self.route,
                "count": self.count, "detail": self.problem.detail, "status": self.first.status,
                "request": self.first.probe, "tests": list(self.tests),
                "reproducer": reproducer.to_dict() if reproducer else None}


Watcher = Callable[[Sighting, bool], None]  # (sighting, whether it is new)


class _History:
    """The last 200 to each GET target: its fields, and the request fields its Vary names,
    which a 304 to the same target must have the same to be compared with it."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._by_url: OrderedDict[str, tuple[tuple[str, ...], tuple[str | None, ...],
                                             list[tuple[str, str]]]] = OrderedDict()

    def remember(self, seen: Exchange) -> None:
        vary = seen.header("vary")
        names = tuple(n.strip().lower() for n in vary.split(",") if n.strip()) if vary else ()
        if "*" in names:
            return  # RFC 9110 §12.5.5: no other request is the same request
        entry = (names, tuple(seen.request_header(n) for n in names), seen.headers)
        self._by_url[seen.url] = entry
        self._by_url.move_to_end(seen.url)
        if len(self._by_url) > self._size:
            self._by_url.popitem(last=False)

    def forget(self, url: str) -> None:
        self._by_url.pop(url, None)

    def earlier(self, seen: Exchange) -> list[tuple[str, str]] | None:
        entry = self._by_url.get(seen.url)
        if entry is None:
            return None
        names, values, fields = entry
        if tuple(seen.request_header(n) for n in names) != values:
            return None
        return fields


class Observer:
    """Judges observed exchanges; keeps every (rule, cause, route) once, with a count."""

    def __init__(self, *, lint: bool = True, logger: logging.Logger | None = LOGGER,
                 max_findings: int = MONITOR_MAX_FINDINGS,
                 max_routes: int = MONITOR_MAX_ROUTES, max_history: int = MONITOR_MAX_HISTORY,
                 max_shapes: int = MONITOR_MAX_SHAPES, check: str = "monitor") -> None:
        self.lint = lint
        self.logger = logger
        self.check = check  # the Instance.check of what it finds: "monitor", "har"
        self.exchanges = 0  # judged
        self.errors = 0  # exchanges a rule of ours failed on (logged once)
        self.watchers: list[Watcher] = []
        self._max_findings, self._max_routes, self._max_shapes = (max_findings, max_routes,
                                                                  max_shapes)
        self._sightings: dict[tuple[str, str, str], Sighting] = {}
        self._routes: set[str] = set()
        self._history = _History(max_history)
        self._shapes: set[tuple[Any, ...]] = set()
        self._plans: dict[tuple[Any, ...], _Plan] = {}
        # Answers triaged clean, by every field: (place, method, status, fields) -> the
        # content length their Content-Length says, -1 with none. An answer in one part
        # with the same key and length is clean too: the Monitor counts it in
        # ``exchanges`` with no call (no rule's verdict on it could differ; httplint
        # read its shape already).
        self.clean: dict[tuple[Any, ...], int] = {}
        self._by_status: dict[int, tuple[Rule, ...]] = {}
        self._lock = threading.Lock()  # a TestClient runs the app in a thread of its own

    # -- what it found --------------------------------------------------------------------

    @property
    def sightings(self) -> list[Sighting]:
        with self._lock:
            return list(self._sightings.values())

    def findings(self) -> list[Finding]:
        """One finding per (rule, cause), one instance per route, counts in the detail."""
        return group((s.problem, s.instance()) for s in self.sightings)

    def to_dict(self) -> dict[str, Any]:
        return {"exchanges": self.exchanges, "errors": self.errors,
                "sightings": [s.to_dict() for s in self.sightings]}

    # -- judging ----------------------------------------------------------------------------

    def route_name(self, route: str) -> str:
        """``route``, or OTHER_ROUTES once as many routes as the limit are named."""
        if route in self._routes:
            return route
        with self._lock:
            if len(self._routes) >= self._max_routes:
                return OTHER_ROUTES
            self._routes.add(route)
        return route

    def observe(self, seen: Exchange, route: str,
                evidence: Callable[[], Evidence] | None = None) -> list[Sighting]:
        """Judge one exchange; the sightings it showed (new ones logged and watched)."""
        try:
            problems = self.judge(seen, route)
        except Exception:  # a bug of ours: the exchange goes unjudged, the app goes on
            self.errors += 1
            if self.errors == 1 and self.logger is not None:
                self.logger.exception("statuskit monitor: a rule failed on %s %s; this and "
                                      "later such exchanges go unjudged", seen.method, seen.url)
            return []
        self.exchanges += 1
        if not problems:
            return []
        return [self._sighted(p, seen, route, evidence) for p in problems]

    def triage(self, place: tuple[Any, ...], anchor: object, method: str, status: int,
               headers: Sequence[Any], length: int, whole: bool, *,
               exact: bool = False) -> bool:
        """Whether an answer (its ASGI fields as sent, ``length`` content bytes, -1 not
        known, ``whole``: the content held) is judged without being recorded, and
        counted: its shape was seen before at ``place`` and no rule can find anything in
        it (a Content-Length it carries is ``length``). False: ``observe`` must judge it;
        the first answer of each shape at each place goes there, and httplint reads it.
        ``place`` stands for the route (it may hold ``id(anchor)``: the plan keeps
        ``anchor`` alive, so no other object takes that id while the plan is kept).
        ``exact``: an answer in one part, whose every field (names and values) may be
        kept in ``clean`` once it is triaged."""
        content_type = b""
        names = []
        for name, value in headers:
            names.append(name)
            if name == b"content-type":
                content_type = value
        key = (*place, method, status, content_type, *names)
        try:
            plan = self._plans.get(key)
        except TypeError:  # a bytearray among the fields: no shape to keep
            return False
        if plan is None:
            if (whole or not self.lint) and len(self._plans) < self._max_shapes:
                self._plans[key] = _plan(self._rules_for(status), method, status, headers,
                                         anchor)
            return False
        if plan.judged_whole or plan.remember:
            return False
        if plan.length_at >= 0 and headers[plan.length_at][1] != b"%d" % length:
            return False
        self.exchanges += 1
        if exact and len(self.clean) < _MAX_COUNTED:
            self._count_as((*place, method, status, tuple(headers)),
                           length if plan.length_at >= 0 else -1, headers)
        return True

    def _count_as(self, key: tuple[Any, ...], length: int, headers: Sequence[Any]) -> None:
        if sum(len(name) + len(value) for name, value in headers) <= _MAX_COUNTED_FIELDS:
            self.clean[key] = length

    def _rules_for(self, status: int) -> tuple[Rule, ...]:
        found = self._by_status.get(status)
        if found is None:
            found = tuple(r for r in rules.OBSERVED
                          if r.statuses is None or status in r.statuses)
            self._by_status[status] = found
        return found

    def judge(self, seen: Exchange, route: str) -> list[Problem]:
        """The rules ``seen`` breaks (httplint's included), nothing recorded but what a
        later 304 is compared with and which shapes httplint saw."""
        if seen.status == 304:
            seen.earlier_200 = self._history.earlier(seen)
        problems = []
        media = (seen.header("content-type") or "").lower()
        for rule in self._rules_for(seen.status):
            if not _may_find(rule, seen.method, media, seen.has):
                continue
            problem = rule.judge(seen)
            if problem is not None:
                problems.append(problem)
        if seen.status == 200 and seen.method in ("GET", "HEAD"):
            if any(seen.has(n) for n in _REMEMBERED):
                self._history.remember(seen)
            else:
                self._history.forget(seen.url)
        if self.lint and seen.body_complete:
            problems += self._linted(seen, route)
        return problems

    def _linted(self, seen: Exchange, route: str) -> list[Problem]:
        """httplint's errors, the first time this route answers in this shape."""
        # The field names as sent, in order: a cheap key, and a bounded set of them.
        shape = (route, seen.method, seen.status, *(n for n, _ in seen.headers))
        if shape in self._shapes or len(self._shapes) >= self._max_shapes:
            return []
        self._shapes.add(shape)
        from statuskit.check.lint import lint_response

        notes = lint_response(seen.method, seen.url, seen.request_headers, seen.status,
                              seen.reason, seen.headers, seen.body, levels=("bad",),
                              request_version=seen.version)
        return [Problem(rules.MESSAGE_SYNTAX, note.summary, note.subject) for note in notes
                if _reported(note.name, seen)]

    def _sighted(self, problem: Problem, seen: Exchange, route: str,
                 evidence: Callable[[], Evidence] | None) -> Sighting:
        route = self.route_name(route)
        key = (problem.rule.id, problem.cause, route)
        with self._lock:
            sighting = self._sightings.get(key)
            if sighting is not None:
                sighting.count += 1
                new = False
            else:
                if len(self._sightings) >= self._max_findings:
                    key = (problem.rule.id, problem.cause, OTHER_ROUTES)
                    sighting = self._sightings.get(key)
                if sighting is not None:
                    sighting.count += 1
                    new = False
                else:
                    sighting = Sighting(problem, key[2], self._instance(problem, seen, key[2],
                                                                        evidence))
                    self._sightings[key] = sighting
                    new = True
        if new and self.logger is not None:
            self._log(sighting)
        for watcher in self.watchers:
            watcher(sighting, new)
        return sighting

    def _instance(self, problem: Problem, seen: Exchange, route: str,
                  evidence: Callable[[], Evidence] | None) -> Instance:
        shown = evidence() if evidence is not None else evidence_of(seen)
        target = _target(seen.url)
        return Instance(self.check, route, f"{seen.method} {target}", seen.status,
                        problem.detail, (shown,), Reproducer.of(shown.raw, seen.url))

    def _log(self, sighting: Sighting) -> None:
        assert self.logger is not None
        rule = sighting.rule
        detail = f" ({sighting.problem.detail})" if sighting.problem.detail else ""
        self.logger.warning("statuskit monitor: %s %s: %s%s on %s [%s]", rule.level, rule.id,
                            sighting.problem.cause, detail, sighting.route, rule.cite,
                            extra={"statuskit": sighting.to_dict()})


def _may_find(rule: Rule, method: str, media: str, has: Callable[[str], bool]) -> bool:
    """Whether ``rule`` can find anything in an answer to ``method`` with fields ``has``
    and lower-cased Content-Type ``media`` (what Rule.needs, .methods, .media say)."""
    return (not rule.needs or has(rule.needs)) \
        and (rule.methods is None or method in rule.methods) \
        and (not rule.media or rule.media in media)


@dataclass(frozen=True, slots=True)
class _Plan:
    """What ``Observer.triage`` knows of one shape of answer (its place, method, status,
    Content-Type, field names as sent): whether every answer in it must be judged
    whole (a rule other than Content-Length applies, or the fields are not plain
    lower-case bytes), whether a 304 may be compared with it later, and where its
    Content-Length is, the one rule that can still find anything in it (-1: none)."""

    judged_whole: bool
    remember: bool
    length_at: int
    anchor: object  # kept alive: its id is part of the key


def _plan(candidates: tuple[Rule, ...], method: str, status: int,
          headers: Sequence[Any], anchor: object) -> _Plan:
    names = [name for name, _ in headers]
    if not all(type(name) is bytes and name == name.lower() for name in names) \
            or names.count(b"content-type") > 1 or names.count(b"content-length") > 1:
        return _Plan(True, False, -1, anchor)
    present = {name.decode("latin-1") for name in names}
    content_type = next((v for n, v in headers if n == b"content-type"), b"")
    media = bytes(content_type).decode("latin-1").lower()
    applying = [r for r in candidates if _may_find(r, method, media, present.__contains__)]
    remember = status == 200 and method in ("GET", "HEAD") \
        and any(n in present for n in _REMEMBERED)
    if any(r is not rules.CONTENT_LENGTH for r in applying):
        return _Plan(True, remember, -1, anchor)
    return _Plan(False, remember, names.index(b"content-length") if applying else -1, anchor)


def _reported(name: str, seen: Exchange) -> bool:
    if name in _LINT_LEFT_OUT or name.startswith(_LINT_LEFT_OUT_PREFIXES):
        return False
    # A problem document's JSON is problem-json's to report.
    return not (name == "BAD_JSON" and
                (seen.header("content-type") or "").lower().startswith(
                    "application/problem+json"))


def _target(url: str) -> str:
    parts = urlsplit(url)
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


def evidence_of(seen: Exchange, note: str = "observed") -> Evidence:
    """The exchange as a report shows it, credentials redacted; the request's bytes
    rebuilt (nothing observed them on a wire) for the reproducer."""
    lines = [f"{seen.method} {_target(seen.url)} {seen.version}",
             *(f"{k}: {v}" for k, v in redact_fields(seen.request_headers))]
    request = "\n".join(lines)
    if seen.request_body:
        request += "\n\n" + excerpt(seen.request_body, len(seen.request_body))
    response = "\n".join([f"{seen.response_version} {seen.status} {seen.reason}".rstrip(),
                          *(f"{k}: {v}" for k, v in redact_fields(seen.headers))])
    length = seen.sent_length
    raw = ("\r\n".join([*lines, "", ""]).encode("latin-1", "replace")
           + (seen.request_body if seen.request_complete else b""))
    return Evidence(request, response, excerpt(seen.body, length or len(seen.body)),
                    length if length is not None else len(seen.body), note, seen.url, raw)
