"""Staging checks that see the server side and say exactly what they left, in target mode: the
backend is `stocksync serve`'s simulator, reached by URLs and flags only, and its Pusher server is
ours, so a run given the app secret reads the server's own log (docs/staging.md)."""

from __future__ import annotations

import json
import re
from pathlib import Path

from harness.record.history import load
from harness.record.history_file import HISTORY_NAME
from tests.e2e.targets import QUICK_STAGING, UNDERSCORES, report_of
from tests.support import in_process


def test_a_trigger_refused_for_size_is_found_in_the_served_pusher_log(staging_run) -> None:
    """The backend uses `stocksync serve` as its Pusher server and the run has the app secret: the
    approve's event, small as its HTTP response is, was refused for size, and the server's log says so."""
    run = staging_run("--fault", "whole-stocktake-event", operations=4, secret=True)
    sized = [f["message"] for f in run.found("oversize-payload")]
    told = r"the backend triggered stocktake-status-changed on \S+ at 1\d\.\d KB; Pusher refuses events over 10 KB"
    assert sized and all(re.match(told, m) for m in sized), sized
    assert run.report["meta"]["server_log"]["read"] is True


def test_without_the_secret_a_small_response_whose_event_is_missing_says_how_to_see_its_size(staging_run) -> None:
    run = staging_run("--fault", "whole-stocktake-event", operations=4)
    hints = run.found("oversize-payload")
    assert [f["severity"] for f in hints] == ["warning"], hints
    assert "the approve response of operation" in hints[0]["message"] and "--pusher-secret" in hints[0]["message"]
    assert run.found("missing-event")


def test_triggers_signed_with_a_stale_secret_are_told_from_the_served_log(staging_run) -> None:
    run = staging_run("--fault", "wrong-pusher-secret", operations=4, secret=True)
    refused = run.found("trigger-refused")
    assert refused and all("answered 401: its signature was refused" in f["message"] for f in refused)
    assert {f["event"] for f in refused} >= {"line-counted-updated", "stocktake-status-changed"}


def test_a_healthy_run_with_the_served_log_stays_clean(staging_run) -> None:
    run = staging_run(code=0, operations=4, secret=True)
    assert {f["name"] for f in run.report["findings"]} == {"public-channel-exposure"}
    assert run.report["meta"]["server_log"]["read"] is True


def test_movements_stored_despite_a_500_are_found_in_the_movement_listing_and_told_as_left(staging_run) -> None:
    """In the run's far-off period a stored movement never shows in its line and nothing is broadcast:
    only the movement listing, re-read at the end (the stocktake deleted by then), shows it."""
    run = staging_run("--fault", "movement-commit-then-500")
    operations = load(run.folder / HISTORY_NAME).operations
    failed = [op for op in operations if op.kind == "add_movement" and op.status == 500]
    found = run.found("write-despite-error")
    assert failed and {f["operation"] for f in found} == {op.id for op in failed}
    assert all("the movement listing re-read at the end" in f["message"] for f in found)
    stored = run.report["meta"]["residue"]["despite_error"]
    assert sorted(stored) == sorted(f["actual"]["re-read"]["id"] for f in found)
    assert f"{len(stored)} movement(s) stored despite an error answer (ids " in " ".join(run.done.stderr.split())


def test_without_the_fault_failed_movements_find_nothing_stored(staging_run) -> None:
    """flaky-500 refuses before the commit: the re-read finds nothing, and says nothing was stored."""
    run = staging_run("--fault", "flaky-500=0.5")
    assert run.found("server-error") and not run.found("write-despite-error")
    assert run.report["meta"]["residue"]["despite_error"] == []
    recorded = load(run.folder / HISTORY_NAME)
    failed = {op.request["line_id"] for op in recorded.operations if op.kind == "add_movement" and op.status == 500}
    reread = [o.data for o in recorded.observations if o.kind == "reread"]
    assert failed and {r["line_id"] for r in reread} == failed and all(r["readable"] for r in reread)


def test_a_negative_count_accepted_is_bad_input_accepted_with_what_was_stored(staging_run) -> None:
    run = staging_run("--fault", "negative-counts-accepted", operations=4)
    (found,) = run.found("bad-input-accepted")
    assert found["severity"] == "error" and found["message"].startswith("probe negative (a negative count)")
    assert "re-read, the API holds {'counted_partial_units': '-1.00'}" in found["message"]
    assert found["actual"] == {"counted_partial_units": "-1.00"}
    check = next(c for c in run.report["checks"] if c["name"] == "bad-input-accepted")
    assert check["judged"] == 9, "every probe that must be refused was held against the rule"


def test_a_suggested_contract_maps_the_whole_contract_by_the_rule_the_seen_names_follow(
    staging_run, staging, tmp_path: Path
) -> None:
    run = staging_run("--fault", "underscore-event-names", operations=6)
    seen = {f["actual"] for f in run.found("unexpected-event")}
    suggested = run.folder / "contract.suggested.toml"
    text = suggested.read_text()
    for line in UNDERSCORES.strip().splitlines()[1:]:
        logical, wire = line.split(" = ")
        assert f"{line}  # inferred" in text if json.loads(wire) not in seen else f"{line}\n" in text
    assert len(seen) >= 2 and "# inferred" in text, "some names were seen, the rest inferred"
    flags = [*run.served.flags(), "--contract", suggested, "--report-dir", tmp_path / "again"]
    again = in_process("run", staging(operations=6), *flags)
    assert again.returncode == 0, again.stderr


def test_with_no_line_to_spare_the_intruder_only_reads(serve, tmp_path: Path) -> None:
    """Every line of the stocktake is a counter's (the simulator's hotel has 300 items): no write of
    the intruder may race a counter, so it reads only, and the history says why."""
    served = serve("--fault", "url-scoped-only")
    scenario = tmp_path / "all-lines.toml"
    scenario.write_text(QUICK_STAGING.format(operations=10, duration=20).replace("lines = 6", "lines = 300"))
    done = in_process("run", scenario, *served.flags(other=True), "--report-dir", tmp_path / "r")
    assert done.returncode == 1, done.stderr
    folder, report = report_of(tmp_path / "r")
    intruder = [op for op in load(folder / HISTORY_NAME).operations if op.actor == "intruder"]
    assert intruder and {op.kind for op in intruder} == {"get_line"}
    assert "reads only" in report["meta"]["intruder"]
    assert any(f["name"] == "cross-hotel-access" for f in report["findings"]), "the reads are still judged"
