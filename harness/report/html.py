"""The self-contained HTML report: the verdict and why, the run in words, checks with what each
judged, findings grouped by cause with readable evidence, injected faults, a log-scale latency
histogram with its percentiles and limit, and a binned timeline of the whole run. Inline SVG and
CSS only, so it opens from a CI artefact with no network. This module turns the typed `Report`
into drawing coordinates; the template only lays them out.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from .advice import advice
from .groups import FindingGroup
from .model import FindingRecord, Histogram, Report, Timeline

PLOT_W, BAR_H, ROW_H, LABEL_W = 900, 170, 18, 170
EVIDENCE_SHOWN, GROUPS_SHOWN = 3, 25
DIFF = re.compile(r"^(?P<field>.*?): expected (?P<expected>.*), got (?P<got>.*)$")

_env = Environment(
    loader=PackageLoader("harness", "report/templates"), autoescape=select_autoescape(["html", "html.j2"])
)
_env.filters["pretty"] = lambda value: json.dumps(value, indent=2, default=str)


def _log_x(value: float, low: float, high: float) -> float:
    """Where a latency sits on the histogram's log axis."""
    if value <= low:
        return 0.0
    return min(PLOT_W, PLOT_W * math.log(value / low) / math.log(high / low))


def histogram(hist: Histogram, lines: dict[str, float]) -> dict[str, Any]:
    """Bars (equal-ratio bins, so equal widths on a log axis) with their counts, axis labels, and
    vertical lines at the percentiles and the limit."""
    counts, edges = hist.counts, hist.edges_ms
    if not counts:
        return {"bars": [], "ticks": [], "lines": []}
    low, high = edges[0], max(edges[-1], *(v * 1.15 for v in lines.values()))  # the limit is always on the axis
    top, plot_h = max(counts) or 1, BAR_H - 34
    bars = []
    for i, c in enumerate(counts):
        x, x_end = _log_x(edges[i], low, high), _log_x(edges[i + 1], low, high)
        bars.append(
            {
                "x": round(x, 1),
                "w": round(max(x_end - x - 1, 3), 1),
                "h": round(c / top * plot_h, 1),
                "y": round(14 + plot_h - c / top * plot_h, 1),
                "count": c,
                "from": edges[i],
                "to": edges[i + 1],
            }
        )
    decades = [10.0**k for k in range(math.floor(math.log10(low)), math.ceil(math.log10(high)) + 1)]
    ticks = [{"x": round(_log_x(d, low, high), 1), "label": f"{d:g} ms"} for d in decades if low <= d <= high]
    marks = [{"x": round(_log_x(v, low, high), 1), "label": name, "value": v} for name, v in lines.items() if v > 0]
    return {"bars": bars, "ticks": ticks, "lines": marks}


def timeline_rows(timeline: Timeline) -> list[dict[str, Any]]:
    """Rows of binned bars: each actor's writes (ok up, failed down in red), all deliveries, and the
    listeners worth a look (receipts, with connects and disconnects marked)."""
    width = (PLOT_W - LABEL_W) / timeline.bins
    rows: list[dict[str, Any]] = []

    def bars(series: list[int], colour: str) -> list[dict[str, Any]]:
        top = max(series) or 1
        return [{"x": round(LABEL_W + i * width, 1), "w": round(max(width - 0.5, 0.5), 1),
                 "h": round(2 + 12 * n / top, 1), "colour": colour, "title": f"{n}"}
                for i, n in enumerate(series) if n]  # fmt: skip

    for actor, series in timeline.actors.items():
        rows.append({"name": actor, "bars": bars(series["ok"], "#1f8f4e") + bars(series["failed"], "#c0392b")})
    rows.append({"name": "all deliveries", "bars": bars(timeline.deliveries, "#4a78c2")})
    for listener, series in timeline.listeners.items():
        rows.append(
            {
                "name": listener,
                "bars": bars(series["receipts"], "#4a78c2")
                + bars(series["connects"], "#1f8f4e")
                + bars(series["disconnects"], "#c0392b"),
            }
        )
    for i, row in enumerate(rows):
        row["y"] = 16 + i * ROW_H
    return rows


def evidence(finding: FindingRecord, t0: float) -> dict[str, Any]:
    """Times in ms from the run's start, and diffs as field / expected / got rows."""
    times = {name: round((at - t0) * 1000, 1) for name, at in finding.times.items()}
    diffs = []
    for line in finding.diff:
        match = DIFF.match(line)
        diffs.append(match.groupdict() if match else {"field": line, "expected": "", "got": ""})
    return {"times": times, "diffs": diffs}


def by_group(report: Report) -> list[tuple[FindingGroup, list[tuple[FindingRecord, dict[str, Any]]], int]]:
    """The groups shown, in the report's order, each with its first findings' evidence (its own
    findings before those it explains) and how many more report.json holds."""
    shown = report.groups[:GROUPS_SHOWN]
    members: list[list[FindingRecord]] = [[] for _ in shown]
    for f in report.findings:
        if f.group < len(shown):
            members[f.group].append(f)
    out = []
    for group, found in zip(shown, members, strict=True):
        found.sort(key=lambda f: f.name != group.name)
        evidence_of = [(f, evidence(f, report.timeline.t0)) for f in found[:EVIDENCE_SHOWN]]
        out.append((group, evidence_of, len(found) - len(evidence_of)))
    return out


def render_html(report: Report) -> str:
    latency = report.latency
    lines = {"p50": latency.all.p50, "p95": latency.all.p95, "p99": latency.all.p99,
             "limit": float(report.meta.get("latency_limit_ms") or 0)}  # fmt: skip
    width = (PLOT_W - LABEL_W) / report.timeline.bins
    marks = [{"x": round(LABEL_W + m["bin"] * width, 1), **m} for m in report.timeline.marks]
    return _env.get_template("report.html.j2").render(
        report=report, hist=histogram(latency.histogram, lines), rows=timeline_rows(report.timeline), marks=marks,
        plot_w=PLOT_W, bar_h=BAR_H, row_h=ROW_H, label_w=LABEL_W, groups=by_group(report), advice=advice(),
    )  # fmt: skip
