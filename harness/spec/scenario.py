"""Scenario files (TOML) -> validated `Scenario` objects. Pure: text in, object or error out.

pydantic does the validation; `ScenarioError` turns its errors into messages that name
the field and the line of the file it sits on, because "counters.count: must be >= 1
(line 7)" is what a person fixing a file needs.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from ..errors import ScenarioError
from ..input_files import parse_toml, read_text
from .faults import BY_NAME

SCENARIO_DIR = Path(__file__).parent.parent / "scenarios"
Action = Literal["patch", "movement"]
DEFAULT_MIX: dict[Action, float] = {"patch": 0.8, "movement": 0.2}
FlowKind = Literal["counting", "approval-race", "list-page", "reconnect", "two-hotels", "staging", "probes"]


# Every number has a range that keeps a run within its time bound and its memory: a think of
# 2^63 ms or a burst of 10^9 keystrokes is a mistake, not a plan, and a stop must be honoured within
# seconds (`stocksync run` says so on the first Ctrl-C).
ThinkMs = Annotated[int, Field(ge=0, le=60_000)]
Keystrokes = Annotated[int, Field(ge=1, le=50)]
Weight = Annotated[float, Field(ge=0, le=1_000_000)]
Name = Annotated[str, Field(max_length=256)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class StocktakeSection(_Strict):
    lines: int = Field(20, ge=1, le=5000, description="lines the counters work on")
    items: int = Field(300, ge=1, le=5000, description="items per hotel in the embedded simulator")


class CountersSection(_Strict):
    count: int = Field(2, ge=0, le=500)
    think_ms: tuple[ThinkMs, ThinkMs] = (200, 800)
    mix: dict[Action, Weight] = Field(default_factory=lambda: dict(DEFAULT_MIX))
    debounce_ms: int = Field(500, ge=0, le=10_000)
    keystrokes: tuple[Keystrokes, Keystrokes] = (1, 3)
    browser: bool = Field(False, description="each counter's page is a browser page, and its writes go through it")

    @model_validator(mode="after")
    def _ranges(self) -> CountersSection:
        for name in ("think_ms", "keystrokes"):
            low, high = getattr(self, name)
            if low < 0 or high < low:
                raise ValueError(f"{name} must be [low, high] with 0 <= low <= high")
        if not self.mix or sum(self.mix.values()) <= 0:
            raise ValueError("mix needs at least one positive weight")
        return self


class ListenersSection(_Strict):
    count: int = Field(2, ge=0, le=20_000, description="viewers on the stocktake's detail channel")
    kind: Literal["pysher", "asyncio", "browser"] = "pysher"
    browsers: int = Field(0, ge=0, le=200, description="browser-page viewers besides the `count` of `kind`")
    list_page: int = Field(0, ge=0, le=20_000, description="viewers on the hotel's list channel")
    frontend: bool = True
    processes: int = Field(
        0,
        ge=0,
        le=64,
        description="worker processes for asyncio viewers without a page model; 0: one per core from 1,000 viewers",
    )

    @model_validator(mode="after")
    def _processes_need_asyncio(self) -> ListenersSection:
        if self.processes > 1 and self.kind != "asyncio":
            raise ValueError('processes > 1 needs kind = "asyncio" (pysher listeners run in the run\'s own process)')
        return self


class RunSection(_Strict):
    operations: int = Field(40, ge=1, le=1_000_000)
    duration_s: float = Field(30, gt=0, le=24 * 3600)
    until: Literal["operations", "time"] = Field(
        "operations",
        description="the bound that ends the run as planned; reaching the other first leaves it inconclusive",
    )


class LimitsSection(_Strict):
    latency_ms: int = Field(2000, ge=1, le=600_000)
    request_timeout_s: float = Field(15.0, gt=0, le=600, description="how long a client waits for an answer")
    min_write_success: float = Field(
        0.5, ge=0, le=1, description="the share of expected-to-succeed writes below which a run is inconclusive"
    )


class FlowSection(_Strict):
    kind: FlowKind = "counting"
    approve_after_ops: int = Field(20, ge=0, le=1_000_000)
    cycles: int = Field(3, ge=1, le=1000)
    drop_after_ops: int = Field(10, ge=0, le=1_000_000)
    drop_count: int = Field(1, ge=0, le=1000)


class Scenario(_Strict):
    name: Name
    description: str = Field("", max_length=10_000)
    stocktake: StocktakeSection = StocktakeSection()
    counters: CountersSection = CountersSection()
    listeners: ListenersSection = ListenersSection()
    run: RunSection = RunSection()
    limits: LimitsSection = LimitsSection()
    flow: FlowSection = FlowSection()
    faults: list[Name] = Field(default_factory=list, max_length=100)

    @model_validator(mode="after")
    def _faults_known(self) -> Scenario:
        for fault in self.faults:
            if fault.partition("=")[0] not in BY_NAME:
                raise ValueError(f"unknown fault {fault!r}")
        return self


# The checks each flow exists for: a run in which one judged nothing proved nothing (INCONCLUSIVE).
REQUIRED_CHECKS: dict[str, tuple[str, ...]] = {
    "counting": ("missing-event",),
    "approval-race": ("missing-event", "locked-write-accepted"),
    "list-page": ("missing-event",),
    "reconnect": ("missing-event", "gap-during-disconnect"),
    "two-hotels": ("missing-event", "cross-hotel-access"),
    "staging": ("missing-event",),
    "probes": ("missing-event", "server-error", "write-despite-error"),
}


def required_checks(scenario: Scenario, second_hotel: bool) -> list[str]:
    """With a second hotel's credentials, staging tries cross-hotel access too, so it must judge some."""
    extra = ("cross-hotel-access",) if second_hotel and scenario.flow.kind == "staging" else ()
    return [*REQUIRED_CHECKS[scenario.flow.kind], *extra]


