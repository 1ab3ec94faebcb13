"""Locust's web UI: the Sync tab and its JSON tell the report's truth, live and at the end; the start
form keeps secrets; in headless Chromium, the tab reaches the final verdict after Stop by itself."""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
from pathlib import Path
from typing import Any

import pytest
import requests

from harness.load.sync_tab import GROUPS_SHOWN
from harness.testing import wait_until
from tests.e2e.locust_runs import LOCUST, answers, free_port, reap, report_of
from tests.support import Served


def test_the_web_ui_tells_the_same_truth_as_thereport_of(tmp_path: Path) -> None:
    """`--autostart --autoquit`: the Sync tab's JSON is live while the run goes and, after Stop, holds
    the report's verdict and findings, with the report files served by the web UI."""
    port = free_port()
    run = subprocess.Popen(
        [*LOCUST, "--autostart", "--autoquit", "4", "-u", "5", "-r", "5", "-t", "8s", "--sync-listeners", "2",
         "--web-host", "127.0.0.1", "--web-port", str(port), "--sync-report-dir", str(tmp_path / "r")],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path, start_new_session=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    seen: list[dict] = []

    def status() -> dict | None:
        try:
            now = requests.get(f"{base}/stocksync/status", timeout=2).json()
        except (requests.RequestException, ValueError):
            return None
        seen.append(now)
        return now if now["verdict"] else None

    try:
        final = wait_until(status, 60, 0.3, what="the verdict in /stocksync/status")
        served = requests.get(base + final["report"]["report.json"], timeout=5).json()
        page = requests.get(f"{base}/?tab=stocksync", timeout=5)
        stats = requests.get(f"{base}/stats/requests", timeout=5).json()
    finally:
        try:
            _, err = run.communicate(timeout=60)
        finally:
            reap(run)
    assert run.returncode == 0, err[-3000:]
    states = [(s["state"], sum(s["judged"].values())) for s in seen]
    assert any(state == "running" and judged for state, judged in states), (
        f"not live before Stop: {states}, {err[-1500:]}"
    )
    _, report = report_of(tmp_path / "r")
    assert final["verdict"] == report["verdict"] == served["verdict"] == "PASS"
    assert final["findings"] == {c["name"]: c["count"] for c in report["checks"] if c["count"]}
    assert final["judged"] == {c["name"]: c["judged"] for c in report["checks"]}
    assert page.ok and '"stocksync"' in page.text, "the Sync tab is in the page's template"
    rows = next(e["data"] for e in stats["extended_stats"] if e["key"] == "stocksync")
    assert rows[0] == {"check": "verdict", "judged": "", "findings": "PASS", "note": ""}


@pytest.mark.heavy
def test_a_start_while_the_last_run_is_checked_is_refused_and_the_report_is_the_last_runs(tmp_path: Path) -> None:
    """Start from the form, Stop, and Start again while the run is drained and checked: the second Start
    is refused in the form's words (before, Locust fired a new test start, whose reset made the report
    being written wait for, and drop, histories as another run's), and the one report is the run's."""
    port = free_port()
    run = subprocess.Popen(
        [*LOCUST, "--web-host", "127.0.0.1", "--web-port", str(port), "--sync-listeners", "2",
         "--sync-report-dir", str(tmp_path / "r")],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path, start_new_session=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    form = {"user_count": "5", "spawn_rate": "5", "host": ""}

    def now() -> dict[str, Any]:
        return dict(requests.get(f"{base}/stocksync/status", timeout=2).json())

    try:
        wait_until(lambda: answers(base), 30, 0.3, what="Locust's web UI")
        assert requests.post(f"{base}/swarm", data=form, timeout=5).json()["success"] is True
        wait_until(lambda: sum(now()["judged"].values()), 60, 0.3, what="writes judged live")
        # Locust's Stop answers once the run is stopped, which here means checked: sent beside the test
        stopping = threading.Thread(target=requests.post, args=(f"{base}/stop",), kwargs={"timeout": 120})
        stopping.start()
        wait_until(lambda: now()["state"] == "checking", 30, 0.05, what="the run being checked")
        again = requests.post(f"{base}/swarm", data=form, timeout=5).json()
        final = wait_until(lambda: (s := now())["verdict"] and s, 90, 0.3, what="the verdict")
        stopping.join(30)
    finally:
        reap(run)
    _, err = run.communicate()
    assert again["success"] is False and "still being checked" in again["message"], again
    _, report = report_of(tmp_path / "r")
    assert final["verdict"] == report["verdict"] == "PASS", err[-3000:]
    assert not report.get("reasons"), report.get("reasons")


def _environment_of(served: Served) -> dict[str, str]:
    """A target given wholly by the environment, as a Django backend's own has it (PUSHER_CLUSTER too)."""
    api, pusher = served.api, served.pusher
    return {
        **os.environ,
        "STOCKSYNC_TARGET": api["base_url"],
        "STOCKSYNC_TOKEN": api["token"],
        "STOCKSYNC_HOTEL": api["hotel"],
        "STOCKSYNC_OTHER_HOTEL": api["other_hotel"],
        "STOCKSYNC_OTHER_TOKEN": api["other_token"],
        "PUSHER_KEY": pusher["key"],
        "PUSHER_PORT": str(pusher["port"]),
        "PUSHER_SECRET": "sec-" + api["token"],
        "PUSHER_CLUSTER": "eu",
    }


# Chromium beside a Locust run and a served stack, for a fixed load: the heaviest browser test. The default
# run keeps the Sync tab's data (the test above) and the start form's masking (tests/unit/test_load_options.py).
@pytest.mark.heavy
def test_the_sync_tab_in_chromium_hides_secrets_and_ends_with_the_verdict_without_a_reload(tmp_path: Path) -> None:
    """Settings from the environment (PUSHER_CLUSTER too) and --pusher-host as a flag, which wins. The
    start form masks the token, the other token and the secret and never holds them; started from the
    form, the run uses them. After Stop the Sync tab, never reloaded, shows the coloured verdict, its
    groups and the report's links, agreeing with report.json."""
    from playwright.sync_api import sync_playwright

    from harness.bots.browser_runtime import CHROMIUM_ARGS

    # held-back events keep the drain after Stop going for seconds (longer than the page's poll
    # interval); dropped ones make groups to show
    served, port = Served("--fault", "pusher-delay", "--fault", "pusher-drop=0.1"), free_port()
    env = _environment_of(served)
    secrets = [env["STOCKSYNC_TOKEN"], env["STOCKSYNC_OTHER_TOKEN"], env["PUSHER_SECRET"]]
    run = subprocess.Popen(
        [*LOCUST, "--web-host", "127.0.0.1", "--web-port", str(port), "--pusher-host", "127.0.0.1",
         "--sync-listeners", "2", "--report-dir", str(tmp_path / "r")],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path, start_new_session=True, env=env,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: answers(base), 30, 0.3, what="Locust's web UI")
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=shutil.which("chromium"), args=CHROMIUM_ARGS)
            page = browser.new_page()
            polled: list[tuple[str, str]] = []  # (Locust's state, the Sync tab's verdict cell) per poll
            page.on("response", lambda r: polled.append(_poll(r)) if r.url.endswith("/stats/requests") else None)
            page.goto(base)
            page.wait_for_selector("input[name=syncToken]", state="attached")
            form = page.content()
            masked = {i.get_attribute("name") for i in page.query_selector_all("input[type=password]")}
            page.evaluate("window.notReloaded = true")
            page.fill("input[name=userCount]", "5")
            page.fill("input[name=spawnRate]", "5")
            page.click("button[type=submit]")
            page.click("button[role=tab]:has-text('Sync')")
            page.wait_for_selector("td:has-text('none so far')", timeout=60_000)
            page.wait_for_timeout(6_000)  # the run's length: the load, not a wait for a condition
            page.click("button:has-text('Stop')")
            verdict = page.wait_for_selector("td[data-verdict]", timeout=90_000)
            assert verdict is not None
            wait_until(lambda: any(state == "stopped" for state, _ in polled), 20, 0.2, what="a stopped poll")
            links = page.query_selector_all("td[data-href]")
            shown = {"verdict": verdict.inner_text(), "colour": verdict.evaluate("c => c.style.background"),
                     "links": sorted(c.get_attribute("data-href") or "" for c in links),
                     "reloaded": not page.evaluate("window.notReloaded === true"),
                     "cells": page.eval_on_selector_all("td", "cs => cs.map(c => c.textContent)")}  # fmt: skip
            browser.close()
        failures = requests.get(f"{base}/stats/requests", timeout=5).json()["errors"]
    finally:
        reap(run)
        served.stop()
    _, err = run.communicate()
    assert not any(secret in form for secret in secrets), "no secret is sent to the page"
    assert {"syncToken", "syncOtherToken", "pusherSecret"} <= masked
    _, report = report_of(tmp_path / "r")
    assert shown["verdict"] == report["verdict"] == "FAIL", (shown, err[-2000:])
    summaries = [g["summary"] for g in report["groups"]][:GROUPS_SHOWN]
    assert summaries and summaries == [c for c in shown["cells"] if c in summaries], "the report's groups, in order"
    # the Failures tab names the same groups, with the same counts
    named = {(f["name"], f["error"]): f["occurrences"] for f in failures if f["method"] in ("PUSHER", "SYNC")}
    groups = {(g["name"], g["summary"]): g["count"] for g in report["groups"] if g["severity"] == "error"}
    assert named == groups
    assert not shown["reloaded"] and shown["colour"]
    assert shown["links"] == [f"/stocksync/report/{n}" for n in ("junit.xml", "report.html", "report.json")]
    assert "checking" not in shown["cells"] and "none so far" not in shown["cells"]
    # Locust's page stops polling at a "ready" or "stopped": once started, never "ready" again (the
    # run's set-up), and the first "stopped" carries the verdict already (it was checked first)
    states = [state for state, _ in polled]
    started = next(i for i, state in enumerate(states) if state != "ready")
    assert "ready" not in states[started:], states
    first_stop = next(cell for state, cell in polled if state == "stopped")
    assert first_stop == "FAIL", polled[-6:]
    assert report["meta"]["target"] == env["STOCKSYNC_TARGET"], "the run used the environment's target"
    assert not any(secret in err for secret in secrets)


def _poll(response: Any) -> tuple[str, str]:
    body = response.json()
    rows = next(e["data"] for e in body["extended_stats"] if e["key"] == "stocksync")
    return body["state"], rows[0]["findings"]
