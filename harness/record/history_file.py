"""The history's bytes on disk: zstd-compressed on the fly, readable while torn.

A busy run records millions of receipts; compressed, each costs a few bytes instead of forty.
zstd (the `zstandard` bindings) is fast enough to sit on the receipt path, and a block
flushed every `History.FLUSH_S` can be read back on its own, so a crashed run still leaves
everything up to its last flush. Plain-text histories (older runs, hand-made files) read
the same way: the format is told by the file's first bytes, not its name.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import IO

import zstandard

HISTORY_NAME = "history.jsonl.zst"
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
LEVEL = 3
CorruptCompression = zstandard.ZstdError


def open_for_writing(path: Path) -> IO[str]:
    """Compressed when the name ends in .zst; `flush()` ends a zstd block, so what was flushed reads."""
    if path.suffix != ".zst":
        return path.open("w", encoding="utf-8")
    writer = zstandard.ZstdCompressor(level=LEVEL).stream_writer(path.open("wb"))
    return io.TextIOWrapper(writer, encoding="utf-8", write_through=False)


def open_for_reading(path: Path) -> IO[str]:
    raw = path.open("rb")
    if raw.read(4) != ZSTD_MAGIC:
        raw.seek(0)
        return io.TextIOWrapper(raw, encoding="utf-8")
    raw.seek(0)
    reader = zstandard.ZstdDecompressor().stream_reader(raw, read_across_frames=True, closefd=True)
    return io.TextIOWrapper(reader, encoding="utf-8")


def read_text(path: Path) -> str:
    with open_for_reading(path) as fh:
        return fh.read()


def write_text(path: Path, text: str) -> None:
    with open_for_writing(path) as fh:
        fh.write(text)


def find_history(folder: Path) -> Path | None:
    """A report folder's history, whichever format the run that made it wrote."""
    for name in (HISTORY_NAME, "history.jsonl"):
        if (folder / name).is_file():
            return folder / name
    return None
