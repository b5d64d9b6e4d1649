"""``pytest --statuskit-monitor``: the monitor over every app a test suite drives.

While the option is on, ``starlette.testclient.TestClient`` and
``httpx.ASGITransport`` hand the app they are given to ``Monitor`` first (their
``app`` attribute, and so what a test reads from them, stays the app given). One
``Observer`` serves the whole session; each exchange is credited to the test
running when it happened. A test's findings are reported at the end of its call:
as a ``StatuskitWarning`` each, or as a failure of that test when
``--statuskit-profile`` names a profile that enforces the finding's level. Whether a
test fails never depends on which tests ran before it.
"""

from __future__ import annotations

import importlib
import json
import warnings
from collections.abc import Callable, Generator, Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from statuskit.check.profile import Profile, profile_named
from statuskit.monitor._middleware import Monitor
from statuskit.monitor._observer import Observer, Sighting
from statuskit.pytest_plugin import StatuskitFailure, StatuskitWarning

__all__ = ["MonitorSession"]

_SHOWN = 30  # sightings the terminal summary lists; the JSON file has them all
_MAX_TESTS = 20  # tests named per sighting


class MonitorSession:
    """The session's observer, the wrapping of test clients, and the reports."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.observer = Observer(logger=None)
        self.observer.watchers.append(self._seen)
        name = config.getoption("statuskit_profile")
        self.profile: Profile | None = profile_named(name) if name else None
        self.current: str | None = None
        self.by_test: dict[str, dict[tuple[str, str, str], Sighting]] = {}
        self._undo: list[Callable[[], None]] = []

    # -- wrapping ---------------------------------------------------------------------------

    def _wrap(self, app: Any) -> Any:
        if isinstance(app, Monitor):
            return app
        return Monitor(app, observer=self.observer)

    def _patch(self, owner: type, name: str = "__init__") -> None:
        original = getattr(owner, name)
        session = self

        def init(transport: Any, *args: Any, **kwargs: Any) -> None:
            if "app" in kwargs:
                kwargs["app"] = session._wrap(kwargs["app"])
            elif args:
                args = (session._wrap(args[0]), *args[1:])
            original(transport, *args, **kwargs)

        init.__wrapped__ = original  # type: ignore[attr-defined]
        setattr(owner, name, init)
        self._undo.append(lambda: setattr(owner, name, original))

    @pytest.hookimpl
    def pytest_sessionstart(self, session: pytest.Session) -> None:
        import httpx
        import httpx2

        # Both in-process transports: a suite may drive its app through either library.
        self._patch(httpx.ASGITransport)
        self._patch(httpx2.ASGITransport)
        try:
            # By sys.modules, not the package's attribute: that can name a module
            # object that a re-import has since replaced.
            testclient = importlib.import_module("starlette.testclient")
        except ImportError:
            return
        transport = getattr(testclient, "_TestClientTransport", None)
        if transport is not None:
            self._patch(transport)

    @pytest.hookimpl
    def pytest_unconfigure(self, config: pytest.Config) -> None:
        while self._undo:
            self._undo.pop()()

    # -- per test ---------------------------------------------------------------------------

    def _seen(self, sighting: Sighting, new: bool) -> None:
        test = self.current
        if test is None:
            return
        self.by_test.setdefault(test, {}).setdefault(sighting.key, sighting)
        if test not in sighting.tests and len(sighting.tests) < _MAX_TESTS:
            sighting.tests.append(test)

    @contextmanager
    def _running(self, nodeid: str) -> Iterator[None]:
        self.current = nodeid
        try:
            yield
        finally:
            self.current = None

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_setup(self, item: pytest.Item) -> Generator[None, None, None]:
        with self._running(item.nodeid):
            return (yield)

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_teardown(self, item: pytest.Item) -> Generator[None, None, None]:
        with self._running(item.nodeid):
            return (yield)

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_call(self, item: pytest.Item) -> Generator[None, None, None]:
        with self._running(item.nodeid):
            result = yield  # the test's own failure propagates from here, first
        drawn = list(self.by_test.get(item.nodeid, {}).values())
        failing = [s for s in drawn if self._fails(s)]
        for sighting in drawn:
            if sighting not in failing:
                warnings.warn(StatuskitWarning(describe(sighting)), stacklevel=1)
        if failing:
            raise StatuskitFailure(
                f"{len(failing)} HTTP contract finding(s) at levels profile "
                f"{self.profile.name if self.profile else ''} enforces:\n\n"
                + "\n\n".join(describe(s) for s in failing))
        return result

    def _fails(self, sighting: Sighting) -> bool:
        return self.profile is not None and sighting.rule.level in self.profile.failing

    # -- the summary ------------------------------------------------------------------------

    @pytest.hookimpl
    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        sightings = sorted(self.observer.sightings,
                           key=lambda s: (s.rule.level.rank, s.rule.id, -s.count))
        out = terminalreporter
        out.write_sep("=", "statuskit monitor")
        rules = {s.rule.id for s in sightings}
        out.write_line(f"{self.observer.exchanges} exchanges judged; {len(sightings)} findings "
                       f"on (rule, route) in {len(rules)} rules"
                       + (f"; {self.observer.errors} exchanges unjudged (a rule failed: a bug "
                          "of statuskit's)" if self.observer.errors else ""))
        by_rule: dict[str, int] = {}
        for s in sightings:
            by_rule[s.rule.id] = by_rule.get(s.rule.id, 0) + s.count
        if by_rule:
            out.write_line("by rule (exchanges): " + ", ".join(
                f"{rule} {count}" for rule, count in sorted(by_rule.items(),
                                                            key=lambda kv: -kv[1])))
        for s in sightings[:_SHOWN]:
            effect = "FAIL" if self._fails(s) else "warn"
            out.write_line(f"{effect} {s.rule.level} {s.rule.id}: {s.problem.cause} on "
                           f"{s.route} x{s.count}" + (f"; first in {s.tests[0]}" if s.tests
                                                      else ""))
        if len(sightings) > _SHOWN:
            out.write_line(f"... and {len(sightings) - _SHOWN} more "
                           "(--statuskit-monitor-json FILE lists them all)")
        path = self.config.getoption("statuskit_monitor_json")
        if path:
            with open(path, "w", encoding="utf-8") as report:
                json.dump({"profile": self.profile.name if self.profile else None,
                           **self.observer.to_dict()}, report, indent=2, ensure_ascii=False)


def describe(sighting: Sighting) -> str:
    rule, problem = sighting.rule, sighting.problem
    detail = f" ({problem.detail})" if problem.detail else ""
    lines = [f"{rule.level} {rule.id} [{rule.cite}]: {problem.cause}{detail}",
             f"  on {sighting.route}: {sighting.first.probe} answered {sighting.first.status}"]
    if sighting.first.reproducer is not None:
        lines.append(f"  again: {sighting.first.reproducer.command}")
    return "\n".join(lines)
