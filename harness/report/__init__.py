"""Reports: one typed `Report` (model.py) rendered as console, JSON, JUnit XML and HTML.

`publish` is the one path from a report to the user, shared by `stocksync run`,
`stocksync check` and Locust: write the files, print the summary, say the exit code.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

from rich.console import Console

from ..errors import UsageError
from ..exit_codes import EXIT_FINDINGS, EXIT_INCONCLUSIVE, EXIT_PASS
from .console import print_summary
from .html import render_html
from .junit import render_junit
from .model import Report, build_report

__all__ = [
    "Report",
    "build_report",
    "exit_code",
    "publish",
    "safe_name",
    "timestamped_folder",
    "writable_folder",
    "write_junit",
    "write_reports",
]


def safe_name(text: str, fallback: str = "run") -> str:
    """A name that is one path segment whatever it was given: scenario names, worker names and
    hotel slugs become file names, and none may climb out of the folder the user named."""
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip(".-")[:80]
    return cleaned or fallback


def timestamped_folder(root: Path, label: str) -> Path:
    """A run's own folder under `root`, named so that folders sort by start time."""
    return root / f"{dt.datetime.now().strftime('%Y%m%d-%H%M%S-%f')[:-3]}-{safe_name(label)}"


def writable_folder(directory: Path) -> Path:
    """Create `directory` and prove a file can be written there, before anything starts: a run
    whose reports cannot be written is a usage error (exit 2), not a crash after the run."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
        probe = directory / ".stocksync-write-probe"
        probe.write_text("", encoding="utf-8")
        probe.unlink()
    except OSError as exc:
        raise UsageError(f"cannot write reports to {directory}: {exc.strerror or exc}") from None
    return directory


def write_reports(report: Report, directory: Path) -> dict[str, Path]:
    """report.json, junit.xml and report.html beside the run's history.jsonl."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = {"json": directory / "report.json", "junit": directory / "junit.xml", "html": directory / "report.html"}
    paths["json"].write_text(json.dumps(report.to_json_dict(), indent=2), encoding="utf-8")
    write_junit(report, paths["junit"])
    paths["html"].write_text(render_html(report), encoding="utf-8")
    if report.suggested_contract is not None:
        paths["contract"] = directory / "contract.suggested.toml"
        paths["contract"].write_text(report.suggested_contract, encoding="utf-8")
    return paths


def write_junit(report: Report, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_junit(report), encoding="utf-8")
    return path


def exit_code(report: Report, strict: bool = False) -> int:
    """1 for any error finding (and for warnings with `strict`), 3 for a run that proved nothing, else 0."""
    if report.verdict == "FAIL" or (strict and report.has_warnings):
        return EXIT_FINDINGS
    return EXIT_INCONCLUSIVE if report.verdict == "INCONCLUSIVE" else EXIT_PASS


def publish(report: Report, directory: Path, console: Console, strict: bool = False) -> int:
    write_reports(report, directory)
    print_summary(report, console, str(directory))
    return exit_code(report, strict)
