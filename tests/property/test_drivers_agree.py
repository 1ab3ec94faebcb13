"""The checker's drivers agree, and agree with a brute-force oracle, over histories hypothesis builds
step by step (`sync_model.Record`): two counters' writes to two lines (re-saves, slow answers, refusals,
5xx and unanswered writes among them), viewers and the counters' own pages subscribing, disconnecting
(planned or not) and rejoining, and each copy of each write's event delivered, dropped, duplicated,
stale, echoed, delayed past the next write of its line, late, at the limit, at the close, at the settle
or past the grace.

Invariants, for every history:
- the final check in memory (serial, and in forked shares of the listeners), the file check (one
  reader; one folding every few records; N readers each judging a share of the listeners; the
  columnar engine a share of the listeners at a time, as for a file too large for one frame; and
  with some listeners' records in a listener process's segment) and the live check after the last
  window give the same findings, as multisets of (name, operation, listener, channel, event), and
  the final and file checks the same verdict;
- the columnar engine in shares gives the counts, judged counts and latencies it gives over one
  frame;
- what the live check shows after any update is part of what the final check finds, but for its
  `due` findings (`ListenerStream.due`: a delivery missing at its window's close and not yet
  settled): each of those is in the final findings as itself, or, its copy having come within the
  grace, as a late-event of the same write, listener and channel;
- every rule judged at least as many things as it found, in every driver, at every live update (of
  the findings settled by then), and for every prefix of the history;
- where the oracle reads the history exactly (`oracle.expected`), the missing, duplicate and late
  events are the oracle's, by write and listener.
Each disagreement the machine found was fixed in the engine; the tests at the end hold its minimal
history and the behaviour that is right.
"""

from __future__ import annotations

import tempfile
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from harness.checks import CheckResult
from harness.checks.findings import Finding
from tests.property.driver_runs import Reading, Seen, every_driver, file_check, final_check, live_check, write_file
from tests.property.oracle import expected, iter_keys
from tests.property.sync_model import (
    ANSWERS_S,
    CHANNEL,
    EVENT,
    EXACT_FATES,
    FATES,
    LINES,
    OUTCOMES,
    VIEWERS,
    WRITERS,
    How,
    Record,
)

LIVE_FINDS_NOTHING = frozenset({"write-despite-error", "divergence"})
"""By design (`LiveCheck._fold`, `parts.views_part`): their evidence, the receipts about a line, the
pages' views and the lines re-read after the run, is the final check's."""
ORACLE_NAMES = ("missing-event", "duplicate-event", "late-event")
PAUSES = st.sampled_from([0.1, 0.3, 1.5, 4.0])
DEFAULT = settings(max_examples=10, stateful_step_count=25, deadline=None)
MORE = settings(max_examples=60, stateful_step_count=25, deadline=None)
SWEEP = settings(max_examples=2000, stateful_step_count=40, deadline=None)


def keys(findings: Iterable[Finding], left_out: frozenset[str] = frozenset()) -> Counter[tuple[object, ...]]:
    """`left_out`: names a driver does not judge by design."""
    return Counter(key for key in iter_keys(list(findings)) if key[0] not in left_out)


def assert_same(got: Counter[Any], want: Counter[Any], driver: str) -> None:
    assert got == want, f"{driver}: extra {sorted(got - want)}, lacks {sorted(want - got)}"


def assert_judged_covers(findings: Iterable[Finding], judged: dict[str, int], driver: str) -> None:
    for name, n in Counter(f.name for f in findings).items():
        assert judged.get(name, 0) >= n, f"{driver}: {name} found {n} times but judged {judged.get(name, 0)}"


def assert_live_within_final(seen: Seen, final: Counter[tuple[object, ...]]) -> None:
    due = keys(seen.due)
    beyond = keys(seen.findings) - due - final
    assert not beyond, f"live at {seen.now} showed what the final check does not find: {sorted(beyond)}"
    for name, op, listener, channel, event in due:
        assert (name, op, listener, channel, event) in final or ("late-event", op, listener, channel, event) in final, (
            f"live at {seen.now}: due {name} of write {op} to {listener} is neither found nor late"
        )


def deliveries(result: CheckResult) -> Counter[tuple[object, ...]]:
    """The deliveries a check logged, as a multiset of rows."""
    assert result.deliveries is not None
    return Counter(result.deliveries.frame().iter_rows())


def assert_late_rows_are_late_findings(result: CheckResult, driver: str) -> None:
    """A delivery is logged late exactly when the check found it late."""
    assert result.deliveries is not None
    late = result.deliveries.frame().filter("late").select("op", "listener", "channel", "event")
    found = Counter((f.operation, f.listener, f.channel, f.event) for f in result.findings if f.name == "late-event")
    assert_same(Counter(late.iter_rows()), found, f"{driver}: late deliveries")


