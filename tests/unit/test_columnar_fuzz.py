"""Random faults, each put into one listener's record of a small synthetic history: whatever mix of
clean and not clean listeners comes out, the accelerated check judges as the plain stream does."""

from __future__ import annotations

import random
from dataclasses import replace

import pytest

from harness.record.history import FAILURE, HistoryData, Observation
from harness.testing import history_with
from harness.testing.synthetic import CHANNEL
from tests.unit.test_columnar_exact import _both


def _faulted(seed: int) -> HistoryData:
    rng = random.Random(seed)
    history = history_with(rng.choice([60, 300, 900]), listeners=3, every_s=rng.choice([0.001, 0.05, 0.4]))
    observations = history.observations
    for _ in range(rng.randint(1, 4)):
        victim = f"viewer-{rng.randrange(3)}"
        receipts = [i for i, o in enumerate(observations) if o.kind == "receipt" and o.listener == victim]
        if not receipts:
            continue
        i = rng.choice(receipts)
        fault = rng.randrange(8)
        if fault == 0:
            del observations[i]
        elif fault == 1:
            observations.append(replace(observations[i], time=observations[i].time + rng.choice([0.0, 0.002, 20.0])))
        elif fault == 2:
            observations[i] = replace(observations[i], time=observations[i].time + rng.uniform(0.01, 3.0))
        elif fault == 3:
            observations[i] = replace(observations[i], data=observations[i].data.replace('"88.0000"', '"1"'))
        elif fault == 4:
            observations.append(Observation("disconnect", observations[i].time, victim, "x", None))
        elif fault == 5:
            observations.append(Observation("subscribed", observations[i].time, victim, "1.9", CHANNEL))
        elif fault == 6:
            observations.append(Observation(FAILURE, observations[i].time, victim, data={"error": "died"}))
        else:
            snapshot = next(j for j, o in enumerate(observations) if o.kind == "snapshot" and o.listener == victim)
            observations[snapshot] = replace(observations[snapshot], time=observations[i].time + 0.0001)
    observations.sort(key=lambda o: o.time)
    return history


@pytest.mark.parametrize("seed", range(40))
def test_random_faults_are_judged_alike(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    accelerated, streamed = _both(_faulted(seed), monkeypatch)
    assert accelerated == streamed
