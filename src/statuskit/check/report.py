"""A run's findings and checks for the terminal, JSON, HTML and JUnit XML.

Every report leads with the findings (one per defect: rule, what the server
did, its instances, a reproducer) and says what the profile makes of each (fail
or warn). The checks follow: on the terminal as one line of counts (every row
with ``verbose``), in JSON, HTML and JUnit in full, each with its evidence.
JSON, HTML and JUnit also carry the run itself (target, options, profile,
statuskit version, start time).
"""

from __future__ import annotations

import html
import json
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from statuskit.check.evidence import Evidence
from statuskit.check.findings import Finding, Instance
from statuskit.check.profile import DEFAULT_PROFILE, Effect, Profile
from statuskit.check.verdict import Outcome, Verdict, findings

__all__ = ["RunInfo", "counts_line", "effects", "summary", "to_findings", "to_html", "to_json",
           "to_junit", "to_table"]

SHOWN_INSTANCES = 8  # the terminal names this many instances of a finding, then counts


@dataclass
class RunInfo:
    target: str
    seconds: float
    profile: Profile = DEFAULT_PROFILE
    version: str = ""
    started: datetime = field(default_factory=lambda: datetime.now(UTC))
    options: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"target": self.target, "seconds": round(self.seconds, 3),
                "profile": self.profile.name, "statuskit": self.version,
                "started": self.started.isoformat(timespec="seconds"), "options": self.options}


def effects(verdicts: Sequence[Verdict], profile: Profile) -> dict[str, int]:
    """How many checks fail the run, warn, pass, ... under ``profile``."""
    counts = Counter(profile.effect(v) for v in verdicts)
    return {str(e): counts.get(e, 0) for e in Effect}


def summary(verdicts: Sequence[Verdict], profile: Profile) -> dict[str, Any]:
    """What failed the run first: findings that fail it, findings that only warn,
    their instances, then the checks by what the profile made of them."""
    found = findings(verdicts)
    failing = [f for f in found if profile.finding_effect(f) is Effect.FAIL]
    return {"fail": len(failing), "warn": len(found) - len(failing),
            "instances": {"fail": sum(len(f.instances) for f in failing),
                          "warn": sum(len(f.instances) for f in found if f not in failing)},
            "checks": effects(verdicts, profile)}


def _by_effect(found: Sequence[Finding], profile: Profile) -> list[Finding]:
    """Failing findings first; within each, the strongest rule first, as found."""
    return sorted(found, key=lambda f: (profile.finding_effect(f) is not Effect.FAIL,
                                        f.rule.level.rank))


def _ordered(verdicts: Sequence[Verdict], profile: Profile) -> list[Verdict]:
    order = {Effect.FAIL: 0, Effect.WARN: 1, Effect.PASS: 2, Effect.NOT_APPLICABLE: 3,
             Effect.SKIPPED: 4}
    return sorted(verdicts, key=lambda v: (order[profile.effect(v)], v.code, v.name))


def _finding_dict(finding: Finding, profile: Profile) -> dict[str, Any]:
    return {"effect": str(profile.finding_effect(finding)), **finding.to_dict()}


def to_json(verdicts: Sequence[Verdict], info: RunInfo) -> str:
    profile = info.profile
    return json.dumps({
        **info.to_dict(),
        "summary": summary(verdicts, profile),
        "findings": [_finding_dict(f, profile) for f in _by_effect(findings(verdicts), profile)],
        "verdicts": [{**v.to_dict(), "effect": str(profile.effect(v))}
                     for v in _ordered(verdicts, profile)],
    }, indent=2, ensure_ascii=False)


# -- terminal ---------------------------------------------------------------------------

_STYLE = {Effect.PASS: "green", Effect.FAIL: "bold red", Effect.WARN: "yellow",
          Effect.NOT_APPLICABLE: "dim", Effect.SKIPPED: "dim"}


def _instance_words(instance: Instance) -> str:
    words = instance.where
    if instance.detail:
        words += f" ({instance.detail})"
    return words


def to_findings(verdicts: Sequence[Verdict], profile: Profile = DEFAULT_PROFILE) -> Any:
    """The findings as rich text, one block each: what failed, where, how to see it
    again. Lines under the title keep their indent when they wrap."""
    from rich.console import Group
    from rich.padding import Padding
    from rich.text import Text

    blocks: list[Any] = []
    for finding in _by_effect(findings(verdicts), profile):
        effect = profile.finding_effect(finding)
        count = len(finding.instances)
        title = Text(f"{str(effect).upper():<5}", style=_STYLE[effect])
        title.append(f" {finding.rule.level}  ", style="bold")
        title.append(finding.cause, style="bold")
        title.append(f"  ({count} instance{'s' if count != 1 else ''})", style="dim")
        shown = [_instance_words(i) for i in finding.instances[:SHOWN_INSTANCES]]
        more = count - len(shown)
        lines = [Text(f"{finding.rule.cite}: {finding.rule.text}"),
                 Text("seen by: " + "; ".join(shown) + (f"; and {more} more" if more > 0
                                                        else ""))]
        reproducer = finding.reproducer
        if reproducer is not None:
            lines.append(Text(f"again: {reproducer.command}", overflow="fold"))
        blocks.append(Group(title, Padding(Group(*lines), (0, 0, 0, 6))))
    return Group(*blocks)


