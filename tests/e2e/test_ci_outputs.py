"""What a CI step needs: a known report path, JUnit where asked, JSON on stdout, quiet logs that
still show progress, and a comparison with the last good run."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

from harness.record.history_file import HISTORY_NAME
from tests.e2e.test_cli_run import TINY, stocksync
from tests.support import in_process

SLOWER = TINY.replace("think_ms = [10, 30]", "think_ms = [300, 400]").replace("operations = 6", "operations = 8")


def test_out_junit_json_and_quiet(tmp_path: Path) -> None:
    scenario = tmp_path / "tiny.toml"
    scenario.write_text(TINY)
    out, junit = tmp_path / "ci" / "smoke", tmp_path / "junit" / "stocksync.xml"
    done = stocksync("run", scenario, "--out", out, "--junit", junit, "--json", "--quiet")
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in out.iterdir()) == [
        "deliveries",
        HISTORY_NAME,
        "junit.xml",
        "receipts",
        "report.html",
        "report.json",
    ]
    assert json.loads(done.stdout)["verdict"] == "PASS"
    assert done.stderr == "", "quiet means quiet"
    suite = ET.parse(junit).getroot()
    cases = {c.get("name"): c for c in suite.iter("testcase")}
    assert "missing-event" in cases and float(cases["missing-event"].get("time")) > 0
    judged = cases["missing-event"].find("properties/property[@name='judged']")
    assert judged is not None and int(judged.get("value")) > 0
    assert cases["cross-hotel-access"].find("skipped") is not None, "a check that judged nothing is skipped"


def test_without_a_terminal_progress_is_a_line_every_few_seconds(tmp_path: Path) -> None:
    scenario = tmp_path / "slower.toml"
    scenario.write_text(SLOWER)
    done = stocksync("run", scenario, "--out", tmp_path / "r")
    assert done.returncode == 0, done.stderr
    lines = re.findall(
        r"^\d+ s: (\d+)/8 planned counter steps · \d+ requests · \d+ deliveries · \d+ 5xx · \S+ findings$",
        done.stderr,
        re.M,
    )
    assert len(lines) >= 1, done.stderr
    assert all(int(n) <= 8 for n in lines), lines


def test_compare_says_what_got_worse(tmp_path: Path) -> None:
    scenario = tmp_path / "tiny.toml"
    scenario.write_text(TINY)
    good, bad = tmp_path / "good", tmp_path / "bad"
    assert in_process("run", scenario, "--out", good, "--quiet").returncode == 0
    assert in_process("run", scenario, "--out", bad, "--quiet", "--fault", "double-broadcast").returncode == 1
    same = stocksync("compare", good, good / "report.json")
    assert same.returncode == 0 and "no regression" in same.stderr
    worse = stocksync("compare", good, bad)
    assert worse.returncode == 1, worse.stderr
    assert "duplicate-event findings" in worse.stderr and "worse" in worse.stderr
    better = stocksync("compare", bad, good, "--p99-rise", "1000")  # two runs' latencies differ by chance
    assert better.returncode == 0, better.stderr
    assert stocksync("compare", good, scenario).returncode == 2


def test_event_names_that_drift_only_in_spelling_get_a_suggested_contract_that_runs_clean(tmp_path: Path) -> None:
    scenario = tmp_path / "tiny.toml"
    scenario.write_text(TINY)
    drifted = in_process("run", scenario, "--fault", "underscore-event-names", "--out", tmp_path / "a", "--quiet")
    assert drifted.returncode == 1
    report = json.loads((tmp_path / "a/report.json").read_text())
    unexpected = [f for f in report["findings"] if f["name"] == "unexpected-event"]
    assert any(
        "the contract's 'line-counted-updated' spelled otherwise: add line-counted-updated = \"line_counted_updated\""
        in f["message"]
        for f in unexpected
    )
    suggested = tmp_path / "a/contract.suggested.toml"
    assert 'line-counted-updated = "line_counted_updated"' in suggested.read_text()
    clean = in_process(
        "run",
        scenario,
        "--fault",
        "underscore-event-names",
        "--contract",
        suggested,
        "--out",
        tmp_path / "b",
        "--quiet",
    )
    assert clean.returncode == 0, json.loads((tmp_path / "b/report.json").read_text())["findings"][:3]
    assert not (tmp_path / "b/contract.suggested.toml").exists()


def test_value_rules_in_the_contract_make_counters_write_what_the_backend_allows(tmp_path: Path) -> None:
    scenario = tmp_path / "moves.toml"
    scenario.write_text(
        TINY.replace("[counters]", "[counters]\nmix = {movement = 1.0}").replace("operations = 6", "operations = 12")
    )
    refused = in_process("run", scenario, "--fault", "whole-purchases-only", "--out", tmp_path / "a", "--quiet")
    assert refused.returncode == 1
    report = json.loads((tmp_path / "a/report.json").read_text())
    (finding,) = [f for f in report["findings"] if f["name"] == "writes-refused"]
    assert "Purchases must be in full kegs only" in str(finding["actual"]["samples"])
    contract = tmp_path / "kegs.toml"
    contract.write_text("[values.add_movement]\nquantity = { places = 0, min = 1, max = 5 }\n")
    obeyed = in_process(
        "run", scenario, "--fault", "whole-purchases-only", "--contract", contract, "--out", tmp_path / "b", "--quiet"
    )
    assert obeyed.returncode == 0, json.loads((tmp_path / "b/report.json").read_text())["findings"][:2]
    bad = tmp_path / "bad.toml"
    bad.write_text("[values.add_movement]\nquantity = { places = -1 }\n")
    refused_contract = in_process("run", scenario, "--contract", bad, "--dry-run")
    assert refused_contract.returncode == 2 and "places must be a whole number" in refused_contract.stderr
