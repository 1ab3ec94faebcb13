"""The web UI refuses a Start (or an Edit) while a run sets up or is being checked: Locust would fire a
new test start and reset the state the run still uses. Locust's own app is stood in for by a Flask app
with a `/swarm` route, which counts the starts that reach it."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from flask import Flask, jsonify, request

from harness.load import web
from harness.load.load_run import LoadRun


def _served(run: LoadRun) -> tuple[Any, list[dict[str, str]]]:
    app = Flask(__name__)
    reached: list[dict[str, str]] = []

    @app.route("/swarm", methods=["POST"])
    def swarm() -> Any:
        reached.append(dict(request.form))
        return jsonify({"success": True, "message": "Swarming started"})

    web_ui = SimpleNamespace(app=app, template_args={}, update_template_args=lambda: None)
    web.install(SimpleNamespace(web_ui=web_ui), run)  # type: ignore[arg-type]
    return app.test_client(), reached


@pytest.mark.parametrize(("state", "words"), [("checking", "still being checked"), ("setting_up", "still setting up")])
def test_a_start_while_the_run_is_busy_is_refused_in_the_forms_words(state: str, words: str) -> None:
    run = LoadRun()
    run.started = 1.0
    setattr(run, state, True)
    client, reached = _served(run)
    answer = client.post("/swarm", data={"user_count": "5", "spawn_rate": "5"})
    assert answer.get_json()["success"] is False and words in answer.get_json()["message"]
    assert not reached, "Locust's start was never reached"
    assert run.started == 1.0 and getattr(run, state), "the busy run's state is untouched"


def test_a_start_between_runs_reaches_locust_with_unsent_secrets_dropped() -> None:
    run = LoadRun()
    run.started, run.ended = 1.0, True
    client, reached = _served(run)
    secret = next(iter(web.SECRET_FIELDS))
    answer = client.post("/swarm", data={"user_count": "5", secret: ""})
    assert answer.get_json()["success"] is True
    assert reached == [{"user_count": "5"}], "the empty secret field keeps the configured value"
