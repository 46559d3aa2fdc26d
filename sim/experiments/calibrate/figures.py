"""The figures a calibration fits: what one run gives for each target, and the job's `keep` that records them.

A figure is named like the metrics `run` writes in summary.json (sim.experiments.metrics.METRICS) or
is a level share:

- `share_indifferent`, `share_involved`, `share_passionate`, `share_disengaged`, `share_hostile`: the
  share of the company's customers at that level **at the end** of the run (or of the window), the
  definition `run` uses for `share_passionate` and `share_hostile`. A survey is a snapshot of a
  market at rest, and a run starts from the market at rest (its burn-in), so the snapshot at the end
  has the same expected value as the mean over the run; taking the end keeps the figure a
  calibration fits identical to the one `run` reports for the calibrated scenario.
- `share_disengaged_or_hostile` (Gallup's "actively disengaged") and `share_involved_or_passionate`:
  sums of two of the above.

A figure can be taken over a window of steps instead of the whole run:

- `window: {from: A, to: B}`: stocks (customers, market share, level shares, NPS-like) at step B;
  flows (churn, referrals, revenue, cost, profit, ROI, praise per warning) over steps A+1..B, churn
  per customer at step A. Over the whole run (A = 0, B = steps) this is exactly `summarize`.
- `window: {every: N}` (optionally with `from`/`to`): the figure of each whole period of N steps
  (A..A+N, A+N..A+2N, ... up to B), averaged over the periods: `churn` with `every: 91` is the mean
  churn per quarter.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from ...levels import LEVELS
from ...tally import COUNTS, MONEY
from ..metrics import METRICS, summarize

LEVEL_SHARES = {f"share_{level}": f"share of the company's customers who are {level} at the end"
                for level in LEVELS}
COMBINED_SHARES = {
    "share_disengaged_or_hostile": ("disengaged", "hostile"),
    "share_involved_or_passionate": ("involved", "passionate"),
}
FIGURES = {**METRICS, **LEVEL_SHARES,
           "share_disengaged_or_hostile": "share disengaged plus share hostile at the end (Gallup's 'actively "
                                          "disengaged')",
           "share_involved_or_passionate": "share involved plus share passionate at the end"}

# The values a figure can take, to check an observed value: (low, high); None = unbounded.
SHARES = {"market_share", *LEVEL_SHARES, *COMBINED_SHARES}
RANGES = {**{name: (0.0, 1.0) for name in SHARES}, "nps": (-1.0, 1.0), "customers": (0.0, None),
          "churn": (0.0, None), "referrals": (0.0, None), "revenue": (0.0, None), "cost": (0.0, None),
          "praise_per_warning": (0.0, None), "profit": (None, None), "roi": (None, None)}


def flow_columns(company: str) -> list[str]:
    """Timeseries columns that count what happened during a step (summed over a window)."""
    return [f"{company}_{count}" for count in COUNTS] + [f"{company}_{money}" for money in MONEY] + [f"{company}_cost"]


def figure_of_window(frame: pd.DataFrame, name: str, company: str, start: int, end: int) -> float:
    """One figure over steps start..end of a run's timeseries (see the module docstring)."""
    rows = frame[(frame["step"] >= start) & (frame["step"] <= end)].copy()
    # what happened during step `start` belongs to the window before: only the state at `start` counts
    rows.loc[rows.index[0], flow_columns(company)] = 0
    if name in METRICS:
        return float(summarize(rows, company)[name])
    last = rows.iloc[-1]
    levels = COMBINED_SHARES.get(name, (name.removeprefix("share_"),))
    return float(sum(last[f"{company}_{level}_share"] for level in levels))


@dataclass(frozen=True)
class Window:
    """Steps a figure is taken over: start..end (None = the run's last step), or each period of `every`."""

    start: int = 0
    end: int | None = None
    every: int | None = None

    def periods(self, steps: int) -> list[tuple[int, int]]:
        end = steps if self.end is None else self.end
        if self.every is None:
            return [(self.start, end)]
        return [(a, a + self.every) for a in range(self.start, end - self.every + 1, self.every)]

    def describe(self) -> str:
        """How a reader would say it: '', 'steps 0-91', 'per 91 steps', 'per 30 steps, steps 0-360'."""
        end = "end" if self.end is None else self.end
        span = "" if self.start == 0 and self.end is None else f"steps {self.start}-{end}"
        if self.every is None:
            return span
        return f"per {self.every} steps" + (f", {span}" if span else "")


@dataclass(frozen=True)
class Target:
    """One observed figure with its uncertainty: `value` +- `sd`, fitted by the simulated `metric`."""

    name: str
    metric: str
    value: float
    sd: float
    company: str
    window: Window = Window()
    line: int = 1  # where the targets file gives it

    def compute(self, frame: pd.DataFrame) -> float:
        """This target's figure from one run's timeseries."""
        steps = int(frame["step"].iloc[-1])
        values = [figure_of_window(frame, self.metric, self.company, a, b) for a, b in self.window.periods(steps)]
        return float(sum(values) / len(values))

    def describe(self) -> str:
        """e.g. 'churn of focal, per 91 steps'."""
        where = self.window.describe()
        metric = self.metric if self.metric == self.name else f"{self.metric} ({self.name})"
        return f"{metric} of {self.company}" + (f", {where}" if where else "")


@dataclass(frozen=True)
class KeepFigures:
    """A job's `keep` for calibration: one row holding each target's figure from the finished run.

    Workers send back this row, not the timeseries. Its description, part of each job's fingerprint,
    holds what the figures measure (metric, company, window), not the observed values and sds: those
    shape the fit, not what a run gives.
    """

    targets: tuple[Target, ...]

    def __call__(self, model, replication: int) -> pd.DataFrame:
        frame = model.timeseries(replication)
        return pd.DataFrame([{target.name: target.compute(frame) for target in self.targets}])

    def describe(self) -> dict:
        return {"keep": "calibration figures",
                "figures": [[t.name, t.metric, t.company, t.window.start, t.window.end, t.window.every]
                            for t in self.targets]}


def finite(value: float) -> bool:
    return isinstance(value, (int, float)) and math.isfinite(value)