def assert_drivers_agree(record: Record, reading: Reading) -> None:
    runs = every_driver(record, reading)
    final, live = runs.final, runs.live
    assert_judged_covers(final.findings, final.judged, "final")
    assert_late_rows_are_late_findings(final, "final")
    for driver, result in runs.others.items():
        assert_same(keys(result.findings), keys(final.findings), driver)
        assert result.verdict == final.verdict, driver
        assert_judged_covers(result.findings, result.judged, driver)
        assert_same(deliveries(result), deliveries(final), f"{driver}: deliveries")
    in_one_frame = runs.others["file, 1 reader"]
    for driver, result in runs.others.items():
        if "columnar shares" in driver:
            assert_same_as_one_frame(result, in_one_frame, driver)
    assert_same(keys(live.last.findings), keys(final.findings, LIVE_FINDS_NOTHING), "live after the last window")
    for seen in live.seen:
        assert_judged_covers(seen.findings, seen.judged, f"live at {seen.now}")
        assert_live_within_final(seen, keys(final.findings))
    oracle = expected(record)
    if oracle is not None:
        found = Counter((f.name, f.operation, f.listener) for f in final.findings if f.name in ORACLE_NAMES)
        assert_same(found, oracle, "final, against the oracle")


def assert_same_as_one_frame(result: CheckResult, in_one_frame: CheckResult, driver: str) -> None:
    """The engine in shares of the listeners is the engine over one frame: the same counts, judged
    counts and latencies too."""
    assert result.counts == in_one_frame.counts, driver
    assert result.judged == in_one_frame.judged, driver
    assert result.latency == in_one_frame.latency, driver
    assert result.slowest == in_one_frame.slowest, driver


