"""What a history says of itself, found without parsing its records: its meta, its parts, its chunks.

A streamed check must know the contract, the latency limit and when the run quiesced before the
first receipt, and how large the check is; a Locust worker must know which files to send with its
history. Each is a pass over the file's lines that parses only the few records it looks for.
"""

from __future__ import annotations

from pathlib import Path
from typing import IO, Any

import msgspec
import polars as pl

from .history_file import part_file, reading
from .receipt_chunks import CorruptChunk, chunk_path

_decode = msgspec.json.Decoder().decode
HEAD = 24  # a record's kind is looked for this far into its line
BLOCK = 1 << 22  # characters read at a time when looking for a few records


def read_meta(path: Path, enough: int | None = None) -> tuple[dict[str, Any], int]:
    """Only the meta records, all of them: what a streamed check must know before the first receipt
    (the contract, the latency limit, when the run quiesced), without parsing the rest; and how many
    records the file and its parts hold, a chunk's receipts each one (how large a check it is).
    `enough`: a count that decides already; parts and chunks are counted only while short of it (an
    hour's parts are gigabytes of text)."""
    meta: dict[str, Any] = {}
    parts, chunks = [], []
    with reading(path) as fh:
        found, lines = marked(fh, ("meta", "part", "chunk"))
    for line in found:
        if (record := header(line, "meta")) is not None:
            meta.update(record)
        elif (record := header(line, "part")) is not None:
            parts.append(str(record.get("file")))
        elif (record := header(line, "chunk")) is not None:
            chunks.append(str(record.get("file")))
    for part in parts:
        if enough is not None and lines >= enough:
            break
        with part_file(path.parent, part) as fh:
            found, count = marked(fh, ("chunk",)) if fh is not None else ([], 0)
        lines += count
        chunks += [str(record.get("file")) for line in found if (record := header(line, "chunk")) is not None]
    for chunk in chunks:
        if enough is not None and lines >= enough:
            break
        lines += chunk_rows(path.parent, chunk)
    return meta, lines


def chunk_rows(folder: Path, name: str) -> int:
    """The receipts in a chunk, from its footer; none if it is missing, cut or misnamed (`load` says)."""
    try:
        chunk = chunk_path(folder, name)
        return int(pl.scan_parquet(chunk).select(pl.len()).collect().item()) if chunk.is_file() else 0
    except (ValueError, *CorruptChunk):
        return 0


def parts_of(path: Path) -> list[str]:
    """The files a history names as its parts (`History.add_part`), beside it."""
    with reading(path) as fh:
        return [str(record.get("file")) for line in fh if (record := header(line, "part")) is not None]


def files_of(path: Path) -> list[str]:
    """Every file a history names, relative to its folder: its parts, and its and their receipts
    chunks (`receipt_chunks`): what to send, or copy, with it."""
    files = parts_of(path)
    named = []
    for file in [path.name, *files]:
        with part_file(path.parent, file) as fh:
            named += [str(record.get("file")) for line in fh or () if (record := header(line, "chunk")) is not None]
    return files + [name for name in named if chunk_path(path.parent, name).is_file()]


def marked(fh: IO[str], recs: tuple[str, ...]) -> tuple[list[str], int]:
    """The lines of `fh` that `header` may find a record of one of `recs` in (the kind quoted within
    their first HEAD characters), in order, and how many lines it has: looked for in blocks of text
    (`str.find`), not line by line, since nearly every line of a history is none of them."""
    found: list[str] = []
    lines, rest = 0, ""
    while block := fh.read(BLOCK):
        text = rest + block
        end = text.rfind("\n") + 1
        text, rest = text[:end], text[end:]
        lines += text.count("\n")
        found += _marked_in(text, recs)
    if rest:
        lines += 1
        found += _marked_in(rest, recs)
    return found, lines


def _marked_in(text: str, recs: tuple[str, ...]) -> list[str]:
    """The lines of `text` (whole lines) with one of `recs` quoted within their first HEAD characters."""
    starts = set()
    for rec in recs:
        quoted = f'"{rec}"'
        at = text.find(quoted)
        while at >= 0:
            start = text.rfind("\n", 0, at) + 1
            if at + len(quoted) - start <= HEAD:
                starts.add(start)
            at = text.find(quoted, at + 1)
    return [text[start : text.find("\n", start) + 1 or len(text)] for start in sorted(starts)]


def header(line: str, rec: str) -> dict[str, Any] | None:
    """The line's record if it is one of kind `rec`, found without parsing any other line."""
    if f'"{rec}"' not in line[:HEAD]:
        return None
    try:
        record = _decode(line)
    except msgspec.DecodeError:
        return None  # a torn last line; `load` says what else is wrong
    if isinstance(record, dict) and record.pop("rec", None) == rec:
        return record
    return None
