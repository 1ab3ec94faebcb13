"""`history_meta.marked` finds, in blocks of text, the lines `header` looks at line by line: those with
a record's kind quoted within their first characters, in order, and counts the lines as iterating
the file does, a last line without its newline included, whatever the block's size."""

from __future__ import annotations

import io

import pytest
from hypothesis import given
from hypothesis import strategies as st

from harness.record import history_meta
from harness.record.history_meta import HEAD, marked

RECS = ("meta", "part", "chunk")
PIECES = st.sampled_from(['"meta"', '"part"', '"chunk"', '{"rec":', "x", " ", "\n", "\r\n", "é", "ab"])
TEXTS = st.lists(PIECES, max_size=60).map("".join)


def _line_by_line(text: str, recs: tuple[str, ...]) -> tuple[list[str], int]:
    lines = list(io.StringIO(text, newline=None))
    return [line for line in lines if any(f'"{rec}"' in line[:HEAD] for rec in recs)], len(lines)


@pytest.mark.parametrize("block", [1, 5, 64, 1 << 22])
@given(text=TEXTS)
def test_it_finds_what_a_line_by_line_look_finds(block: int, text: str) -> None:
    history_meta.BLOCK = block
    try:
        for recs in (RECS, ("chunk",)):
            assert marked(io.StringIO(text, newline=None), recs) == _line_by_line(text, recs)
    finally:
        history_meta.BLOCK = 1 << 22


def test_a_kind_quoted_past_the_head_is_not_looked_at() -> None:
    text = '{"rec":"meta","a":1}\n' + "x" * (HEAD - 5) + '"meta"\n{"rec":"obs","kind":"chunk"}\n'
    assert marked(io.StringIO(text), RECS) == (['{"rec":"meta","a":1}\n'], 3)
