"""The Locust web UI's "Sync" tab and `GET /stocksync/status`: the same truth as the report, live.

While a run goes, the tab and the JSON show each check's findings and what it judged so far (from
the live feed, which is the final checker on what has settled) and the listeners' connection and
subscription state; after Stop, the verdict and links to the report files, served from here.
Locust's documented extension points: a Flask route on the web UI's app, the `extended_tabs` /
`extended_tables` template arguments, and `extended_stats` on the stats response.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flask import Response, abort, jsonify, request, send_from_directory
from werkzeug.datastructures import ImmutableMultiDict

from ..run.settings import SETTINGS

if TYPE_CHECKING:
    from locust.env import Environment

    from .hooks import LoadRun

KEY = "stocksync"
SECRET_FIELDS = frozenset(s.locust_dest for s in SETTINGS if s.secret)
REPORT_FILES = ("report.html", "report.json", "junit.xml")


def status(run: LoadRun) -> dict[str, Any]:
    """{state, verdict, findings, judged, listeners, reasons, report}: one shape, live or final."""
    report = run.report
    session = run.session
    if report is not None:
        findings = {c.name: c.count for c in report.checks if c.count}
        judged = {c.name: c.judged for c in report.checks}
    else:
        findings = dict(session.feed.findings) if session and session.feed else {}
        judged = dict(session.feed.judged) if session and session.feed else {}
    state = (
        "stopped"
        if report is not None or run.run_error
        else ("running" if session else ("checking" if run.started else "waiting"))
    )
    return {
        "state": state,
        "verdict": report.verdict if report is not None else None,
        "reasons": report.reasons if report is not None else ([run.run_error] if run.run_error else []),
        "findings": findings,
        "judged": judged,
        "listeners": session.listener_states() if session else {},
        "report": {name: f"/stocksync/report/{name}" for name in REPORT_FILES} if run.folder else None,
        "report_folder": str(run.folder) if run.folder else None,
    }


def _rows(run: LoadRun) -> list[dict[str, Any]]:
    now = status(run)
    rows = [{"check": "verdict", "judged": "", "findings": now["verdict"] or now["state"],
             "note": "; ".join(now["reasons"])}]  # fmt: skip
    for name, judged in sorted(now["judged"].items()):
        count = now["findings"].get(name, 0)
        rows.append({"check": name, "judged": judged, "findings": count,
                     "note": "not judged" if not judged else ("failed" if count else "passed")})  # fmt: skip
    for state, count in sorted(now["listeners"].items()):
        rows.append({"check": f"listeners {state}", "judged": count, "findings": "", "note": ""})
    return rows


def masked(options: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The start form's extra options with every secret's value left out of the page: the field is
    a password input (`is_secret`) and starts empty; leaving it empty keeps the configured value."""
    return {
        name: {**option, "default_value": ""} if name in SECRET_FIELDS or option.get("is_secret") else option
        for name, option in options.items()
    }


def install(environment: Environment, run: LoadRun) -> None:
    web_ui = environment.web_ui
    app = web_ui.app if web_ui is not None else None
    if web_ui is None or app is None:
        return

    @app.route("/stocksync/status")
    def stocksync_status() -> Response:
        return jsonify(status(run))

    @app.route("/stocksync/report/<name>")
    def stocksync_report(name: str) -> Response:
        if name not in REPORT_FILES or run.folder is None:
            abort(404)
        return send_from_directory(Path(run.folder).resolve(), name)

    @app.before_request
    def keep_unsent_secrets() -> None:
        """The form never holds a secret (`masked`), so an empty secret field means "unchanged":
        dropped from the form, the value given by flag or environment stays."""
        if request.path.endswith("/swarm") and request.method == "POST":
            kept = [(k, v) for k, v in request.form.items(multi=True) if v or k not in SECRET_FIELDS]
            request.form = ImmutableMultiDict(kept)

    @app.after_request
    def with_sync_rows(response: Response) -> Response:
        if request.path == "/stats/requests" and response.is_json:
            body = response.get_json()
            body["extended_stats"] = [*body.get("extended_stats", []), {"key": KEY, "data": _rows(run)}]
            response.set_data(json.dumps(body))
        return response

    original = web_ui.update_template_args

    def update_template_args() -> None:
        original()
        web_ui.template_args["extra_options"] = masked(web_ui.template_args.get("extra_options") or {})
        web_ui.template_args["extended_tabs"] = [{"title": "Sync", "key": KEY}]
        web_ui.template_args["extended_tables"] = [{"key": KEY, "structure": [
            {"key": "check", "title": "Check"}, {"key": "judged", "title": "Judged"},
            {"key": "findings", "title": "Findings"}, {"key": "note", "title": ""}]}]  # fmt: skip
        web_ui.template_args["extended_csv_files"] = [
            {"href": f"/stocksync/report/{name}", "title": f"stocksync {name}"} for name in REPORT_FILES
        ]

    web_ui.update_template_args = update_template_args  # type: ignore[method-assign]
