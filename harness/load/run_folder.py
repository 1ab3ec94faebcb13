"""A distributed Locust run's folder checked as one run: the master's verdict at the end of the run
and `stocksync check FOLDER` afterwards are this one function over the same files, so they cannot
differ. Each worker's history lies in the folder as `history-<worker>.jsonl.zst`, its parts and
receipts chunks beside it; they are read, merged (`merge_histories`) and checked as one. Beside them
the master writes its roll of the workers (`workers.json`): a worker that sent no history is a part
of the run that was never judged, and the folder says so whenever it is checked."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

import msgspec

from ..checks import CheckResult, check
from ..checks.deliveries import DeliveryLog
from ..errors import HistoryFormatError
from ..input_files import read_text
from ..record.deliveries_table import DeliveriesTable
from ..record.history import HistoryData, load
from ..record.history_file import HISTORY_NAME, write_text
from ..record.history_meta import header
from ..record.receipt_chunks import RECEIPTS_DIR
from ..report import timestamped_folder
from ..spec.contract import Contract, described_contract
from .merge import mark_cut, merge_histories

PREFIX, SUFFIX = "history-", ".jsonl.zst"
WORKERS_TABLE = "workers"
"""What the deliveries table of the workers' merged histories is named after (`DeliveriesTable`)."""
ROLL = "workers.json"
ROLL_MOST = 1 << 20  # bytes: a roll names each worker at most twice


class Roll(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A distributed run's workers as its master knew them, written before their histories: every
    worker that took part (those there as the run started, and any that joined it), those whose
    history it wrote into the folder, and the set-up error of each that sent one instead. Named by
    `safe_name` of each worker's Locust client id, as their history files are."""

    workers: list[str]
    sent: list[str]
    failed: dict[str, str] = {}

    def __post_init__(self) -> None:
        if not self.workers or len(set(self.workers)) < len(self.workers):
            raise ValueError("its workers are none, or one is named twice")
        if not set(self.sent) <= set(self.workers) or len(set(self.sent)) < len(self.sent):
            raise ValueError("a worker it says sent its history is not one of its workers, or is named twice")

    def lacking(self, present: Iterable[str]) -> list[str]:
        """What a folder holding the histories of the workers `present` lacks, a sentence a cause: a
        worker that sent no history, and one whose history the master wrote and is no longer there."""
        reasons = []
        unsent = [worker for worker in self.workers if worker not in self.sent]
        if unsent:
            named = "; ".join(f"{w}, whose set-up failed: {self.failed[w]}" if w in self.failed else w for w in unsent)
            reasons.append(
                f"{len(unsent)} of the run's {len(self.workers)} Locust workers sent no history ({named}), so what "
                "they wrote and heard was not checked"
            )
        gone = [worker for worker in self.sent if worker not in set(present)]
        if gone:
            reasons.append(
                f"the history of worker {', '.join(gone)} is not in the folder though its master wrote it there, "
                "so what it wrote and heard was not checked"
            )
        return reasons


def write_roll(folder: Path, roll: Roll) -> None:
    (folder / ROLL).write_bytes(msgspec.json.encode(roll))


def read_roll(folder: Path) -> Roll | None:
    """The roll in a run's folder; None in a folder with none (a run by one process, or older). One
    that is not a regular file, or not a roll, is refused: skipped, it could pass a run short of a worker."""
    path = folder / ROLL
    if not os.path.lexists(path):
        return None
    text = read_text(path, "roll of the run's workers", HistoryFormatError, ROLL_MOST)
    try:
        return msgspec.json.decode(text, type=Roll)
    except msgspec.DecodeError as exc:  # a ValidationError (and __post_init__'s ValueError) is one
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
    `roll`: the master's; a worker it names whose history is not among `histories` makes the merged
    history not whole."""
    loaded = {worker: load(path) for worker, path in histories.items()}
    first = next(iter(loaded.values()), HistoryData())
    contract = contract or described_contract(first.meta.get("contract")) or Contract()
    merged = merge_histories(loaded, contract)
    if roll is not None:
        merged.wholeness.problems += roll.lacking(histories)
    result = check(merged, contract, latency_limit_ms, deliveries is not None)
    if deliveries is not None:
        deliveries.clear()
        deliveries.write((result.deliveries or DeliveryLog()).frame())
        result.deliveries = None
    cut = mark_cut(merged)
    result.counts = {**result.counts, "operations": result.counts["operations"] - len(cut), "cut": len(cut)}
    return merged, result


def write_folder(
    root: Path, texts: dict[str, str], parts: dict[str, dict[str, bytes]], roll: Roll | None
) -> tuple[Path, dict[str, Path]]:
    """A run's own folder under `root`: the master's roll first (a folder cut short still says who took
    part), the files the histories name (`parts`, by worker: their listener processes' files and
    receipts chunks), then each history (`texts`, by worker), as `history.jsonl.zst` if it is the
    run's only worker, else as its worker's (a folder short of a worker is a workers' folder). The
    folder, and the histories' paths by worker."""
    root.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".stocksync-parts-", dir=root) as scratch:
        for files in parts.values():
            _write_parts(Path(scratch), files)
        folder = timestamped_folder(root, f"locust-{scenario_of(next(iter(texts.values())))}")
        folder.mkdir(parents=True, exist_ok=True)
        if roll is not None:
            write_roll(folder, roll)
        for part in Path(scratch).iterdir():  # written once: moved beside the histories that name them
            part.rename(folder / part.name)
    alone = roll is None or len(roll.workers) == 1
    histories = {worker: folder / (HISTORY_NAME if alone else worker_file(worker)) for worker in texts}
    for worker, text in texts.items():
        write_text(histories[worker], text)
    return folder, histories


def _write_parts(folder: Path, files: dict[str, bytes]) -> None:
    """A worker's files its history names as its parts (`History.add_part`) and their receipts chunks
    (under receipts/), written into `folder`, the report folder's root, so that moving them into the
    run's own folder is a rename. Only those two shapes of name are taken from a worker."""
    for name, content in files.items():
        where = Path(name)
        inner = where.parent.name == RECEIPTS_DIR and where.parent.parent == Path()
        path = folder / (RECEIPTS_DIR if inner else "") / where.name
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(content)
