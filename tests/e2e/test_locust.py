"""locustfile.py run by Locust itself: headless, with a fault, and as a master with two workers."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from harness.load.run_folder import Roll, read_roll
from harness.record.history import load, parts_of
from harness.record.history_file import HISTORY_NAME
from tests.e2e.locust_runs import LOCUST, SHORT, free_port, reap, report_of
from tests.support import Served


def _rows(csv_prefix: Path) -> list[dict[str, str]]:
    with open(f"{csv_prefix}_stats.csv", newline="") as fh:
        return list(csv.DictReader(fh))


EVENT_OF = {"patch_line": "line-counted-updated", "add_movement": "line-movement-added"}


# the healthy run in heavy: the web UI's healthy run is in the default one
@pytest.mark.parametrize(
    "fault",
    [pytest.param(None, marks=pytest.mark.heavy), "pusher-drop=0.2,double-broadcast"],
    ids=["healthy", "drop-and-double"],
)
def test_pusher_samples_are_one_per_change(tmp_path: Path, fault: str | None) -> None:
    """PUSHER request count per event == the writes of that kind: one sample per change, whatever
    happened to it, and its failures are the changes the report has delivery findings for, each
    named in Locust's failures. The healthy run passes, with its PUSHER and PATCH rows and the four
    report files. The faulty one listens with asyncio bots, the healthy one with pysher."""
    extra = ["--sync-fault", fault, "--sync-listener-kind", "asyncio"] if fault else []
    done = subprocess.run(
        [*LOCUST, "--headless", *SHORT, *extra, "--sync-report-dir", str(tmp_path / "r"),
         "--csv", str(tmp_path / "stats")],
        capture_output=True, text=True, timeout=100, cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == (1 if fault else 0), done.stderr[-3000:]
    folder, report = report_of(tmp_path / "r")
    writes = Counter(EVENT_OF[op.kind] for op in load(folder / HISTORY_NAME).operations
                     if op.ok and op.kind in EVENT_OF and op.actor.startswith("user-"))  # fmt: skip
    pusher = {r["Name"]: r for r in _rows(tmp_path / "stats") if r["Type"] == "PUSHER"}
    assert writes and {name: int(pusher[name]["Request Count"]) for name in writes} == dict(writes)
    failed = {(f["operation"], f["event"]) for f in report["findings"] if f["operation"] is not None
              and f["event"] in writes and f["name"] in ("missing-event", "late-event", "duplicate-event")}  # fmt: skip
    assert sum(int(pusher[name]["Failure Count"]) for name in writes) == len(failed)
    # a sample's time is a real delivery's: only changes nobody got have none (no 0 ms, no placeholder)
    timed = [r for r in pusher.values() if int(r["Failure Count"]) < int(r["Request Count"])]
    assert all(float(r["Average Response Time"]) > 0 for r in timed), "no delivered sample carries 0 ms"
    working = tmp_path / "r" / ".locust-histories"
    assert not working.exists() or not list(working.iterdir()), "no second copy of the history is left"
    if fault is None:
        assert "line-counted-updated" in pusher, done.stderr[-3000:]
        assert all(int(r["Failure Count"]) == 0 for r in pusher.values())
        http = [r for r in _rows(tmp_path / "stats") if r["Type"] == "PATCH"]
        assert http and http[0]["Name"] == "PATCH /stocktake-lines/{id}/"
        assert report["verdict"] == "PASS" and report["counts"]["matched"] > 0
        assert {p.name for p in folder.iterdir()} == {
            HISTORY_NAME,
            "deliveries",
            "receipts",
            "report.json",
            "junit.xml",
            "report.html",
        }
    else:
        named = {f["name"] for f in report["findings"]}
        assert {"missing-event", "duplicate-event"} <= named, named
        with open(f"{tmp_path / 'stats'}_failures.csv", newline="") as fh:
            errors = " ".join(f["Error"] for f in csv.DictReader(fh) if f["Method"] == "PUSHER")
        assert "missing-event" in errors and "duplicate-event" in errors, errors[:500]


def _distributed(tmp_path: Path, workers: int, *flags: str) -> tuple[int, str, list[int | None]]:
    """A headless master and its workers on 127.0.0.1; the master's exit code and stderr, and the
    workers' exit codes."""
    port = free_port()
    master = subprocess.Popen(
        [
            *LOCUST,
            "--headless",
            "--master",
            "--master-bind-host",
            "127.0.0.1",
            "--master-bind-port",
            str(port),
            "--expect-workers",
            str(workers),
            *SHORT,
            "--sync-report-dir",
            str(tmp_path / "r"),
            *flags,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
        start_new_session=True,
    )
    started = [
        subprocess.Popen(
            [*LOCUST, "--worker", "--master-host", "127.0.0.1", "--master-port", str(port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            text=True,
            cwd=tmp_path,
            start_new_session=True,
        )
        for _ in range(workers)
    ]
    try:
        _, err = master.communicate(timeout=100)
        codes = [worker.wait(30) for worker in started]
    finally:
        for process in (master, *started):
            reap(process)
    return master.returncode, err, codes


def test_a_worker_whose_set_up_fails_makes_the_master_exit_2_naming_why(tmp_path: Path) -> None:
    """Workers take the master's target; an unreachable one fails their set-up. The master must
    not wait out its collect timeout for histories that will not come, nor pass the run."""
    closed = free_port()
    returncode, err, _ = _distributed(
        tmp_path,
        1,
        "--sync-target",
        f"http://127.0.0.1:{closed}",
        "--sync-token",
        "t",
        "--sync-hotel",
        "h",
        "--pusher-key",
        "k",
        "--pusher-host",
        "127.0.0.1",
        "--pusher-port",
        str(closed),
    )
    assert returncode == 2, err[-3000:]
    assert "stocksync set-up failed" in err and f"port={closed}" in err
    assert "only 0 of 1 workers sent their history" in err


@pytest.mark.parametrize(
    "flag, value", [("--sync-listener-kind", "carrier-pigeon"), ("--sync-scenario", "no-such-scenario")]
)
def test_bad_sync_options_stop_the_run_with_exit_2(tmp_path: Path, flag: str, value: str) -> None:
    done = subprocess.run(
        [*LOCUST, "--headless", *SHORT, flag, value, "--sync-report-dir", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert done.returncode == 2, done.stderr[-2000:]
    assert value in done.stderr


@pytest.mark.heavy
@pytest.mark.parametrize("keep", [False, True], ids=["cleaned-up", "kept"])
def test_headless_run_against_a_target_by_stocksync_runs_flags(tmp_path: Path, keep: bool) -> None:
    """`stocksync run`'s own flags (`--target --token --hotel --other-hotel --other-token --pusher-*
    --no-pusher-tls`),
    with PUSHER_CLUSTER in the environment as a Django backend's has it: the --pusher-host flag wins,
    as it does for `stocksync run`; the intruder judges cross-hotel access with the other token, and
    the supervisor's approvals and deletions are heard on the list channel."""
    served = Served()
    try:
        done = subprocess.run(
            [*LOCUST, "--headless", *SHORT, *served.flags(other=True), "--no-pusher-tls",
             *(["--keep"] if keep else []), "--report-dir", str(tmp_path / "r")],
            capture_output=True, text=True, timeout=100, cwd=tmp_path,
            env={**os.environ, "PUSHER_CLUSTER": "eu"},
        )  # fmt: skip
        left = served.stocktakes()
    finally:
        served.stop()
    _, report = report_of(tmp_path / "r")
    names = {f["name"] for f in report["findings"]}
    assert done.returncode == 0 and names <= {"public-channel-exposure"}, done.stderr[-3000:]
    judged = {c["name"]: c["judged"] for c in report["checks"]}
    assert judged["cross-hotel-access"] > 0, "the intruder's attempts are judged"
    assert {"stocktake-status-changed", "stocktake-deleted"} <= set(report["latency"]["by_event"])
    # the run's own stocktake and every supervisor's one are deleted at the end, or kept with --keep
    assert (len(left) >= 1) if keep else not left
    assert served.api["token"] not in done.stderr and served.api["other_token"] not in done.stderr


def test_a_cluster_and_a_host_both_as_flags_are_refused_as_stocksync_run_refuses_them(tmp_path: Path) -> None:
    """Before anything starts, exit 2, in `stocksync run`'s words, and no secret echoed."""
    flags = ["--target", "http://127.0.0.1:9/api", "--token", "tok-SECRET-1", "--hotel", "h", "--pusher-key", "k",
             "--pusher-cluster", "eu", "--pusher-host", "127.0.0.1", "--other-token", "tok-SECRET-2"]  # fmt: skip
    done = subprocess.run(
        [*LOCUST, "--headless", *SHORT, *flags], capture_output=True, text=True, timeout=60, cwd=tmp_path
    )
    assert done.returncode == 2, done.stderr[-2000:]
    assert "--pusher-cluster and --pusher-host are both given as flags" in done.stderr
    assert "SECRET" not in done.stderr + done.stdout


def test_a_mistyped_option_is_refused_without_echoing_its_value(tmp_path: Path) -> None:
    done = subprocess.run(
        [*LOCUST, "--headless", *SHORT, "--tokn", "tok-SECRET-1", "--other-tokn=tok-SECRET-2"],
        capture_output=True, text=True, timeout=60, cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 2, done.stderr[-2000:]
    assert "unrecognized arguments: --tokn --other-tokn" in done.stderr
    assert "SECRET" not in done.stderr + done.stdout


def test_sync_help_lists_the_stocksync_options() -> None:
    """Locust prints --help before it loads a locustfile (its issue #2917): --sync-help is Locust's
    help with these options in it."""
    done = subprocess.run([*LOCUST, "--sync-help"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-2000:]
    for flag in ("--target TARGET, --sync-target", "--token TOKEN", "--other-hotel", "--no-pusher-tls",
                 "--pusher-host", "--sync-config", "--keep, --sync-keep"):  # fmt: skip
        assert flag in done.stdout, flag


SPREAD = """
name = "spread-locust"
[listeners]
kind = "asyncio"
frontend = false
processes = 2
[run]
operations = 200
duration_s = 30
"""


# 16 s of play on three Locust processes and four listener processes: the most CPU of any default test.
# Distributed Locust stays in the default run (a master and a worker whose set-up fails, above); merging
# workers' histories into one report, and rechecking its folder, is tests/unit/test_merge.py's.
@pytest.mark.heavy
def test_two_workers_and_their_listener_processes_make_onereport_of(tmp_path: Path) -> None:
    """A master with two workers writes one aggregated report of both. Each worker spreads its
    viewers over two listener processes, whose files are parts of its history: they travel with it
    to the master, lie beside it in the report folder, and read."""
    scenario = tmp_path / "spread.toml"
    scenario.write_text(SPREAD)
    flags = ("--sync-scenario", str(scenario), "--sync-listener-kind", "asyncio", "--sync-listeners", "6")
    # 16 s, not SHORT's 8: each worker starts two listener processes first, which on two busy cores
    # has taken the whole 8 s, leaving a run with no write (INCONCLUSIVE, rightly)
    returncode, err, workers = _distributed(tmp_path, 2, *flags, "-t", "16s")
    folder, report = report_of(tmp_path / "r")
    assert returncode == 0, (report["findings"][:3], err[-3000:])
    assert workers == [0, 0], "each worker's exit code is its own verdict on its own history"
    histories = sorted(folder.glob("history-*.jsonl.zst"))
    parts = [part for history in histories for part in parts_of(history)]
    assert len(histories) == 2 and len(parts) == 4 and all((folder / part).is_file() for part in parts)
    for history in histories:
        heard = {o.listener for o in load(history).observations if o.kind == "receipt"}
        assert len(heard) == 6, "every worker's viewers, heard in its listener processes, are in its history"
    assert report["verdict"] == "PASS" and report["counts"]["matched"] > 0
    assert len(report["meta"]["workers"]) == 2
    assert read_roll(folder) == Roll(report["meta"]["workers"], report["meta"]["workers"]), "both took part and sent"
    listeners = {name.split("/")[0] for name in report["latency"]["by_listener"]}
    assert listeners == set(report["meta"]["workers"]), "both workers' listeners are in the one report"
    # the sum of its workers: their stocktakes, their operations (played or cut at stop), judged >= found
    loaded = [load(history) for history in histories]
    assert len(report["meta"]["created"]) == sum(len(h.meta["created"]) for h in loaded) >= 2
    assert set(report["meta"]["by_worker"]) == set(report["meta"]["workers"])
    played = [op for h in loaded for op in h.operations if op.type != "invoke"]
    cut = report["meta"].get("cut", {}).get("operations", 0)
    assert report["counts"]["operations"] == len(played) and report["counts"]["cut"] == cut
    assert cut == sum(op.type == "invoke" for h in loaded for op in h.operations)
    assert all(c["judged"] >= c["count"] for c in report["checks"]), report["checks"]
    rechecked = subprocess.run(
        [sys.executable, "-m", "harness.cli", "check", str(folder), "--json"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    again = json.loads(rechecked.stdout)
    assert rechecked.returncode == 0, rechecked.stderr[-2000:]
    assert (again["verdict"], again["counts"], again["meta"]["workers"]) == (
        report["verdict"],
        report["counts"],
        report["meta"]["workers"],
    ), "stocksync check of the folder merges the workers' histories as the master did"


STAGING_FAULTS = ("url-scoped-only", "swallowed-broadcast=0.5", "oversize-payload=0.3")


def _staging_against_served(tmp_path: Path, face: str) -> dict:
    """The staging shape, played by `stocksync run` or by headless Locust, against `stocksync serve`
    in target mode with a second hotel and the faults; its report."""
    served = Served(*[arg for fault in STAGING_FAULTS for arg in ("--fault", fault)])
    root = tmp_path / face
    if face == "run":
        command = [sys.executable, "-m", "harness.cli", "run", "staging"]
    else:
        command = [*LOCUST, "--headless", *SHORT, "-t", "15s", "--sync-scenario", "staging"]
    try:
        done = subprocess.run(
            [*command, *served.flags(other=True), "--report-dir", str(root)],
            capture_output=True, text=True, timeout=200, cwd=tmp_path,
        )  # fmt: skip
    finally:
        served.stop()
    assert done.returncode == 1, (face, done.stderr[-2000:])
    return report_of(root)[1]


@pytest.mark.heavy
def test_locust_and_stocksync_run_name_the_same_findings_of_the_staging_shape(tmp_path: Path) -> None:
    """url-scoped-only (the intruder's), swallowed-broadcast (the supervisor's list events among
    them) and oversize-payload (the counters'): every check `stocksync run staging` judges and every
    kind it names, the Locust run judges and names too (but the bad-input probes, which a load run does
    not send), and Locust names nothing that `stocksync run`
    judged and found clean (its own stocktake is read back before it is deleted, so it judges
    divergence as well)."""
    run, load = (_staging_against_served(tmp_path, face) for face in ("run", "locust"))
    # the defects each names: errors that no other finding explains (a page that diverged because it
    # missed an event carries that cause; a swap across lines is a warning)
    kinds = {
        face: {f["name"] for f in report["findings"] if f["severity"] == "error" and not f.get("cause")}
        for face, report in (("run", run), ("locust", load))
    }
    assert {"cross-hotel-access", "missing-event", "oversize-payload"} <= kinds["run"] <= kinds["locust"], kinds
    judged_by_run = {c["name"] for c in run["checks"] if c["judged"]}
    blamed = (kinds["locust"] - kinds["run"]) & judged_by_run
    assert not blamed, (kinds, [(f["message"], f["times"]) for f in load["findings"] if f["name"] in blamed][:5])
    judged_by_locust = {c["name"] for c in load["checks"] if c["judged"]}
    # the bad-input probes are a staging run's one-off questions to the API, not load: Locust sends none
    assert judged_by_run - {"bad-input-accepted"} <= judged_by_locust, "every other check the Locust run judges too"
