"""pytest plugin: each verdict of ``statuskit.testing.check_app`` as one test item, and
the monitor over every exchange a project's own tests make.

Registered through the ``pytest11`` entry point, so installing statuskit is
enough; it does nothing unless asked::

    pytest --statuskit-app myservice.main:app [--statuskit-allow-writes]
    pytest --statuskit-monitor [--statuskit-profile rfc]

With ``--statuskit-monitor`` every app that a Starlette ``TestClient`` or an
``httpx.ASGITransport`` drives is wrapped in ``statuskit.monitor.Monitor`` (the
test sees the same responses); each test that draws a finding gets it as a
``StatuskitWarning``, or fails for it when ``--statuskit-profile`` is given and
the finding's level is one the profile enforces, and one summary at the end
lists every finding once per (rule, route) with its count and first tests.

or, in pyproject.toml, the one line ``addopts = "--statuskit-app myservice.main:app"``.
The ``statuskit_check`` fixture gives ``check_app`` to a test that wants the
report itself. Items are named ``statuskit::<operation> <check>``; a verdict that
fails the profile fails its item, a warning passes with its reason as a
warning, and not-applicable or skipped verdicts are skipped with theirs.
"""

from __future__ import annotations

import importlib
import warnings
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from statuskit.check.verdict import Verdict
    from statuskit.testing import Report

__all__ = ["StatuskitItem", "StatuskitWarning", "statuskit_check"]


class StatuskitWarning(UserWarning):
    """A rule broken at a level the profile only reports."""


class StatuskitFailure(Exception):
    """A verdict that fails the run under the chosen profile."""


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("statuskit", "HTTP contract checks (statuskit)")
    group.addoption("--statuskit-app", metavar="MODULE:APP", default=None,
                    help="check this ASGI app in process; one test item per verdict")
    group.addoption("--statuskit-openapi", metavar="FILE_OR_URL", default=None,
                    help="OpenAPI document (default: the app's /openapi.json)")
    group.addoption("--statuskit-allow-writes", action="store_true", default=False,
                    help="also send writes (POST, PUT, PATCH, DELETE) to the app")
    group.addoption("--statuskit-profile", default=None, choices=("rfc", "seed", "must"),
                    help="which rule levels fail an item (default rfc); with "
                         "--statuskit-monitor, which findings fail the test that drew them "
                         "(default: none, each is a warning)")
    group.addoption("--statuskit-monitor", action="store_true", default=False,
                    help="judge every exchange the tests make through a Starlette TestClient "
                         "or httpx.ASGITransport; findings per test and in one summary")
    group.addoption("--statuskit-monitor-json", metavar="FILE", default=None,
                    help="with --statuskit-monitor: also write the findings as JSON")


def load_app(spec: str) -> Any:
    """``module:attribute`` (dots allowed in the attribute) to the object it names."""
    module_name, colon, attribute = spec.partition(":")
    if not colon or not module_name or not attribute:
        raise pytest.UsageError(f"--statuskit-app {spec!r}: expected MODULE:APP")
    try:
        target: Any = importlib.import_module(module_name)
    except ImportError as exc:
        raise pytest.UsageError(f"--statuskit-app {spec!r}: {exc}") from None
    for part in attribute.split("."):
        if not hasattr(target, part):
            raise pytest.UsageError(f"--statuskit-app {spec!r}: {module_name} has no "
                                    f"{attribute}")
        target = getattr(target, part)
    return target


class StatuskitCollector(pytest.Collector):
    """Runs the check once, at collection, and yields one item per verdict."""

    def collect(self) -> Iterator[StatuskitItem]:
        from statuskit.check.openapi import OpenAPIError
        from statuskit.testing import check_app

        config = self.config
        app = load_app(config.getoption("statuskit_app"))
        try:
            report = check_app(app, openapi=config.getoption("statuskit_openapi"),
                               allow_writes=config.getoption("statuskit_allow_writes"),
                               profile=config.getoption("statuskit_profile") or "rfc")
        except OpenAPIError as exc:
            raise pytest.UsageError(f"--statuskit-app: {exc}") from None
        seen: dict[str, int] = {}
        for verdict in report.verdicts:
            name = " ".join(filter(None, [verdict.operation, verdict.name]))
            seen[name] = seen.get(name, 0) + 1
            if seen[name] > 1:
                name += f" #{seen[name]}"
            yield StatuskitItem.from_parent(self, name=name, verdict=verdict, report=report)


class StatuskitItem(pytest.Item):
    def __init__(self, *, verdict: Verdict, report: Report, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.verdict = verdict
        self.report = report

    def runtest(self) -> None:
        from statuskit.check.profile import Effect

        effect = self.report.profile.effect(self.verdict)
        if effect is Effect.FAIL:
            raise StatuskitFailure(self.report.explain([self.verdict]))
        if effect is Effect.WARN:
            warnings.warn(StatuskitWarning(self.report.explain([self.verdict])), stacklevel=1)
        elif effect in (Effect.NOT_APPLICABLE, Effect.SKIPPED):
            pytest.skip(f"{self.name}: {effect}: {self.verdict.reason}")

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException],
                     style: Any = None) -> str:
        if isinstance(excinfo.value, StatuskitFailure):
            return str(excinfo.value)
        return str(super().repr_failure(excinfo, style))

    def reportinfo(self) -> tuple[Any, int | None, str]:
        return self.path, None, f"statuskit: {self.name}"


@pytest.hookimpl(tryfirst=True)  # before -k and -m deselect items
def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config,
                                  items: list[pytest.Item]) -> None:
    if not config.getoption("statuskit_app"):
        return
    collector = StatuskitCollector.from_parent(session, name="statuskit", nodeid="statuskit")
    items.extend(collector.collect())


@pytest.fixture
def statuskit_check() -> Callable[..., Report]:
    """``check_app``: ``statuskit_check(app, allow_writes=True).assert_ok()``."""
    from statuskit.testing import check_app

    return check_app


def pytest_configure(config: pytest.Config) -> None:
    if config.getoption("statuskit_monitor", False):
        from statuskit.monitor._pytest import MonitorSession

        # A suite that turns warnings into errors (filterwarnings = error) still gets
        # its findings as warnings: the last filter wins.
        config.addinivalue_line("filterwarnings",
                                "default::statuskit.pytest_plugin.StatuskitWarning")
        config.pluginmanager.register(MonitorSession(config), "statuskit-monitor")