def counts_line(verdicts: Sequence[Verdict], profile: Profile, seconds: float) -> str:
    """One line: the findings that fail the run, those that warn, then the checks."""
    counted = summary(verdicts, profile)
    checks, instances = counted["checks"], counted["instances"]

    def plural(n: int, word: str) -> str:
        return f"{n} {word}{'' if n == 1 else 's'}"

    quiet = ", ".join(f"{checks[str(e)]} {e}" for e in (Effect.PASS, Effect.NOT_APPLICABLE,
                                                       Effect.SKIPPED) if checks[str(e)])
    return (f"{plural(counted['fail'], 'finding')} fail the run "
            f"({plural(instances['fail'], 'instance')}), {counted['warn']} warn "
            f"({plural(instances['warn'], 'instance')}); of {len(verdicts)} checks "
            f"{quiet or 'none pass'}; {seconds:.2f} s (profile {profile.name}: "
            f"{profile.description})")


_WHY_MIN = 24  # the reason column never gets narrower than this
# Columns the table drops first when the terminal is narrow.
_DROP_ORDER = ("probe", "label", "level", "got")


def _check_name(v: Verdict) -> str:
    return f"{v.name} {v.operation}" if v.operation else v.name


def _columns(verdicts: Sequence[Verdict], profile: Profile,
             width: int) -> list[tuple[str, int]]:
    """(column, minimum width) for the columns that fit in ``width``."""
    def longest(values: Sequence[str], title: str) -> int:
        return max([len(title), *(len(x) for x in values)])

    columns = {
        "check": longest([_check_name(v) for v in verdicts], "check"),
        "label": longest([v.label for v in verdicts], "label"),
        "result": longest([str(profile.effect(v)) for v in verdicts], "result"),
        "level": longest([str(v.level) for v in verdicts], "level"),
        "got": 3,
        "probe": 24,
    }
    while True:
        borders = 3 * (len(columns) + 1) + 1
        if sum(columns.values()) + borders + _WHY_MIN <= width:
            break
        drop = next((c for c in _DROP_ORDER if c in columns), None)
        if drop is None:
            break
        del columns[drop]
    return list(columns.items())


def to_table(verdicts: Sequence[Verdict], title: str, profile: Profile = DEFAULT_PROFILE,
             width: int = 120) -> Any:
    """Every check as a rich table that fits ``width``: short columns never wrap, the
    reason wraps on spaces, and columns are dropped (probe first) rather than broken."""
    from rich.table import Table

    columns = _columns(verdicts, profile, width)
    table = Table(title=title, show_lines=False, width=None)
    for name, minimum in columns:
        table.add_column(name, min_width=minimum, no_wrap=name != "probe",
                         overflow="fold" if name == "probe" else "ellipsis")
    table.add_column("why / lint", min_width=_WHY_MIN, overflow="fold")
    for v in _ordered(verdicts, profile):
        effect = profile.effect(v)
        lint = "; ".join(f"httplint {n.level}: {n.summary}" for n in v.lint if n.level == "bad")
        cells = {"check": _check_name(v), "label": v.label,
                 "result": f"[{_STYLE[effect]}]{effect}[/]", "level": str(v.level),
                 "got": str(v.status or "-"), "probe": v.probe}
        detail = "; ".join(part for part in (v.reason, lint) if part)
        table.add_row(*(cells[name] for name, _ in columns), detail)
    return table


# -- HTML -------------------------------------------------------------------------------

_CSS = """
body{font:15px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:72rem;color:#222}
h1{font-size:1.4rem}h2{font-size:1.1rem;margin-top:2rem}h3{font-size:1rem;margin:1.2rem 0 .2rem}
table{border-collapse:collapse;width:100%;margin:.5rem 0}
th,td{border-bottom:1px solid #ddd;padding:.35rem .5rem;text-align:left;vertical-align:top}
th{background:#f4f4f4}.pass{color:#146c2e}.fail{color:#b3261e;font-weight:600}
.warn{color:#8a5a00;font-weight:600}.na,.skip{color:#777}.lint{color:#555;font-size:.9em}
pre{background:#f7f7f7;padding:.5rem;overflow-x:auto;font-size:.85em;white-space:pre-wrap}
dl.run{display:grid;grid-template-columns:max-content 1fr;gap:.1rem 1rem}dl.run dt{color:#555}
details summary{cursor:pointer}tr.op th{background:#eef2f7;font-family:monospace}
section.finding{border-left:4px solid #ddd;padding-left:.8rem;margin:1rem 0}
section.finding.fail{border-color:#b3261e}section.finding.warn{border-color:#8a5a00}
"""
_CLASS = {Effect.PASS: "pass", Effect.FAIL: "fail", Effect.WARN: "warn",
          Effect.NOT_APPLICABLE: "na", Effect.SKIPPED: "skip"}
