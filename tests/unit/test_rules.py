"""One registry of named rules: every finding has its rule, each rule one outcome (Jepsen's valid?),
the verdict merges them, and every view shows the status an outcome returned."""

from __future__ import annotations

import ast
import copy
import dataclasses
import json
from pathlib import Path
from types import SimpleNamespace

import harness.checks
from harness.checks import CheckResult, check
from harness.checks.changes import DELIVERY
from harness.checks.findings import INCONCLUSIVE, NAMES, WARNINGS, Finding
from harness.checks.outcomes import Outcome, merge, outcomes
from harness.checks.parts import STREAM_CHECKS
from harness.checks.rules import RULES, judged_at_end
from harness.checks.verdict import decide
from harness.load.feed import LiveFeed
from harness.load.sync_tab import rows
from harness.report.html import render_html
from harness.report.junit import render_junit
from harness.report.model import build_report
from harness.spec.contract import Contract
from harness.testing import following
from tests.histories import DEFECTS, divergence, healthy, missing

CHECKS = Path(harness.checks.__file__).parent
NAMED = {"NAME", "NAMES", "JUDGED_AS"}  # constants that hold finding names (JUDGED_AS: as its values)


def _named_in_source() -> set[str]:
    """Every finding name the checks' source spells out: a Finding's first argument, a NAME
    constant, a class's NAMES and the roles' JUDGED_AS values."""
    found: set[str] = set()
    for path in CHECKS.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Finding" and node.args:
                first = node.args[0]
                if isinstance(first, ast.Constant) and isinstance(first.value, str):
                    found.add(first.value)
            elif isinstance(node, ast.Assign) and any(
                getattr(t, "id", None) in ("NAME", "NAMES") for t in node.targets
            ):
                found |= {
                    c.value for c in ast.walk(node.value) if isinstance(c, ast.Constant) and isinstance(c.value, str)
                }
            elif isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "JUDGED_AS" for t in node.targets):
                assert isinstance(node.value, ast.Dict)
                found |= {v.value for v in node.value.values if isinstance(v, ast.Constant)}
    return found


def test_every_finding_the_checker_can_produce_has_its_rule() -> None:
    spelled = _named_in_source()
    assert len(spelled) > 15, "the scan must see the checks' names"
    assert spelled <= set(RULES), f"no rule for {sorted(spelled - set(RULES))}"
    produced = {name for _, _, expected in DEFECTS for name in expected}
    assert produced <= set(RULES), f"no rule for {sorted(produced - set(RULES))}"


def test_every_list_of_names_is_the_registry_s() -> None:
    assert list(NAMES) == list(RULES) and all(NAMES[n] == r.meaning for n, r in RULES.items())
    assert {"public-channel-exposure", "payload-near-limit"} == WARNINGS and {
        "unjudged-fault",
        "harness-stall",
    } == INCONCLUSIVE
    assert {n for n, r in RULES.items() if r.per_change} == DELIVERY and "unexpected-event" not in DELIVERY
    assert set(STREAM_CHECKS) == {n for n, r in RULES.items() if r.family in ("delivery", "routing", "ordering")}
    assert all(rule.cannot_judge and (rule.live or rule.live_note) for rule in RULES.values())


def test_outcomes_are_jepsen_s_valid() -> None:
    """A crafted result: a warning only is valid; an error invalid; nothing judged, or a blind
    finding, unknown; and the verdict merges them (invalid beats unknown beats valid)."""
    warning = Finding("payload-near-limit", "9.1 KB")
    error = Finding("server-error", "500")
    blind = Finding("unjudged-fault", "a drop no finding explains")
    judged = {"payload-near-limit": 1, "server-error": 2, "unjudged-fault": 1, "missing-event": 1}
    crafted = CheckResult([warning, error, blind], judged=judged)
    got = outcomes(crafted.findings, crafted.judged)
    assert (got["payload-near-limit"].status, got["server-error"].status) == ("valid", "invalid")
    assert got["unjudged-fault"].status == "unknown" and got["unjudged-fault"].blind == [blind]
    assert got["divergence"] == Outcome("divergence", 0, [], "unknown"), "judged nothing"
    assert outcomes([warning], {})["payload-near-limit"].status == "unknown", "a warning is no judgement"
    assert merge(["valid", "unknown", "valid"]) == "unknown" and merge(["unknown", "invalid"]) == "invalid"
    assert merge([]) == "valid"
    history = healthy()
    assert decide(history, outcomes([warning], judged)) == ("PASS", []), "warnings pass"
    assert decide(history, got) == ("FAIL", []), "the error beats the blind finding"
    assert decide(history, outcomes([warning, blind], judged)) == ("INCONCLUSIVE", [blind.message])
    assert decide(history, outcomes([], {}))[0] == "INCONCLUSIVE", "missing-event, required, judged nothing"


