"""Browser listeners: pusher-js in headless Chromium pages, recording into the same history.

Each delivery fault is found by the browser pages themselves: the finding's listener is a page
(`report.json` lists every listener with its kind). Without Chromium these tests fail under CI
(which installs it) and are skipped on a workstation without it, saying what to install
(the `browser` marker, tests/conftest.py). A page
run costs seconds and Chromium's CPU, so most of them are `heavy` and `soak` too: CI runs them
alone, where they starve no latency-bound test; the `browsers` scenario also runs in the default
run (tests/e2e/test_e2e_faults.py), and the pusher-error-frame fault by pysher listeners alone.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

from harness.record.history import load
from harness.record.history_file import HISTORY_NAME
from harness.waiting import wait_until
from tests.e2e.test_killed_runs import descendants, interfere
from tests.support import PRIVATE, Served

pytestmark = pytest.mark.browser
LIMIT_S = 0.5

PAGES = """
name = "pages"
[stocktake]
lines = 4
[counters]
count = 2
think_ms = [30, 80]
debounce_ms = 40
browser = true
[listeners]
count = 0
kind = "asyncio"
browsers = 3
[run]
operations = {operations}
duration_s = 40
[flow]
kind = "{flow}"
{flow_options}
"""


def stocksync(*args: str | Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "harness.cli", *map(str, args)]
    return subprocess.run(command, capture_output=True, text=True, timeout=240, env={**os.environ, **(env or {})})


def run_pages(tmp_path: Path, *extra: str, operations: int = 14, flow: str = "counting",
              flow_options: str = "") -> tuple[subprocess.CompletedProcess[str], dict[str, Any]]:  # fmt: skip
    scenario = tmp_path / "pages.toml"
    scenario.write_text(PAGES.format(operations=operations, flow=flow, flow_options=flow_options))
    done = stocksync("run", scenario, "--out", tmp_path / "out", *extra)
    report_file = tmp_path / "out" / "report.json"
    return done, json.loads(report_file.read_text()) if report_file.exists() else {}


@pytest.mark.heavy
@pytest.mark.soak
def test_the_browsers_scenario_passes_and_lists_every_listener_with_its_kind(tmp_path: Path) -> None:
    done = stocksync("run", "browsers", "--out", tmp_path)
    assert done.returncode == 0, done.stderr
    listeners = json.loads((tmp_path / "report.json").read_text())["listeners"]
    kinds = {name: entry["kind"] for name, entry in listeners.items()}
    assert sorted(n for n, k in kinds.items() if k == "browser") == sorted(
        [f"browser-viewer-{n}" for n in range(1, 9)] + ["counter-1-browser", "counter-2-browser"]
    )
    assert sorted(n for n, k in kinds.items() if k == "asyncio") == [f"viewer-{n}" for n in range(1, 5)]
    assert all(entry["receipts"] > 0 for entry in listeners.values()), "every page heard the run"


@pytest.mark.heavy
@pytest.mark.soak
@pytest.mark.parametrize(
    ("fault", "finding", "flow", "flow_options"),
    [
        ("pusher-drop", "missing-event", "counting", ""),
        ("pusher-duplicate", "duplicate-event", "counting", ""),
        ("pusher-reorder", "out-of-order", "counting", ""),
        ("ignore-socket-id", "self-echo", "counting", ""),
        ("pusher-disconnect", "gap-during-disconnect", "counting", ""),
    ],
)
def test_a_delivery_fault_is_found_by_the_browser_pages(
    tmp_path: Path, fault: str, finding: str, flow: str, flow_options: str
) -> None:
    done, report = run_pages(tmp_path, "--fault", fault, flow=flow, flow_options=flow_options)
    assert done.returncode == 1, done.stderr
    kinds = {name: entry["kind"] for name, entry in report["listeners"].items()}
    assert set(kinds.values()) == {"browser"}
    found = [f for f in report["findings"] if f["name"] == finding]
    assert found and all(kinds[f["listener"]] == "browser" for f in found if f.get("listener")), found[:2]


@pytest.mark.heavy
def test_a_pusher_error_4200_frame_reconnects_pysher_but_not_the_browser_page(tmp_path: Path) -> None:
    """pysher treats a pusher:error 4200 frame on an open connection as "reconnect now" and misses
    events meanwhile; pusher-js reconnects only on a close code, so the page stays and hears all.
    The report judges each listener by what its own client did."""
    scenario = tmp_path / "mixed.toml"
    scenario.write_text(PAGES.format(operations=20, flow="counting", flow_options="").replace(
        'count = 0\nkind = "asyncio"', 'count = 3\nkind = "pysher"'))  # fmt: skip
    done = stocksync("run", scenario, "--out", tmp_path / "out", "--fault", "pusher-error-frame=0.3")
    assert done.returncode == 1, done.stderr
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    kinds = {name: entry["kind"] for name, entry in report["listeners"].items()}
    history = load(tmp_path / "out" / HISTORY_NAME)
    quiesced = history.meta["quiesced_at"]
    cut = {o.listener for o in history.observations if o.kind == "disconnect" and o.time < quiesced}
    assert cut and {kinds[name] for name in cut} == {"pysher"}, "only pysher acted on the error frame"
    # errors only: two counters editing one line can leave the contract's own-response race on either
    # writer's page whatever the fault, and that is a warning (see README)
    faulted = {f["listener"] for f in report["findings"] if f.get("listener") and f["severity"] == "error"}
    assert faulted and {kinds[name] for name in faulted} == {"pysher"}
    owed = report["counts"]["matched"]
    assert owed > 0 and all(report["listeners"][name]["receipts"] > 0 for name, k in kinds.items() if k == "browser")


@pytest.mark.heavy
@pytest.mark.soak
def test_pages_authorise_private_channels_with_pusher_js_own_request(tmp_path: Path) -> None:
    """Against a backend whose channels are private: pusher-js posts to the auth endpoint itself
    (no harness signing), and the pages subscribe and hear the run."""
    served = Served("--private-channels")
    try:
        contract = tmp_path / "private.toml"
        contract.write_text(PRIVATE)
        scenario = tmp_path / "pages.toml"
        scenario.write_text(PAGES.format(operations=10, flow="counting", flow_options=""))
        auth = ["--auth-endpoint", served.api["auth_endpoint"], "--contract", contract]
        done = stocksync("run", scenario, *served.flags(), *auth, "--out", tmp_path / "out")
    finally:
        served.stop()
    assert done.returncode == 0, done.stderr
    history = load(tmp_path / "out" / HISTORY_NAME)
    pages = {o.listener for o in history.observations if o.kind == "subscribed" and o.channel.startswith("private-")}
    assert {"browser-viewer-1", "browser-viewer-2", "browser-viewer-3", "counter-1-browser"} <= pages
    heard = {o.listener for o in history.observations if o.kind == "receipt" and o.channel.startswith("private-")}
    assert {"browser-viewer-1", "browser-viewer-2", "browser-viewer-3"} <= heard


@pytest.mark.heavy
def test_pages_held_past_the_limit_make_their_late_deliveries_the_harnesss_doubt(tmp_path: Path) -> None:
    """Every page's renderer stopped (SIGSTOP) for longer than the latency limit while the counters go
    on writing through their pages, then let go: the writes fetched late and the frames read late are
    the pages' own stalls, each page timing its own main thread, so the run is INCONCLUSIVE with
    harness-stall, each late delivery a warning under it, and nothing blamed on the backend."""
    scenario, out = tmp_path / "pages.toml", tmp_path / "out"
    scenario.write_text(
        PAGES.format(operations=300, flow="counting", flow_options="")
        + f"[limits]\nlatency_ms = {LIMIT_S * 1000:.0f}\n"
    )
    held: list[int] = []

    def hold_the_pages(pid: int) -> None:
        renderers = wait_until(lambda: descendants(pid, b"--type=renderer"), 30, 0.05, what="the pages' renderers")
        for renderer in renderers:
            os.kill(renderer, signal.SIGSTOP)
        try:
            threading.Event().wait(4 * LIMIT_S)  # the hold itself: four times the limit
        finally:
            for renderer in renderers:
                os.kill(renderer, signal.SIGCONT)
        held.extend(renderers)

    code, stderr = interfere(scenario, out, 20, hold_the_pages)
    assert held and code == 3, stderr[-2000:]
    report = json.loads((out / "report.json").read_text())
    (stall,) = [f for f in report["findings"] if f["name"] == "harness-stall"]
    assert report["reasons"] == [stall["message"]]
    assert [f for f in report["findings"] if f["severity"] == "error"] == [], "nothing blamed on the backend"
    late = [f for f in report["findings"] if f["name"] == "late-event"]
    assert late and all(f["severity"] == "warning" and f["cause"].startswith("harness-stall: ") for f in late)
    assert any("/page/" in s["process"] for s in stall["actual"]), "the pages' own stalls explain some"
    history = load(out / HISTORY_NAME)
    pages = {o.listener: o.data["process"] for o in history.of_kind("listener") if o.data["kind"] == "browser"}
    stalled = {o.data["process"] for o in history.of_kind("harness-stall") if o.data["held_s"] >= 3 * LIMIT_S}
    assert len(pages) == 5 and set(pages.values()) <= stalled, "each page's own watch recorded its hold"
    through = {o.data["actor"]: o.data["page"] for o in history.of_kind("writer")}
    assert through == {name: pages[f"{name}-browser"] for name in ("counter-1", "counter-2")}, "writes go via pages"
