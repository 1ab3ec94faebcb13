"""Locust load runs with real-time sync checks: `locust -f locustfile.py` (web UI on :8089),
`--headless -u 20 -r 5 -t 60s`, or `--master` / `--worker`. See docs/locust.md.

The scenarios' roles are Locust users: counters PATCH lines, add movements and re-save lines
through the harness's API client on Locust's HttpSession (HTTP rows); one list-page viewer holds
the hotel's list channel; one supervisor approves and deletes stocktakes on a schedule; one
intruder tries the hotel's lines with the other hotel's token. The roles are `fixed_count` users
(spawned first, one each per run; change them with --class-picker in the web UI), the rest of
`-u` are counters. Listeners of each process feed PUSHER rows; at test stop the histories are
checked and reports/ written (harness/load/hooks.py).
"""

from __future__ import annotations

from locust import HttpUser, constant, events, task

from harness.load import hooks
from harness.load.roles import Step
from harness.load.session import LoadSession

hooks.install(events)
SUPERVISE_EVERY_S = 5.0  # a supervisor's cycle creates, populates, approves and deletes: now and then


class _Role(HttpUser):
    """A user of the run's process-wide session (set up at test start); none there, it stops."""

    abstract = True
    host = "http://127.0.0.1"  # unused: the API client sends absolute URLs of the run's target

    def on_start(self) -> None:
        session = hooks.RUN.session
        step = self.begin(session) if session is not None else None
        if step is None:
            self.stop()
            return
        self.step = step

    def begin(self, session: LoadSession) -> Step | None:
        raise NotImplementedError

    def wait_time(self) -> float:
        session = hooks.RUN.session
        return session.think_s() if session is not None else 1.0

    @task
    def act(self) -> None:
        self.step()


class Counter(_Role):
    """A person counting stock: typing bursts into line inputs, logging movements, re-saving."""

    def begin(self, session: LoadSession) -> Step:
        return session.counter(self.client).step


class ListViewer(_Role):
    """Someone on the stocktakes list page, holding the hotel's channel."""

    fixed_count = 1

    def begin(self, session: LoadSession) -> Step:
        return session.list_viewer(self.client)


class Supervisor(_Role):
    """Approves one stocktake and deletes another, every SUPERVISE_EVERY_S (the first once the list
    page is open)."""

    fixed_count = 1
    wait_time = constant(SUPERVISE_EVERY_S)

    def begin(self, session: LoadSession) -> Step:
        return session.supervisor(self.client, list_page_wait_s=SUPERVISE_EVERY_S)


class Intruder(_Role):
    """The other hotel's user (--other-hotel/--other-token; the embedded stack has one)."""

    fixed_count = 1

    def begin(self, session: LoadSession) -> Step | None:
        return session.intruder()
