"""What a history says of itself, found without parsing its records: its meta, its parts, its chunks.

A streamed check must know the contract, the latency limit and when the run quiesced before the
first receipt, and how large the check is; a Locust worker must know which files to send with its
history. Each is a pass over the file's lines that parses only the few records it looks for.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import msgspec
import polars as pl

from .history_file import part_file, reading
from .receipt_chunks import CorruptChunk, chunk_path

_decode = msgspec.json.Decoder().decode


def read_meta(path: Path, enough: int | None = None) -> tuple[dict[str, Any], int]:
    """Only the meta records, all of them: what a streamed check must know before the first receipt
    (the contract, the latency limit, when the run quiesced), without parsing the rest; and how many
    records the file and its parts hold, a chunk's receipts each one (how large a check it is).
    `enough`: a count that decides already; parts and chunks are counted only while short of it (an
    hour's parts are gigabytes of text)."""
    meta: dict[str, Any] = {}
    lines, parts, chunks = 0, [], []
    with reading(path) as fh:
        for line in fh:
            lines += 1
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
            for line in fh or ():
                lines += 1
                if (record := header(line, "chunk")) is not None:
                    chunks.append(str(record.get("file")))
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


def header(line: str, rec: str) -> dict[str, Any] | None:
    """The line's record if it is one of kind `rec`, found without parsing any other line."""
    if f'"{rec}"' not in line[:24]:
        return None
    try:
        record = _decode(line)
    except msgspec.DecodeError:
        return None  # a torn last line; `load` says what else is wrong
    if isinstance(record, dict) and record.pop("rec", None) == rec:
        return record
    return None