_SECTIONS = ((Effect.FAIL, "Failures"), (Effect.WARN, "Warnings"), (Effect.PASS, "Passes"))


def _evidence_html(evidence: Sequence[Evidence]) -> str:
    esc = html.escape
    parts = []
    for e in evidence:
        answer = e.response or "(nothing came back)"
        body = f"\n\n{e.body}" if e.body else ""
        note = f'<div class="lint">{esc(e.note)}</div>' if e.note else ""
        parts.append(f"<pre>&gt; {esc(e.request)}</pre><pre>&lt; {esc(answer + body)}</pre>"
                     f"{note}")
    return f"<details><summary>evidence</summary>{''.join(parts)}</details>" if parts else ""


def _finding_html(finding: Finding, profile: Profile) -> str:
    esc = html.escape
    effect = profile.finding_effect(finding)
    items = "".join(f"<li><code>{esc(i.where)}</code> {esc(i.probe)}"
                    + (f" <small>({esc(i.detail)})</small>" if i.detail else "")
                    + _evidence_html(i.evidence) + "</li>" for i in finding.instances)
    reproducer = finding.reproducer
    again = (f"<p>Again, by hand:</p><pre>{esc(reproducer.command)}</pre>"
             if reproducer is not None else "")
    return (f'<section class="finding {_CLASS[effect]}"><h3><span class="{_CLASS[effect]}">'
            f"{esc(str(effect))}</span> {esc(str(finding.rule.level))}: {esc(finding.cause)}"
            f"</h3><p><small>{esc(finding.rule.id)} · {esc(finding.rule.cite)}</small>: "
            f"{esc(finding.rule.text)}</p><p>{len(finding.instances)} instance(s):</p>"
            f"<ul>{items}</ul>{again}</section>")


def _row(v: Verdict, profile: Profile) -> str:
    esc = html.escape
    effect = profile.effect(v)
    lint = "".join(f'<div class="lint">httplint {esc(n.level)}: {esc(n.summary)}</div>'
                   for n in v.lint)
    return (f"<tr><td>{esc(_check_name(v))}</td><td>{esc(v.label)}</td>"
            f'<td class="{_CLASS[effect]}">{esc(str(effect))}</td>'
            f"<td>{esc(str(v.level))}<br><small>{esc(v.cite)}</small></td>"
            f"<td>{v.status or '-'}</td><td>{esc(v.probe)}</td>"
            f"<td>{esc(v.reason)}{lint}{_evidence_html(v.evidence)}</td></tr>")


def _rows(verdicts: Sequence[Verdict], profile: Profile) -> str:
    """Rows grouped by operation (generic checks first), a heading row per operation."""
    ordered = sorted(verdicts, key=lambda v: v.operation.partition(" ")[::-1])
    out, current = [], None
    for v in ordered:
        if v.operation and v.operation != current:
            out.append(f'<tr class="op"><th colspan="7">{html.escape(v.operation)}</th></tr>')
        current = v.operation
        out.append(_row(v, profile))
    return "".join(out)


_HEAD = ("<tr><th>check</th><th>label</th><th>result</th><th>rule</th><th>got</th>"
         "<th>probe</th><th>why</th></tr>")