def test_the_verdict_merges_the_outcomes() -> None:
    """A crafted result's verdict: an error fails; a warning only passes; the rule the scenario exists
    for judging nothing leaves it INCONCLUSIVE, saying the rule's own reason."""
    passed = check(healthy(), Contract())
    assert passed.verdict == "PASS" and passed.outcomes["missing-event"].status == "valid"
    failed = healthy()
    missing(failed)
    result = check(failed, Contract())
    assert result.verdict == "FAIL" and result.outcomes["missing-event"].status == "invalid"
    unasked = healthy()
    unasked.meta["expect"] = {"required": ["missing-event", "cross-hotel-access"]}
    result = check(unasked, Contract())
    assert result.outcomes["cross-hotel-access"].status == "unknown" and result.verdict == "INCONCLUSIVE"
    why = RULES["cross-hotel-access"].cannot_judge
    assert result.reasons == [f"the scenario exists to judge cross-hotel-access, which judged nothing: {why}"]


def test_the_report_shows_the_status_the_outcome_returned() -> None:
    """Change an outcome and every view follows: the row, report.json, junit.xml and report.html."""
    history = healthy()
    result = check(history, Contract())
    assert _row(build_report(history, result, [], 1.0), "divergence").status == "valid"
    result.outcomes["divergence"] = dataclasses.replace(result.outcomes["divergence"], status="invalid")
    report = build_report(history, result, [], 1.0)
    row = _row(report, "divergence")
    assert (row.status, row.label, row.count) == ("invalid", "failed", 0)
    assert {c["name"]: c["status"] for c in json.loads(json.dumps(report.to_json_dict()))["checks"]}[
        "divergence"
    ] == "invalid"
    assert 'type="divergence"' in render_junit(report), "a failure case of its own"
    assert "invalid: failed" in render_html(report)
    result.outcomes["missing-event"] = dataclasses.replace(result.outcomes["missing-event"], status="unknown")
    assert _row(build_report(history, result, [], 1.0), "missing-event").label == "not judged"


def _row(report, name: str):
    return next(c for c in report.checks if c.name == name)


def test_the_sync_tab_says_which_rules_only_the_end_judges() -> None:
    """Live, divergence and write-despite-error are "judged at the end" (with why), never "none so
    far"; the rules the live check judges say their live outcome; once reported, the report's word."""
    history = healthy()
    divergence(history)
    recorder = following(copy.deepcopy(history))
    feed = LiveFeed(Contract(), 1.0, recorder)
    feed.rows(recorder, None)
    session = SimpleNamespace(feed=feed, scenario=SimpleNamespace(limits=SimpleNamespace(latency_ms=1000)),
                              listener_states=lambda: {})  # fmt: skip
    run = SimpleNamespace(report=None, run_error=None, ended=False, checking=False, setting_up=False, started=True,
                          session=session, folder=None)  # fmt: skip
    shown = {row["check"]: row for row in rows(run)}
    not_live = {name for name, rule in RULES.items() if not rule.live}
    assert {"divergence", "write-despite-error", "harness-stall", "unjudged-fault"} == not_live
    for name in not_live:
        assert shown[name]["note"] == f"judged at the end: {RULES[name].live_note}" and shown[name]["judged"] == ""
    assert shown["missing-event"]["note"] == "none so far" and shown["missing-event"]["judged"] == 1
    assert shown["cross-hotel-access"]["note"] == "not judged"
    assert judged_at_end() == "judged at the end: divergence, write-despite-error, harness-stall, unjudged-fault"
    run.report = build_report(history, check(history, Contract()), [], 1.0)
    shown = {row["check"]: row for row in rows(run)}
    assert shown["divergence"]["note"] == "failed", "the report's word once it is there"
