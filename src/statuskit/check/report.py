"""The checker's verdicts as a terminal table, JSON, HTML and JUnit XML.

Every report says what the profile made of each verdict (fail, warn, pass, not
applicable, skipped). JSON, HTML and JUnit also carry the run itself (target,
options, profile, statuskit version, start time) and each verdict's evidence.
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

from statuskit.check.profile import DEFAULT_PROFILE, Effect, Profile
from statuskit.check.verdict import Outcome, Verdict

__all__ = ["RunInfo", "effects", "summary", "to_html", "to_json", "to_junit", "to_table"]


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


def summary(verdicts: Sequence[Verdict]) -> dict[str, int]:
    counts = Counter(str(v.outcome) for v in verdicts)
    return {str(o): counts.get(str(o), 0) for o in Outcome}


def effects(verdicts: Sequence[Verdict], profile: Profile) -> dict[str, int]:
    """How many verdicts fail the run, warn, pass, ... under ``profile``."""
    counts = Counter(profile.effect(v) for v in verdicts)
    return {str(e): counts.get(e, 0) for e in Effect}


_ORDER = {Effect.FAIL: 0, Effect.WARN: 1, Effect.PASS: 2, Effect.NOT_APPLICABLE: 3,
          Effect.SKIPPED: 4}


def _failures_first(verdicts: Sequence[Verdict], profile: Profile) -> list[Verdict]:
    return sorted(verdicts, key=lambda v: (_ORDER[profile.effect(v)], v.code, v.name))


def to_json(verdicts: Sequence[Verdict], info: RunInfo) -> str:
    profile = info.profile
    return json.dumps({
        **info.to_dict(),
        "summary": summary(verdicts),
        "effects": effects(verdicts, profile),
        "verdicts": [{**v.to_dict(), "effect": str(profile.effect(v))}
                     for v in _failures_first(verdicts, profile)],
    }, indent=2, ensure_ascii=False)


# -- terminal ---------------------------------------------------------------------------

_STYLE = {Effect.PASS: "green", Effect.FAIL: "bold red", Effect.WARN: "yellow",
          Effect.NOT_APPLICABLE: "dim", Effect.SKIPPED: "dim"}
_WHY_MIN = 24  # the reason column never gets narrower than this
# Columns the table drops first when the terminal is narrow.
_DROP_ORDER = ("probe", "label", "level", "got")


def _check_name(v: Verdict) -> str:
    name = v.name if v.name != str(v.code) else str(v.code)
    return f"{name} {v.operation}" if v.operation else name


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
    """A rich table that fits ``width``: short columns never wrap, the reason
    wraps on spaces, and columns are dropped (probe first) rather than broken."""
    from rich.table import Table

    columns = _columns(verdicts, profile, width)
    table = Table(title=title, show_lines=False, width=None)
    for name, minimum in columns:
        table.add_column(name, min_width=minimum, no_wrap=name != "probe",
                         overflow="fold" if name == "probe" else "ellipsis")
    table.add_column("why / lint", min_width=_WHY_MIN, overflow="fold")
    for v in verdicts:
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
h1{font-size:1.4rem}h2{font-size:1.1rem;margin-top:2rem}
table{border-collapse:collapse;width:100%;margin:.5rem 0}
th,td{border-bottom:1px solid #ddd;padding:.35rem .5rem;text-align:left;vertical-align:top}
th{background:#f4f4f4}.pass{color:#146c2e}.fail{color:#b3261e;font-weight:600}
.warn{color:#8a5a00;font-weight:600}.na,.skip{color:#777}.lint{color:#555;font-size:.9em}
pre{background:#f7f7f7;padding:.5rem;overflow-x:auto;font-size:.85em;white-space:pre-wrap}
dl.run{display:grid;grid-template-columns:max-content 1fr;gap:.1rem 1rem}dl.run dt{color:#555}
details summary{cursor:pointer}tr.op th{background:#eef2f7;font-family:monospace}
"""
_CLASS = {Effect.PASS: "pass", Effect.FAIL: "fail", Effect.WARN: "warn",
          Effect.NOT_APPLICABLE: "na", Effect.SKIPPED: "skip"}
_SECTIONS = ((Effect.FAIL, "Failures"), (Effect.WARN, "Warnings"), (Effect.PASS, "Passes"))


