"""No run where an injected fault fired says PASS unseen: `stocksync run` with each fault of the
catalogue at low rates, as a user runs it. A fault that fired is explained by a finding (FAIL, or a
warning where the catalogue says why its effect is benign), or the checker judged every occurrence
benign from the record (`BENIGN_WHEN`, as the catalogue says), or the run is INCONCLUSIVE with
unjudged-fault; never a silent PASS. A fault the catalogue calls legitimate (no defect) passes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from harness.checks.fault_coverage import BENIGN_WHEN
from harness.spec.faults import BY_NAME, CATALOGUE, FaultSpec
from tests.support import in_process

EXIT = {"PASS": 0, "FAIL": 1, "INCONCLUSIVE": 3}
RATES = (0.01, 0.02, 0.05, 0.1)
SEEDS = range(1, 11)
RUN_TIMEOUT_S = 180  # the longest scenario a fault names runs 60 s, then drains and checks


def _run(spec: FaultSpec, rate: float, seed: int, out: Path) -> dict[str, Any]:
    done = in_process("run", spec.scenario, "--fault", f"{spec.name}={rate}", "--seed", str(seed), "--out", out, "-q")
    report: dict[str, Any] = json.loads((out / "report.json").read_text())
    assert done.returncode == EXIT[report["verdict"]], done.stderr[-2000:]
    return report


def _seen_by(report: dict[str, Any], fault: str) -> list[dict[str, Any]]:
    """The findings the report explains by `fault` (an explanation names the fault first)."""
    return [f for f in report["findings"] if any(why.startswith(f"{fault} ") for why in f["explained_by"])]


def _judged(spec: FaultSpec, report: dict[str, Any]) -> None:
    """The verdict of a run where `spec` fired: never a silent PASS. Unseen, it is INCONCLUSIVE (or FAIL
    for another finding) with unjudged-fault; a PASS is only where its effect was benign: shown as a
    warning the fault explains, or judged benign from the record (`BENIGN_WHEN`)."""
    fired = report["faults_injected"][spec.name]
    if spec.severity == "legitimate":  # not a defect: the checker must stay silent, and the run pass
        assert report["verdict"] == "PASS", f"{spec.name}, no defect, fired {fired} x: {report['reasons']}"
        return
    reason = f"{spec.name} fired {fired} time(s) and no check saw it"
    unjudged = [f["message"] for f in report["findings"] if f["name"] == "unjudged-fault"]
    if reason in unjudged:
        assert report["verdict"] == "FAIL" or reason in report["reasons"], report["verdict"]
        return
    if report["verdict"] != "PASS":
        return
    warned = [f for f in _seen_by(report, spec.name) if f["severity"] == "warning"]
    assert (spec.benign and warned) or spec.name in BENIGN_WHEN, f"{spec.name} fired {fired} x and the run passed"
    assert [f for f in report["findings"] if f["severity"] != "warning"] == [], "a PASS has warnings at most"


# One seed a fault in the default run; the others that once passed unseen run with the heavy tests.
LATER_SEEDS = [("partial-line", "movements", 0.1, 5), ("partial-line", "movements", 0.1, 6),
               ("pusher-reorder", "smoke", 0.01, 4)]  # fmt: skip


@pytest.mark.parametrize(
    ("fault", "scenario", "rate", "seed"),
    [("partial-line", "movements", 0.1, 2), ("pusher-reorder", "smoke", 0.01, 1)]
    + [pytest.param(*case, marks=pytest.mark.heavy) for case in LATER_SEEDS],
)
def test_the_faults_that_once_passed_unseen_are_judged(
    tmp_path: Path, fault: str, scenario: str, rate: float, seed: int
) -> None:
    """The runs that said PASS while the fault fired: a partial line a later event repaired, and
    reorders across lines."""
    spec = BY_NAME[fault]
    assert spec.scenario == scenario
    report = _run(spec, rate, seed, tmp_path)
    assert report["faults_injected"].get(fault), f"seed {seed} no longer fires {fault}: pick another"
    _judged(spec, report)
    if fault == "partial-line":
        assert report["verdict"] == "FAIL"
        mismatches = [f for f in _seen_by(report, fault) if f["name"] == "payload-mismatch"]
        assert mismatches and all("got no such field" in " ".join(f["diff"]) for f in mismatches)


@pytest.mark.heavy
@pytest.mark.sweep
@pytest.mark.timeout(RUN_TIMEOUT_S + 60)
@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("spec", CATALOGUE, ids=[s.name for s in CATALOGUE])
def test_no_run_where_a_fault_fired_passes_unseen(tmp_path: Path, spec: FaultSpec, seed: int) -> None:
    """Ten seeds a fault, at rates from 0.01 to 0.1 in turn: a run where the fault fired is judged."""
    report = _run(spec, RATES[seed % len(RATES)], seed, tmp_path)
    if report["faults_injected"].get(spec.name):
        _judged(spec, report)
