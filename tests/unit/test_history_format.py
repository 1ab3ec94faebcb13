"""The history file: compact, compressed receipts and snapshots read back to the very same record;
torn and older files still read; a damaged one is refused with a clear message."""

from __future__ import annotations

import json
from dataclasses import fields
from pathlib import Path

import pytest

from harness.checks import check
from harness.errors import HistoryFormatError
from harness.record.history import History, load, parse, parts_of, read_meta
from harness.record.history_file import HISTORY_NAME, ZSTD_MAGIC, open_for_reading, read_text, write_text
from harness.record.receipt_codec import TEXT_SLOTS
from harness.record.records import Observation, Operation, completion_record, fields_of, invoke_record
from harness.spec.contract import Contract
from harness.testing import history_with, write_history


def _write(path: Path, observations: list[Observation]) -> History:
    """In the form before receipts chunks (receipts compact in the file): what these tests hold."""
    history = History(path, {"scenario": "format"}, columns=False)
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
            fh.write(json.dumps({"rec": "obs", **fields_of(obs)}) + "\n")
    result = check(load(old), Contract())
    assert result.counts["matched"] == 200 and result.findings == []


def test_the_text_table_is_a_ring_so_a_long_run_holds_a_bounded_number_of_texts(tmp_path: Path) -> None:
    """More distinct texts than the ring holds: the writer forgets the oldest and writes it again when
    it comes back, and every receipt still reads back with its own text."""
    origin = History.now()
    texts = [json.dumps({"n": n}) for n in range(TEXT_SLOTS + 10)] + ['{"n": 0}']
    observations = [
        Observation("receipt", origin + n / 1e4, "v", "1.1", "c", "e", text) for n, text in enumerate(texts)
    ]
    recorded = _write(tmp_path / "h.jsonl", observations)
    assert len(recorded._receipts._payloads) == TEXT_SLOTS
    assert [o.data for o in load(tmp_path / "h.jsonl").observations] == texts
    lines = (tmp_path / "h.jsonl").read_text().splitlines()
    assert sum(json.dumps('{"n": 0}') in line for line in lines) == 2, "forgotten, then written again"


def test_snapshots_of_one_view_are_kept_once_and_read_back(tmp_path: Path) -> None:
    view = {"stocktake_id": 1, "hotel": "h", "lines": [{"id": n, "counted_qty": "1.0000"} for n in range(50)]}
    observations = [Observation("snapshot", History.now(), f"viewer-{n}", f"1.{n}", "h-stocktake-1", data=view)
                    for n in range(20)]  # fmt: skip
    _write(tmp_path / "h.jsonl", observations)
    loaded = load(tmp_path / "h.jsonl").observations
    assert [(o.kind, o.listener, o.data) for o in loaded] == [("snapshot", o.listener, view) for o in observations]
    text = (tmp_path / "h.jsonl").read_text()
    assert text.count('\\"counted_qty\\"') == 50, "the view's JSON is on disk once, not once a page"


def test_a_compressed_history_is_small_reads_back_and_survives_a_torn_tail(tmp_path: Path) -> None:
    synthetic = history_with(20_000, listeners=20)
    receipts = [o for o in synthetic.observations if o.kind == "receipt"]
    plain, packed = tmp_path / "h.jsonl", tmp_path / HISTORY_NAME
    _write(plain, receipts)
    _write(packed, receipts)
    assert packed.read_bytes()[:4] == ZSTD_MAGIC
    assert packed.stat().st_size * 5 < plain.stat().st_size
    assert read_text(packed).count("\n") == plain.read_text().count("\n")
    fields = [(o.listener, o.socket_id, o.channel, o.event, o.data) for o in receipts]
    assert [(o.listener, o.socket_id, o.channel, o.event, o.data) for o in load(packed).observations] == fields
    torn = tmp_path / "torn.jsonl.zst"
    torn.write_bytes(packed.read_bytes()[:-7])
    kept = load(torn).observations
    assert 0 < len(kept) <= len(receipts) and kept[0].data == receipts[0].data


def test_a_damaged_compressed_history_is_refused_with_a_clear_message(tmp_path: Path) -> None:
    damaged = tmp_path / HISTORY_NAME
    damaged.write_bytes(ZSTD_MAGIC + bytes(range(200)))
    with pytest.raises(HistoryFormatError, match="zstd"):
        load(damaged)


