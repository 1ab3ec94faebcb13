"""What the Locust web UI's Sync tab and `GET /stocksync/status` say: the same truth as the report, live.

While a run goes: each check's findings and what it judged so far (the live feed, which is the final
checker on what has settled), the findings grouped by cause with the report's own grouping
(`group_findings`), and the listeners' state. While the run drains and is checked after Stop:
"checking". Then the report's verdict, reasons, groups and checks, and links to its files.

Each check's word is its rule's outcome (`checks/outcomes.py`): the report's once the run is over,
the live check's before. A check is "passed" only once the run is over and it judged something and
found nothing; before that it is "none so far". A rule the live check cannot judge (`Rule.live`:
divergence, write-despite-error, ...) says "judged at the end", with why. A finding is an item held
against the contract, so judged counts are never shown below findings (`live_outcomes`).
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any

from ..checks.outcomes import Outcome
from ..checks.rules import RULES
from ..report.groups import group_findings

if TYPE_CHECKING:
    from .load_run import LoadRun

REPORT_FILES = ("report.html", "report.json", "junit.xml")
GROUPS_SHOWN = 20  # as the console shows them; the rest are in report.html


def _live(run: LoadRun) -> tuple[dict[str, int], dict[str, int], list[dict[str, Any]], dict[str, str]]:
    """(findings, judged, groups, notes) from the process's live feed, errors and warnings alike."""
    session = run.session
    feed = session.feed if session is not None else None
    if session is None or feed is None:
        return {}, {}, [], {}
    found = feed.check.findings
    limit_s = session.scenario.limits.latency_ms / 1000
    groups = [_group(g) for g in group_findings(found, limit_s)]
    outcomes = feed.check.outcomes
    judged = {name: outcomes[name].judged for name in feed.judged}
    return dict(Counter(f.name for f in found)), judged, groups, live_notes(outcomes)


def live_notes(outcomes: dict[str, Outcome]) -> dict[str, str]:
    """Each rule's word while the run goes: its live outcome's, or why only the end can judge it."""
    notes = {}
    for name, rule in RULES.items():
        outcome = outcomes[name]
        if not rule.live:
            notes[name] = f"judged at the end: {rule.live_note}"
        elif outcome.status == "invalid":
            notes[name] = f"failed ({rule.live_note})" if rule.live_note else "failed"
        elif outcome.status == "valid":
            notes[name] = "warning" if outcome.findings else "none so far"
        else:
            notes[name] = "not judged"
    return notes


def _group(group: Any) -> dict[str, Any]:
    return {"name": group.name, "severity": group.severity, "count": group.count, "summary": group.summary}


def _state(run: LoadRun) -> str:
    if run.report is not None or run.run_error or run.ended:
        return "stopped"
    if run.checking:
        return "checking"
    if run.setting_up:
        return "setting up"
    return "running" if run.started else "waiting"


def status(run: LoadRun) -> dict[str, Any]:
    """{state, verdict, reasons, findings, judged, groups, notes, listeners, report}: one shape, live
    or final; `notes`: each check's word, from its outcome."""
    report = run.report
    if report is not None:
        findings = {c.name: c.count for c in report.checks if c.count}
        judged = {c.name: c.judged for c in report.checks}
        groups = [_group(g) for g in report.groups]
        notes = {c.name: c.label for c in report.checks}
    else:
        findings, judged, groups, notes = _live(run)
    return {
        "state": _state(run),
        "verdict": report.verdict if report is not None else None,
        "reasons": report.reasons if report is not None else ([run.run_error] if run.run_error else []),
        "findings": findings,
        "judged": judged,
        "groups": groups,
        "notes": notes,
        "listeners": run.session.listener_states() if run.session else {},
        "report": {name: f"/stocksync/report/{name}" for name in REPORT_FILES} if run.folder else None,
        "report_folder": str(run.folder) if run.folder else None,
    }


def rows(run: LoadRun) -> list[dict[str, Any]]:
    """The Sync tab's table: the verdict and its reasons, the report's links, the groups (causes
    first, as the report orders them; the first GROUPS_SHOWN), every check, the listeners."""
    now = status(run)
    out = [{"check": "verdict", "judged": "", "findings": now["verdict"] or now["state"],
            "note": "; ".join(now["reasons"])}]  # fmt: skip
    for name, href in (now["report"] or {}).items():
        out.append({"check": "report", "judged": "", "findings": name, "note": href})
    for group in now["groups"][:GROUPS_SHOWN]:
        out.append({"check": f"group: {group['name']}", "judged": "", "findings": group["count"],
                    "note": group["summary"]})  # fmt: skip
    if len(now["groups"]) > GROUPS_SHOWN:
        more = len(now["groups"]) - GROUPS_SHOWN
        out.append({"check": "groups", "judged": "", "findings": more, "note": f"{more} more in report.html"})
    for name, note in sorted(now["notes"].items()):
        out.append({"check": name, "judged": now["judged"].get(name, ""), "findings": now["findings"].get(name, 0),
                    "note": note})  # fmt: skip
    for state, count in sorted(now["listeners"].items()):
        out.append({"check": f"listeners {state}", "judged": count, "findings": "", "note": ""})
    return out
