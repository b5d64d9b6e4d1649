"""The checker's verdicts as a terminal table, JSON, and a self-contained HTML page."""

from __future__ import annotations

import html
import json
from collections import Counter
from collections.abc import Sequence
from typing import Any

from statuskit.check.profile import DEFAULT_PROFILE, Effect, Profile
from statuskit.check.verdict import Outcome, Verdict

__all__ = ["effects", "summary", "to_html", "to_json", "to_table"]

_STYLE = {Outcome.PASS: "green", Outcome.FAIL: "bold red",
          Outcome.NOT_APPLICABLE: "yellow", Outcome.SKIPPED: "dim"}


def summary(verdicts: Sequence[Verdict]) -> dict[str, int]:
    counts = Counter(str(v.outcome) for v in verdicts)
    return {str(o): counts.get(str(o), 0) for o in Outcome}


def effects(verdicts: Sequence[Verdict], profile: Profile) -> dict[str, int]:
    """How many verdicts fail the run, warn, pass, ... under ``profile``."""
    counts = Counter(profile.effect(v) for v in verdicts)
    return {str(e): counts.get(e, 0) for e in Effect}


def _record(v: Verdict, profile: Profile) -> dict[str, Any]:
    return {**v.to_dict(), "effect": str(profile.effect(v))}


def to_json(verdicts: Sequence[Verdict], target: str, seconds: float,
            profile: Profile = DEFAULT_PROFILE) -> str:
    return json.dumps({
        "target": target,
        "seconds": round(seconds, 3),
        "profile": profile.name,
        "summary": summary(verdicts),
        "effects": effects(verdicts, profile),
        "verdicts": [_record(v, profile) for v in verdicts],
    }, indent=2, ensure_ascii=False)


def to_table(verdicts: Sequence[Verdict], title: str) -> Any:
    from rich.table import Table

    table = Table(title=title, show_lines=False)
    for name in ("code", "label", "verdict", "got", "probe", "why / lint"):
        table.add_column(name, overflow="fold")
    for v in verdicts:
        lint = "; ".join(f"httplint {n.level}: {n.summary}" for n in v.lint if n.level == "bad")
        detail = "; ".join(part for part in (v.reason, lint) if part)
        table.add_row(str(v.code), v.label, f"[{_STYLE[v.outcome]}]{v.outcome}[/]",
                      str(v.status or "-"), v.probe, detail)
    return table


_CSS = """
body{font:15px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:70rem;color:#222}
h1{font-size:1.4rem}table{border-collapse:collapse;width:100%;margin:1rem 0}
th,td{border-bottom:1px solid #ddd;padding:.35rem .5rem;text-align:left;vertical-align:top}
th{background:#f4f4f4}.pass{color:#146c2e}.fail{color:#b3261e;font-weight:600}
.na{color:#8a6d00}.skip{color:#777}.lint{color:#555;font-size:.9em}
.classes td{text-align:center}.bar{display:flex;height:.6rem;border-radius:3px;overflow:hidden}
.bar span{display:block}.b-pass{background:#2e9e4f}.b-fail{background:#d93025}
.b-na{background:#e0b000}.b-skip{background:#bbb}
"""
_CLASS = {Outcome.PASS: "pass", Outcome.FAIL: "fail",
          Outcome.NOT_APPLICABLE: "na", Outcome.SKIPPED: "skip"}


def to_html(verdicts: Sequence[Verdict], target: str, seconds: float) -> str:
    esc = html.escape
    by_class: dict[str, Counter[Outcome]] = {}
    for v in verdicts:
        by_class.setdefault(f"{v.code // 100}xx", Counter())[v.outcome] += 1
    class_rows = []
    for name, counts in sorted(by_class.items()):
        total = sum(counts.values())
        bar = "".join(
            f'<span class="b-{_CLASS[o]}" style="width:{100 * counts[o] / total:.1f}%"></span>'
            for o in Outcome if counts[o])
        class_rows.append(
            f"<tr><td>{name}</td>" + "".join(f"<td>{counts[o]}</td>" for o in Outcome)
            + f'<td style="width:40%"><div class="bar">{bar}</div></td></tr>')
    rows = []
    for v in verdicts:
        lint = "".join(f'<div class="lint">httplint {esc(n.level)}: {esc(n.summary)}</div>'
                       for n in v.lint)
        rows.append(
            f"<tr><td>{v.code}</td><td>{esc(v.label)}</td>"
            f'<td class="{_CLASS[v.outcome]}">{esc(str(v.outcome))}</td>'
            f"<td>{v.status or '-'}</td><td>{esc(v.probe)}</td>"
            f"<td>{esc(v.reason)}{lint}</td></tr>")
    totals = summary(verdicts)
    headline = ", ".join(f"{n} {o}" for o, n in totals.items() if n)
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>statuskit check: {esc(target)}</title>
<style>{_CSS}</style></head><body>
<h1>statuskit check: {esc(target)}</h1>
<p>{esc(headline)} in {seconds:.2f} s.</p>
<table class="classes"><tr><th>class</th>{"".join(f"<th>{o}</th>" for o in Outcome)}
<th>at a glance</th></tr>{"".join(class_rows)}</table>
<table><tr><th>code</th><th>label</th><th>verdict</th><th>got</th><th>probe</th>
<th>why / lint</th></tr>{"".join(rows)}</table>
</body></html>
"""
