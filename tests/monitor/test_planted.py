"""Every monitor rule over an app with its defect planted, and over the same app without.

Each route of ``planted.planted_app(True)`` breaks one rule; the finding must be that
rule on that route, once, with the status and the request that showed it. The twin
(``planted_app(False)``) gets the same requests and must give no finding at all.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from monitor.planted import EXCHANGES, EXPECTED, planted_app
from statuskit.check.rules import RULES
from statuskit.monitor import Monitor, Sighting


def _drive(planted: bool) -> Monitor:
    monitor = Monitor(planted_app(planted), logger=None)
    with TestClient(monitor, raise_server_exceptions=False) as client:
        for method, path, fields, content in EXCHANGES:
            client.request(method, path, headers=fields, content=content or None,
                           follow_redirects=False)
    return monitor


@pytest.fixture(scope="module")
def planted() -> Monitor:
    return _drive(True)


@pytest.fixture(scope="module")
def clean() -> Monitor:
    return _drive(False)


def _sightings(monitor: Monitor, rule: str, route: str) -> Iterator[Sighting]:
    return (s for s in monitor.observer.sightings if (s.rule.id, s.route) == (rule, route))


@pytest.mark.parametrize(("rule", "route"), sorted(EXPECTED))
def test_planted_defect_is_one_finding_on_its_route(planted: Monitor, rule: str,
                                                    route: str) -> None:
    found = list(_sightings(planted, rule, route))
    assert len(found) == 1, [s.key for s in planted.observer.sightings]
    sighting = found[0]
    method = route.partition(" ")[0]
    assert sighting.first.probe.startswith(f"{method} ")
    assert sighting.first.status is not None and sighting.first.status >= 200
    assert sighting.rule is RULES[rule] or sighting.rule == RULES.get(rule, sighting.rule)
    evidence = sighting.first.evidence[0]
    assert evidence.response.startswith(f"HTTP/1.1 {sighting.first.status}")
    assert sighting.first.reproducer is not None
    assert sighting.first.reproducer.command.startswith(("curl", "printf"))


def test_every_planted_route_gives_only_its_own_finding(planted: Monitor) -> None:
    assert {(s.rule.id, s.route) for s in planted.observer.sightings} == EXPECTED
    assert planted.observer.errors == 0


def test_the_twin_without_defects_gives_no_finding(clean: Monitor) -> None:
    assert clean.observer.sightings == []
    assert clean.observer.errors == 0
    assert clean.observer.exchanges == len(EXCHANGES)


def test_one_defect_twice_on_a_route_is_one_finding_counted_twice(planted: Monitor) -> None:
    (sighting,) = _sightings(planted, "allow-on-405", "DELETE /items/{item_id}")
    assert sighting.count == 2
    assert sighting.first.status == 405
    assert "Allow" not in sighting.first.evidence[0].response
    assert sighting.instance().detail == "2 exchanges"


def test_findings_group_the_sightings_by_rule_and_cause(planted: Monitor) -> None:
    findings = planted.observer.findings()
    retry = [f for f in findings if f.rule.id == "retry-after-grammar"]
    assert len(retry) == 1
    assert sorted(i.operation for i in retry[0].instances) == ["GET /busy", "GET /limited"]
    assert {i.status for i in retry[0].instances} == {429, 503}
    # the strongest level first, as every report of check lists them
    ranks = [f.rule.level.rank for f in findings]
    assert ranks == sorted(ranks)


def test_every_exchange_was_judged(planted: Monitor, clean: Monitor) -> None:
    # A rule that raises is counted in errors, not raised: zero here, or a bug hides.
    for monitor in (planted, clean):
        assert monitor.observer.errors == 0
        assert monitor.observer.exchanges == len(EXCHANGES)