def _line_of(text: str, loc: tuple[str | int, ...]) -> int | None:
    """The line a field sits on: its key inside its [section], or the section header."""
    section, key = (str(loc[0]), str(loc[1])) if len(loc) > 1 else (None, str(loc[0]) if loc else None)
    lines = text.splitlines()
    current = None
    header_line = None
    for number, line in enumerate(lines, 1):
        stripped = line.strip()
        header = re.fullmatch(r"\[\s*([A-Za-z0-9_-]+)\s*\]", stripped)
        if header:
            current = header[1]
            if current == section:
                header_line = number
            continue
        if key and re.match(rf"{re.escape(key)}\s*=", stripped) and current == section:
            return number
    return header_line


def parse_scenario(text: str, source: str = "<scenario>") -> Scenario:
    raw = parse_toml(text, source, ScenarioError)
    raw.setdefault("name", Path(source).stem)
    try:
        return Scenario.model_validate(raw)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            loc = tuple(error["loc"])
            field = ".".join(str(part) for part in loc) or "<file>"
            line = _line_of(text, loc)
            where = f" (line {line})" if line else ""
            problems.append(f"{source}: {field}: {error['msg']}{where}")
        raise ScenarioError("\n".join(problems)) from None


def available() -> list[str]:
    return sorted(p.stem for p in SCENARIO_DIR.glob("*.toml"))


def load_scenario(name_or_path: str) -> Scenario:
    """A name from the bundled scenarios, or a path to a TOML file."""
    path = Path(name_or_path)
    bare = not path.suffix and "/" not in name_or_path and os.sep not in name_or_path
    if bare and (not path.exists() or path.is_dir()):
        path = SCENARIO_DIR / f"{name_or_path}.toml"
        if not path.exists():
            raise ScenarioError(f"no scenario named {name_or_path!r}; bundled: {', '.join(available())}")
    return parse_scenario(read_text(path, "scenario", ScenarioError), str(path))


def needs_browser(scenario: Scenario) -> bool:
    """Whether the run opens browser pages (and so needs Chromium and pusher-js before it starts)."""
    s = scenario
    return s.listeners.kind == "browser" or s.listeners.browsers > 0 or (s.counters.browser and s.counters.count > 0)
