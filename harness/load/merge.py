"""Many workers' histories -> one history the ordinary checks and reports understand. Pure.

Each Locust worker records its own counters and listeners against a stocktake of its own
(and, with no target, against a simulator of its own, where ids and socket ids repeat).
Namespacing every actor, listener, socket id, hotel and listener process by worker keeps the
workers apart, so checking the merged history finds exactly what checking each one would, in one
report.

The history has one quiescence, and each worker has its own: its listeners stop right after
it. So each worker's times are shifted to make them all quiesce at the same instant. That
is sound because the checks only compare times within a worker, and it also lines up
workers on other machines, whose monotonic clocks have nothing in common.

The merged meta is the sum of the workers': every worker's stocktakes (created, left behind),
probed channels (namespaced like its observations, so the exposure check judges each worker's
probes that its findings come from), leftovers and steps, and each worker's own under `by_worker`.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from ..record.history import HistoryData, Observation, Operation
from ..record.records import Wholeness
from ..record.stall_record import STALL, WRITER
from ..spec.contract import Contract

LISTED = ("created", "left_behind")  # stocktake ids, each worker's own
PER_WORKER = ("created", "left_behind", "kept", "residue", "exposure_probed", "steps", "ended_by", "interrupted")


def _tag(worker: str, value: str | None) -> str | None:
    return None if value is None else f"{worker}/{value}"


def _channel(contract: Contract, worker: str, channel: str | None) -> str | None:
    parsed = contract.parse_channel(channel) if channel else None
    if parsed is None:
        return channel if channel is None else f"{worker}/{channel}"
    kind, hotel, stocktake_id = parsed
    return contract.channel(kind, f"{worker}.{hotel}", stocktake_id)


def _observation(contract: Contract, worker: str, obs: Observation, shift: float) -> Observation:
    data = obs.data
    if obs.kind in ("snapshot", "truth") and isinstance(data, dict) and data.get("hotel"):
        data = {**data, "hotel": f"{worker}.{data['hotel']}"}
    if obs.kind in ("listener", STALL, WRITER) and isinstance(data, dict) and data.get("process"):
        data = {**data, "process": f"{worker}/{data['process']}"}  # two machines' pids may be alike
    if obs.kind == WRITER and isinstance(data, dict) and isinstance(data.get("actor"), str):
        data = {**data, "actor": f"{worker}/{data['actor']}", "page": _tag(worker, data.get("page"))}
    return replace(
        obs,
        time=obs.time + shift,
        listener=_tag(worker, obs.listener),
        socket_id=_tag(worker, obs.socket_id),
        channel=_channel(contract, worker, obs.channel),
        data=data,
    )


def _operation(worker: str, op: Operation, offset: int, shift: float) -> Operation:
    return replace(
        op,
        id=op.id + offset,
        actor=f"{worker}/{op.actor}",
        hotel=f"{worker}.{op.hotel}",
        actor_hotel=f"{worker}.{op.actor_hotel}",
        socket_id=_tag(worker, op.socket_id),
        invoke=op.invoke + shift,
        complete=None if op.complete is None else op.complete + shift,
    )


def merge_histories(parts: dict[str, HistoryData], contract: Contract) -> HistoryData:
    """`parts` maps a worker's name to its history; the merged meta keeps the first worker's
    settings, and the latest quiescence, which every worker's is shifted to."""
    quiesced = {worker: d.meta["quiesced_at"] for worker, d in parts.items() if "quiesced_at" in d.meta}
    common = max(quiesced.values(), default=0.0)
    merged = HistoryData()
    offset = 0
    merged.meta.update(merged_meta(parts, contract))
    for worker, data in parts.items():
        shift = common - quiesced[worker] if worker in quiesced else 0.0
        merged.operations.extend(_operation(worker, op, offset, shift) for op in data.operations)
        merged.observations.extend(_observation(contract, worker, o, shift) for o in data.observations)
        offset += max((op.id for op in data.operations), default=0) + 1
        _whole_as(merged.wholeness, worker, data.wholeness)
    if quiesced:
        merged.meta["quiesced_at"] = common
    merged.meta["workers"] = sorted(parts)
    return merged


