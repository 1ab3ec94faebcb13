"""PASS, FAIL or INCONCLUSIVE: Jepsen's valid / invalid / unknown for a sync run.

FAIL: any error finding. INCONCLUSIVE: no error finding, but the run did not do what its
scenario asked, so silence proves nothing: it was interrupted, its time bound ended it before
its operations, too few of its writes succeeded, no listener subscribed, or a check the
scenario exists for judged nothing. Each reason is one sentence for every report.

Before any of that, the record itself: a history that is not whole (no end record, a cut line, a
part missing or not named, `Wholeness`) or that says the harness's own worker, page, flow or
recorder died (`FAILURE`) is INCONCLUSIVE even with error findings. Its silence may be the part that
is missing, and its findings may be the harness's failure: exit 1 must mean the system under test.

The rules' outcomes (`outcomes.py`) are merged as Jepsen merges valid?: an invalid one fails the
run, an unknown one it needed leaves it INCONCLUSIVE.

What the scenario asked is recorded in the history's meta by the runner (`expect`, `ended_by`,
`steps`, `interrupted`), so `stocksync check` reaches the same verdict offline.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..record.history import FAILURE, HistoryData, Observation
from .lost_listeners import SHOWN, lost_listeners
from .model import stocktake_of
from .outcomes import Outcome, merge
from .rules import RULES
from .writes import WriteShare, counted_on

PASS, FAIL, INCONCLUSIVE = "PASS", "FAIL", "INCONCLUSIVE"
DEFAULT_MIN_WRITE_SUCCESS = 0.5

VERDICTS = {"valid": PASS, "invalid": FAIL, "unknown": INCONCLUSIVE}


def decide(
    history: HistoryData, outcomes: Mapping[str, Outcome], share: WriteShare | None = None
) -> tuple[str, list[str]]:
    """The rules' outcomes merged as Jepsen merges valid? (invalid beats unknown beats valid), with
    what the run itself says (`inconclusive_reasons`) as one more unknown. A rule that judged nothing
    counts only if the run needed it: its scenario exists for it (`expect.required`), or it found the
    harness blind (`fault_coverage`); other rules had nothing happen for them to judge. `share`: of the
    writes counted on, those that succeeded, if the checks over operations counted them (else counted
    here)."""
    required = _required(history)
    blind = blind_reasons(history)
    unsure = [f.message for o in outcomes.values() for f in o.blind]
    reasons = inconclusive_reasons(history, outcomes, share)
    if blind:
        errors = sum(f.severity == "error" for o in outcomes.values() for f in o.findings)
        if errors:
            blind.append(
                f"its {errors} error finding(s) are reported as evidence, but a record the harness did "
                "not keep whole cannot fail the system under test"
            )
        return INCONCLUSIVE, blind + [reason for reason in reasons if reason not in blind] + unsure
    reasons += unsure
    needed = (o.status for o in outcomes.values() if o.status != "unknown" or o.rule in required or o.blind)
    status = merge([*needed, "unknown" if reasons else "valid"])
    return VERDICTS[status], reasons if status == "unknown" else []


def _required(history: HistoryData) -> list[str]:
    expect: dict[str, Any] = history.meta.get("expect") or {}
    return list(expect.get("required", ["missing-event"]))


def blind_reasons(history: HistoryData) -> list[str]:
    """What the harness itself lost: its own failures, then what the record lacks (each part's loss
    said once: a part its dead worker left without an end record is that death, not another cause)."""
    reasons, explained = [], set()
    for what, failures in _failures(history).items():
        first = min(failures, key=lambda o: o.time)
        data = first.data if isinstance(first.data, dict) else {}
        listeners = {o.listener for o in failures if o.listener}
        owed = f": what its {len(listeners)} listener(s) were owed from then on was not judged" if listeners else ""
        detail = f" ({data['detail']})" if data.get("detail") else ""
        reasons.append(f"the harness's own {what} stopped {when_in_run(history, first.time)}{detail}{owed}")
        explained.add(data.get("part"))
    whole = history.wholeness
    if not whole.ended:
        reasons.append(_killed(history))
    reasons += [f"the last line of {file} is cut, so what it recorded last is lost" for file in whole.torn
                if file not in explained and (whole.ended or file != "the history")]  # fmt: skip
    reasons += [f"its part {file} is named but missing, so its listeners' records were not read"
                for file in whole.missing if file not in explained]  # fmt: skip
    reasons += [f"{file} lies beside it as its part but it does not name it, so the run that wrote both did "
                "not finish, or the history was edited" for file in whole.unnamed]  # fmt: skip
    reasons += [f"its part {file} has no end record, so the listener process that wrote it did not finish"
                for file in whole.unended if file not in explained]  # fmt: skip
    return reasons + whole.problems


def _failures(history: HistoryData) -> dict[str, list[Observation]]:
    """The harness's own failures by what failed (a dead worker is one per listener it held)."""
    found: dict[str, list[Observation]] = {}
    for obs in history.of_kind(FAILURE):
        what = obs.data.get("what") if isinstance(obs.data, dict) else None
        found.setdefault(str(what or "part"), []).append(obs)
    return found


