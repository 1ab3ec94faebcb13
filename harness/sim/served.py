"""The embedded stack in a process of its own (`stocksync serve`), reached through its ready line.

Locust processes use it because gevent runs every "thread" on one OS thread, where only
one asyncio loop can run; tests use it to drive target mode exactly as a remote deployment.
"""

from __future__ import annotations

import atexit
import json
import signal
import subprocess
import sys
from typing import Any

from ..errors import ServeFailed


class ServedStack:
    """Stopped by `stop`, or else as this process exits: a Locust run stopped while its set-up was
    still starting the stack (its greenlet killed, or never resumed before the process quit) must
    not leave a server behind holding its ports."""

    def __init__(self, *flags: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "harness.cli", "serve", *flags],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        atexit.register(self.stop)
        line = self.process.stdout.readline()  # type: ignore[union-attr]
        if not line:
            self.process.wait(10)
            raise ServeFailed(f"stocksync serve exited {self.process.returncode}: {self.process.stderr.read().strip()}")  # type: ignore[union-attr]
        self.info: dict[str, Any] = json.loads(line)
        self.api: dict[str, Any] = self.info["api"]
        self.pusher: dict[str, Any] = self.info["pusher"]

    def stop(self) -> None:
        atexit.unregister(self.stop)
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        for pipe in (self.process.stdout, self.process.stderr):
            if pipe is not None:
                pipe.close()