def _whole_as(merged: Wholeness, worker: str, theirs: Wholeness) -> None:
    """What one worker's history lacks, the merged one lacks too, named by worker."""
    merged.ended = merged.ended and theirs.ended
    for mine, its in ((merged.torn, theirs.torn), (merged.missing, theirs.missing),
                      (merged.unnamed, theirs.unnamed), (merged.unended, theirs.unended),
                      (merged.chunks, theirs.chunks)):  # fmt: skip
        mine += [f"{worker}/{file}" for file in its]
    merged.problems += [f"worker {worker}: {problem}" for problem in theirs.problems]


def merged_meta(parts: dict[str, HistoryData], contract: Contract) -> dict[str, Any]:
    """The first worker's settings (scenario, limits, contract), with what each worker did summed."""
    metas = {worker: data.meta for worker, data in parts.items()}
    meta = dict(next(iter(metas.values()), {}))
    for key in LISTED:
        if any(key in m for m in metas.values()):
            meta[key] = [value for m in metas.values() for value in m.get(key) or []]
    if any("exposure_probed" in m for m in metas.values()):
        meta["exposure_probed"] = [
            _channel(contract, worker, channel)
            for worker, m in metas.items()
            for channel in m.get("exposure_probed") or []
        ]
    residues = [m["residue"] for m in metas.values() if isinstance(m.get("residue"), dict)]
    if residues:
        meta["residue"] = {k: _summed([r.get(k) for r in residues]) for k in sorted({k for r in residues for k in r})}
    if any(isinstance(m.get("steps"), int) for m in metas.values()):
        meta["steps"] = sum(m.get("steps") or 0 for m in metas.values())
    meta["faults"] = sorted({f for m in metas.values() for f in m.get("faults") or []})
    meta.update(_server_logs(metas))
    meta["by_worker"] = {worker: {k: m[k] for k in PER_WORKER if k in m} for worker, m in metas.items()}
    return meta


def _server_logs(metas: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """What the workers' servers' logs say of themselves, as one run's: read only if every worker's was,
    each worker's why named by it, and the entries they forgot summed (`fault_coverage.unlogged`)."""
    logs = {worker: m["server_log"] for worker, m in metas.items() if isinstance(m.get("server_log"), dict)}
    if not logs:
        return {}
    said = {key: "; ".join(f"worker {w}: {log[key]}" for w, log in logs.items() if log.get(key)) or None
            for key in ("why", "backend_unread")}  # fmt: skip
    merged: dict[str, Any] = {"server_log": {"read": all(log.get("read", True) for log in logs.values()), **said}}
    dropped = [m["server_log_dropped"] for m in metas.values() if isinstance(m.get("server_log_dropped"), dict)]
    if dropped:
        merged["server_log_dropped"] = {k: sum(d.get(k) or 0 for d in dropped) for k in ("faults", "rejections")}
    return merged


def _summed(values: list[Any]) -> Any:
    """One residue entry over the workers: their lists of ids joined; a sentence (why stock levels
    could not be read) said once for each different one."""
    if all(isinstance(v, list) or v is None for v in values):
        return [item for v in values for item in v or []]
    return "; ".join(dict.fromkeys(str(v) for v in values if v)) or None


def mark_cut(history: HistoryData) -> list[int]:
    """The operations Locust cut off when it stopped its users (invoked, never answered, no more to
    come: the drain is over): named in the meta as cut, so no one counts them as played. The checks
    already judge them as neither answered nor failed (a cut write's effect is unknown)."""
    cut = [op.id for op in history.operations if op.type == "invoke"]
    if cut:
        history.meta["cut"] = {"operations": len(cut), "ids": cut, "why": "in flight when Locust stopped its users"}
    return cut
