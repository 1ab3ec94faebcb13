"""`stocksync serve`: the ready line, clean shutdown, fault listing, and usage errors."""

from __future__ import annotations

import json
import signal
import subprocess
import sys

import requests
from click.testing import CliRunner

from harness.cli import main
from harness.spec import faults
from harness.waiting import wait_until


def test_serve_prints_ready_line_and_stops_on_sigterm() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "harness.cli", "serve", "--fault", "pusher-drop=0.1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        ready = json.loads(proc.stdout.readline())
        assert set(ready["pusher"]) == {"host", "port", "app_id", "key", "secret"}
        assert set(ready["api"]) >= {"base_url", "hotel", "token", "other_hotel", "other_token"}
        assert ready["pusher"]["host"] == "127.0.0.1" and ready["faults"] == ["pusher-drop"]
        api = ready["api"]
        response = requests.get(
            f"{api['base_url']}/{api['hotel']}/stocktakes/",
            headers={"Authorization": f"Token {api['token']}"},
            timeout=5,
        )
        assert response.status_code == 200
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=15) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_list_faults_is_tab_separated_and_complete() -> None:
    result = CliRunner().invoke(main, ["serve", "--list-faults"])
    assert result.exit_code == 0
    rows = [line.split("\t") for line in result.output.strip().splitlines()]
    assert [r[0] for r in rows] == [spec.name for spec in faults.CATALOGUE]
    assert all(len(r) == 4 and r[1] and r[3] for r in rows)
    assert [r[2] for r in rows] == [f"{spec.finding} ({spec.severity})" for spec in faults.CATALOGUE]
    assert "divergence (warning)" in dict((r[0], r[2]) for r in rows).values()
    assert {"pusher-drop", "pusher-duplicate", "pusher-delay", "pusher-reorder", "pusher-disconnect"} <= {
        r[0] for r in rows
    }


def test_unknown_fault_is_a_usage_error() -> None:
    result = CliRunner().invoke(main, ["serve", "--fault", "no-such-fault"])
    assert result.exit_code == 2
    assert "unknown fault 'no-such-fault'" in result.output
    assert "Traceback" not in result.output


def _answers(base_url: str) -> bool:
    try:
        requests.get(base_url, timeout=1)
    except requests.ConnectionError:
        return False
    return True


def test_a_served_stack_never_stopped_goes_when_the_process_that_started_it_exits() -> None:
    """What a Locust run stopped in the middle of its set-up leaves: a `ServedStack` its session never
    got to stop. The process exits; the server does not outlive it."""
    started = "from harness.sim.served import ServedStack; print(ServedStack().api['base_url'])"
    done = subprocess.run([sys.executable, "-c", started], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-2000:]
    base_url = done.stdout.strip()
    assert base_url.startswith("http://127.0.0.1:")
    wait_until(lambda: not _answers(base_url), 15, 0.1)