def test_a_history_streams_through_a_callback_without_being_kept(tmp_path: Path) -> None:
    origin = History.now()
    observations = [Observation("receipt", origin + n, "v", "1.1", "c", "e", f'{{"n": {n}}}') for n in range(5)]
    _write(tmp_path / "h.jsonl", [Observation("connect", origin, "v", "1.1"), *observations])
    handed: list[Observation] = []
    data = load(tmp_path / "h.jsonl", handed.append)
    assert data.observations == [] and [o.kind for o in handed] == ["connect"] + ["receipt"] * 5


def _with_part(folder: Path, part_name: str = "listeners-1.h.jsonl.zst") -> tuple[Path, list[Observation]]:
    """A run's history naming one part: a worker's receipts, with text and name ids of its own."""
    origin = History.now()
    main = History(folder / "h.jsonl.zst", {"scenario": "parts", "time_origin": origin})
    main.append(Observation("receipt", origin + 0.1, "counter-1", "1.1", "c", "e", '{"own": 1}'))
    worker = History(folder / part_name, {"time_origin": origin, "role": "listener-process"}, retain=False)
    theirs = [Observation("receipt", origin + 0.2 + n, f"viewer-{n}", f"2.{n}", "c", "e", f'{{"n": {n}}}')
              for n in range(3)]  # fmt: skip
    for obs in theirs:
        worker.append(obs)
    worker.close()
    main.add_part("listener-process-1", folder / part_name)
    main.set_meta(quiesced_at=origin + 9)
    main.close()
    return folder / "h.jsonl.zst", theirs


def test_a_part_is_read_in_its_place_as_a_segment_of_its_own(tmp_path: Path) -> None:
    """A listener process's file is named, not copied: read where it was named, its compact ids its
    own (both files number their first text 0), its meta records not the history's."""
    path, theirs = _with_part(tmp_path)
    segments: list[str] = []
    data = load(path, None, segments.append)
    assert segments == ["listener-process-1"]
    assert [o.data for o in data.observations] == ['{"own": 1}'] + [o.data for o in theirs]
    assert [o.listener for o in data.observations[1:]] == ["viewer-0", "viewer-1", "viewer-2"]
    assert "role" not in data.meta and data.meta["quiesced_at"] > data.meta["time_origin"]
    assert parts_of(path) == ["listeners-1.h.jsonl.zst"]
    meta, lines = read_meta(path)
    assert lines >= 4 + 3, "a part's lines count towards the size of the check"
    main_only = read_meta(path, enough=1)[1]
    assert main_only < lines, "once the count decides, the parts are not opened"


def test_a_missing_part_is_not_whole_and_an_escaping_one_is_refused_with_its_name(tmp_path: Path) -> None:
    """A part named and gone is read as what it is, a history that is not whole (its verdict says so);
    a part name that leaves the folder, or a part naming parts, is not a history a run writes."""
    path, _ = _with_part(tmp_path)
    assert load(path).wholeness.whole
    (tmp_path / "listeners-1.h.jsonl.zst").unlink()
    data = load(path)
    assert data.wholeness.missing == ["listeners-1.h.jsonl.zst"] and not data.wholeness.whole
    assert [o.data for o in data.observations] == ['{"own": 1}'], "the main file is still read"
    assert read_meta(path)[0]["quiesced_at"] > 0, "its meta is still read"
    hostile = tmp_path / "hostile.jsonl"
    hostile.write_text(json.dumps({"rec": "meta", "time_origin": 0}) + "\n"
                       + json.dumps({"rec": "part", "name": "x", "file": "../secret"}) + "\n")  # fmt: skip
    with pytest.raises(HistoryFormatError, match="not a file name"):
        load(hostile)
    with pytest.raises(HistoryFormatError, match="folder beside it"):
        parse(hostile.read_text().splitlines(keepends=True))
    itself = tmp_path / "itself.jsonl"
    itself.write_text(json.dumps({"rec": "part", "name": "x", "file": "itself.jsonl"}) + "\n")
    with pytest.raises(HistoryFormatError, match="names a part of its own"):
        load(itself)


