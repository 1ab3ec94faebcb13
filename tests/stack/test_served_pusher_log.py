"""A target run reads the Pusher server's own log when the backend uses `stocksync serve` as its Pusher
server and the run has the app secret: every refused trigger is there, by kind. Real Pusher is never
asked, and a server that keeps no log is said to keep none."""

from __future__ import annotations

import json
import time

import requests

from harness.run.settings import TargetSettings
from harness.run.target import Target
from harness.sim.pusher.signing import signed_query
from harness.spec.contract import Contract


def _target(stack, **changes) -> Target:
    info = stack.ready_info()
    values = {
        "target": info["api"]["base_url"],
        "token": info["api"]["token"],
        "hotel": info["api"]["hotel"],
        "pusher_key": info["pusher"]["key"],
        "pusher_host": "127.0.0.1",
        "pusher_port": info["pusher"]["port"],
        "pusher_secret": info["pusher"]["secret"],
        **changes,
    }
    target = Target.from_settings(TargetSettings(**values), Contract())
    assert target is not None and target.remote
    return target


def _trigger(stack, body: dict, secret: str | None = None) -> int:
    cfg = stack.pusher.config
    raw = json.dumps(body).encode()
    path = f"/apps/{cfg.app_id}/events"
    query = signed_query(cfg.key, secret or cfg.secret, "POST", path, raw, int(time.time()))
    url = f"http://127.0.0.1:{stack.pusher_port}{path}"
    headers = {"Content-Type": "application/json"}
    return requests.post(url, params=query, data=raw, headers=headers, timeout=5).status_code


def test_every_refused_trigger_is_in_the_log_a_remote_run_reads(stocksync_stack_factory) -> None:
    stocksync_stack = stocksync_stack_factory()  # a log of its own: the shared stack's holds other tests' refusals
    event = {"name": "line-counted-updated", "data": json.dumps({"n": 1})}
    assert _trigger(stocksync_stack, {**event, "channels": ["a"]}, secret="not-the-secret") == 401
    assert _trigger(stocksync_stack, {**event, "channels": [f"c{n}" for n in range(101)]}) == 400
    big = {"name": "stocktake-status-changed", "channels": ["b"], "data": json.dumps({"x": "y" * 11_000})}
    assert _trigger(stocksync_stack, big) == 413
    assert _trigger(stocksync_stack, {**event, "channels": ["a"]}) == 200
    logs = _target(stocksync_stack).server_logs()
    assert logs["read"] is True
    kinds = [(r["kind"], r["status"], r["channel_count"]) for r in logs["rejections"]]
    assert kinds == [("bad-signature", 401, 1), ("too-many-channels", 400, 101), ("oversize", 413, 1)]
    assert len(logs["rejections"][1]["channels"]) == 1, "one refusal of 101 channels is one record, with the count"
    assert logs["rejections"][2]["bytes"] > 11_000 and logs["rejections"][2]["event"] == "stocktake-status-changed"


def test_no_secret_real_pusher_or_a_server_without_a_log_is_said_plainly(stocksync_stack) -> None:
    assert _target(stocksync_stack, pusher_secret=None).server_logs() == {
        "faults": [], "rejections": [], "read": False, "why": "no --pusher-secret"
    }  # fmt: skip
    cluster = _target(stocksync_stack, pusher_host=None, pusher_port=None, pusher_cluster="eu").server_logs()
    assert not cluster["read"] and "real Pusher" in cluster["why"]
    api_port = stocksync_stack.api_port  # a server that is not stocksync serve's Pusher server answers 404
    elsewhere = _target(stocksync_stack, pusher_port=api_port).server_logs()
    assert not elsewhere["read"] and "answered 404" in elsewhere["why"]
