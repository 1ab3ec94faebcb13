"""What a check in shares works out once for all its shares. It spills each receipt's text as its id
(`Texts.told`): the shares then judge every defect as one frame does, a receipt missing its channel
keeps its text for the stream, and texts that share a hash are not spilled by id at all (the file is
read as a stream instead). The operations are indexed for the pages' check once, not once a share."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from harness import check_shares
from harness.checks import views
from harness.checks.columnar import shares, texts
from harness.checks.columnar.engine import accelerated_frame
from harness.checks.parts import Part
from harness.record.history import HistoryData, Operation
from harness.record.history_file import HISTORY_NAME
from harness.testing import write_history
from tests.histories import DEFECTS, healthy
from tests.unit.test_columnar_exact import HISTORIES, _defect
from tests.unit.test_columnar_shares import _judged_alike, _streamed_instead


@pytest.mark.parametrize(("defect", "_"), [(defect, name) for name, defect, _ in DEFECTS])
def test_every_defect_is_judged_in_shares_as_in_one_frame(
    defect: object, _: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _judged_alike(_defect(defect), 0, tmp_path, monkeypatch)  # type: ignore[arg-type]


def test_a_receipt_missing_its_channel_keeps_its_text_for_the_stream(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    history = healthy()
    next(o for o in history.observations if o.kind == "receipt").channel = None
    _judged_alike(history, 0, tmp_path, monkeypatch)


def test_a_share_s_frame_holds_ids_where_its_complete_receipts_texts_were(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    frames: list[pl.DataFrame] = []

    def kept(light: HistoryData, receipts: pl.DataFrame, *rest: object) -> Part:
        frames.append(receipts)
        return accelerated_frame(light, receipts, *rest)  # type: ignore[arg-type]

    monkeypatch.setattr(shares, "accelerated_frame", kept)
    _judged_alike(healthy(), 0, tmp_path, monkeypatch)
    assert frames, "judged in shares"
    for frame in frames:
        assert frame.get_column("text").null_count() == frame.height
        assert frame.get_column("text_id").null_count() == 0


def test_texts_sharing_a_hash_are_read_as_a_stream(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(texts, "_HASH", pl.lit(7, pl.UInt64).alias("h"))
    path = tmp_path / HISTORY_NAME
    write_history(HISTORIES["synthetic"](), path)  # many texts
    monkeypatch.setattr(check_shares, "SHARE_MOST", 0)
    _streamed_instead(path, monkeypatch)


def test_the_operations_are_indexed_for_the_pages_once_for_every_share(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    indexed: list[int] = []
    of = views.Operations.of

    def counted(operations: list[Operation]) -> views.Operations:
        indexed.append(len(operations))
        return of(operations)

    monkeypatch.setattr(views.Operations, "of", counted)
    judged: list[int] = []
    monkeypatch.setattr(shares, "accelerated_frame", lambda *args: judged.append(1) or accelerated_frame(*args))
    _judged_alike(HISTORIES["paged-mid-run"](), 0, tmp_path, monkeypatch)
    assert len(judged) >= 3, "a share a listener"
    assert len(indexed) == 2, "once for the check in one frame, once for all the shares"
