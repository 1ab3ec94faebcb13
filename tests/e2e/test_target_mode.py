"""Target mode exactly as against a remote deployment: `stocksync serve` in its own process,
reached through URLs and flags (or environment and a config file) only."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from harness.record.history import load
from harness.record.history_file import HISTORY_NAME, read_text
from harness.record.receipt_table import load_receipts
from harness.testing import wait_until
from tests.e2e.targets import UNDERSCORES, report_of, stock_levels, stocksync
from tests.support import PRIVATE, in_process


def test_staging_run_passes_warns_of_public_channels_and_cleans_up(serve, staging, tmp_path: Path) -> None:
    served = serve()
    before, stock_before = served.stocktakes(), stock_levels(served)
    done = in_process("run", staging(), *served.flags(other=True), "--report-dir", tmp_path / "r")
    assert done.returncode == 0, done.stderr
    folder, report = report_of(tmp_path / "r")
    warnings = [f for f in report["findings"] if f["name"] == "public-channel-exposure"]
    assert warnings and all(f["severity"] == "warning" for f in warnings)
    intruder = [
        json.loads(line)
        for line in read_text(folder / HISTORY_NAME).splitlines()
        if '"actor":"intruder"' in line and '"invoke"' in line
    ]
    assert {op["kind"] for op in intruder} == {"get_line", "patch_line"}
    assert served.stocktakes() == before, "the run deletes what it created; the rest is as it was"
    assert "cleaned up" in done.stderr
    check = next(c for c in report["checks"] if c["name"] == "missing-event")
    recorded = load(folder / HISTORY_NAME)
    deleted = [o for o in recorded.observations if o.kind == "receipt" and o.event == "stocktake-deleted"]
    assert deleted and check["judged"] > 0 and report["verdict"] == "PASS", "the delete was heard and judged"
    residue = report["meta"]["residue"]
    moved = [op for op in recorded.operations if op.kind == "add_movement" and op.ok]
    assert len(residue["approvals"]) == 1 and len(residue["movements"]) == len(moved)
    stock_after = stock_levels(served)
    changed = {i: after - stock_before[i] for i, after in stock_after.items() if after != stock_before[i]}
    assert changed, "the approval and the movements moved some stock"
    assert {c["item"]: Decimal(c["change"]) for c in residue["stock_changed"]} == changed
    told = " ".join(done.stderr.split())
    assert "left behind, which the API cannot delete" in told
    assert f"{len(changed)} item stock level(s) changed, re-read before and after" in told
    assert "cancel out" not in told
    secrets = [served.api["token"], served.api["other_token"], served.pusher["secret"]]
    texts = {path.name: read_text(path) for path in folder.iterdir() if path.is_file()}
    texts["receipts/"] = load_receipts(folder / HISTORY_NAME).write_csv()  # the Parquet chunks' text
    for name, text in texts.items():
        assert not [s for s in secrets if s in text], f"{name} leaks a secret"


def test_strict_fails_on_the_public_channel_warning(serve, staging, tmp_path: Path) -> None:
    served = serve()
    done = stocksync("run", staging(operations=4), *served.flags(), "--strict", "--report-dir", tmp_path)
    assert done.returncode == 1, done.stderr


@pytest.mark.heavy  # target mode's cross-hotel-access stays in the default run: the url-scoped-only test below
def test_cross_hotel_writes_accepted_are_a_finding(serve, staging, tmp_path: Path) -> None:
    served = serve("--fault", "cross-hotel-access")
    done = in_process("run", staging(), *served.flags(other=True), "--report-dir", tmp_path / "r")
    assert done.returncode == 1, done.stderr
    _, report = report_of(tmp_path / "r")
    assert "cross-hotel-access" in {f["name"] for f in report["findings"]}


def test_a_backend_that_scopes_data_by_url_only_is_found_and_left_as_it_was(serve, staging, tmp_path: Path) -> None:
    """The intruder's token is the other hotel's, the URL this hotel's: judged by the token. Its
    writes put back what the line had, so the accepted intrusion changes nothing."""
    served = serve("--fault", "url-scoped-only")
    done = in_process("run", staging(), *served.flags(other=True), "--report-dir", tmp_path / "r")
    assert done.returncode == 1, done.stderr
    folder, report = report_of(tmp_path / "r")
    found = [f for f in report["findings"] if f["name"] == "cross-hotel-access"]
    assert found and all(served.api["other_hotel"] in f["message"] for f in found)
    reads = {}
    operations = load(folder / HISTORY_NAME).operations
    counted = {op.request["line_id"] for op in operations if op.actor.startswith("counter-")}
    probed = {op.request["line_id"] for op in operations if op.actor == "prober" and "line_id" in op.request}
    touched = {op.request["line_id"] for op in operations if op.actor == "intruder" and op.kind == "patch_line"}
    assert touched and not touched & (counted | probed), "the intruder writes only lines no counter or probe writes"
    for op in operations:
        if op.actor == "intruder" and op.ok:
            if op.kind == "get_line":
                reads[op.request["line_id"]] = op.body
            else:
                before = reads[op.request["line_id"]]
                fields = ("counted_full_units", "counted_partial_units", "counted_qty")
                assert {k: op.body[k] for k in fields} == {k: before[k] for k in fields}, "nothing changed"
    assert reads, "the intrusion was accepted, so there was something to compare"


def test_an_event_refused_for_size_is_found_from_the_http_response(serve, staging, tmp_path: Path) -> None:
    """Against real Pusher the backend's 413 is invisible; the missing event and the size of the response
    it mirrors say why."""
    served = serve("--fault", "oversize-payload")
    done = in_process("run", staging(operations=6), *served.flags(), "--report-dir", tmp_path / "r")
    assert done.returncode == 1, done.stderr
    _, report = report_of(tmp_path / "r")
    sized = [f for f in report["findings"] if f["name"] == "oversize-payload"]
    assert sized and re.search(
        r"the patch_line response of operation \d+ is \d+\.\d KB, and its event came to no listener",
        sized[0]["message"],
    )


def test_bad_input_probes_find_500s_and_what_was_stored_anyway(serve, tmp_path: Path) -> None:
    served = serve("--fault", "duplicate-period-500", "--fault", "float-quantity-500-stored")
    done = in_process("run", "probes", *served.flags(), "--report-dir", tmp_path / "r")
    assert done.returncode == 1, done.stderr
    _, report = report_of(tmp_path / "r")
    messages = {f["name"]: [] for f in report["findings"]}
    for f in report["findings"]:
        messages[f["name"]].append(f["message"])
    assert any("probe duplicate-period) answered 500" in m for m in messages["server-error"])
    assert any("probe float-quantity) answered 500" in m for m in messages["server-error"])
    assert any("probe float-quantity) answered 500, yet its change is visible" in m
               for m in messages["write-despite-error"])  # fmt: skip
    assert served.stocktakes() == [], "the probe's stocktakes are cleaned up too"


def test_private_channels_through_the_auth_endpoint_are_not_exposed(serve, staging, tmp_path: Path) -> None:
    served = serve("--private-channels")
    contract = tmp_path / "private.toml"
    contract.write_text(PRIVATE)
    done = in_process(
        "run",
        staging(),
        *served.flags(),
        "--contract",
        contract,
        "--strict",
        "--auth-endpoint",
        served.api["auth_endpoint"],
        "--report-dir",
        tmp_path / "r",
    )
    assert done.returncode == 0, done.stderr
    folder, report = report_of(tmp_path / "r")
    assert report["counts"]["receipts"] > 0 and not report["findings"]
    before = {p.name: p.stat().st_mtime_ns for p in folder.iterdir()}
    recheck = in_process("check", folder)
    assert recheck.returncode == 0, "re-checked without flags, the run keeps its contract and its verdict"
    assert {p.name: p.stat().st_mtime_ns for p in folder.iterdir()} == before, "the run's own reports are kept"


# with the default contract: unexpected-event, which the default run has from the embedded stack
# (tests/e2e/test_e2e_faults.py, tests/e2e/test_ci_outputs.py)
@pytest.mark.parametrize(
    "contract, code",
    [(UNDERSCORES, 0), pytest.param(None, 1, marks=pytest.mark.heavy)],
    ids=["team-contract", "default"],
)
def test_underscore_names_are_invisible_with_the_right_contract(serve, tmp_path: Path, contract, code) -> None:
    served = serve("--fault", "underscore-event-names")
    extra: list[str | Path] = []
    if contract:
        (tmp_path / "team.toml").write_text(contract)
        extra = ["--contract", tmp_path / "team.toml"]
    done = in_process("run", "smoke", *served.flags(), *extra, "--report-dir", tmp_path / "r")
    assert done.returncode == code, done.stderr
    _, report = report_of(tmp_path / "r")
    names = {f["name"] for f in report["findings"]}
    assert names == {"public-channel-exposure"} if code == 0 else {"unexpected-event", "missing-event"} <= names


def test_settings_from_environment_and_config_file(serve, staging, tmp_path: Path) -> None:
    served = serve()
    config = tmp_path / "stocksync.toml"
    config.write_text(
        f'[target]\ntarget = "{served.api["base_url"]}"\nhotel = "{served.api["hotel"]}"\n'
        f'pusher_host = "127.0.0.1"\npusher_port = {served.pusher["port"]}\n'
    )
    env = {"STOCKSYNC_TOKEN": served.api["token"], "PUSHER_KEY": served.pusher["key"]}
    done = in_process("run", staging(operations=4), "--config", config, "--report-dir", tmp_path / "r", env=env)
    assert done.returncode == 0, done.stderr
    assert served.stocktakes() == []


def test_dry_run_prints_the_plan_and_touches_nothing(untouched) -> None:
    done = stocksync("run", "staging", *untouched.flags(other=True), "--dry-run")
    assert done.returncode == 0, done.stderr
    assert "delete every stocktake the run created" in done.stdout and "preflight" in done.stdout
    plan = " ".join(done.stdout.split())
    for kind in (
        "movement row(s), with ids",
        "any movement a failed write stored anyway",
        "stock adjustments",
        "every item stock level that changed, by item and amount",
        "/items/",
        "bad-input-accepted",
    ):
        assert kind in plan, kind
    assert "cancel out" not in plan
    assert untouched.stocktakes() == []


def test_keep_leaves_the_stocktake_for_inspection(serve, staging, tmp_path: Path) -> None:
    served = serve()
    done = in_process("run", staging(operations=4), *served.flags(), "--keep", "--report-dir", tmp_path)
    assert done.returncode == 0, done.stderr
    assert [s["status"] for s in served.stocktakes()] == ["APPROVED"]


def test_interrupted_run_leaves_no_stocktake_behind(serve, staging, tmp_path: Path) -> None:
    served = serve()
    run = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "harness.cli",
            "run",
            str(staging(operations=2000, duration=60)),
            *served.flags(),
            "--report-dir",
            str(tmp_path / "r"),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_until(lambda: any(s["line_count"] for s in served.stocktakes()), 30, what="the run's stocktake")
        wait_until(
            lambda: (
                tmp_path.exists()
                and any(tmp_path.rglob(HISTORY_NAME))
                and "patch_line" in read_text(next(tmp_path.rglob(HISTORY_NAME)))
            ),
            30,
            what="counters writing",
        )
        run.send_signal(signal.SIGINT)
        _, err = run.communicate(timeout=60)
    finally:
        if run.poll() is None:
            run.kill()
            run.communicate()
    assert "interrupted" in err and "cleaned up" in err, err
    assert served.stocktakes() == []


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda f: f.__setitem__(f.index("--token") + 1, "wrong"), "refused the token"),
        (lambda f: f.__setitem__(f.index("--hotel") + 1, "no-such-hotel"), "404"),
        (lambda f: f.__setitem__(f.index("--target") + 1, "http://127.0.0.1:9/api"), "cannot reach"),
        (lambda f: f.__setitem__(f.index("--pusher-key") + 1, "not-the-key"), "could not subscribe"),
    ],
    ids=["token", "hotel", "unreachable", "pusher-key"],
)
def test_preflight_stops_before_any_write(untouched, tmp_path: Path, change, message: str) -> None:
    flags = untouched.flags()
    change(flags)
    done = stocksync("run", "smoke", *flags, "--report-dir", tmp_path)
    assert done.returncode == 2, done.stderr
    assert "preflight failed" in done.stderr and message in done.stderr
    assert "Traceback" not in done.stderr
    assert untouched.stocktakes() == []
    assert not tmp_path.exists() or not list(tmp_path.iterdir())
