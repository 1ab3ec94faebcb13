"""Test helpers: real clients against the embedded servers, waited on with deadlines."""

from __future__ import annotations

import fcntl
import json
import logging
import shutil
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pusher
import pysher
import pytest
import requests
import websocket
from click.testing import CliRunner

from harness.api import StocktakeApi
from harness.cli import main
from harness.sim.served import ServedStack
from harness.sim.stack import EmbeddedStack
from harness.testing import wait_until


def in_process(*args: str | Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """`stocksync ARGS` run in this process by click's CliRunner and read as a finished process is (its
    exit code, stdout and stderr), without the second of imports a new process spends: for what a
    command finds and writes, not for what only a process shows (signals, a traceback on stderr). The
    harness's own exception is raised here, where a process would have printed it."""
    result = CliRunner().invoke(main, [str(a) for a in args], env=env)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return subprocess.CompletedProcess(["stocksync", *map(str, args)], result.exit_code, result.stdout, result.stderr)


for name in ("pysher.connection", "websocket"):
    logging.getLogger(name).setLevel(logging.CRITICAL)


def sdk(stack: EmbeddedStack, secret: str | None = None) -> pusher.Pusher:
    info = stack.ready_info()["pusher"]
    return pusher.Pusher(
        app_id=info["app_id"],
        key=info["key"],
        secret=secret or info["secret"],
        host="127.0.0.1",
        port=info["port"],
        ssl=False,
    )


# a contract whose channels are private (the simulator's `--private-channels`)
PRIVATE = """
[channels]
list = "private-{hotel}-stocktakes"
detail = "private-{hotel}-stocktake-{stocktake_id}"
"""

CONTRACT_EVENTS = (
    "line-counted-updated",
    "line-movement-added",
    "stocktake-created",
    "stocktake-deleted",
    "stocktake-status-changed",
    "stocktake-populated",
)


@dataclass
class PysherClient:
    """A pysher connection that records every event on the channels it joins."""

    stack: EmbeddedStack
    channels: list[str]
    events: list[tuple[str, str, Any]] = field(default_factory=list)
    subscribed: set[str] = field(default_factory=set)
    connects: int = 0

    def __post_init__(self) -> None:
        info = self.stack.ready_info()["pusher"]
        self._lock = threading.Lock()
        self.client = pysher.Pusher(
            info["key"],
            custom_host="127.0.0.1",
            port=info["port"],
            secure=False,
            auto_sub=True,
            secret=info["secret"],
            reconnect_interval=0.2,
        )
        self.client.connection.bind("pusher:connection_established", self._on_connect)
        self.client.connect()
        wait_until(lambda: self.subscribed >= set(self.channels), 10, what="pysher subscriptions")

    def _on_connect(self, _data: str) -> None:
        self.connects += 1
        if self.connects > 1:
            return
        for name in self.channels:
            channel = self.client.subscribe(name)
            channel.bind("pusher_internal:subscription_succeeded", lambda _d, n=name: self.subscribed.add(n))
            for event in (*CONTRACT_EVENTS, *(e.replace("-", "_") for e in CONTRACT_EVENTS), "test-event"):
                channel.bind(event, lambda data, e=event, n=name: self._record(n, e, data))

    def _record(self, channel: str, event: str, data: Any) -> None:
        with self._lock:
            self.events.append((channel, event, data))

    @property
    def socket_id(self) -> str:
        return str(self.client.connection.socket_id)

    def received(self, event: str | None = None) -> list[Any]:
        with self._lock:
            return [d for _, e, d in self.events if event is None or e == event]

    def close(self) -> None:
        self.client.disconnect(timeout=1)


class RawClient:
    """Hand-written frames over websocket-client, for what no official client will send."""

    def __init__(
        self,
        stack: EmbeddedStack,
        key: str | None = None,
        query: str = "?protocol=7",
        receive_buffer: int | None = None,
    ) -> None:
        info = stack.ready_info()["pusher"]
        options = ((socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer),) if receive_buffer else ()
        self.ws = websocket.create_connection(
            f"ws://127.0.0.1:{info['port']}/app/{key or info['key']}{query}", timeout=5, sockopt=options
        )

    def send(self, event: str, data: Any, channel: str | None = None) -> None:
        frame = {"event": event, "data": data}
        if channel is not None:
            frame["channel"] = channel
        self.ws.send(json.dumps(frame))

    def recv(self, timeout: float = 5.0) -> dict[str, Any]:
        self.ws.settimeout(timeout)
        opcode, payload = self.ws.recv_data(control_frame=False)
        if opcode == websocket.ABNF.OPCODE_CLOSE:
            return {"event": "<close>", "code": int.from_bytes(payload[:2], "big") if payload else None}
        return json.loads(payload)

    def recv_until(self, event: str, timeout: float = 5.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            frame = self.recv(max(0.05, deadline - time.monotonic()))
            if frame["event"] == event:
                return frame
            if frame["event"] == "<close>":
                raise AssertionError(f"closed with {frame['code']} before {event}")

    def established(self) -> str:
        frame = self.recv_until("pusher:connection_established")
        return str(json.loads(frame["data"])["socket_id"])

    def close(self) -> None:
        self.ws.close()


def api_for(stack: EmbeddedStack, other: bool = False) -> StocktakeApi:
    info = stack.ready_info()["api"]
    if other:
        return StocktakeApi(info["base_url"], info["other_hotel"], info["other_token"])
    return StocktakeApi(info["base_url"], info["hotel"], info["token"])


_periods = iter(range(1, 10_000))


def fresh_stocktake(api: StocktakeApi, populate: bool = True) -> int:
    """A stocktake in a period no other test uses; populated unless asked not to be."""
    n = next(_periods)
    year, month = 2100 + n // 12, n % 12 + 1
    created = api.send(api.create_stocktake(f"{year}-{month:02d}-01", f"{year}-{month:02d}-28"))
    assert created.status == 201, created.text
    if populate:
        assert api.send(api.populate(created.body["id"])).status == 200
    return int(created.body["id"])


class Served(ServedStack):
    """A `stocksync serve` process, and the flags that point a run at it.

    `prefix` names the target flags: `--` for `stocksync run`, `--sync-` for Locust.
    """

    def flags(self, other: bool = False, prefix: str = "--") -> list[str]:
        api, pusher = self.api, self.pusher
        out = [
            f"{prefix}target",
            api["base_url"],
            f"{prefix}token",
            api["token"],
            f"{prefix}hotel",
            api["hotel"],
            "--pusher-key",
            pusher["key"],
            "--pusher-host",
            "127.0.0.1",
            "--pusher-port",
            str(pusher["port"]),
        ]
        return out + (
            [f"{prefix}other-hotel", api["other_hotel"], f"{prefix}other-token", api["other_token"]] if other else []
        )

    def stocktakes(self) -> list[dict[str, Any]]:
        url = f"{self.api['base_url']}/{self.api['hotel']}/stocktakes/"
        return requests.get(url, headers={"Authorization": f"Token {self.api['token']}"}, timeout=10).json()


ROOT = Path(__file__).resolve().parents[1]


def ensure_pusher_js() -> None:
    """Install the pinned pusher-js from package-lock.json once, so the test command needs no extra step
    (under a lock: both xdist workers may ask at once)."""
    with (ROOT / ".npm-ci.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (ROOT / "node_modules" / "pusher-js").is_dir():
            _npm_ci()


def _npm_ci() -> None:
    npm = shutil.which("npm")
    if npm is None:
        pytest.fail("node is installed but npm is not, so the pinned pusher-js cannot be installed")
    done = subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    if done.returncode != 0:
        pytest.fail(f"`npm ci` failed, so pusher-js is missing:\n{done.stderr[-2000:]}")


def build_dist(dest: Path) -> list[Path]:
    """The sdist and wheel `python -m build` makes of this checkout, built from a copy (symlinks
    kept, as in git) so the build's own folders land there and not in the worktree."""
    source = dest / "source"
    skip = shutil.ignore_patterns(
        ".git", "node_modules", ".venv*", "reports", "build", "dist", "*.egg-info", "__pycache__", ".npm-ci.lock"
    )
    shutil.copytree(ROOT, source, symlinks=True, ignore=skip)
    command = [sys.executable, "-m", "build", "--outdir", str(dest / "dist"), str(source)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return sorted((dest / "dist").iterdir())


def fresh_venv(where: Path, *requirements: str) -> Path:
    """A new virtualenv with `requirements` pip-installed (dependencies from the index); its bin folder."""
    subprocess.run([sys.executable, "-m", "venv", str(where)], check=True, timeout=120)
    if not requirements:
        return where / "bin"
    pip = [str(where / "bin" / "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    done = subprocess.run([*pip, *requirements], capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    return where / "bin"