def test_operations_read_back_equal_and_share_one_copy_of_each_text(tmp_path: Path) -> None:
    """A final check holds every operation: the names, paths and quantities that recur across them
    are read into one object each, and every operation still reads back as it was recorded."""
    synthetic = history_with(400, listeners=2)
    path = tmp_path / HISTORY_NAME
    write_history(synthetic, path)
    loaded = load(path).operations
    assert [vars(op) for op in loaded] == [vars(op) for op in synthetic.operations]
    texts: dict[str, list[int]] = {}
    for op in loaded:
        values = [op.actor, op.kind, op.hotel, *op.body.values()]
        for value in values:
            if isinstance(value, str):
                texts.setdefault(value, []).append(id(value))
    recurring = {text: ids for text, ids in texts.items() if len(ids) > 1}
    assert recurring and all(len(set(ids)) == 1 for ids in recurring.values())


def test_every_field_of_an_operation_is_in_its_invoke_or_its_completion_record() -> None:
    """The two records are written field by field: a field added to Operation and to neither would
    be lost on reading back."""
    op = history_with(10).operations[0]
    written = set(invoke_record(op)) | set(completion_record(op)) - {"rec"}
    assert written == {f.name for f in fields(Operation)}


def test_operations_read_back_as_they_were_recorded_whatever_the_form_of_their_lines(tmp_path: Path) -> None:
    """As `History` writes them (typed by msgspec as they are parsed, `operation_records`), and as any
    other writer may (keys in another order, spaces: read the general way)."""
    synthetic = history_with(40, listeners=2)
    write_history(synthetic, tmp_path / HISTORY_NAME)
    assert load(tmp_path / HISTORY_NAME).operations == synthetic.operations
    lines = read_text(tmp_path / HISTORY_NAME).splitlines()
    other = tmp_path / "other.jsonl"
    records = [json.loads(line) for line in lines]
    other.write_text(
        "".join(json.dumps(dict(reversed(r.items())) if isinstance(r, dict) else r) + "\n" for r in records)
    )
    assert load(other, receipts=False).operations == synthetic.operations


@pytest.mark.parametrize(
    ("field", "value", "said"),
    [("id", "true", "id is bool"), ("invoke", '"soon"', "invoke is str"), ("request", "[]", "request is list")],
)
def test_an_operation_record_of_the_wrong_types_is_refused_naming_the_field(
    tmp_path: Path, field: str, value: str, said: str
) -> None:
    fields = {"id": "1", "actor": '"c"', "kind": '"patch_line"', "hotel": '"h"', "actor_hotel": '"h"',
              "request": "{}", "socket_id": "null", "invoke": "1.5", field: value}  # fmt: skip
    line = '{"rec":"op","type":"invoke",' + ",".join(f'"{k}":{v}' for k, v in fields.items()) + "}"
    (tmp_path / HISTORY_NAME).write_text('{"rec":"meta","scenario":"s"}\n' + line + "\n")
    with pytest.raises(HistoryFormatError, match=f"line 2: .*{said}"):
        load(tmp_path / HISTORY_NAME)


@pytest.mark.parametrize("tail", ['{"rec": "obs", "kind": "rece', '{"rec":"op","type":"ok","id":1,"comp'])
def test_a_line_cut_after_the_end_record_leaves_the_history_ended_and_its_tail_torn(tmp_path: Path, tail: str) -> None:
    """Whatever the cut line was to be (an operation's record is read another way), the end record
    before it still ends the history: the check says the line is cut, not that the run was killed."""
    path = tmp_path / HISTORY_NAME
    write_history(history_with(40, listeners=2), path)
    torn = tmp_path / "torn.jsonl"
    torn.write_text(read_text(path) + tail)
    whole = load(torn, receipts=False).wholeness
    assert (whole.ended, whole.torn) == (True, ["the history"])
    assert check(load(torn), Contract()).reasons[0].startswith("the last line of the history is cut")


@pytest.mark.parametrize("begun", [b"", ZSTD_MAGIC[:2]], ids=["empty", "magic-cut"])
def test_a_history_read_as_it_is_begun_reads_as_what_it_held_and_not_as_text(tmp_path: Path, begun: bytes) -> None:
    """A run's history caught before its compression's first bytes are whole (a test or a user polling
    it) reads as empty: what is written after it was opened is not decoded as plain text."""
    path = tmp_path / HISTORY_NAME
    path.write_bytes(begun)
    with open_for_reading(path) as fh:
        written = tmp_path / "written.jsonl.zst"
        write_text(written, '{"rec": "meta"}\n')
        with path.open("r+b") as same:  # the same file, written on after it was opened
            same.write(written.read_bytes())
        assert fh.read() == ""
    assert read_text(path) == '{"rec": "meta"}\n'
