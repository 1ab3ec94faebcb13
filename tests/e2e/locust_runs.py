"""Starting Locust runs of locustfile.py in tests: the command, a short run, ports, reports, reaping."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]
LOCUST = [sys.executable, "-m", "locust", "-f", str(ROOT / "locustfile.py")]
# five users: the three roles (list viewer, supervisor, intruder: one each) and two counters
SHORT = ["-u", "5", "-r", "5", "-t", "8s", "--sync-listeners", "2", "--only-summary"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def report_of(root: Path) -> tuple[Path, dict]:
    (folder,) = [p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")]
    return folder, json.loads((folder / "report.json").read_text())


def reap(process: subprocess.Popen[str]) -> None:
    """Its whole process group, started with `start_new_session`: a Locust run that failed or hung
    leaves no embedded stack or listener worker behind it."""
    if process.poll() is None:
        process.kill()
        process.wait()
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)


def answers(base: str) -> bool:
    try:
        return requests.get(base, timeout=2).ok
    except requests.RequestException:
        return False
