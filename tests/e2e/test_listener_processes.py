"""Listeners spread over worker processes: their receipts reach the one history and the one verdict,
a fault is found by the listeners in the workers, drops reach them, and nothing is left behind."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from harness.bots.loop_watch import process_label, writers_label
from harness.check_file import check_file
from harness.record.history import FAILURE, load, parts_of
from harness.record.history_file import HISTORY_NAME
from harness.testing import wait_until
from tests.e2e.test_killed_runs import answered, descendants, interfere
from tests.support import in_process

WORKER = b"harness.bots.listener_worker"

SPREAD = """
name = "spread"
[stocktake]
lines = 6
[counters]
count = 2
think_ms = [20, 60]
debounce_ms = 40
[listeners]
count = {count}
kind = "asyncio"
frontend = false
processes = 2
[run]
operations = {operations}
duration_s = 40
[flow]
kind = "{flow}"
{flow_options}
"""


def run(tmp_path: Path, *extra: str, count: int = 12, operations: int = 16, flow: str = "counting",
        flow_options: str = "") -> tuple[subprocess.CompletedProcess[str], Path, dict]:  # fmt: skip
    scenario = tmp_path / "spread.toml"
    scenario.write_text(SPREAD.format(count=count, operations=operations, flow=flow, flow_options=flow_options))
    out = tmp_path / "out"
    done = in_process("run", scenario, "--out", out, *extra)
    report = json.loads((out / "report.json").read_text()) if (out / "report.json").exists() else {}
    return done, out, report


def _viewers_heard(out: Path) -> set[str]:
    return {o.listener for o in load(out / HISTORY_NAME).observations if o.kind == "receipt" and o.listener}


def test_viewers_in_two_processes_are_heard_and_judged_in_the_one_history(tmp_path: Path) -> None:
    done, out, report = run(tmp_path)
    assert done.returncode == 0, done.stderr
    assert {f"viewer-{n}" for n in range(1, 13)} <= _viewers_heard(out)
    observed = load(out / HISTORY_NAME).observations
    writers = {o.data["actor"]: (o.data["process"], o.data["servers"]) for o in observed if o.kind == "writer"}
    viewers = {o.data["process"] for o in observed if o.kind == "listener" and o.listener.startswith("viewer-")}
    here = (writers_label(), True)  # the embedded servers too
    assert writers == {"counter-1": here, "counter-2": here}, "the counters write from here"
    assert len(viewers) == 2 and process_label() not in viewers, "the viewers' stalls are their workers' own"
    delivery = next(c for c in report["checks"] if c["name"] == "missing-event")
    assert delivery["judged"] >= 12 * 16, "every viewer's deliveries were owed and judged"
    parts = ["listeners-1.history.jsonl.zst", "listeners-2.history.jsonl.zst"]
    assert sorted(p.name for p in out.iterdir()) == sorted([HISTORY_NAME, *parts, "deliveries", "junit.xml",
                                                            "receipts", "report.html", "report.json"])  # fmt: skip
    chunks = {p.name.split(".")[0] for p in (out / "receipts").iterdir()}
    assert {"listeners-1", "listeners-2"} <= chunks, "each worker's receipts are chunks of its own"
    assert parts_of(out / HISTORY_NAME) == parts, "each worker's file is a part of the history, not copied in"
    segments: list[str] = []
    load(out / HISTORY_NAME, None, segments.append)
    assert segments == ["listener-process-1", "listener-process-2"]
    light, result = check_file(out / HISTORY_NAME)
    assert light.tally is not None, "the workers' records, read in their place, were still read as a stream"
    assert result.verdict == report["verdict"] and result.counts == report["counts"]
    assert in_process("check", out, "--quiet").returncode == 0
    stray = out / "listeners-3.history.jsonl.zst"
    stray.write_bytes((out / parts[0]).read_bytes())
    _inconclusive_saying(out, "listeners-3.history.jsonl.zst lies beside it as its part but it does not name it")
    stray.unlink()
    (out / parts[1]).unlink()
    _inconclusive_saying(out, f"its part {parts[1]} is named but missing")


def _inconclusive_saying(out: Path, reason: str) -> None:
    """`stocksync check` of the folder: exit 3, the reason said, no traceback."""
    done = subprocess.run([sys.executable, "-m", "harness.cli", "check", str(out)], capture_output=True, text=True,
                          timeout=120)  # fmt: skip
    assert done.returncode == 3, done.stderr[-2000:]
    assert reason in " ".join(done.stderr.split()) and "Traceback" not in done.stderr


def test_a_listener_worker_killed_mid_run_is_inconclusive_and_its_listeners_are_not_blamed(tmp_path: Path) -> None:
    """The harness's own failure: INCONCLUSIVE naming the worker, never a missing event of the backend's
    for what its listeners were owed after it died; the other worker's listeners are still judged."""
    scenario, out = tmp_path / "spread.toml", tmp_path / "out"
    scenario.write_text(SPREAD.format(count=12, operations=60, flow="counting", flow_options=""))
    killed: list[int] = []

    def kill_a_worker(pid: int) -> None:
        workers = wait_until(lambda: descendants(pid, WORKER), 30, 0.05, what="the listener workers")
        os.kill(workers[0], signal.SIGKILL)
        killed.append(workers[0])

    code, stderr = interfere(scenario, out, 20, kill_a_worker)
    (worker,) = killed
    assert code == 3, stderr[-2000:]
    report = json.loads((out / "report.json").read_text())
    assert report["verdict"] == "INCONCLUSIVE"
    assert re.match(rf"the harness's own listener process [12] \(pid {worker}\) stopped ", report["reasons"][0])
    assert "(killed by signal 9): what its 6 listener(s) were owed from then on was not judged" in report["reasons"][0]
    assert [f for f in report["findings"] if f["severity"] == "error"] == [], "nothing blamed on the backend"
    heard = Counter(o.listener for o in load(out / HISTORY_NAME).observations if o.kind == "receipt")
    dead = {o.listener for o in load(out / HISTORY_NAME).observations if o.kind == FAILURE}
    assert len(dead) == 6, "placed round-robin: half the viewers were in the worker that died"
    viewers = {f"viewer-{n}" for n in range(1, 13)}
    living = sum(heard[name] for name in viewers - dead)
    assert max(heard[name] for name in dead) < min(heard[name] for name in viewers - dead)
    delivery = next(c for c in report["checks"] if c["name"] == "missing-event")
    assert delivery["judged"] >= living, "every delivery to the living worker's viewers was still judged"
    _inconclusive_saying(out, f"(pid {worker}) stopped")


