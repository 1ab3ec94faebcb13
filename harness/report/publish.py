"""The reports written and the summary printed: the one path from a report to the user, shared by
`stocksync run`, `stocksync check` and Locust."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from rich.console import Console

from ..errors import HarnessFailed, one_line
from . import exit_code
from .console import print_summary
from .html import render_html
from .junit import render_junit
from .model import Report


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


def publish(report: Report, directory: Path, console: Console, strict: bool = False) -> int:
    """The summary is printed even when a report file could not be written (`HarnessFailed` then)."""
    try:
        write_reports(report, directory)
    finally:
        print_summary(report, console, str(directory))
    return exit_code(report, strict)
