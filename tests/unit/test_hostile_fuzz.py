"""Fuzzing what users hand the CLI: files and flags in, an exit code in {0, 1, 2, 3} out, never a
traceback, never a file outside the report folder named; and no secret in any report."""

from __future__ import annotations

import copy
import functools
import html
import json
import os
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from harness.checks import check
from harness.cli import main
from harness.report.html import render_html
from harness.report.junit import render_junit
from harness.report.model import MIN_SECRET_CHARS, build_report
from harness.spec.contract import Contract
from tests.histories import healthy

EXAMPLES = int(os.environ.get("STOCKSYNC_FUZZ_EXAMPLES", "25"))
SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(-(10**12), 10**12), st.floats(allow_nan=True), st.text(max_size=12)
)
NESTED = st.integers(2, 2000).flatmap(lambda d: st.sampled_from(["[" * d + "]" * d, "{a = " * d + "1" + "}" * d]))
TOML_VALUES = st.one_of(
    st.sampled_from(
        [
            '"x"',
            "5",
            "-1",
            "nan",
            "inf",
            "1e400",
            "[1, 2]",
            "{patch = nan}",
            '"/../../x"',
            "true",
            "1e308",
            "9223372036854775808",
            "[0, 9223372036854775807]",
            "[1000000000, 1000000000]",
            "{patch = 1e308}",
            "[[1]]",
            '"{hotel}-{"',
            '"{hotel}-{nope}"',
            '"{hotel}-stocktake-{stocktake_id}"',
            "{ places = 0, max = 1e30 }",
        ]
    ),  # fmt: skip
    NESTED,
)
SECTIONS = st.sampled_from(
    ["", "[counters]", "[listeners]", "[run]", "[limits]", "[flow]", "[channels]", "[events]", "[target]",
     "[values.add_movement]", "[values.patch_line]"]
)  # fmt: skip
KEYS = st.sampled_from(
    [
        "name",
        "count",
        "mix",
        "kind",
        "operations",
        "latency_ms",
        "target",
        "pusher_port",
        "list",
        "detail",
        "line-counted-updated",
        "think_ms",
        "faults",
        "duration_s",
        "keystrokes",
        "debounce_ms",
        "drop_count",
        "channels",
        "events",
        "quantity",
        "counted_partial_units",
        "other_token",
    ]
)


@st.composite
def toml_files(draw: st.DrawFn) -> bytes:
    lines = [f"{draw(SECTIONS)}\n{draw(KEYS)} = {draw(TOML_VALUES)}" for _ in range(draw(st.integers(0, 4)))]
    text = "\n".join(lines).encode()
    return draw(st.one_of(st.just(text), st.binary(max_size=60), st.just(text + b"\xff\xfe")))


@st.composite
def history_files(draw: st.DrawFn) -> bytes:
    records = []
    for _ in range(draw(st.integers(0, 5))):
        kind = draw(st.sampled_from(["meta", "obs", "op", "bogus"]))
        fields = draw(
            st.dictionaries(
                st.sampled_from(
                    [
                        "kind",
                        "time",
                        "id",
                        "type",
                        "listener",
                        "invoke",
                        "request",
                        "status",
                        "complete",
                        "body",
                        "error",
                        "actor",
                        "hotel",
                        "actor_hotel",
                        "socket_id",
                        "channel",
                    ]
                ),
                SCALARS,
                max_size=6,
            )
        )
        records.append(json.dumps({"rec": kind, **fields}, allow_nan=True))
    text = "\n".join(records).encode()
    return draw(st.one_of(st.just(text), st.binary(max_size=80)))


FLAGS = st.lists(
    st.sampled_from(
        [
            ["--seed", "x"],
            ["--seed", "3"],
            ["--fault", "pusher-drop="],
            ["--fault", "nope"],
            ["--fault", "pusher-drop=0.5"],
            ["--strict"],
            ["--latency-ms", "0"],
            ["--latency-ms", "50"],
            ["--target", "http://[::1"],
            ["--pusher-port", "99999"],
            ["--seed", "99999999999999999999999"],
            ["--latency-ms", "99999999999999"],
            ["--out", ""],
            ["--junit", ""],
        ]
    ),
    max_size=3,
)


@functools.cache
def _report_json() -> dict[str, Any]:
    history = healthy()
    return build_report(history, check(history, Contract()), [], 1.0).to_json_dict()


