"""Statistics of a comparison: means with t-intervals, paired and independent differences, regret.

Plain functions on arrays (one value per replication). Under common random numbers the paired
difference is the interval to judge a policy by; the independent (Welch) interval is what the same
runs with independent seeds would give, shown to say how much pairing helped.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats

LEVEL = 0.95


@dataclass(frozen=True)
class Interval:
    """A mean with a two-sided t-based confidence interval."""

    mean: float
    low: float
    high: float
    n: int

    @property
    def half_width(self) -> float:
        return (self.high - self.low) / 2


def mean_ci(values, level: float = LEVEL) -> Interval:
    """Mean and t-based confidence interval of independent values (e.g. one per replication)."""
    values = np.asarray(values, dtype=float)
    n = len(values)
    mean = float(values.mean()) if n else math.nan
    if n < 2:
        return Interval(mean, math.nan, math.nan, n)
    with np.errstate(invalid="ignore"):
        half = float(stats.t.ppf(0.5 + level / 2, n - 1) * values.std(ddof=1) / math.sqrt(n))
    return Interval(mean, mean - half, mean + half, n)


def paired_difference(policy, baseline, level: float = LEVEL) -> Interval:
    """Difference policy - baseline taken replication by replication (same seeds), with its t interval.

    Under common random numbers the noise shared by a policy and the baseline cancels in each
    difference, so this interval is the one to judge a policy by.
    """
    policy, baseline = np.asarray(policy, dtype=float), np.asarray(baseline, dtype=float)
    if policy.shape != baseline.shape:
        raise ValueError("paired values need the same replications for policy and baseline")
    return mean_ci(policy - baseline, level)


def welch_difference(policy, baseline, level: float = LEVEL) -> Interval:
    """Difference of means with Welch's interval, as if the two samples had independent seeds.

    Each arm's spread is the same whether or not seeds are shared, so on paired data this is the
    interval an experiment with independent seeds (policy rep i against baseline rep i+R) would give.
    """
    a, b = np.asarray(policy, dtype=float), np.asarray(baseline, dtype=float)
    mean = float(a.mean() - b.mean())
    va, vb = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
    se = math.sqrt(va + vb)
    if se == 0 or not math.isfinite(se):
        return Interval(mean, mean if se == 0 else math.nan, mean if se == 0 else math.nan, len(a))
    df = (va + vb) ** 2 / (va ** 2 / (len(a) - 1) + vb ** 2 / (len(b) - 1))
    half = float(stats.t.ppf(0.5 + level / 2, df) * se)
    return Interval(mean, mean - half, mean + half, len(a))


def narrowing(paired: Interval, independent: Interval) -> float:
    """How many times narrower the paired interval is than the independent one (inf if paired is exact)."""
    if not (math.isfinite(paired.half_width) and math.isfinite(independent.half_width)):
        return math.nan
    if paired.half_width == 0:
        return math.inf if independent.half_width > 0 else math.nan
    return independent.half_width / paired.half_width


def incremental_roi(delta_revenue: float, delta_cost: float) -> float:
    """Return on the extra spend of a policy: (extra revenue - extra cost) / extra cost; NaN if it saves cost."""
    return (delta_revenue - delta_cost) / delta_cost if delta_cost > 0 else math.nan


def regret(means: dict[str, float], lower_is_better: bool = False) -> dict[str, float]:
    """How far each policy falls short of the best policy (0 for the best), on one metric."""
    best = min(means.values()) if lower_is_better else max(means.values())
    return {name: (value - best) if lower_is_better else (best - value) for name, value in means.items()}
