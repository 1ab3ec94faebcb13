"""A history on disk whose receipts are had as a frame is checked as the whole history in memory is:
the clean listeners at once, the others streamed on their own receipts turned back into observations."""

from __future__ import annotations

from itertools import accumulate
from pathlib import Path
from typing import Any

import pytest

from harness import check_file as reading
from harness.check_file import check_file, check_frame
from harness.checks import check
from harness.checks.columnar import receipts_frame
from harness.checks.columnar.tally import tally_of
from harness.record import history_file
from harness.record.history import load
from harness.record.history_file import HISTORY_NAME
from harness.record.receipt_table import read_with_writers
from harness.record.records import ReceiptTally
from harness.spec.contract import Contract
from harness.testing import write_history
from tests.unit.test_columnar_exact import HISTORIES, _outcome


@pytest.mark.parametrize("name", ["synthetic", "one-listener-faulted", "synthetic-faulted", "paged-mid-run"])
def test_a_file_with_its_receipts_as_a_frame_is_judged_as_the_whole_history(name: str, tmp_path: Path) -> None:
    path = tmp_path / HISTORY_NAME
    write_history(HISTORIES[name](), path)
    whole = load(path)
    light, result = check_frame(path)
    assert not any(o.kind == "receipt" for o in light.observations)
    assert light.tally is not None and light.tally.by_listener == whole.receipts_by_listener()
    assert _outcome(result) == _outcome(check(whole, Contract()))


@pytest.mark.parametrize("name", ["synthetic-faulted", "paged-mid-run"])
def test_check_file_takes_a_history_that_fits_as_a_frame_and_judges_as_the_streamed_read(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Within FRAME_MOST receipts the file's receipts are loaded as a frame (no receipt kept, as the
    streamed read keeps none either); beyond it, the streamed read: both judge alike."""
    path = tmp_path / HISTORY_NAME
    write_history(HISTORIES[name](), path)
    loaded: list[Path] = []
    monkeypatch.setattr(reading, "read_with_writers", lambda at, data: loaded.append(at) or read_with_writers(at, data))
    framed_light, framed = check_file(path)
    assert loaded == [path]
    monkeypatch.setattr(reading, "FRAME_MOST", -1)
    monkeypatch.setattr(reading, "check_in_shares", lambda *_: None)
    streamed_light, streamed = check_file(path)
    assert loaded == [path]
    assert framed_light.tally is not None and streamed_light.tally is not None
    assert framed_light.tally.by_listener == streamed_light.tally.by_listener
    assert _outcome(framed) == _outcome(streamed)


def test_the_tally_from_a_frame_counts_each_listener_s_receipts_where_a_tally_of_each_would() -> None:
    """Slotted at the width the tally widens to, not widened: a receipt on a slot's very edge may
    fall on its other side (the tally draws receipts within half a slot anyway)."""
    history = HISTORIES["synthetic"]()
    receipts = [o for o in history.observations if o.kind == "receipt"]
    one_by_one = ReceiptTally(0.0)
    for obs in receipts:
        one_by_one.add(obs.listener, obs.time)
    framed = tally_of(receipts_frame(history.observations), 0.0)
    assert (framed.width, framed.first, framed.last) == (one_by_one.width, one_by_one.first, one_by_one.last)
    assert framed.by_listener == one_by_one.by_listener
    at_once = 4  # the synthetic history's listeners get each write's copy at one time
    assert sum(framed.total) == sum(one_by_one.total)
    assert all(abs(a - b) <= at_once for a, b in zip(accumulate(framed.total), accumulate(one_by_one.total)))


def test_a_receipt_of_no_listener_leaves_the_whole_frame_to_the_stream(tmp_path: Path) -> None:
    history = HISTORIES["synthetic"]()
    stray = next(i for i, o in enumerate(history.observations) if o.kind == "receipt")
    history.observations[stray].listener = None
    path = tmp_path / HISTORY_NAME
    write_history(history, path)
    whole = load(path)
    _, result = check_frame(path)
    assert _outcome(result) == _outcome(check(whole, Contract()))
    assert result.counts["receipts"] == len(receipts_frame(whole.observations))


def test_a_frame_check_reads_each_file_of_the_history_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The receipts written in the files' lines are gathered by the pass that reads the other records:
    `check_file` opens the history once for its meta and size, and once for everything else. The
    receipts in chunks and in lines both come into the frame, judged as the whole history is."""
    history = HISTORIES["synthetic"]()
    inline = [o for o in history.observations if o.kind == "receipt"][:3]
    for obs in inline:
        obs.data = {"not": "text"}  # a receipt whose data is not text is written into the file's lines
    path = tmp_path / HISTORY_NAME
    write_history(history, path)
    opened: list[str] = []
    real_open = history_file.open_for_reading

    def counted(at: Path) -> Any:
        opened.append(at.name)
        return real_open(at)

    monkeypatch.setattr(history_file, "open_for_reading", counted)
    _, result = check_file(path)
    assert opened == [path.name, path.name]
    whole = load(path)
    assert sum(o.kind == "receipt" and not isinstance(o.data, str) for o in whole.observations) == len(inline)
    assert result.counts["receipts"] == sum(o.kind == "receipt" for o in whole.observations)
    assert _outcome(result) == _outcome(check(whole, Contract()))
