"""A distributed Locust run's folder checked as one run: the master's verdict at the end of the run
and `stocksync check FOLDER` afterwards are this one function over the same files, so they cannot
differ. Each worker's history lies in the folder as `history-<worker>.jsonl.zst`, its parts and
receipts chunks beside it; they are read, merged (`merge_histories`) and checked as one."""

from __future__ import annotations

from pathlib import Path

from ..checks import CheckResult, check
from ..checks.deliveries import DeliveryLog
from ..record.deliveries_table import DeliveriesTable
from ..record.history import HistoryData, load
from ..record.history_meta import header
from ..spec.contract import Contract, described_contract
from .merge import mark_cut, merge_histories

PREFIX, SUFFIX = "history-", ".jsonl.zst"
WORKERS_TABLE = "workers"
"""What the deliveries table of the workers' merged histories is named after (`DeliveriesTable`)."""


def worker_file(worker: str) -> str:
    """`worker`: a name safe in a file name (`report.safe_name`)."""
    return f"{PREFIX}{worker}{SUFFIX}"


def worker_histories(folder: Path) -> dict[str, Path]:
    """The workers' histories in `folder`, by worker name."""
    return {path.name[len(PREFIX) : -len(SUFFIX)]: path for path in sorted(folder.glob(worker_file("*")))}


def scenario_of(text: str) -> str:
    """The scenario's name, from a worker history's first meta record that names it."""
    for line in text.splitlines():
        meta = header(line, "meta")
        if meta is not None and "scenario" in meta:
            return str(meta["scenario"])
    return "run"


def check_workers(
    histories: dict[str, Path],
    contract: Contract | None = None,
    latency_limit_ms: float | None = None,
    deliveries: DeliveriesTable | None = None,
) -> tuple[HistoryData, CheckResult]:
    """The workers' histories merged, and their check; the operations Locust cut off at its stop are
    named in the meta and counted apart from those played (`mark_cut`). `contract`: by default, the
    one the first worker recorded. `deliveries`: the table to write the deliveries judged into, anew."""
    loaded = {worker: load(path) for worker, path in histories.items()}
    first = next(iter(loaded.values()), HistoryData())
    contract = contract or described_contract(first.meta.get("contract")) or Contract()
    merged = merge_histories(loaded, contract)
    result = check(merged, contract, latency_limit_ms, deliveries is not None)
    if deliveries is not None:
        deliveries.clear()
        deliveries.write((result.deliveries or DeliveryLog()).frame())
        result.deliveries = None
    cut = mark_cut(merged)
    result.counts = {**result.counts, "operations": result.counts["operations"] - len(cut), "cut": len(cut)}
    return merged, result
