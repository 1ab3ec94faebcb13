"""Reports: one typed `Report` (model.py) rendered as console, JSON, JUnit XML and HTML.

`publish.publish` is the one path from a report to the user, shared by `stocksync run`,
`stocksync check` and Locust: write the files, print the summary, say the exit code.

This package's own module holds only what a command needs before any run (its report folder) and
the exit code: `stocksync findings`, `stocksync compare` and a usage error import it without the
model, the checks and the renderers behind them.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import UsageError
from ..exit_codes import EXIT_FINDINGS, EXIT_INCONCLUSIVE, EXIT_PASS

if TYPE_CHECKING:
    from .model import Report

__all__ = ["exit_code", "fresh_folder", "safe_name", "timestamped_folder", "writable_folder"]


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


def exit_code(report: Report, strict: bool = False) -> int:
    """1 for any error finding (and for warnings with `strict`), 3 for a run that proved nothing, else 0."""
    if report.verdict == "FAIL" or (strict and report.has_warnings):
        return EXIT_FINDINGS
    return EXIT_INCONCLUSIVE if report.verdict == "INCONCLUSIVE" else EXIT_PASS
