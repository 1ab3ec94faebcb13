"""JUnit XML: one test case per check, so CI shows which property of sync broke.

A check with findings fails, and its failure text is the evidence (the first findings
with their operation, listener, channel and diff), which is what a reviewer reads first.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

from .model import CheckRow, FindingRecord, Report

EVIDENCE_SHOWN = 3


def _judged(case: ET.Element, judged: int) -> None:
    """What the check held against the contract, after the outcome element (readers look there first)."""
    ET.SubElement(ET.SubElement(case, "properties"), "property", name="judged", value=str(judged))


def _outcome(case: ET.Element, check: CheckRow, found: list[FindingRecord]) -> None:
    """Skipped if not judged; a failure carrying the first findings' evidence if any; else passed."""
    if check.status == "not judged":
        ET.SubElement(case, "skipped", message=f"not judged: this run gave {check.name} nothing to judge")
        return
    if not found:
        return
    evidence = "\n\n".join(json.dumps(f.model_dump(mode="json"), indent=2) for f in found[:EVIDENCE_SHOWN])
    if len(found) > EVIDENCE_SHOWN:
        evidence += f"\n\n... and {len(found) - EVIDENCE_SHOWN} more in report.json"
    node = ET.SubElement(case, "failure" if check.severity == "error" else "system-out")
    if check.severity == "error":
        firsts = "; ".join(f.message for f in found[:EVIDENCE_SHOWN])
        node.set("message", f"{check.count} x {check.name} (of {check.judged} judged): {firsts}")
        node.set("type", check.name)
    node.text = evidence


def render_junit(report: Report) -> str:
    checks = report.checks
    errors = [c for c in checks if c.count and c.severity == "error"]
    inconclusive = report.verdict == "INCONCLUSIVE"
    suite = ET.Element(
        "testsuite",
        name=f"stocksync.{report.scenario}",
        tests=str(len(checks) + 1),
        failures=str(len(errors)),
        errors="1" if inconclusive else "0",
        skipped=str(sum(c.status == "not judged" for c in checks)),
        time=str(report.duration_s),
    )
    classname = f"stocksync.{report.scenario}"
    verdict = ET.SubElement(suite, "testcase", classname=classname, name="verdict", time="0")
    if inconclusive:
        node = ET.SubElement(
            verdict, "error", message="INCONCLUSIVE: " + "; ".join(report.reasons), type="inconclusive"
        )
        node.text = "\n".join(report.reasons)
    for check in checks:
        case = ET.SubElement(suite, "testcase", classname=classname, name=check.name, time=f"{check.seconds:.6f}")
        _outcome(case, check, [f for f in report.findings if f.name == check.name])
        _judged(case, check.judged)
    props = ET.SubElement(suite, "properties")
    for key in ("scenario", "seed", "target", "latency_limit_ms"):
        ET.SubElement(props, "property", name=key, value=str(report.meta.get(key)))
    ET.SubElement(props, "property", name="verdict", value=report.verdict)
    return ET.tostring(suite, encoding="unicode", xml_declaration=True)
