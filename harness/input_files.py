"""Reading the files a user hands the harness (scenario, contract, config, report, history): refused
before a byte is read unless each is a regular file of a bounded size, and TOML refused when nested
past what any of them needs.

A FIFO blocks the reader forever and a symlink to /dev/zero never ends; recursion in a file's
structure reaches Python's stack limit in the parser or in whatever walks the result. Each is a
user's mistake (exit 2, naming the file), never a hang or a traceback.
"""

from __future__ import annotations

import os
import stat
import tomllib
from pathlib import Path
from typing import Any

from .errors import StocksyncError

MAX_TEXT_BYTES = 1 << 20  # a scenario, contract or config file: a few KB in practice
MAX_DEPTH = 8  # tables in tables: a scenario's deepest is [counters] mix = { ... }
_KINDS = {
    stat.S_IFIFO: "a FIFO",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
    stat.S_IFSOCK: "a socket",
    stat.S_IFDIR: "a folder",
}


def regular_file(path: Path, what: str, error: type[StocksyncError]) -> os.stat_result:
    """The file's status, or `error` unless it is a regular file (symlinks followed)."""
    try:
        status = os.stat(path)
    except OSError as exc:
        raise error(f"cannot read {what} {path}: {exc.strerror or exc}") from None
    except ValueError as exc:  # a path with a NUL byte
        raise error(f"cannot read {what} {str(path)!r}: {exc}") from None
    _refuse_special(status, path, what, error)
    return status


def _refuse_special(status: os.stat_result, path: Path, what: str, error: type[StocksyncError]) -> None:
    if not stat.S_ISREG(status.st_mode):
        kind = _KINDS.get(stat.S_IFMT(status.st_mode), "not a regular file")
        raise error(f"{path}: the {what} is {kind}, not a regular file")


def read_text(path: Path, what: str, error: type[StocksyncError], limit: int = MAX_TEXT_BYTES) -> str:
    """The file's text, refused (as `error`, naming the file) if it is not a regular file, is over
    `limit` bytes, or is not UTF-8. Opened without blocking and checked again once open, so a file
    swapped for a FIFO between the two looks cannot hang the reader."""
    status = regular_file(path, what, error)
    if status.st_size > limit:
        raise error(f"{path}: the {what} is {status.st_size} bytes; at most {limit} are read")
    try:
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(descriptor, "rb") as handle:
            _refuse_special(os.fstat(handle.fileno()), path, what, error)
            data = handle.read(limit + 1)
    except OSError as exc:
        raise error(f"cannot read {what} {path}: {exc.strerror or exc}") from None
    if len(data) > limit:
        raise error(f"{path}: the {what} grew past {limit} bytes while read")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise error(f"{path}: not UTF-8 text (byte {exc.start}: {exc.reason})") from None


def parse_toml(text: str, source: str, error: type[StocksyncError], max_depth: int = MAX_DEPTH) -> dict[str, Any]:
    """The TOML document, refused if it is not TOML or nests tables and arrays deeper than `max_depth`."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise error(f"{source}: not valid TOML: {exc}") from None
    except RecursionError:
        raise error(f"{source}: nested too deeply to read (at most {max_depth} levels)") from None
    path = deepest(raw, max_depth)
    if path is not None:
        raise error(f"{source}: {path} is nested deeper than {max_depth} levels")
    return raw


def deepest(value: Any, max_depth: int) -> str | None:
    """The dotted path of the first place `value` nests deeper than `max_depth` tables and arrays,
    found without recursion (the document may be deeper than Python's stack); None if it does not."""
    stack: list[tuple[Any, str, int]] = [(value, "", 0)]
    while stack:
        item, where, depth = stack.pop()
        if isinstance(item, dict):
            children: Any = ((str(k), v) for k, v in item.items())
        elif isinstance(item, list):
            children = ((f"[{i}]", v) for i, v in enumerate(item))
        else:
            continue
        if depth >= max_depth:
            return where or "<document>"
        for key, child in children:
            joined = f"{where}{key}" if key.startswith("[") or not where else f"{where}.{key}"
            stack.append((child, joined, depth + 1))
    return None
