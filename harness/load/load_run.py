"""The state Locust's hooks share in one process (hooks are plain functions): one run at a time, from
its test start to its report, and which run it is."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..report.model import Report
    from .session import LoadSession


class LoadRun:
    """The process-wide state Locust's hooks share (hooks are plain functions)."""

    def __init__(self) -> None:
        self.session: LoadSession | None = None
        self.texts: dict[str, str] = {}  # each process's history, parsed when reporting
        self.parts: dict[str, dict[str, bytes]] = {}  # and its parts' files (`History.add_part`), by name
        self.worker_errors: dict[str, str] = {}
        self.collected = False  # the master's test stop can fire twice (last worker gone, then quit)
        self.workers: set[str] = set()  # the master's: each worker that took part, by `worker_name`
        self.started = 0.0
        self.exit_code: int | None = None
        self.report: Report | None = None
        self.folder: Path | None = None
        self.run_error: str | None = None  # set-up failed, or a worker sent no history: exit 2
        self.checking = False  # from Stop until the report is written (or nothing is to be checked)
        self.setting_up = False  # from Start until the listeners are up and the stocktake is made
        self.ended = False  # test stop has run: reported, or nothing to check
        self.run_id: str | None = None
        """The master's name for this run, sent to the workers with the options (`stamped`): a history
        sent in an earlier one (a worker that answered after the master gave up on it, then a new run
        was started from the web UI) is none of this one's."""

    def reset(self) -> None:
        self.__init__()  # type: ignore[misc]


RUN = LoadRun()


def stamped(options: Any, master: bool) -> None:
    """This run's id: made by the master at its test start, which Locust fires before it sends the
    workers its options (each worker's test start then finds it there)."""
    if master:
        options.sync_run = uuid.uuid4().hex
    RUN.run_id = getattr(options, "sync_run", None)


def this_run(data: dict[str, Any]) -> bool:
    """Whether a worker's message was sent in this run."""
    return data.get("run") == RUN.run_id