@pytest.mark.heavy
def test_a_lost_event_is_found_by_the_listeners_in_the_worker_processes(tmp_path: Path) -> None:
    done, out, report = run(tmp_path, "--fault", "pusher-drop")
    assert done.returncode == 1, done.stderr
    missing = [f for f in report["findings"] if f["name"] == "missing-event"]
    assert any(str(f.get("listener")).startswith("viewer-") for f in missing), "a worker's viewer found it"


def test_a_planned_drop_reaches_a_listener_in_a_worker_process(tmp_path: Path) -> None:
    options = "drop_after_ops = 5\ndrop_count = 3"
    done, out, report = run(tmp_path, flow="reconnect", flow_options=options)
    assert done.returncode == 0, done.stderr
    history = load(out / HISTORY_NAME)
    dropped = {o.listener for o in history.observations if o.kind == "disconnect" and o.data.get("planned")}
    assert len(dropped) == 3 and all(name.startswith("viewer-") for name in dropped)
    reconnected = [o for o in history.observations if o.kind == "connect" and o.listener in dropped]
    assert len(reconnected) >= 6, "each dropped viewer connected twice"


@pytest.mark.heavy
@pytest.mark.soak
def test_two_thousand_listeners_over_two_processes_pass(tmp_path: Path) -> None:
    done, out, report = run(tmp_path, count=2000, operations=60)
    assert done.returncode == 0, done.stderr
    assert len(_viewers_heard(out)) >= 2000
    assert report["counts"]["receipts"] >= 2000 * 60


def test_ctrl_c_to_the_whole_group_interrupts_the_run_and_loses_no_worker(tmp_path: Path) -> None:
    """A terminal's Ctrl-C reaches the workers too: they wait for the run to stop them, so the run is
    interrupted, not a harness that lost its listeners, and the workers' parts end whole."""
    scenario, out = tmp_path / "spread.toml", tmp_path / "out"
    scenario.write_text(SPREAD.format(count=4, operations=400, flow="counting", flow_options=""))
    code, stderr = interfere(scenario, out, 10, lambda pid: os.killpg(pid, signal.SIGINT))
    assert code == 3, stderr[-2000:]
    reasons = json.loads((out / "report.json").read_text())["reasons"]
    assert reasons[0].startswith("interrupted by SIGINT after ") and len(reasons) == 1, reasons
    assert load(out / HISTORY_NAME).wholeness.whole


@pytest.mark.heavy
def test_a_listener_worker_held_past_the_limit_makes_its_late_deliveries_the_harnesss_doubt(tmp_path: Path) -> None:
    """A worker stopped (SIGSTOP) for longer than the latency limit while writes go on, then let go: what
    its viewers read as it resumes is late by the harness's own stall, so the run is INCONCLUSIVE with
    harness-stall, each late delivery a warning under it and nothing blamed on the backend; the other
    worker's viewers are judged on time."""
    scenario, out = tmp_path / "spread.toml", tmp_path / "out"
    text = SPREAD.format(count=8, operations=400, flow="counting", flow_options="")
    scenario.write_text(text + "[limits]\nlatency_ms = 500\n")
    held: list[int] = []

    def hold_a_worker(pid: int) -> None:
        workers = wait_until(lambda: descendants(pid, WORKER), 30, 0.05, what="the listener workers")
        os.kill(workers[0], signal.SIGSTOP)
        try:
            wait_until(lambda: answered(out / HISTORY_NAME) >= 60, 30, 0.05, what="writes while it is held")
        finally:
            os.kill(workers[0], signal.SIGCONT)
        held.append(workers[0])

    code, stderr = interfere(scenario, out, 20, hold_a_worker)
    assert code == 3, stderr[-2000:]
    report = json.loads((out / "report.json").read_text())
    (stall,) = [f for f in report["findings"] if f["name"] == "harness-stall"]
    assert report["reasons"] == [stall["message"]]
    assert [f for f in report["findings"] if f["severity"] == "error"] == [], "nothing blamed on the backend"
    assert {f["name"] for f in report["findings"]} == {"harness-stall", "late-event"}, "one cause, one group"
    late = [f for f in report["findings"] if f["name"] == "late-event"]
    assert late and all(f["severity"] == "warning" and f["cause"].startswith("harness-stall: ") for f in late)
    (process,) = {s["process"] for s in stall["actual"]}
    assert process.endswith(f":{held[0]}"), "the held worker's own watch recorded the stall"
    placed = {o.listener: o.data["process"] for o in load(out / HISTORY_NAME).of_kind("listener")}
    assert {f["listener"] for f in late} <= {name for name, p in placed.items() if p == process}
