"""Locust load runs with real-time sync checks: `locust -f locustfile.py` (web UI on :8089),
`--headless -u 20 -r 5 -t 60s`, or `--master` / `--worker`. See README "Load runs".

Counter users PATCH lines and add movements through the harness's API client on Locust's
HttpSession (HTTP rows); listeners of each process feed PUSHER rows; at test stop the
histories are checked and reports/ written (harness/load/hooks.py).
"""

from __future__ import annotations

from locust import HttpUser, events, task

from harness.load import hooks

hooks.install(events)


class Counter(HttpUser):
    """A person counting stock: typing bursts into line inputs and logging movements."""

    host = "http://127.0.0.1"  # unused: the API client sends absolute URLs of the run's target

    def on_start(self) -> None:
        session = hooks.RUN.session
        if session is None:
            self.stop()
            return
        self.counter = session.counter(self.client)

    def wait_time(self) -> float:
        session = hooks.RUN.session
        return session.think_s() if session is not None else 1.0

    @task
    def count(self) -> None:
        self.counter.step()
