"""Synthetic observations from known parameters: the material of recovery and coverage studies.

`observe` runs the market with the true values on seeds a fit never uses (replication 1000 and up)
and averages the figures, which estimates what the model gives there; `with_noise` adds the
observation error a fit assumes (normal, sd per target), as a survey would; `targets_yaml` writes a
targets file holding them. tests/test_calibrate.py, benchmarks/calibration_bench.py and the coverage
study of docs/calibration.md use them.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import yaml

from ..executors import Executor
from ..store import PartStore
from .evaluation import Evaluator
from .figures import RANGES
from .targets_file import TargetsFile

FIRST_REPLICATION = 1000  # far from the seeds a fit uses (0..R-1, then its checks)


def observe(targets_file: TargetsFile, truth: dict, store: PartStore, executor: Executor, runs: int = 10,
            first: int = FIRST_REPLICATION) -> dict[str, float]:
    """The mean figures of `runs` runs of the market at the true values (seeds `first`, `first` + 1, ...)."""
    evaluator = Evaluator(targets_file, store, executor, budget=runs)
    found = evaluator.evaluate([truth], range(first, first + runs))[0]
    return {name: float(value) for name, value in found.mean.items()}


def with_noise(values: dict[str, float], sds: dict[str, float], seed: int) -> dict[str, float]:
    """The values plus normal observation error of the given sd, as a survey would report them: a draw outside
    the figure's possible values (a share below 0, say) is drawn again, so the error is the normal truncated
    to that range (figures.RANGES, by target name; unbounded for other names)."""
    rng = np.random.default_rng(seed)
    found = {}
    for name, value in values.items():
        low, high = RANGES.get(name, (None, None))
        while True:
            noisy = float(value + rng.normal(0.0, sds[name]))
            if (low is None or noisy >= low) and (high is None or noisy <= high):
                break
        found[name] = noisy
    return found


def targets_yaml(market: str, parameters: dict[str, dict], observed: dict[str, float], sds: dict[str, float],
                 definitions: dict[str, dict] | None = None, company: str | None = None) -> str:
    """A targets file's text: the market, the priors, and each target's observed value and sd."""
    definitions = definitions or {}
    data = {"market": market, **({"company": company} if company else {}), "parameters": parameters,
            "targets": {name: {**definitions.get(name, {}), "value": round(float(observed[name]), 6),
                               "sd": float(sds[name])} for name in observed}}
    return yaml.safe_dump(data, sort_keys=False)


def draw_truths(targets_file: TargetsFile, count: int, seed: int, margin: float = 0.1) -> list[dict]:
    """`count` true parameter sets drawn uniformly from the inner part of the prior (a `margin` share of
    the range is left at each end, so that a truth is not pressed against a bound), reproducibly."""
    rng = np.random.default_rng(seed)
    truths = []
    for _ in range(count):
        values = {}
        for p in targets_file.parameters:
            span = p.fit_high - p.fit_low
            values[p.key] = p.from_fit_scale(rng.uniform(p.fit_low + margin * span, p.fit_high - margin * span))
        truths.append(values)
    return truths


def inside(value: float, low: float, high: float) -> bool:
    return bool(low <= value <= high)


def relative_error(targets_file: TargetsFile, estimate: dict, truth: dict) -> dict[str, float]:
    """|estimate - truth| as a share of each prior range, measured on the prior's scale (log10 for log)."""
    return {p.key: abs(p.to_fit_scale(estimate[p.key]) - p.to_fit_scale(truth[p.key])) / (p.fit_high - p.fit_low)
            for p in targets_file.parameters}


__all__: Sequence[str] = ("FIRST_REPLICATION", "draw_truths", "inside", "observe", "relative_error",
                          "targets_yaml", "with_noise")
