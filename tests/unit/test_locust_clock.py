"""Locust's --run-time counts from when its timer is armed, however long the locustfile's imports
took: in a fresh process, as Locust's is, a timer armed after work that never let the hub's loop
run fires early by that work's seconds, and one armed after `on_init` waits its whole time."""

from __future__ import annotations

import subprocess
import sys

ARMED = """
import time
import gevent
from locust.env import Environment
from harness.load.hooks import on_init


def fired_after(init: bool) -> float:
    busy = time.monotonic() + 1.0
    while time.monotonic() < busy:  # a locustfile's imports: work that never lets the hub's loop run
        pass
    if init:
        on_init(Environment(parsed_options=None))
    armed = time.monotonic()
    gevent.spawn_later(0.5, lambda: None).join()
    return time.monotonic() - armed


gevent.get_hub()
print(fired_after(False), fired_after(True))
"""


def test_the_run_time_timer_armed_after_init_waits_its_whole_time() -> None:
    done = subprocess.run([sys.executable, "-c", ARMED], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-2000:]
    without, armed_after_init = map(float, done.stdout.split())
    assert without < 0.25, "the control: the timer Locust armed before on_init caught the clock up"
    assert armed_after_init >= 0.45
