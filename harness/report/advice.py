"""What each finding means, its typical cause and how to fix it, from docs/findings.md.

The same text a reader of the repository gets is shipped in the package (`findings.md` beside this
module is that file), so the console, JUnit, report.html and `stocksync findings NAME` give the fix
beside the finding wherever the harness was installed from. Parsing is pure; the file is read once.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

DOC = Path(__file__).with_name("findings.md")
COLUMNS = 5  # finding, severity, what it means, a typical cause, how to fix it


@dataclass(frozen=True)
class Advice:
    name: str
    severity: str
    meaning: str
    cause: str
    fix: str


def parse(text: str) -> dict[str, Advice]:
    """The findings table's rows, by finding name (its first cell, in backticks)."""
    found: dict[str, Advice] = {}
    for line in text.splitlines():
        if not line.startswith("| `"):
            continue
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == COLUMNS:
            name = cells[0].strip("`")
            found[name] = Advice(name, *cells[1:])
    return found


@functools.cache
def advice() -> dict[str, Advice]:
    return parse(DOC.read_text(encoding="utf-8"))


def fix_of(name: str) -> str | None:
    known = advice().get(name)
    return known.fix if known else None
