"""The self-contained HTML report: verdict first, then findings with evidence, latency plots
and a timeline of operations and deliveries per listener. Inline SVG and CSS only, so it
opens from a CI artefact with no network.
"""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from .model import Histogram, Report, Timeline

PLOT_W, BAR_H, ROW_H, LABEL_W = 900, 160, 16, 170
FINDINGS_SHOWN = 50

_env = Environment(loader=PackageLoader("harness", "report/templates"), autoescape=select_autoescape(["html"]))
_env.filters["pretty"] = lambda value: json.dumps(value, indent=2, default=str)


def histogram_bars(hist: Histogram) -> list[dict[str, float]]:
    counts, edges = hist.counts, hist.edges_ms
    if not counts:
        return []
    top, width = max(counts) or 1, PLOT_W / len(counts)
    return [
        {
            "x": round(i * width, 1),
            "w": round(width - 2, 1),
            "h": round(c / top * (BAR_H - 20), 1),
            "y": round(BAR_H - 20 - c / top * (BAR_H - 20), 1),
            "count": c,
            "from": edges[i],
            "to": edges[i + 1],
        }
        for i, c in enumerate(counts)
    ]


def timeline_rows(timeline: Timeline) -> tuple[list[dict[str, Any]], float]:
    ops, marks = timeline.operations, timeline.observations
    end = max([o.end for o in ops] + [m.t for m in marks] + [1e-3])
    scale = (PLOT_W - LABEL_W) / end
    rows: dict[str, dict[str, Any]] = defaultdict(lambda: {"bars": [], "ticks": []})
    for op in ops:
        rows[op.actor]["bars"].append(
            {
                "x": LABEL_W + op.start * scale,
                "w": max(1.5, (op.end - op.start) * scale),
                "ok": op.type == "ok",
                "title": f"#{op.id} {op.kind} {op.status}",
            }
        )
    for mark in marks:
        rows[mark.listener or "?"]["ticks"].append(
            {"x": LABEL_W + mark.t * scale, "kind": mark.kind, "title": f"{mark.kind} {mark.event or ''} @{mark.t}s"}
        )
    out = [{"name": name, "y": i * ROW_H, **row} for i, (name, row) in enumerate(sorted(rows.items()))]
    return out, end


def render_html(report: Report) -> str:
    rows, end = timeline_rows(report.timeline)
    return _env.get_template("report.html.j2").render(
        report=report,
        bars=histogram_bars(report.latency.histogram),
        rows=rows,
        end=end,
        plot_w=PLOT_W,
        bar_h=BAR_H,
        row_h=ROW_H,
        label_w=LABEL_W,
        shown=FINDINGS_SHOWN,
        findings=report.findings[:FINDINGS_SHOWN],
    )
