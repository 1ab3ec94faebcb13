"""Pure checks: a history and a contract in, findings and latency figures out. No I/O."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..contract import Contract
from ..history import HistoryData
from .access import check_access
from .delivery import check_delivery
from .findings import NAMES, Finding
from .latency import latency_stats
from .model import parse_receipts
from .ordering import check_order
from .routing import check_rejections, check_routing
from .views import check_views

DEFAULT_LATENCY_LIMIT_MS = 2000


@dataclass
class CheckResult:
    findings: list[Finding] = field(default_factory=list)
    latency: dict[str, Any] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    latency_samples: list[float] = field(default_factory=list)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    def by_name(self) -> dict[str, list[Finding]]:
        grouped: dict[str, list[Finding]] = {name: [] for name in NAMES}
        for finding in self.findings:
            grouped.setdefault(finding.name, []).append(finding)
        return grouped


def check(history: HistoryData, contract: Contract, latency_limit_ms: float | None = None) -> CheckResult:
    limit_ms = latency_limit_ms or history.meta.get("latency_limit_ms") or DEFAULT_LATENCY_LIMIT_MS
    receipts = parse_receipts(history)
    delivery = check_delivery(history, contract, receipts, limit_ms / 1000)
    findings = list(delivery.findings)
    findings.extend(check_routing(contract, receipts))
    findings.extend(check_rejections(history))
    findings.extend(check_order(contract, delivery.matches))
    findings.extend(check_views(history, contract, receipts))
    findings.extend(check_access(history))
    findings.extend(f for f in _recorded(history))
    findings.sort(key=lambda f: (f.name, min(f.times.values()) if f.times else 0.0))
    counts = {"operations": len(history.operations), "receipts": len(receipts),
              "matched": len(delivery.matches), "findings": len(findings)}
    return CheckResult(findings, latency_stats(delivery.latencies), counts, [s[2] for s in delivery.latencies])


def _recorded(history: HistoryData) -> list[Finding]:
    """Findings the runner observed directly (security probes); kept as recorded."""
    out = []
    for obs in history.of_kind("warning"):
        if isinstance(obs.data, dict) and obs.data.get("name") in NAMES:
            out.append(Finding(obs.data["name"], obs.data.get("message", ""), obs.channel, obs.event,
                               listener=obs.listener, times={"at": obs.time}))
    return out
