"""The history's bytes on disk: zstd-compressed on the fly, readable while torn.

A busy run records millions of receipts; compressed, each costs a few bytes instead of forty.
zstd (the `zstandard` bindings) is fast enough to sit on the receipt path, and a block
flushed every `History.FLUSH_S` can be read back on its own, so a crashed run still leaves
everything up to its last flush. Plain-text histories (older runs, hand-made files) read
the same way: the format is told by the file's first bytes, not its name.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import zstandard

from ..errors import HistoryFormatError
from ..input_files import regular_file

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
    """The file's text, in whichever format its first bytes say. A file with none of them yet (a run's
    history just begun, read while it is written) reads as the nothing it held when opened: what is
    written after would otherwise be read in a format nobody chose."""
    raw = path.open("rb")
    head = raw.read(len(ZSTD_MAGIC))
    raw.seek(0)
    if head == ZSTD_MAGIC:
        reader = zstandard.ZstdDecompressor().stream_reader(raw, read_across_frames=True, closefd=True)
        return io.TextIOWrapper(reader, encoding="utf-8")
    if ZSTD_MAGIC.startswith(head):  # empty, or its compression's magic not yet written whole
        raw.close()
        return io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
    return io.TextIOWrapper(raw, encoding="utf-8")


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


@contextlib.contextmanager
def reading(path: Path) -> Iterator[IO[str]]:
    """The file's text, its failures said as a HistoryFormatError naming the file."""
    try:
        with open_for_reading(path) as fh:
            yield fh
    except HistoryFormatError as exc:
        raise HistoryFormatError(f"{path}: {exc}") from None
    except CorruptCompression as exc:
        raise HistoryFormatError(f"{path}: not a readable zstd stream ({exc})") from None
    except UnicodeDecodeError as exc:
        raise HistoryFormatError(f"{path}: not UTF-8 text (byte {exc.start}: {exc.reason})") from None
    except OSError as exc:
        raise HistoryFormatError(f"cannot read history {path}: {exc.strerror}") from None


@contextlib.contextmanager
def part_file(folder: Path | None, name: str) -> Iterator[IO[str] | None]:
    """A part's file, beside the history that names it; only a plain file name is taken. None if it
    is not there: a part named and missing makes the history not whole, not unreadable."""
    if folder is None:
        raise HistoryFormatError(f"it names its part {name!r}, which is read only from the folder beside it")
    if not name or Path(name).name != name or name in (".", ".."):
        raise HistoryFormatError(f"its part {name!r} is not a file name")
    if not (folder / name).exists():
        yield None
        return
    regular_file(folder / name, "history's part", HistoryFormatError)  # a FIFO would hang the reader
    with reading(folder / name) as fh:
        yield fh
