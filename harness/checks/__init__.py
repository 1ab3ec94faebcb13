"""Pure checks: a history and a contract in, findings and latency figures out. No I/O."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from ..record.history import HistoryData
from ..spec.contract import Contract
from .columnar import accelerated
from .consequences import with_causes
from .deliveries import DeliveryLog
from .fault_coverage import NAME as UNJUDGED_FAULT
from .fault_coverage import fault_coverage
from .findings import NAMES, Finding
from .harness_stalls import NAME as STALL
from .harness_stalls import held
from .latency import Latencies, latency_stats, merged
from .model import LineReceipts, Receipt
from .outcomes import Outcome, outcomes
from .over_operations import LineReceiptsOf, OperationChecks, refused_triggers
from .parts import Part
from .pausing import gc_paused
from .sizes import never_sent
from .verdict import PASS, decide
from .writes import WriteShare

DEFAULT_LATENCY_LIMIT_MS = 2000


@dataclass
class CheckResult:
    findings: list[Finding] = field(default_factory=list)
    latency: dict[str, Any] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    latencies: Latencies = field(default_factory=Latencies)  # every delivery's, in buckets
    judged: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    slowest: dict[tuple[int, str], float] = field(default_factory=dict)  # each change's slowest delivery (s)
    verdict: str = PASS
    reasons: list[str] = field(default_factory=list)
    outcomes: dict[str, Outcome] = field(default_factory=dict)  # by rule name: what each judged, found, and is
    deliveries: DeliveryLog | None = None  # each delivery judged, if asked for: the run's deliveries table

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    def by_name(self) -> dict[str, list[Finding]]:
        grouped: dict[str, list[Finding]] = {name: [] for name in NAMES}
        for finding in self.findings:
            grouped.setdefault(finding.name, []).append(finding)
        return grouped


def check(
    history: HistoryData, contract: Contract, latency_limit_ms: float | None = None, deliveries: bool = False
) -> CheckResult:
    """A history held in memory; `streamed.check_file` checks one on disk without holding it.
    `deliveries`: log each delivery judged (`CheckResult.deliveries`), for a run folder's table."""
    with gc_paused():
        limit_ms = latency_limit(history.meta, latency_limit_ms)
        part = accelerated(history, contract, limit_ms / 1000, deliveries)
        return concluded(
            history, contract, part, limit_ms / 1000, lambda lines: _line_receipts(history, contract, lines)
        )


def latency_limit(meta: dict[str, Any], asked_ms: float | None) -> float:
    """In ms: the one asked for, else the one the run recorded, else the default."""
    return float(asked_ms or meta.get("latency_limit_ms") or DEFAULT_LATENCY_LIMIT_MS)


def _line_receipts(history: HistoryData, contract: Contract, lines: set[Any]) -> list[Receipt]:
    collected = LineReceipts(contract, lines)
    for obs in history.observations:
        collected.take(obs)
    return collected.receipts


def concluded(
    history: HistoryData, contract: Contract, part: Part, limit_s: float, receipts: LineReceiptsOf
) -> CheckResult:
    """The listeners' `part` (judged against a latency limit of `limit_s`) joined with the checks over
    operations, counted and decided."""
    operations, share = history_checks(history, contract, part, receipts)
    findings, stalls_judged = held(with_causes(part.findings + operations.findings), history, limit_s)
    coverage = fault_coverage(history, contract, findings)
    findings += coverage.findings
    judged = part.judged + operations.judged + Counter({UNJUDGED_FAULT: coverage.judged, STALL: stalls_judged})
    findings.sort(key=lambda f: (f.name, min(f.times.values()) if f.times else 0.0))
    counts = {
        "operations": len(history.operations),
        "receipts": part.receipts,
        "matched": part.matched,
        "findings": len(findings),
    }
    result = CheckResult(
        findings, latency_stats(part.by_event, part.by_listener), counts, merged(part.by_event.values())
    )
    result.judged = {name: judged.get(name, 0) for name in NAMES}
    result.slowest = part.slowest
    result.deliveries = part.deliveries
    spent = (part.seconds, operations.seconds)
    result.seconds = {name: round(sum(s.get(name, 0.0) for s in spent), 6) for name in NAMES}
    result.outcomes = outcomes(findings, result.judged)
    result.verdict, result.reasons = decide(history, result.outcomes, share)
    return result


def history_checks(
    history: HistoryData, contract: Contract, listeners: Part, receipts: LineReceiptsOf | None = None
) -> tuple[Part, WriteShare]:
    """The checks over operations and the servers' own observations (`over_operations`), given the
    listeners' part (whose missing events some of them build on): their findings, what they judged
    and the time each took, and the share of the writes counted on that succeeded (writes-refused
    counts them, so the verdict need not again). `receipts`: those about some lines, for
    write-despite-error; by default, the ones `history` holds."""
    missing = never_sent(listeners.findings, listeners.slowest)
    refused = refused_triggers(history)
    checks = OperationChecks()
    checks.judge(history.operations, missing, refused)
    line_receipts = receipts or (lambda lines: _line_receipts(history, contract, lines))
    judged: Counter[str] = Counter()
    findings = checks.findings(history, line_receipts, judged)
    return Part(findings, judged=judged, seconds=dict(checks.seconds)), checks.refusals.share()
