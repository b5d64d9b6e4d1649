"""One trace as a self-contained HTML page: the decision diagram as inline SVG
(Webmachine's v3 nodes where they sit on its grid, statuskit's added questions on
free cells), the request's path drawn over it, each step with its answer and
time, and the response. No script, no external resource: it opens from a file.
"""

from __future__ import annotations

from html import escape
from typing import Any

from statuskit.resource._diagram import NODES

__all__ = ["PATH_COLOUR", "trace_page"]

# The path's colour is used for nothing else on the page, so a screenshot can
# tell the path from the rest of the diagram.
PATH_COLOUR = "#e6007a"
_CELL_X, _CELL_Y, _MARGIN = 72, 34, 30
_RADIUS = 13


def _xy(node: str) -> tuple[int, int]:
    place = NODES[node]
    return _MARGIN + round(place.column * _CELL_X), _MARGIN + round(place.row * _CELL_Y)


def _size() -> tuple[int, int]:
    xs, ys = zip(*(_xy(node) for node in NODES), strict=True)
    return max(xs) + _MARGIN + 60, max(ys) + _MARGIN + 40


def _edges() -> list[str]:
    out = []
    for node, place in NODES.items():
        x1, y1 = _xy(node)
        for target in place.exits:
            if isinstance(target, str) and target in NODES:
                x2, y2 = _xy(target)
                out.append(f'<line class="edge" x1="{x1}" y1="{y1}" x2="{x2}" y2="{y2}"/>')
    return out


def _nodes(taken: set[str]) -> list[str]:
    out = []
    for node, place in NODES.items():
        x, y = _xy(node)
        css = "node taken" if node in taken else "node"
        label = node if len(node) <= 3 else node[:3] + "…"
        out.append(
            f'<g class="{css}" id="node-{escape(node)}" data-node="{escape(node)}">'
            f"<title>{escape(node)}: {escape(place.question)}</title>"
            f'<circle cx="{x}" cy="{y}" r="{_RADIUS}"/>'
            f'<text x="{x}" y="{y + 4}">{escape(label)}</text></g>')
    return out


def _path(steps: list[dict[str, Any]], status: int) -> list[str]:
    points = [_xy(step["node"]) for step in steps if step["node"] in NODES]
    if not points:
        return []
    x, y = points[-1]
    end = (x, y + _CELL_Y + 4)  # the status hangs below the node that answered it
    line = " ".join(f"{px},{py}" for px, py in [*points, end])
    return [f'<polyline id="path" points="{line}"/>',
            f'<g id="status"><rect x="{end[0] - 22}" y="{end[1] - 12}" width="44" '
            f'height="24"/><text x="{end[0]}" y="{end[1] + 4}">{status}</text></g>']


def _answer(step: dict[str, Any]) -> str:
    given = "; ".join(f"{name}() → {value}" for name, value in step["answers"])
    following = f"→ {step['next']}"
    return f"{given} {following}" if given else following


def _steps(steps: list[dict[str, Any]]) -> list[str]:
    out = ['<ol id="steps">']
    for step in steps:
        node = escape(str(step["node"]))
        out.append(
            f'<li data-node="{node}"><code>{node}</code> '
            f'<span class="question">{escape(step["question"])}</span> '
            f'<span class="answer">{escape(_answer(step))}</span> '
            f'<span class="time">{step["ns"] / 1000:.1f} µs</span></li>')
    out.append("</ol>")
    return out


def _response(trace: dict[str, Any]) -> str:
    response = trace["response"]
    lines = [f"{response['status']}"]
    lines += [f"{name}: {value}" for name, value in response["headers"]]
    body = response["body"] + ("\n…" if response.get("truncated") else "")
    return f'<pre id="response">{escape(chr(10).join(lines))}\n\n{escape(body)}</pre>'


_STYLE = f"""
body {{ margin: 0; font: 14px/1.4 system-ui, sans-serif; color: #222; background: #fff; }}
svg {{ display: block; }}
.edge {{ stroke: #d0d0d0; stroke-width: 1; }}
.node circle {{ fill: #f4f4f4; stroke: #888; stroke-width: 1; }}
.node.taken circle {{ fill: {PATH_COLOUR}; stroke: {PATH_COLOUR}; }}
.node text, #status text {{ font: 10px monospace; text-anchor: middle; fill: #222; }}
.node.taken text {{ fill: #fff; }}
#path {{ fill: none; stroke: {PATH_COLOUR}; stroke-width: 4; stroke-linejoin: round; }}
#status rect {{ fill: #fff; stroke: {PATH_COLOUR}; stroke-width: 2; }}
main {{ padding: 0 30px 30px; }}
#steps li {{ margin: 2px 0; }}
.question {{ color: #555; }}
.answer {{ font-family: monospace; }}
.time {{ color: #888; font-size: 12px; }}
pre {{ background: #f7f7f7; padding: 8px; white-space: pre-wrap; }}
"""


def trace_page(trace: dict[str, Any]) -> str:
    """The page for one trace (the dict ``TraceStore`` keeps, or one rebuilt
    from the trace header alone)."""
    steps, status = trace["steps"], trace["status"]
    width, height = _size()
    taken = {step["node"] for step in steps}
    svg = [f'<svg id="diagram" xmlns="http://www.w3.org/2000/svg" width="{width}" '
           f'height="{height}" viewBox="0 0 {width} {height}">',
           *_edges(), *_path(steps, status), *_nodes(taken), "</svg>"]
    title = f"{trace['method']} {trace['target']} → {status}"
    return "\n".join([
        "<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head><body>",
        *svg, "<main>", f'<h1 id="title">{escape(title)}</h1>', *_steps(steps),
        "<h2>Response</h2>", _response(trace), "</main></body></html>", ""])