@st.composite
def report_files(draw: st.DrawFn) -> bytes:
    """A good report.json with one field replaced, removed or nested, or no JSON at all."""
    report = copy.deepcopy(_report_json())
    path = draw(st.sampled_from([("verdict",), ("checks",), ("checks", 0), ("checks", 0, "count"),
                                 ("checks", 0, "judged"), ("latency",), ("latency", "all", "p99"),
                                 ("latency", "all", "count"), ("findings_by_name",)]))  # fmt: skip
    *parents, last = path
    holder = functools.reduce(lambda item, key: item[key], parents, report)
    if draw(st.booleans()) and isinstance(holder, dict):
        holder.pop(last, None)
    else:
        holder[last] = draw(st.one_of(SCALARS, st.lists(SCALARS, max_size=2), st.just([])))
    text = json.dumps(report, allow_nan=True).encode()
    depth = draw(st.integers(2, 5000))
    return draw(st.one_of(st.just(text), st.just(b"[" * depth + b"]" * depth), st.binary(max_size=40)))


def _tree(root: Path) -> set[Path]:
    return {p for p in root.rglob("*")}


def _fuzz_cli(
    tmp_path_factory: pytest.TempPathFactory, command: str, content: bytes, extra: bytes, flags: list[list[str]]
) -> None:
    root = tmp_path_factory.mktemp("fuzz")
    given_file, other = root / "given", root / "other.toml"
    given_file.write_bytes(content)
    other.write_bytes(extra)
    reports = root / "reports"
    args = {
        "run": ["run", str(given_file), "--dry-run", "--contract", str(other), "--config", str(other)],
        "check": ["check", str(given_file), "--contract", str(other), "--report-dir", str(reports)],
        "compare": ["compare", str(given_file), str(other)],
    }[command]
    args += [a for flag in flags for a in flag]
    before = _tree(root)
    result = CliRunner().invoke(main, args)
    assert result.exception is None or isinstance(result.exception, SystemExit), (args, result.output)
    assert result.exit_code in (0, 1, 2, 3), (args, result.output)
    assert "Traceback" not in result.output
    assert {p for p in _tree(root) - before if reports not in p.parents and p != reports} == set()


@st.composite
def cli_inputs(draw: st.DrawFn) -> tuple[str, bytes, bytes, list[list[str]]]:
    """(command, the file it is given, a contract/config file or a second report, flags)."""
    command = draw(st.sampled_from(["run", "check", "compare"]))
    if command == "compare":
        threshold = draw(st.sampled_from(["0.2", "nan", "inf", "-1", "1e309", "x"]))
        good = json.dumps(_report_json()).encode()
        return command, draw(report_files()), good, [["--p99-rise", threshold]]
    given_file = draw(toml_files() if command == "run" else history_files())
    return command, given_file, draw(toml_files()), draw(FLAGS)


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@given(inputs=cli_inputs())
def test_the_cli_survives_any_file_and_flag(tmp_path_factory, inputs) -> None:
    _fuzz_cli(tmp_path_factory, *inputs)


@pytest.mark.heavy
@settings(max_examples=EXAMPLES * 20, deadline=None, suppress_health_check=list(HealthCheck))
@given(inputs=cli_inputs())
def test_the_cli_survives_any_file_and_flag_at_length(tmp_path_factory, inputs) -> None:
    _fuzz_cli(tmp_path_factory, *inputs)


def _renders(secret: str, planted: str) -> list[str]:
    history = healthy()
    history.meta["target"] = f"https://staging.example/?token={planted}"
    history.operations[0].request["body"] = {"note": planted, "exactly": planted}
    history.operations[0].body = {**history.operations[0].body, "echo": f"<{planted}>"}
    report = build_report(history, check(history, Contract()), [secret], 1.0)
    return [json.dumps(report.to_json_dict(), indent=2), render_junit(report), render_html(report)]


@functools.cache
def _baseline() -> list[str]:
    """The reports with nothing planted: the same for every example, so rendered once."""
    return _renders("no-secret-here-at-all", "PLACEHOLDER")


@settings(max_examples=EXAMPLES * 2, deadline=None)
@given(secret=st.text(min_size=MIN_SECRET_CHARS, max_size=30))
@example(secret="0000000\r")  # repr() escaped it inside a payload-mismatch's diff line
def test_no_secret_survives_in_any_report_format(secret: str) -> None:
    forms = {secret, json.dumps(secret)[1:-1], html.escape(secret), html.escape(secret, quote=False)}
    assume(not any(form in text for form in forms for text in _baseline()))
    texts = _renders(secret, secret)
    json.loads(texts[0])
    for text in texts:
        assert not [form for form in forms if form in text]