def _evidence_html(v: Verdict) -> str:
    esc = html.escape
    parts = []
    for e in v.evidence:
        answer = e.response or "(nothing came back)"
        body = f"\n\n{e.body}" if e.body else ""
        note = f'<div class="lint">{esc(e.note)}</div>' if e.note else ""
        parts.append(f"<pre>&gt; {esc(e.request)}</pre><pre>&lt; {esc(answer + body)}</pre>"
                     f"{note}")
    return f"<details><summary>evidence</summary>{''.join(parts)}</details>" if parts else ""


def _row(v: Verdict, profile: Profile) -> str:
    esc = html.escape
    effect = profile.effect(v)
    lint = "".join(f'<div class="lint">httplint {esc(n.level)}: {esc(n.summary)}</div>'
                   for n in v.lint)
    return (f"<tr><td>{esc(_check_name(v))}</td><td>{esc(v.label)}</td>"
            f'<td class="{_CLASS[effect]}">{esc(str(effect))}</td>'
            f"<td>{esc(str(v.level))}<br><small>{esc(v.rule)}</small></td>"
            f"<td>{v.status or '-'}</td><td>{esc(v.probe)}</td>"
            f"<td>{esc(v.reason)}{lint}{_evidence_html(v)}</td></tr>")


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
    by_effect: dict[Effect, list[Verdict]] = {}
    for v in _failures_first(verdicts, profile):
        by_effect.setdefault(profile.effect(v), []).append(v)
    sections = []
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
    counts = effects(verdicts, profile)
    headline = ", ".join(f"{n} {e}" for e, n in counts.items() if n)
    run = "".join(f"<dt>{esc(k)}</dt><dd>{esc(str(val))}</dd>" for k, val in (
        ("target", info.target), ("started", info.started.isoformat(timespec="seconds")),
        ("took", f"{info.seconds:.2f} s"), ("statuskit", info.version),
        ("profile", f"{profile.name}: {profile.description}"),
        ("options", json.dumps(info.options, ensure_ascii=False))))
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>statuskit check: {esc(info.target)}</title>
<style>{_CSS}</style></head><body>
<h1>statuskit check: {esc(info.target)}</h1>
<p>{esc(headline)}.</p>
<dl class="run">{run}</dl>
{"".join(sections)}
</body></html>
"""


# -- JUnit ------------------------------------------------------------------------------


def _evidence_text(v: Verdict) -> str:
    blocks = []
    for e in v.evidence:
        blocks.append(f"> {e.request}\n< {e.response or '(nothing came back)'}"
                      + (f"\n\n{e.body}" if e.body else "") + (f"\n({e.note})" if e.note else ""))
    return "\n\n".join(blocks)


def to_junit(verdicts: Sequence[Verdict], info: RunInfo) -> str:
    """One test case per check (per operation for OpenAPI probes): failures for
    what fails the run, a passing case with the warning in system-out for what
    only warns, skipped for not applicable and skipped."""
    profile = info.profile
    counts = Counter(profile.effect(v) for v in verdicts)
    suite = ET.Element("testsuite", {
        "name": f"statuskit check {info.target}", "tests": str(len(verdicts)),
        "failures": str(counts[Effect.FAIL]), "errors": "0",
        "skipped": str(counts[Effect.NOT_APPLICABLE] + counts[Effect.SKIPPED]),
        "time": f"{info.seconds:.3f}",
        "timestamp": info.started.isoformat(timespec="seconds")})
    properties = ET.SubElement(suite, "properties")
    for key, value in (("target", info.target), ("profile", info.profile.name),
                       ("statuskit", info.version),
                       ("options", json.dumps(info.options, ensure_ascii=False))):
        ET.SubElement(properties, "property", {"name": key, "value": value})
    for v in verdicts:
        effect = profile.effect(v)
        label = f" {v.label}" if v.label and v.name == str(v.code) else ""
        case = ET.SubElement(suite, "testcase", {
            "classname": f"statuskit.check.{v.operation}" if v.operation else "statuskit.check",
            "name": f"{v.name}{label}", "time": "0"})
        message = f"[{v.level} {v.rule}] {v.reason}".strip()
        if effect is Effect.FAIL:
            failure = ET.SubElement(case, "failure", {"message": message, "type": str(v.level)})
            failure.text = _evidence_text(v)
        elif effect in (Effect.NOT_APPLICABLE, Effect.SKIPPED):
            ET.SubElement(case, "skipped", {"message": f"{effect}: {v.reason}"})
        elif effect is Effect.WARN:
            out = ET.SubElement(case, "system-out")
            out.text = f"warning (profile {profile.name}): {message}\n\n{_evidence_text(v)}"
    root = ET.Element("testsuites")
    root.append(suite)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, "unicode") + "\n"
