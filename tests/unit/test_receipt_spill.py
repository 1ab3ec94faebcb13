"""Receipts split by share in one pass (`receipt_spill`) read back as a filter on each share's
listeners would read them, in order; the spill file is anonymous and closed on leaving, whatever
ends the pass."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from harness.record import receipt_spill
from harness.record.receipt_spill import spilled_shares
from harness.record.receipt_table import SCHEMA

SHARES = [["a", "c"], ["b"], ["nobody", "none"], ["d"]]


def _receipts(n: int = 50) -> pl.LazyFrame:
    listeners = ["a", "b", "c", "d"]
    return pl.LazyFrame(
        {
            "listener": [listeners[i % 3 if i < 40 else 3] for i in range(n)],
            "socket_id": [f"1.{i % 3}" for i in range(n)],
            "channel": ["hotel-1-stocktake-1"] * n,
            "event": ["line-counted-updated"] * n,
            "text": [f'{{"line_id": {i // 4}}}' for i in range(n)],
            "time": [0.01 * i for i in range(n)],
            "seq": list(range(n)),
        },
        schema=SCHEMA,
    )


def open_in(folder: Path) -> list[str]:
    """The files this process has open in `folder` (an anonymous one too: "/folder/#123 (deleted)")."""
    links = []
    for fd in os.listdir("/proc/self/fd"):
        with contextlib.suppress(OSError):
            links.append(os.readlink(f"/proc/self/fd/{fd}"))
    return [link for link in links if link.startswith(f"{folder}/")]


@pytest.mark.parametrize("round_most", [0, 1, 3, 7, 1000])
def test_each_share_reads_back_as_a_filter_on_its_listeners(round_most: int, tmp_path: Path) -> None:
    receipts = _receipts()
    with spilled_shares(receipts, SHARES, tmp_path, round_most) as spilled:
        for number, share in enumerate(SHARES):
            assert_frame_equal(spilled.frame(number), receipts.filter(pl.col("listener").is_in(share)).collect())


def test_a_share_whose_listeners_have_no_receipts_is_an_empty_frame_of_the_schema(tmp_path: Path) -> None:
    with spilled_shares(_receipts(), SHARES, tmp_path, 3) as spilled:
        nobody = spilled.frame(2)
    assert nobody.is_empty()
    assert nobody.schema == pl.Schema(SCHEMA)


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc to see open files")
def test_the_spill_file_is_nameless_and_closed_on_leaving(tmp_path: Path) -> None:
    with spilled_shares(_receipts(), SHARES, tmp_path, 3) as spilled:
        spilled.frame(0)
        assert [Path(link).name.endswith("(deleted)") for link in open_in(tmp_path)] == [True]
    assert (open_in(tmp_path), list(tmp_path.iterdir())) == ([], [])


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc to see open files")
def test_the_spill_file_is_closed_when_the_pass_fails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A chunk found damaged halfway through the pass: what was spilled is given back."""
    write = receipt_spill.SpilledShares.write
    rounds: list[int] = []

    def failing(self: receipt_spill.SpilledShares, *args: object) -> None:
        rounds.append(len(rounds))
        if len(rounds) == 3:
            raise pl.exceptions.ComputeError("a damaged chunk")
        write(self, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(receipt_spill.SpilledShares, "write", failing)
    with pytest.raises(pl.exceptions.ComputeError), spilled_shares(_receipts(), SHARES, tmp_path, 3):
        pass
    assert (open_in(tmp_path), list(tmp_path.iterdir())) == ([], [])


def test_a_folder_the_spill_file_cannot_be_made_in_spills_into_the_system_temporary_folder(tmp_path: Path) -> None:
    missing = tmp_path / "gone"
    with spilled_shares(_receipts(), SHARES, missing, 3) as spilled:
        assert_frame_equal(spilled.frame(1), _receipts().filter(pl.col("listener") == "b").collect())


def _told(round_: pl.DataFrame) -> pl.DataFrame:
    return round_.with_columns(pl.col("text").str.len_bytes().alias("text_id")).drop("text")


@pytest.mark.parametrize("round_most", [1, 7, 1000])
def test_each_round_is_spilled_as_told(round_most: int, tmp_path: Path) -> None:
    """What a round is spilled as is the caller's (the checker's: each text's id), a share of no
    receipts too."""
    receipts = _receipts()
    with spilled_shares(receipts, SHARES, tmp_path, round_most, _told) as spilled:
        for number, share in enumerate(SHARES):
            assert_frame_equal(spilled.frame(number), _told(receipts.filter(pl.col("listener").is_in(share)).collect()))
