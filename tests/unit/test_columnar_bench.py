"""The columnar prototype of the delivery rule (bench/columnar, issue 34) counts as today's checker
does, in both engines: on the crafted delivery defects, and on a small synthetic history with every
fault `bench.columnar.faults` puts in. So the measurement can never be of a rule that drifted."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path

import pytest

from bench.columnar import rule_duckdb, rule_polars
from bench.columnar.convert import convert
from bench.columnar.faults import with_faults
from bench.columnar.layout import BITS, check_fits, meta_of
from bench.columnar.run import COMPARED, today
from harness.record.history import HistoryData
from harness.record.history_file import HISTORY_NAME
from harness.spec.contract import Contract
from harness.testing import history_with, write_history
from tests.histories import (
    duplicate,
    gap,
    healthy,
    late_event,
    missing,
    out_of_order,
    payload_mismatch,
    self_echo,
)


def _crafted(defect: Callable[[HistoryData], None]) -> HistoryData:
    history = copy.deepcopy(healthy())
    defect(history)
    return history


def _no_defect(history: HistoryData) -> None:
    """The healthy history as it is: the rule must stay silent."""


CASES = {
    "healthy": lambda: _crafted(_no_defect),
    **{
        defect.__name__: (lambda defect=defect: _crafted(defect))
        for defect in (missing, duplicate, payload_mismatch, self_echo, out_of_order, late_event, gap)
    },
    "synthetic-with-faults": lambda: with_faults(history_with(4_000, listeners=4), every=37),
}


def _engines(folder: Path) -> dict[str, dict[str, int]]:
    limit, quiesced = meta_of(folder)
    return {
        "polars": rule_polars.rule(rule_polars.read(folder), limit, quiesced),
        "duckdb": rule_duckdb.rule(rule_duckdb.read(folder), limit, quiesced),
    }


@pytest.mark.parametrize("case", CASES)
def test_both_engines_count_as_todays_checker(case: str, tmp_path: Path) -> None:
    path = tmp_path / HISTORY_NAME
    write_history(CASES[case](), path)
    convert(path, tmp_path / "columns", Contract())
    _, expected = today(path)
    for engine, counts in _engines(tmp_path / "columns").items():
        assert counts == expected, engine


def test_the_faults_make_every_finding_the_rule_counts(tmp_path: Path) -> None:
    """Otherwise the comparison above could be of zeros."""
    path = tmp_path / HISTORY_NAME
    write_history(CASES["synthetic-with-faults"](), path)
    _, counts = today(path)
    assert all(counts[name] > 0 for name in COMPARED), counts


@pytest.mark.parametrize("name", BITS)
def test_ids_past_the_packed_key_are_refused(name: str) -> None:
    """Two copies must never share a key: past its bits, the prototype stops with a message."""
    check_fits({name: (1 << BITS[name]) - 1})
    with pytest.raises(ValueError, match=name):
        check_fits({name: 1 << BITS[name]})
