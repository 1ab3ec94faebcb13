"""The Locust web UI's "Sync" tab, `GET /stocksync/status` and the report files, on Locust's own app.

Locust's documented extension points: a Flask route on the web UI's app, the `extended_tabs` /
`extended_tables` template arguments, and `extended_stats` on the stats response. Three things
they do not give are added at the edges of that app:
- Locust's page polls the stats only while the run is spawning or running, but a run sets up
  (listeners, its stocktake; the embedded stack) after Start and is drained and checked after Stop:
  meanwhile the stats say "spawning" and "running", so the page keeps polling, follows the run in,
  and shows the verdict when it lands, without a reload.
- Table cells are plain text: a small script on the page colours the verdict and makes the report
  files' paths links.
- The start form shows option values: secrets are masked and never sent to the page; an empty
  secret field keeps the value given by flag or environment.
- One run at a time: while a run sets up or its check runs, the page's Start (or Edit) is refused
  with the form's own error message. Locust would fire a new test start, which resets the state the
  run still uses: the report being written would wait for the new run's workers, and file the old
  run's histories as another run's.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flask import Response, abort, jsonify, request, send_from_directory
from werkzeug.datastructures import ImmutableMultiDict

from ..run.settings import SETTINGS
from .sync_tab import REPORT_FILES, rows, status

if TYPE_CHECKING:
    from locust.env import Environment

    from .load_run import LoadRun

KEY = "stocksync"
SECRET_FIELDS = frozenset(s.locust_dest for s in SETTINGS if s.secret)
COLOURS = {"PASS": "#1b8a3a", "FAIL": "#c62828", "INCONCLUSIVE": "#b26a00"}
# Colours the verdict cell and makes "/stocksync/report/..." cells links whenever React redraws, without
# changing the cells' children (React owns those).
PAGE_SCRIPT = """<script>(function () {
  var colours = __COLOURS__;
  function mend() {
    document.querySelectorAll("td").forEach(function (cell) {
      var text = cell.textContent.trim();
      if (colours[text] && cell.dataset.verdict !== text) {
        cell.dataset.verdict = text;
        cell.style.color = "#fff"; cell.style.background = colours[text]; cell.style.fontWeight = "bold";
      }
      if (text.indexOf("/stocksync/report/") === 0 && cell.dataset.href !== text) {
        cell.dataset.href = text; cell.setAttribute("role", "link"); cell.title = "open " + text;
        cell.style.cursor = "pointer"; cell.style.textDecoration = "underline"; cell.style.color = "#1565c0";
        cell.onclick = function () { window.open("." + cell.dataset.href, "_blank"); };
      }
    });
  }
  new MutationObserver(mend).observe(document.documentElement, {childList: true, subtree: true});
})();</script>""".replace("__COLOURS__", json.dumps(COLOURS))


def masked(options: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The start form's extra options with every secret's value left out of the page: the field is
    a password input (`is_secret`) and starts empty; leaving it empty keeps the configured value."""
    return {
        name: {**option, "default_value": ""} if name in SECRET_FIELDS or option.get("is_secret") else option
        for name, option in options.items()
    }


def busy_with(run: LoadRun) -> str | None:
    """Why a Start (or an Edit) must wait, if it must: the run is still setting up, or being checked."""
    if run.checking:
        return "stocksync: the last run is still being checked; start the next once its verdict is in the Sync tab"
    if run.setting_up:
        return "stocksync: the run is still setting up (listeners, stocktake); change it once it is running"
    return None


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
    def swarm_form() -> Response | None:
        if not (request.path.endswith("/swarm") and request.method == "POST"):
            return None
        busy = busy_with(run)
        if busy is not None:
            return jsonify({"success": False, "message": busy})
        kept = [(k, v) for k, v in request.form.items(multi=True) if v or k not in SECRET_FIELDS]
        request.form = ImmutableMultiDict(kept)
        return None

    @app.after_request
    def with_sync(response: Response) -> Response:
        if request.path.endswith("/stats/requests") and response.is_json:
            body = response.get_json()
            body["extended_stats"] = [*body.get("extended_stats", []), {"key": KEY, "data": rows(run)}]
            # Locust's page polls only while spawning or running: through set-up and checking it must
            body["state"] = {("ready", "setting up"): "spawning", ("stopped", "checking"): "running"}.get(
                (body.get("state"), status(run)["state"]), body.get("state")
            )
            response.set_data(json.dumps(body))
        elif request.endpoint == "locust.index" and response.mimetype == "text/html":
            page = response.get_data(as_text=True)
            response.set_data(page.replace("</body>", PAGE_SCRIPT + "</body>", 1))
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
