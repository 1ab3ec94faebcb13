"""The history file: compact receipts read back to the very same record; older files still read."""

from __future__ import annotations

import json
from pathlib import Path

from harness.checks import check
from harness.contract import Contract
from harness.history import History, load
from harness.records import Observation
from harness.testing import history_with


def _write(path: Path, observations: list[Observation]) -> History:
    history = History(path, {"scenario": "format"})
    for obs in observations:
        history.append(obs)
    history.close()
    return history


def test_compact_receipts_read_back_as_they_were_recorded(tmp_path: Path) -> None:
    origin = History.now()
    observations = [
        Observation("connect", origin + 0.1, "viewer-1", "1.1"),
        Observation("receipt", origin + 0.2, "viewer-1", "1.1", "h-stocktake-1", "line-counted-updated", '{"a": 1}'),
        Observation("receipt", origin + 0.3, "viewer-2", "1.2", "h-stocktake-1", "line-counted-updated", '{"a": 1}'),
        Observation("receipt", origin + 0.4, "viewer-1", None, "h-stocktakes", "stocktake-created", '{"id": 9}'),
    ]
    recorded = _write(tmp_path / "h.jsonl", observations)
    loaded = load(tmp_path / "h.jsonl")
    assert [(o.kind, o.listener, o.socket_id, o.channel, o.event, o.data) for o in loaded.observations] == [
        (o.kind, o.listener, o.socket_id, o.channel, o.event, o.data) for o in recorded.data.observations
    ]
    assert all(abs(a.time - b.time) < 1e-5 for a, b in zip(loaded.observations, observations, strict=True))
    lines = (tmp_path / "h.jsonl").read_text().splitlines()
    assert sum(json.dumps('{"a": 1}') in line for line in lines) == 1, "a fan-out's text is written once"


def test_a_history_in_the_older_form_still_checks(tmp_path: Path) -> None:
    synthetic = history_with(200, listeners=4)
    old = tmp_path / "old.jsonl"
    with old.open("w") as fh:
        fh.write(json.dumps({"rec": "meta", **synthetic.meta}) + "\n")
        for op in synthetic.operations:
            fields = {k: v for k, v in vars(op).items() if k not in ("type", "complete", "status", "body", "error")}
            fh.write(json.dumps({"rec": "op", "type": "invoke", **fields}) + "\n")
            fh.write(json.dumps({"rec": "op", "type": op.type, "id": op.id, "complete": op.complete,
                                 "status": op.status, "body": op.body, "error": op.error}) + "\n")  # fmt: skip
        for obs in synthetic.observations:
            fh.write(json.dumps({"rec": "obs", **vars(obs)}) + "\n")
    result = check(load(old), Contract())
    assert result.counts["matched"] == 200 and result.findings == []