def to_html(verdicts: Sequence[Verdict], info: RunInfo) -> str:
    esc = html.escape
    profile = info.profile
    found = _by_effect(findings(verdicts), profile)
    sections = [f"<h2>Findings ({len(found)})</h2>"
                + ("".join(_finding_html(f, profile) for f in found) or "<p>None.</p>")]
    by_effect: dict[Effect, list[Verdict]] = {}
    for v in _ordered(verdicts, profile):
        by_effect.setdefault(profile.effect(v), []).append(v)
    for effect, title in _SECTIONS:
        rows = by_effect.get(effect, [])
        if rows:
            sections.append(f"<h2>{title} ({len(rows)})</h2><table>{_HEAD}"
                            + _rows(rows, profile) + "</table>")
    folded = by_effect.get(Effect.NOT_APPLICABLE, []) + by_effect.get(Effect.SKIPPED, [])
    if folded:
        sections.append(f"<details><summary>Not applicable or skipped ({len(folded)})"
                        f"</summary><table>{_HEAD}"
                        + _rows(folded, profile) + "</table></details>")
    run = "".join(f"<dt>{esc(k)}</dt><dd>{esc(str(val))}</dd>" for k, val in (
        ("target", info.target), ("started", info.started.isoformat(timespec="seconds")),
        ("took", f"{info.seconds:.2f} s"), ("statuskit", info.version),
        ("profile", f"{profile.name}: {profile.description}"),
        ("options", json.dumps(info.options, ensure_ascii=False))))
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>statuskit check: {esc(info.target)}</title>
<style>{_CSS}</style></head><body>
<h1>statuskit check: {esc(info.target)}</h1>
<p>{esc(counts_line(verdicts, profile, info.seconds))}.</p>
<dl class="run">{run}</dl>
{"".join(sections)}
</body></html>
"""


# -- JUnit ------------------------------------------------------------------------------


def _evidence_text(evidence: Sequence[Evidence]) -> str:
    blocks = []
    for e in evidence:
        blocks.append(f"> {e.request}\n< {e.response or '(nothing came back)'}"
                      + (f"\n\n{e.body}" if e.body else "") + (f"\n({e.note})" if e.note else ""))
    return "\n\n".join(blocks)


def _finding_text(finding: Finding) -> str:
    lines = [f"{finding.rule.cite}: {finding.rule.text}", "",
             f"{len(finding.instances)} instance(s):"]
    lines += [f"- {_instance_words(i)}: {i.probe}" for i in finding.instances]
    reproducer = finding.reproducer
    if reproducer is not None:
        lines += ["", f"again: {reproducer.command}"]
    first = finding.instances[0] if finding.instances else None
    if first is not None and first.evidence:
        lines += ["", _evidence_text(first.evidence)]
    return "\n".join(lines)


def _properties(parent: ET.Element, info: RunInfo) -> None:
    properties = ET.SubElement(parent, "properties")
    for key, value in (("target", info.target), ("profile", info.profile.name),
                       ("statuskit", info.version),
                       ("options", json.dumps(info.options, ensure_ascii=False))):
        ET.SubElement(properties, "property", {"name": key, "value": value})


def to_junit(verdicts: Sequence[Verdict], info: RunInfo) -> str:
    """Two suites. ``findings``: one test case per finding, a failure when it fails
    the run, a passing case with the warning in system-out when it only warns.
    ``checks``: one test case per check that found nothing (per operation for
    OpenAPI probes), skipped for not applicable and skipped; a check that found
    something is an instance of its findings instead."""
    profile = info.profile
    found = _by_effect(findings(verdicts), profile)
    stamp = {"time": f"{info.seconds:.3f}",
             "timestamp": info.started.isoformat(timespec="seconds"), "errors": "0"}
    failing = sum(1 for f in found if profile.finding_effect(f) is Effect.FAIL)
    suite = ET.Element("testsuite", {"name": f"statuskit check {info.target}: findings",
                                     "tests": str(len(found)), "failures": str(failing),
                                     "skipped": "0", **stamp})
    _properties(suite, info)
    for finding in found:
        case = ET.SubElement(suite, "testcase", {"classname": "statuskit.check.findings",
                                                 "name": f"{finding.rule.id}: {finding.cause}",
                                                 "time": "0"})
        message = f"[{finding.rule.level} {finding.rule.cite}] {finding.cause}"
        if profile.finding_effect(finding) is Effect.FAIL:
            failure = ET.SubElement(case, "failure", {"message": message,
                                                      "type": str(finding.rule.level)})
            failure.text = _finding_text(finding)
        else:
            out = ET.SubElement(case, "system-out")
            out.text = f"warning (profile {profile.name}): {message}\n\n{_finding_text(finding)}"
    quiet = [v for v in verdicts if v.outcome is not Outcome.FAIL]
    skipped = sum(1 for v in quiet if v.outcome is not Outcome.PASS)
    checks = ET.Element("testsuite", {"name": f"statuskit check {info.target}: checks",
                                      "tests": str(len(quiet)), "failures": "0",
                                      "skipped": str(skipped), **stamp})
    _properties(checks, info)
    for v in quiet:
        label = f" {v.label}" if v.label and v.name == str(v.code) else ""
        case = ET.SubElement(checks, "testcase", {
            "classname": f"statuskit.check.{v.operation}" if v.operation else "statuskit.check",
            "name": f"{v.name}{label}", "time": "0"})
        if v.outcome is not Outcome.PASS:
            ET.SubElement(case, "skipped", {"message": f"{v.outcome}: {v.reason}"})
    root = ET.Element("testsuites")
    root.extend([suite, checks])
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, "unicode") + "\n"
