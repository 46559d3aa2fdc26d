"""Replications of one scenario: the jobs of `python -m sim run`, and a one-call run for notebooks and tests.

Replication r of a scenario with seed s runs with Mesa seed `replication_seed(s, r)`; its result is
kept as `parts/rep<r>.parquet` (its whole timeseries) until the run's files are written.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..scenario import Scenario
from .jobs import Job, KeepTimeseries, replication_seed

if TYPE_CHECKING:  # pandas is imported where a table is made: a run starts without it
    import pandas as pd


def replication_jobs(scenario: Scenario, replications, cache_rest: bool = False) -> list[Job]:
    """One job per replication, keeping its timeseries; `cache_rest`: each keeps (or reads) its state at rest in
    the machine's cache (sim.experiments.rest_cache)."""
    seed = scenario.data["seed"]
    return [Job(f"rep{r:04d}", scenario, replication_seed(seed, r), r, KeepTimeseries(), cache_rest=cache_rest)
            for r in replications]


def run_one(scenario: Scenario, replication: int = 0, progress: bool = False, rest: Scenario | None = None
            ) -> pd.DataFrame:
    """Run one replication here and now and return its timeseries (no files); `rest`: the market whose
    state at rest it starts from (see EngagementModel)."""
    from ..model import EngagementModel

    model = EngagementModel(scenario, rng=replication_seed(scenario.data["seed"], replication), rest=rest)
    model.run(progress=progress)
    return model.timeseries(replication)
