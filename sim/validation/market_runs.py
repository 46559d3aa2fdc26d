"""The runs behind the report's "market at rest" and "scenarios" sections.

- `market_at_rest`: `at_rest.measure` for one bundled market over several seeds, each run's daily level
  shares (for the figure; `measure` keeps only yearly means, so the same seed is run again: same seed and
  overrides, same bytes, which `market_at_rest` checks against the yearly means), and the burn-in's
  measured cost (building the model with and without its burn-in, against the recorded years).
- `scenario_checks`: `scenarios.cascade_check`, and the high-failure and fan-programme comparisons of
  sim.validation.scenarios, with the population the plan asks for.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..levels import LEVELS
from ..model import EngagementModel
from . import at_rest, scenarios


@dataclass
class MarketAtRest:
    """One market's figures at rest over seeds, with the daily shares and the burn-in's cost."""

    scenario: str
    seeds: tuple
    years: int
    overrides: dict
    runs: list[dict]  # at_rest.measure, one per seed
    shares: list[pd.DataFrame]  # per seed: one row per recorded step (0..), one column per level
    burn_in_steps: int
    customers: int
    seconds_build: float  # building the model with its burn-in (mean over seeds)
    seconds_build_without: float  # the same model with burn_in 0 (seed of the first run; fastest of three)
    seconds_recorded: float  # running the recorded steps (mean over seeds)
    source: str = ""  # the comment block at the top of the scenario file
    load_average: float = float("nan")  # the machine's 1-minute load average when the timing ended
    cores: int = 0

    @property
    def burn_in_seconds(self) -> float:
        return self.seconds_build - self.seconds_build_without

    @property
    def seconds_per_recorded_year(self) -> float:
        return self.seconds_recorded / self.years

    def mean_checked(self) -> dict:
        """The checked figures (at_rest.headline) averaged over seeds."""
        return {key: float(np.mean([run["checked"][key] for run in self.runs])) for key in self.runs[0]["checked"]}

    def spread(self, key: str) -> tuple[float, float]:
        values = [run["checked"][key] for run in self.runs]
        return float(np.min(values)), float(np.max(values))

    def by_year(self, level: str) -> list[float]:
        return list(np.mean([run["shares_by_year"][level] for run in self.runs], axis=0))

    def mean_of(self, key: str, level: str) -> float:
        """Mean over seeds of run[key][level], e.g. ('shares_step0', 'passionate')."""
        return float(np.mean([run[key][level] for run in self.runs]))


def scenario_header(scenario: str) -> str:
    """The comment lines at the top of a bundled scenario file (its sources), without the '# ', one per line."""
    from ..scenario import BUNDLED

    lines = []
    for line in (BUNDLED / f"{scenario}.yaml").read_text().splitlines():
        if not line.startswith("#"):
            break
        lines.append(line[1:].removeprefix(" ").rstrip())
    return "\n".join(lines)


def market_at_rest(scenario: str, seeds, years: int, overrides: dict | None = None,
                   tick: Callable = lambda: None) -> MarketAtRest:
    """Measure a market at rest over `seeds` (at_rest.measure), then rerun each seed for its daily shares."""
    overrides = dict(overrides or {})
    changes = {"steps": years * at_rest.YEAR, "interventions": [], **overrides}
    runs, shares, builds, recorded = [], [], [], []
    for seed in seeds:
        runs.append(at_rest.measure(scenario, seed=seed, years=years, overrides=overrides))
        tick()
        started = time.perf_counter()
        model = EngagementModel(scenario, rng=seed, overrides=changes)
        built = time.perf_counter()
        model.run(years * at_rest.YEAR)
        builds.append(built - started)
        recorded.append(time.perf_counter() - built)
        frame = model.timeseries()
        name = model.params["focal"]
        daily = pd.DataFrame({level: frame[f"{name}_{level}_share"].to_numpy() for level in LEVELS})
        yearly = [daily[level].iloc[1 + y * at_rest.YEAR: 1 + (y + 1) * at_rest.YEAR].mean() for y in range(years)
                  for level in LEVELS]
        expected = [runs[-1]["shares_by_year"][level][y] for y in range(years) for level in LEVELS]
        if not np.allclose(yearly, expected):
            raise RuntimeError(f"{scenario}, seed {seed}: the rerun for the daily shares differs from "
                               "at_rest.measure (same seed and overrides must give the same run)")
        shares.append(daily)
        burn_in, customers = model.params["burn_in"], model.params["customers"]
        tick()
    without = math.inf
    for _ in range(3):  # the fastest of three: the first build may pay one-off costs (compilation, caches)
        started = time.perf_counter()
        EngagementModel(scenario, rng=seeds[0], overrides={**changes, "burn_in": 0})
        without = min(without, time.perf_counter() - started)
    return MarketAtRest(scenario, tuple(seeds), years, overrides, runs, shares, burn_in, customers,
                        float(np.mean(builds)), without, float(np.mean(recorded)), scenario_header(scenario),
                        os.getloadavg()[0], os.cpu_count() or 0)


@dataclass
class ScenarioChecks:
    """What the bundled scenarios do: rows per seed of the three comparisons."""

    cascade: list[dict]
    high_failure: list[dict]
    fan_programme: list[dict]
    viral_at: int  # the step at which the complaint goes viral in hostile_cascade
    overrides: dict = field(default_factory=dict)


def high_failure_rows(seeds, overrides: dict) -> list[dict]:
    """As scenarios.high_failure_check, on populations changed by `overrides` (empty: as the tests run it)."""
    if not overrides:
        return scenarios.high_failure_check(seeds)
    rows = []
    for seed in seeds:
        base = scenarios.metrics_of("baseline", seed, overrides)
        worse = scenarios.metrics_of("markets/high_failure", seed, overrides)
        rows.append({"seed": seed, "churn_baseline": base["churn"], "churn_high_failure": worse["churn"],
                     "nps_baseline": base["nps"], "nps_high_failure": worse["nps"]})
    return rows


def fan_programme_rows(seeds, overrides: dict) -> list[dict]:
    """As scenarios.fan_programme_check, on populations changed by `overrides` (empty: as the tests run it)."""
    if not overrides:
        return scenarios.fan_programme_check(seeds)
    rows = []
    for seed in seeds:
        with_it = scenarios.metrics_of("fan_programme", seed, overrides)
        without = scenarios.metrics_of("fan_programme", seed, {**overrides, "interventions": []})
        rows.append({"seed": seed, "passionate_with_programme": with_it["share_passionate"],
                     "passionate_without": without["share_passionate"]})
    return rows


def scenario_checks(seeds, overrides: dict | None = None, tick: Callable = lambda: None) -> ScenarioChecks:
    """The cascade (always at the scenario's own size: scenarios.cascade_check takes no overrides), then the
    high-failure and fan-programme comparisons."""
    from ..scenario import resolve

    overrides = dict(overrides or {})
    cascade = scenarios.cascade_check(seeds)
    viral_at = resolve("hostile_cascade").data["interventions"][0]["at"]
    tick()
    high_failure = high_failure_rows(seeds, overrides)
    tick()
    fans = fan_programme_rows(seeds, overrides)
    tick()
    return ScenarioChecks(cascade, high_failure, fans, viral_at, overrides)
