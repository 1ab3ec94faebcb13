"""Reports: one plain-data report (model.py) rendered as console, JSON, JUnit XML and HTML."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .html import render_html
from .junit import render_junit
from .model import build_report, verdict

__all__ = ["build_report", "verdict", "write_reports"]


def write_reports(report: dict[str, Any], directory: Path) -> dict[str, Path]:
    """report.json, junit.xml and report.html beside the run's history.jsonl."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = {"json": directory / "report.json", "junit": directory / "junit.xml", "html": directory / "report.html"}
    paths["json"].write_text(json.dumps(report, indent=2, default=str), encoding="utf-8")
    paths["junit"].write_text(render_junit(report), encoding="utf-8")
    paths["html"].write_text(render_html(report), encoding="utf-8")
    return paths
