"""A distributed Locust run's folder checked as one run: the master's verdict at the end of the run
and `stocksync check FOLDER` afterwards are this one function over the same files, so they cannot
differ. Each worker's history lies in the folder as `history-<worker>.jsonl.zst`, its parts and
receipts chunks beside it; they are read, merged (`merge_histories`) and checked as one. Beside them
the master writes its roll of the workers (`workers.json`): a worker that sent no history is a part
of the run that was never judged, and the folder says so whenever it is checked."""

from __future__ import annotations

from pathlib import Path

import msgspec

from ..checks import CheckResult, check
from ..checks.deliveries import DeliveryLog
from ..errors import HistoryFormatError
from ..record.deliveries_table import DeliveriesTable
from ..record.history import HistoryData, load
from ..record.history_meta import header
from ..spec.contract import Contract, described_contract
from .merge import mark_cut, merge_histories

PREFIX, SUFFIX = "history-", ".jsonl.zst"
WORKERS_TABLE = "workers"
"""What the deliveries table of the workers' merged histories is named after (`DeliveriesTable`)."""
ROLL = "workers.json"


class Roll(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A distributed run's workers as its master knew them at the end: how many it had, the names of
    those that sent their history, and the set-up error of each that sent one instead."""

    expected: int
    sent: list[str]
    failed: dict[str, str] = {}

    def lacking(self) -> str | None:
        """What a folder short of some worker's history lacks, in one sentence; None if it lacks none."""
        others = self.expected - len(self.sent)
        if others <= 0:
            return None
        why = "; ".join(f"worker {worker}'s set-up failed: {error}" for worker, error in sorted(self.failed.items()))
        return (
            f"only {len(self.sent)} of the run's {self.expected} Locust workers sent their history"
            f"{f' ({why})' if why else ''}, so what the other {others} wrote and heard was not checked"
        )


def write_roll(folder: Path, roll: Roll) -> None:
    (folder / ROLL).write_bytes(msgspec.json.encode(roll))


def read_roll(folder: Path) -> Roll | None:
    """The roll in a run's folder; None in a folder with none (a run by one process, or older)."""
    path = folder / ROLL
    if not path.is_file():
        return None
    try:
        return msgspec.json.decode(path.read_bytes(), type=Roll)
    except msgspec.DecodeError as exc:  # ValidationError is one
        raise HistoryFormatError(f"{path}: not the roll of a run's workers its master writes ({exc})") from None


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
    roll: Roll | None = None,
) -> tuple[HistoryData, CheckResult]:
    """The workers' histories merged, and their check; the operations Locust cut off at its stop are
    named in the meta and counted apart from those played (`mark_cut`). `contract`: by default, the
    one the first worker recorded. `deliveries`: the table to write the deliveries judged into, anew.
    `roll`: the master's; a worker it names as lacking makes the merged history not whole."""
    loaded = {worker: load(path) for worker, path in histories.items()}
    first = next(iter(loaded.values()), HistoryData())
    contract = contract or described_contract(first.meta.get("contract")) or Contract()
    merged = merge_histories(loaded, contract)
    lacking = None if roll is None else roll.lacking()
    if lacking is not None:
        merged.wholeness.problems.append(lacking)
    result = check(merged, contract, latency_limit_ms, deliveries is not None)
    if deliveries is not None:
        deliveries.clear()
        deliveries.write((result.deliveries or DeliveryLog()).frame())
        result.deliveries = None
    cut = mark_cut(merged)
    result.counts = {**result.counts, "operations": result.counts["operations"] - len(cut), "cut": len(cut)}
    return merged, result
