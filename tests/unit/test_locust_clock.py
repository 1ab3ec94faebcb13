"""Locust's --run-time counts from when its timer is armed, however long the locustfile's imports
took: a fresh process, its gevent loop not run since the hub was made, as Locust's is."""

from __future__ import annotations

import subprocess
import sys

ARMED = """
import sys
import time
import gevent
from locust.env import Environment
from harness.load.hooks import on_init
gevent.get_hub()
busy = time.monotonic() + 1.5
while time.monotonic() < busy:  # a locustfile's imports: work that never lets the hub's loop run
    pass
if sys.argv[1] == "init":
    on_init(Environment(parsed_options=None))
armed = time.monotonic()
gevent.spawn_later(1.0, lambda: print(round(time.monotonic() - armed, 2))).join()
"""


def _fired_after(init: str) -> float:
    done = subprocess.run([sys.executable, "-c", ARMED, init], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-2000:]
    return float(done.stdout)


def test_the_run_time_timer_armed_after_init_waits_its_whole_time() -> None:
    assert _fired_after("init") >= 0.95


def test_without_init_the_loop_clock_is_the_hub_s_birth_and_the_timer_fires_early() -> None:
    """The control: what Locust's timer did before `on_init` caught the loop's clock up."""
    assert _fired_after("none") < 0.5