class DriversAgree(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.record = Record()
        self.simple, self.pages, self.reading = False, False, Reading()

    @initialize(
        viewers=st.sets(st.sampled_from(VIEWERS)),
        writer_pages=st.sets(st.sampled_from(sorted(WRITERS))),
        simple=st.booleans(),
        pages=st.booleans(),
        readers=st.sampled_from([2, 3]),
        feed_every=st.sampled_from([2, 1, 5]),
        elsewhere=st.frozensets(st.sampled_from(VIEWERS)),
        share_most=st.sampled_from([0, 1, 3]),
    )
    def start(self, viewers: set[str], writer_pages: set[str], simple: bool, pages: bool, **reading: Any) -> None:
        """Who listens from the start (a counter's own page is owed its writes' events); whether the
        history stays one the oracle reads exactly (no disconnect, no re-save, `EXACT_FATES`); whether
        the viewers are pages, whose views are held against the truth; and how the file is read."""
        self.simple, self.pages, self.reading = simple, pages, Reading(**reading)
        for writer in sorted(writer_pages):
            socket, page = WRITERS[writer]
            self.record.subscribe(page, socket)
        for viewer in sorted(viewers):
            self.record.subscribe(viewer, page=pages)

    @rule(listener=st.sampled_from(VIEWERS), pause=PAUSES)
    def subscribe(self, listener: str, pause: float) -> None:
        self.record.step(pause)
        self.record.subscribe(listener, page=self.pages)

    @precondition(lambda self: not self.simple)
    @rule(listener=st.sampled_from(VIEWERS), planned=st.booleans(), pause=PAUSES)
    def disconnect(self, listener: str, planned: bool, pause: float) -> None:
        self.record.step(pause)
        self.record.disconnect(listener, planned)

    @rule(
        line=st.sampled_from(LINES),
        resave=st.sampled_from([False, False, False, True]),
        fates=st.lists(
            st.sampled_from(FATES), min_size=len(VIEWERS) + len(WRITERS), max_size=len(VIEWERS) + len(WRITERS)
        ),
        writer=st.sampled_from(sorted(WRITERS)),
        answer_s=st.sampled_from(ANSWERS_S),
        outcome=st.sampled_from(("ok",) * 6 + tuple(OUTCOMES)),
        pause=PAUSES,
    )
    def write(self, line: int, fates: list[str], pause: float, **how: Any) -> None:
        self.record.step(pause)
        if self.simple:
            how.update(resave=False, outcome="ok")
            fates = [EXACT_FATES.get(fate, fate) for fate in fates]
        self.record.write(line, fates, How(**how))

    @precondition(lambda self: not self.simple)
    @rule(listener=st.sampled_from(VIEWERS), planned=st.booleans(), away=PAUSES, pause=PAUSES)
    def reconnect(self, listener: str, planned: bool, away: float, pause: float) -> None:
        """A page drops its connection and rejoins on a new one: the writes in between are a gap."""
        self.disconnect(listener, planned, pause)
        self.subscribe(listener, away)

    @rule(seconds=st.sampled_from([3.0, 12.0]))
    def wait(self, seconds: float) -> None:
        """Long enough for the writes in flight to close, or to settle, before the next step."""
        self.record.step(seconds)

    @invariant()
    def every_rule_judged_what_it_found(self) -> None:
        """Of the record so far, as if the run quiesced now: cheap, and every prefix is a history too."""
        result = final_check(self.record)
        assert_judged_covers(result.findings, result.judged, "final, so far")

    def teardown(self) -> None:
        assert_drivers_agree(self.record, self.reading)


TestDriversAgree = DriversAgree.TestCase
TestDriversAgree.settings = DEFAULT


@pytest.mark.heavy
def test_drivers_agree_over_more_histories() -> None:
    """The default run's machine, six times the histories: CI's heavy stage when it has the time."""
    run_state_machine_as_test(DriversAgree, settings=MORE)


@pytest.mark.heavy
@pytest.mark.sweep
@pytest.mark.timeout(3600)
def test_drivers_agree_over_many_more_histories() -> None:
    run_state_machine_as_test(DriversAgree, settings=SWEEP)


@pytest.mark.parametrize(
    ("listener", "socket", "after", "fate", "how", "found"),
    [
        pytest.param(
            "viewer-0", None, 21.0, "duplicate", How(resave=True), ("duplicate-event", 2, "viewer-0"),
            id="its two copies of a re-save are one duplicate",
        ),
        pytest.param(
            "counter-2-browser", WRITERS["counter-2"][0], 16.0, "echo", How("counter-2", resave=True),
            ("self-echo", 2, "counter-2-browser"),
            id="a writer's page that had the text long before gets its re-save back: a self-echo",
        ),
    ],
)  # fmt: skip
def test_a_text_saved_again_long_after_it_was_first_seen_is_read_alike_by_every_driver(
    listener: str, socket: str | None, after: float, fate: str, how: How, found: tuple[object, ...]
) -> None:
    """`listener` gets write 1's event; `after` seconds later (over RETAIN_S) write 2 saves the line
    again unchanged (the same text), and `listener`'s copy meets `fate`. A copy more than RETAIN_S after
    the listener's last of that text is no duplicate (`stream.py`); two 0.05 s apart are."""
    record = Record()
    record.subscribe(listener, socket)
    record.step(0.1)
    record.write(1701, ["deliver"])
    record.step(after)
    record.write(1701, [fate], how)
    runs = every_driver(record)
    every = {"final": runs.final.findings, **{d: r.findings for d, r in runs.others.items()}}
    for driver, findings in {**every, "live": runs.live.last.findings}.items():
        assert sorted(iter_keys(findings)) == [(*found, CHANNEL, EVENT)], driver


@pytest.mark.parametrize(
    ("viewer_1", "elsewhere"),
    [
        pytest.param("at-limit", "viewer-0", id="the first copy in a listener process's segment, read last"),
        pytest.param("deliver", "viewer-0", id="copies at one instant, viewer-0's read last"),
        pytest.param("deliver", "viewer-1", id="copies at one instant, viewer-1's read last"),
    ],
)
def test_a_write_despite_error_names_its_first_copy_wherever_the_file_holds_it(viewer_1: str, elsewhere: str) -> None:
    """Write 1 answered 500, yet its event reached viewer-0 at once and viewer-1 (`viewer_1`) at the
    limit or at the same instant; write 2 then changed the line again (so the re-read line does not show
    write 1). `elsewhere`'s records are a listener process's, at the file's end: the evidence is still
    viewer-0's copy, the first (of two at one instant, the first by listener) in every driver."""
    record = Record()
    record.subscribe("viewer-0")
    record.subscribe("viewer-1")
    record.step(0.1)
    record.write(1701, ["deliver", viewer_1], How(outcome="error"))
    record.step(0.1)
    record.write(1701, ["deliver", "deliver"])
    with tempfile.TemporaryDirectory() as folder:
        parted = write_file(record, Path(folder), frozenset({elsewhere}))
        checks = {"final": final_check(record), f"file, {elsewhere} in a segment": file_check(parted)}
    for driver, result in checks.items():
        shown = [(f.operation, f.listener) for f in result.findings if f.name == "write-despite-error"]
        assert shown == [(1, "viewer-0")], driver


@pytest.mark.parametrize(
    ("listener", "socket", "fate", "shown"),
    [
        pytest.param("viewer-0", None, "drop", "missing-event", id="a due miss: closed, not yet settled"),
        pytest.param("counter-1-browser", WRITERS["counter-1"][0], "echo", "self-echo", id="a self-echo"),
    ],
)
def test_the_live_check_counts_as_judged_what_it_shows(
    listener: str, socket: str | None, fate: str, shown: str
) -> None:
    """`listener`'s copy of write 1 meets `fate`; 3 s on, the write's window has closed and its grace
    has not passed."""
    record = Record()
    record.subscribe(listener, socket)
    record.step(0.1)
    record.write(1701, [fate])
    record.step(3.0)
    seen = live_check(record).seen[-2]
    assert [(f.name, f.operation) for f in seen.findings] == [(shown, 1)]
    assert seen.judged[shown] >= 1


def test_divergence_judges_at_least_as_much_as_it_finds() -> None:
    """viewer-0's page loses its connection before write 1's event reaches it (a gap), and is gone when
    write 2 changes the other line: both lines differ from the truth, for two reasons."""
    record = Record()
    record.subscribe("viewer-0", page=True)
    record.step(0.1)
    record.write(1701, ["at-close"])
    record.step(0.1)
    record.disconnect("viewer-0", planned=False)
    record.step(0.1)
    record.write(1702, [])
    result = final_check(record)
    assert [f.name for f in result.findings].count("divergence") == 2
    assert result.judged["divergence"] >= 2
