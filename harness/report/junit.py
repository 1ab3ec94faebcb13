"""JUnit XML: one test case per check, so CI shows which property of sync broke.

The first case, `verdict`, says the run's verdict: a failed run's failure lists what to do first
and every group by cause, in the report's order (the console's and report.html's). A check with
findings fails; its failure message is its groups' lines and its text the evidence (the first
findings with their operation, listener, channel and diff), which is what a reviewer reads first.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

from .advice import fix_of
from .groups import FindingGroup
from .model import CheckRow, FindingRecord, Report

EVIDENCE_SHOWN = 3


def _judged(case: ET.Element, judged: int) -> None:
    """What the check held against the contract, after the outcome element (readers look there first)."""
    ET.SubElement(ET.SubElement(case, "properties"), "property", name="judged", value=str(judged))


def group_lines(groups: list[FindingGroup]) -> list[str]:
    """Each group as the console says it: its line, one example, and what it explains."""
    lines = []
    for n, g in enumerate(groups, 1):
        lines.append(f"{n}. {'' if g.severity == 'error' else g.severity + ': '}{g.summary}")
        lines.extend([f"   e.g. {g.example}"] if g.example else [])
        if g.explains:
            lines.append(f"   {g.explains}, e.g. {g.consequence_example}")
    return lines


def _verdict(case: ET.Element, report: Report) -> None:
    if report.verdict == "INCONCLUSIVE":
        node = ET.SubElement(case, "error", message="INCONCLUSIVE: " + "; ".join(report.reasons), type="inconclusive")
        node.text = "\n".join(report.reasons)
    elif report.verdict == "FAIL":
        errors = [g for g in report.groups if g.severity == "error"]
        node = ET.SubElement(case, "failure", message=f"FAIL: {len(errors)} cause(s): {errors[0].summary}" if errors
                             else "FAIL", type="findings")  # fmt: skip
        fixes = [f"how to fix {n}: {fix_of(n)}" for n in dict.fromkeys(g.name for g in errors) if fix_of(n)]
        node.text = "\n".join([*(f"what to do: {h}" for h in report.hints), *group_lines(report.groups), *fixes])


def _outcome(case: ET.Element, check: CheckRow, found: list[FindingRecord], groups: list[FindingGroup]) -> None:
    """Skipped if not judged; a failure if its outcome is invalid, carrying the first findings'
    evidence; else passed, with any warnings' evidence as output."""
    if check.label == "not judged":
        ET.SubElement(case, "skipped", message=f"not judged: this run gave {check.name} nothing to judge")
        return
    failed = check.status == "invalid"
    if not found and not failed:
        return
    evidence = "\n\n".join(json.dumps(f.model_dump(mode="json"), indent=2) for f in found[:EVIDENCE_SHOWN])
    if len(found) > EVIDENCE_SHOWN:
        evidence += f"\n\n... and {len(found) - EVIDENCE_SHOWN} more in report.json"
    node = ET.SubElement(case, "failure" if failed else "system-out")
    if failed:
        said = "; ".join(g.summary for g in groups if g.name == check.name) or (found[0].message if found else "")
        node.set("message", f"{check.count} x {check.name} (of {check.judged} judged): {said or check.meaning}")
        node.set("type", check.name)
    node.text = evidence


def render_junit(report: Report) -> str:
    checks = report.checks
    errors = [c for c in checks if c.status == "invalid"]
    inconclusive = report.verdict == "INCONCLUSIVE"
    suite = ET.Element(
        "testsuite",
        name=f"stocksync.{report.scenario}",
        tests=str(len(checks) + 1),
        failures=str(len(errors) + (report.verdict == "FAIL")),
        errors="1" if inconclusive else "0",
        skipped=str(sum(c.label == "not judged" for c in checks)),
        time=str(report.duration_s),
    )
    classname = f"stocksync.{report.scenario}"
    _verdict(ET.SubElement(suite, "testcase", classname=classname, name="verdict", time="0"), report)
    for check in checks:
        case = ET.SubElement(suite, "testcase", classname=classname, name=check.name, time=f"{check.seconds:.6f}")
        _outcome(case, check, [f for f in report.findings if f.name == check.name], report.groups)
        _judged(case, check.judged)
    props = ET.SubElement(suite, "properties")
    for key in ("scenario", "seed", "target", "latency_limit_ms"):
        ET.SubElement(props, "property", name=key, value=str(report.meta.get(key)))
    ET.SubElement(props, "property", name="verdict", value=report.verdict)
    return ET.tostring(suite, encoding="unicode", xml_declaration=True)
