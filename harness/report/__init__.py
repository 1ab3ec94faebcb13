"""Reports: one typed `Report` (model.py) rendered as console, JSON, JUnit XML and HTML.

`publish` is the one path from a report to the user, shared by `stocksync run`,
`stocksync check` and Locust: write the files, print the summary, say the exit code.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from pathlib import Path

from rich.console import Console

from ..errors import HarnessFailed, UsageError, one_line
from ..exit_codes import EXIT_FINDINGS, EXIT_INCONCLUSIVE, EXIT_PASS
from .console import print_summary
from .html import render_html
from .junit import render_junit
from .model import Report, build_report

__all__ = [
    "Report",
    "build_report",
    "exit_code",
    "fresh_folder",
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


def fresh_folder(root: Path, label: str) -> Path:
    """A new timestamped folder under `root`, created here and by no one before: two runs or checks
    started in the same millisecond get two folders, so nothing is ever written over."""
    first = timestamped_folder(root, label)
    for attempt in range(1, 100):
        folder = first if attempt == 1 else first.with_name(f"{first.name}-{attempt}")
        try:
            folder.mkdir(parents=True)
        except FileExistsError:
            continue
        except OSError as exc:
            raise UsageError(f"cannot write reports to {folder}: {exc.strerror or exc}") from None
        return folder
    raise UsageError(f"cannot make a new report folder under {root}: too many named {first.name}")


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
    """report.json, junit.xml and report.html beside the run's history.jsonl. Each is written on its
    own: one that cannot be written (a full disk, a renderer's failure) does not stop the others,
    and then `HarnessFailed` names what is missing (the harness's failure, never a finding)."""
    renders: dict[str, tuple[str, Callable[[], str]]] = {
        "json": ("report.json", lambda: json.dumps(report.to_json_dict(), indent=2)),
        "junit": ("junit.xml", lambda: render_junit(report)),
        "html": ("report.html", lambda: render_html(report)),
    }
    if report.suggested_contract is not None:
        suggested = report.suggested_contract
        renders["contract"] = ("contract.suggested.toml", lambda: suggested)
    paths, problems = {}, []
    for kind, (name, render) in renders.items():
        try:
            directory.mkdir(parents=True, exist_ok=True)
            (directory / name).write_text(render(), encoding="utf-8")
        except Exception as exc:  # the harness's own failure after the run: the others are still written
            problems.append(f"{name} ({one_line(exc)})")
        else:
            paths[kind] = directory / name
    if problems:
        raise HarnessFailed(f"could not write {', '.join(problems)} in {directory}")
    return paths


def write_junit(report: Report, path: Path) -> Path:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(render_junit(report), encoding="utf-8")
    except Exception as exc:  # as in write_reports: reported as the harness's failure, exit 3
        raise HarnessFailed(f"could not write the JUnit XML to {path} ({one_line(exc)})") from None
    return path


def exit_code(report: Report, strict: bool = False) -> int:
    """1 for any error finding (and for warnings with `strict`), 3 for a run that proved nothing, else 0."""
    if report.verdict == "FAIL" or (strict and report.has_warnings):
        return EXIT_FINDINGS
    return EXIT_INCONCLUSIVE if report.verdict == "INCONCLUSIVE" else EXIT_PASS


def publish(report: Report, directory: Path, console: Console, strict: bool = False) -> int:
    """The summary is printed even when a report file could not be written (`HarnessFailed` then)."""
    try:
        write_reports(report, directory)
    finally:
        print_summary(report, console, str(directory))
    return exit_code(report, strict)
