"""The official pusher-js (pinned in package.json) against the embedded server, under Node."""

from __future__ import annotations

import json
import os
import queue
import shutil
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from harness.sim.stack import EmbeddedStack
from tests.support import ensure_pusher_js, sdk

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "tests" / "js" / "pusher_js_client.js"
PUBLIC, PRIVATE = "hotel-killarney-stocktake-5", "private-hotel-killarney-stocktake-5"

pytestmark = [
    pytest.mark.node,
    pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed, so pusher-js cannot run"),
]


class NodeClient:
    def __init__(self, stack: EmbeddedStack) -> None:
        ensure_pusher_js()
        info = stack.ready_info()["pusher"]
        env = {
            **os.environ,
            "PUSHER_HOST": "127.0.0.1",
            "PUSHER_PORT": str(info["port"]),
            "PUSHER_KEY": info["key"],
            "PUSHER_SECRET": info["secret"],
        }
        self.proc = subprocess.Popen(
            ["node", str(SCRIPT)],
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: queue.Queue[dict[str, Any]] = queue.Queue()
        self.seen: list[dict[str, Any]] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(json.loads(line))

    def expect(self, predicate, timeout: float = 10.0) -> dict[str, Any]:
        for earlier in self.seen:
            if predicate(earlier):
                return earlier
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                item = self.lines.get(timeout=max(0.01, deadline - time.monotonic()))
            except queue.Empty:
                break
            self.seen.append(item)
            if predicate(item):
                return item
        stderr = self.proc.stderr.read() if self.proc.poll() is not None and self.proc.stderr else ""
        raise AssertionError(f"pusher-js never reported it; saw {self.seen} {stderr}")

    def stop(self) -> None:
        if self.proc.stdin:
            self.proc.stdin.close()
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def test_pusher_js_connects_subscribes_receives_and_is_refused_bad_auth(stocksync_stack: EmbeddedStack) -> None:
    client = NodeClient(stocksync_stack)
    try:
        connected = client.expect(lambda m: m["kind"] == "connected")
        assert connected["socket_id"] in stocksync_stack.pusher.hub.connections
        client.expect(lambda m: m == {"kind": "subscribed", "channel": PUBLIC})
        client.expect(lambda m: m == {"kind": "subscribed", "channel": PRIVATE})
        refused = client.expect(lambda m: m["kind"] == "error")
        assert "Invalid signature" in refused["data"]["message"]
        assert "private-refused" not in stocksync_stack.pusher.hub.channels
        sdk(stocksync_stack).trigger([PUBLIC, PRIVATE], "line-counted-updated", {"line_id": 1709})
        for channel in (PUBLIC, PRIVATE):
            event = client.expect(lambda m, c=channel: m["kind"] == "event" and m["channel"] == c)
            assert event["data"] == {"line_id": 1709}
    finally:
        client.stop()
