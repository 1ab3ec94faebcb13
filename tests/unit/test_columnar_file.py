"""A history on disk whose receipts are had as a frame is checked as the whole history in memory is:
the clean listeners at once, the others streamed on their own receipts turned back into observations."""

from __future__ import annotations

from itertools import accumulate
from pathlib import Path

import pytest

from harness import check_file as reading
from harness.check_file import check_file, check_frame
from harness.checks import check
from harness.checks.columnar import receipts_frame
from harness.checks.columnar.tally import tally_of
from harness.record.history import load
from harness.record.history_file import HISTORY_NAME
from harness.record.receipt_table import load_receipts
from harness.record.records import ReceiptTally
from harness.spec.contract import Contract
from harness.testing import write_history
from tests.unit.test_columnar_exact import HISTORIES, _outcome


@pytest.mark.parametrize("name", ["synthetic", "one-listener-faulted", "synthetic-faulted", "paged-mid-run"])
def test_a_file_with_its_receipts_as_a_frame_is_judged_as_the_whole_history(name: str, tmp_path: Path) -> None:
    path = tmp_path / HISTORY_NAME
    write_history(HISTORIES[name](), path)
    whole = load(path)
    light, result = check_frame(path, receipts_frame(whole.observations))
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
    monkeypatch.setattr(reading, "load_receipts", lambda at: loaded.append(at) or load_receipts(at))
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
    _, result = check_frame(path, receipts_frame(whole.observations))
    assert _outcome(result) == _outcome(check(whole, Contract()))
    assert result.counts["receipts"] == len(receipts_frame(whole.observations))