def when_in_run(history: HistoryData, t: float) -> str:
    """Where `t` lies in the run ("12.3 s into the run"), from its time origin; the monotonic time if none."""
    origin = history.meta.get("time_origin")
    if isinstance(origin, (int, float)) and not isinstance(origin, bool):
        return f"{t - origin:.1f} s into the run"
    return f"at {t:.1f} s"


def _killed(history: HistoryData) -> str:
    """The run's close writes what it left behind, then the end record: with the one and not the other,
    the file is older than end records (or was cut just there), not a killed run."""
    meta = history.meta
    if "left_behind" in meta:
        return "the history has no end record (a version before end records wrote it, or it was cut at its end)"
    expect: dict[str, Any] = meta.get("expect") or {}
    steps = meta.get("steps")
    if steps is not None:
        return f"the run was killed: no end record after {_steps(steps, expect)}"
    # killed in play (its steps are counted as it settles), or a Locust run's (its users are its counters)
    plans = {
        "operations": f"{expect.get('operations')} counter steps were",
        "time": f"a {expect.get('duration_s')} s run was",
    }
    planned = plans.get(str(expect.get("until", "operations")))
    return f"the run was killed: no end record after {len(history.operations)} requests" + (
        f" ({planned} planned)" if planned else ""
    )


def _steps(done: Any, expect: dict[str, Any]) -> str:
    """How far a run got, in the progress line's words: the scenario's `operations` are counter steps
    (a burst of typing or a movement, each of which may send several requests), the plan of a run
    planned by them, and the cap of one planned by time."""
    if expect.get("until", "operations") == "time":
        return f"{done} counter steps of a {expect.get('duration_s', '?')} s run"
    return f"{done} of {expect.get('operations', '?')} planned counter steps"


def inconclusive_reasons(
    history: HistoryData, outcomes: Mapping[str, Outcome], share: WriteShare | None = None
) -> list[str]:
    meta = history.meta
    if not history.operations and not history.receipts_by_listener():
        return ["the history holds no operations and no receipts: nothing was checked"]
    expect: dict[str, Any] = meta.get("expect") or {}
    unplanned_end = meta.get("ended_by") not in (None, expect.get("until", "operations"))
    reasons = [_ending(meta, expect)] if meta.get("interrupted") or unplanned_end else []
    share = _write_share(history) if share is None else share
    minimum = float(expect.get("min_write_success", DEFAULT_MIN_WRITE_SUCCESS))
    if share.counted and share.succeeded < minimum * share.counted:
        reasons.append(
            f"only {share.succeeded} of {share.counted} writes the scenario expected to succeed did "
            f"({share.succeeded / share.counted:.0%}; it asks for at least {minimum:.0%})"
        )
    if not any(o.kind == "subscribed" for o in history.observations):
        reasons.append("no listener subscribed to any channel, so no delivery could be checked")
    lost = lost_listeners(history)
    reasons += [lost] if lost else []
    unread = unread_truths(history)
    if unread:
        reasons.append(
            f"the fresh GET of the lines after the run {unread}, so the pages and the failed writes of those "
            "stocktakes were not compared with the server"
        )
    scenario = meta.get("scenario") or "the scenario"
    for name in _required(history):
        if name not in outcomes or not outcomes[name].judged:
            why = RULES[name].cannot_judge if name in RULES else "nothing it judges happened"
            reasons.append(f"{scenario} exists to judge {name}, which judged nothing: {why}")
    return reasons


def unread_truths(history: HistoryData) -> str | None:
    """The stocktakes whose lines could not be re-read after the run (`truth` unread) and that something
    was to be compared with, said as one: a page of one, or a change of its lines that failed (held
    against the lines re-read, `writes.FailedWriteCheck`)."""
    wanted = {o.data.get("stocktake_id") for o in history.of_kind("snapshot") if isinstance(o.data, dict)}
    wanted |= {stocktake_of(op) for op in history.operations if op.failed and op.kind == "patch_line"}
    unread = {
        truth.data.get("stocktake_id"): truth.data["unread"]
        for truth in history.of_kind("truth")
        if isinstance(truth.data, dict) and truth.data.get("unread") and truth.data.get("stocktake_id") in wanted
    }
    if not unread:
        return None
    said = ", ".join(f"{why} for stocktake {sid}" for sid, why in list(unread.items())[:SHOWN])
    return said + (f" and {len(unread) - SHOWN} more" if len(unread) > SHOWN else "")


def _ending(meta: dict[str, Any], expect: dict[str, Any]) -> str:
    done, total, bound = meta.get("steps", "?"), expect.get("operations", "?"), expect.get("duration_s", "?")
    if meta.get("interrupted"):
        return f"interrupted by {meta['interrupted']} after {_steps(done, expect)}"
    if meta.get("ended_by") == "time":
        return f"the {bound} s time bound ended the run after {_steps(done, expect)}"
    return f"its cap of {total} counter steps was reached before the {bound} s it was to run"


def _write_share(history: HistoryData) -> WriteShare:
    """Of the writes expected to succeed (answered or lost), those that did."""
    attempted = counted_on(history)
    return WriteShare(sum(op.ok for op in attempted), len(attempted))
