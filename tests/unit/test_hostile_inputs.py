"""Inputs built to hang or crash the CLI (special files, nesting, huge numbers, bad templates, typed
reports, outputs over a report): each is refused with exit 2 naming what to fix, before anything is
read or written, and never with a traceback. In-process with click's CliRunner, so it stays quick."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from harness.checks import check
from harness.cli import main
from harness.report.model import build_report
from harness.spec.contract import Contract
from harness.testing import write_history
from tests.histories import duplicate, healthy

EXAMPLES = int(os.environ.get("STOCKSYNC_FUZZ_EXAMPLES", "25"))
SCENARIO_NUMBERS = {
    "[counters]": ["count", "think_ms", "keystrokes", "debounce_ms", "mix"],
    "[stocktake]": ["lines", "items"],
    "[listeners]": ["count", "list_page", "browsers", "processes"],
    "[run]": ["operations", "duration_s"],
    "[limits]": ["latency_ms", "request_timeout_s"],
    "[flow]": ["approve_after_ops", "drop_after_ops", "drop_count", "cycles"],
}
HUGE = ["1e308", "9223372036854775808", "-9223372036854775809", "1e30", "inf", "nan", "-inf"]


def _huge_value(key: str, number: str) -> str:
    """`number` where `key` wants it: a pair for the ranges, a weight for the mix."""
    if key in ("think_ms", "keystrokes"):
        return f"[{number.lstrip('-')}, {number.lstrip('-')}]" if "e" not in number else f"[1, {number}]"
    return f"{{patch = {number}}}" if key == "mix" else number


def _special(path: Path, kind: str) -> Path:
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "zero":
        path.symlink_to("/dev/zero")
    else:
        path.mkdir()
    return path


def _invoke(*args: str | Path) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args])


def _refused(result: Result, *words: str) -> None:
    assert result.exit_code == 2, (result.exit_code, result.output)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert "Traceback" not in result.output
    flat = " ".join(result.output.split())
    for word in words:
        assert word in flat, flat


@pytest.mark.parametrize("kind", ["fifo", "zero", "dir"])
@pytest.mark.parametrize("slot", ["scenario", "contract", "config", "history", "report"])
def test_special_files_are_refused_before_a_byte_is_read(tmp_path: Path, slot: str, kind: str) -> None:
    bad = _special(tmp_path / "special", kind)
    args: list[str | Path] = {
        "scenario": ["run", bad, "--dry-run"],
        "contract": ["run", "--contract", bad, "--dry-run"],
        "config": ["run", "--config", bad, "--dry-run"],
        "history": ["check", bad],
        "report": ["compare", bad, bad],
    }[slot]
    if kind == "dir" and slot in ("contract", "config"):
        _refused(_invoke(*args), "is a directory")
    elif kind == "dir":
        _refused(_invoke(*args), str(bad))
    else:
        _refused(_invoke(*args), str(bad), "a FIFO" if kind == "fifo" else "a character device")


@pytest.mark.parametrize("slot", ["scenario", "contract", "config"])
def test_deeply_nested_toml_is_refused(tmp_path: Path, slot: str) -> None:
    for depth in (20, 5000):
        bad = tmp_path / f"deep-{depth}.toml"
        bad.write_text(f"x = {'[' * depth}{']' * depth}\n")
        flag = {"scenario": [], "contract": ["--contract"], "config": ["--config"]}[slot]
        _refused(_invoke("run", *flag, bad, "--dry-run"), str(bad), "nested")


@pytest.mark.parametrize(
    "text, words",
    [
        ("channels = 5\n", ["channels must be a table"]),
        ("events = [[1]]\n", ["events must be a table"]),
        ('[channels]\nlist = "{hotel}-{"\n', ["'list'", "not a channel template"]),
        ('[channels]\ndetail = "{hotel}-{nope}-{stocktake_id}"\n', ["'detail'", "{nope}"]),
        ('[channels]\nlist = "{hotel}-{hotel}"\n', ["'list'", "once each"]),
        ('[channels]\nlist = "{hotel} list"\n', ["'list'", "characters Pusher refuses"]),
        ("[events]\nstocktake-created = 5\n", ["'stocktake-created'", "string"]),
        ("[values.add_movement]\nquantity = { places = 0, min = 1, max = 1e30 }\n", ["quantity.max", "between"]),
        ("[values.patch_line]\ncounted_partial_units = { min = -1e30 }\n", ["counted_partial_units.min"]),
    ],
)
def test_contracts_that_would_crash_a_run_are_refused_naming_the_key(
    tmp_path: Path, text: str, words: list[str]
) -> None:
    contract = tmp_path / "c.toml"
    contract.write_text(text)
    _refused(_invoke("run", "--contract", contract, "--dry-run"), str(contract), *words)


@pytest.mark.parametrize(
    "section, key, number", [(s, k, n) for s, keys in SCENARIO_NUMBERS.items() for k in keys for n in HUGE[:2]]
)
def test_huge_scenario_numbers_are_refused_naming_the_field(
    tmp_path: Path, section: str, key: str, number: str
) -> None:
    scenario = tmp_path / "s.toml"
    scenario.write_text(f'name = "s"\n{section}\n{key} = {_huge_value(key, number)}\n')
    _refused(_invoke("run", scenario, "--dry-run"), f"{section.strip('[]')}.{key}")


def test_huge_config_numbers_and_long_texts_are_refused(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text("[target]\npusher_port = 9223372036854775808\n")
    _refused(_invoke("run", "--config", config, "--dry-run"), "[target] pusher_port")
    config.write_text(f'[target]\ntoken = "{"t" * 5000}"\n')
    _refused(_invoke("run", "--config", config, "--dry-run"), "[target] token", "at most 2048")


@pytest.mark.parametrize(
    "flags", [["--out", ""], ["--report-dir", ""], ["--junit", ""], ["--seed", str(2**64)], ["--seed", "-1"]]
)
def test_empty_paths_and_out_of_range_flags_are_refused(tmp_path: Path, flags: list[str]) -> None:
    before = set(Path.cwd().iterdir())
    _refused(_invoke("run", "--dry-run", *flags), flags[0])
    assert set(Path.cwd().iterdir()) == before


def _reports(tmp_path: Path) -> tuple[Path, Path]:
    history = healthy()
    report = build_report(history, check(history, Contract()), [], 1.0).to_json_dict()
    good = tmp_path / "good.json"
    good.write_text(json.dumps(report))
    return good, tmp_path / "bad.json"


@pytest.mark.parametrize("threshold", ["nan", "inf", "-inf", "1e309", "-0.5"])
def test_compare_refuses_thresholds_that_are_not_finite_shares(tmp_path: Path, threshold: str) -> None:
    good, _ = _reports(tmp_path)
    _refused(_invoke("compare", good, good, "--p99-rise", threshold), "--p99-rise")


@pytest.mark.parametrize(
    "change, words",
    [
        (lambda r: r.pop("checks"), ["without checks"]),
        (lambda r: r.update(checks=[]), ["without checks"]),
        (lambda r: r.update(verdict=5), ["verdict"]),
        (lambda r: r["checks"][0].update(count="3"), ["checks.0.count"]),
        (lambda r: r["checks"].append(7), ["checks.", "valid dictionary"]),
        (lambda r: r["latency"]["all"].update(p99=[1]), ["latency.all.p99"]),
        (lambda r: r.update(latency=[]), ["latency"]),
    ],
)
def test_compare_refuses_wrongly_typed_reports_naming_the_file_and_field(
    tmp_path: Path, change: Callable[[dict], object], words: list[str]
) -> None:
    good, bad = _reports(tmp_path)
    report = json.loads(good.read_text())
    change(report)
    bad.write_text(json.dumps(report))
    _refused(_invoke("compare", good, bad), str(bad), *words)
    _refused(_invoke("compare", bad, good), str(bad), *words)


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}


def test_check_beside_a_report_leaves_it_byte_identical(tmp_path: Path) -> None:
    folder = tmp_path / "run"
    folder.mkdir()
    history = healthy()
    duplicate(history)
    write_history(history, folder / "history.jsonl")
    first = _invoke("check", folder, "--out", folder)
    assert first.exit_code in (1, 3) and (folder / "report.json").exists(), first.output
    before = _snapshot(folder)
    for flags in (
        ["--out", folder],
        ["--junit", folder / "junit.xml"],
        ["--out", tmp_path / "x", "--junit", folder / "junit.xml"],
    ):
        _refused(_invoke("check", folder, *flags), "exists and is never written over", "--force")
    again = _invoke("check", folder, "--report-dir", folder)
    assert again.exit_code == first.exit_code, again.output
    assert _snapshot(folder) == before
    (new,) = [p for p in folder.iterdir() if p.is_dir() and p.name not in ("receipts", "deliveries")]
    assert new.name.endswith("-check") and (new / "report.json").exists()
    forced = _invoke("check", folder, "--out", folder, "--force")
    assert forced.exit_code == first.exit_code and (folder / "report.json").read_bytes() != b""


def test_a_history_check_refuses_leaves_no_report_folder_and_no_deliveries(tmp_path: Path) -> None:
    folder = tmp_path / "run"
    folder.mkdir()
    write_history(healthy(), folder / "history.jsonl")
    lines = (folder / "history.jsonl").read_text().splitlines(keepends=True)
    (folder / "history.jsonl").write_text("".join([*lines[:3], "not json\n", *lines[3:]]))
    reports, out = tmp_path / "reports", tmp_path / "out"
    _refused(_invoke("check", folder, "--report-dir", reports), "line 4", "not a history record")
    assert list(reports.iterdir()) == []
    _refused(_invoke("check", folder, "--out", out), "line 4", "not a history record")
    assert not (out / "deliveries").exists() or not list((out / "deliveries").iterdir())


def _huge_file(slot: str, number: str, section: str, key: str) -> str:
    """A file whose one hostile element is `number` where `slot` reads a number."""
    if slot == "contract":
        return f"[values.add_movement]\nquantity = {{ min = 1, max = {number} }}\n"
    if slot == "config":
        return f"[target]\npusher_port = {number}\n"
    return f'name = "h"\n{section}\n{key} = {_huge_value(key, number)}\n'


FIELDS = [(section, key) for section, keys in SCENARIO_NUMBERS.items() for key in keys]
HOSTILE = st.one_of(
    st.sampled_from(["fifo", "zero", "dir"]).map(lambda kind: ("special", kind)),
    st.integers(9, 3000)
    .flatmap(lambda d: st.sampled_from([f"x = {'[' * d}{']' * d}\n", f"x = {'{a = ' * d}1{'}' * d}\n"]))
    .map(lambda text: ("nested", text)),
    st.tuples(st.sampled_from(HUGE), st.sampled_from(FIELDS)).map(lambda t: ("huge", t)),
)


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@given(slot=st.sampled_from(["scenario", "contract", "config"]), hostile=HOSTILE)
def test_hostile_files_are_always_exit_2(tmp_path_factory: pytest.TempPathFactory, slot: str, hostile: tuple) -> None:
    path = tmp_path_factory.mktemp("hostile") / "given.toml"
    kind, what = hostile
    if kind == "special":
        _special(path, what)
    elif kind == "nested":
        path.write_text(what)
    else:
        number, (section, key) = what
        path.write_text(_huge_file(slot, number, section, key))
    flag = {"scenario": [], "contract": ["--contract"], "config": ["--config"]}[slot]
    result = _invoke("run", *flag, path, "--dry-run")
    assert result.exit_code == 2, (slot, hostile, result.output)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert str(path) in " ".join(result.output.split()) or kind == "special" and what == "dir"


def test_a_report_that_cannot_be_written_after_the_check_is_exit_3_with_the_rest_written(tmp_path: Path) -> None:
    """--junit inside a folder named report.html: the folder is made up front, so report.html cannot
    be written after the check. The harness's failure, not a finding: exit 3, one line, the others kept."""
    history = tmp_path / "history.jsonl"
    write_history(healthy(), history)
    out = tmp_path / "out"
    result = _invoke("check", history, "--out", out, "--junit", out / "report.html" / "junit.xml")
    assert result.exit_code == 3, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert "Traceback" not in result.output
    last = result.output.strip().splitlines()[-1]
    assert "report.html" in last and "IsADirectoryError" in last and str(history) in last
    assert (out / "report.json").exists() and (out / "junit.xml").exists()
    assert (out / "report.html" / "junit.xml").exists()
