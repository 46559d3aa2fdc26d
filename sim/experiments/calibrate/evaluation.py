"""Evaluating candidates: each is a batch of jobs on the job engine, one per common-random-numbers replication.

A candidate is a set of values for the fitted keys. Evaluating it runs the market with those values
once per replication r = 0..R-1 with the Mesa seed `replication_seed(market seed, r)`: the same
seeds for every candidate, so two candidates differ by their parameters, not by luck (common random
numbers). Each job keeps one row of the targets' figures (figures.KeepFigures) as a Parquet part in
DIR/parts, keyed by a hash of the candidate's values; so an interrupted fit that proposes the same
candidate again reads its runs back instead of running them, and the budget counts them all the same.

The discrepancy of a candidate is the root mean square over targets of
z = (mean over replications of the simulated figure - observed value) / sd:
0.5 means the simulated means lie half an sd from the observations, on average.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..executors import Executor
from ..jobs import Job, read, replication_seed, run_jobs
from ..store import PartStore
from .figures import KeepFigures
from .targets_file import TargetsFile


class BudgetExhausted(Exception):
    """The runs a fit may spend (--budget) are used up."""


@dataclass
class Evaluation:
    """A candidate's values and its figures, one row per replication and one column per target."""

    values: dict
    figures: pd.DataFrame

    @property
    def mean(self) -> pd.Series:
        return self.figures.mean()

    def z_scores(self, targets) -> pd.Series:
        """(mean simulated figure - observed) / sd, per target."""
        return pd.Series({t.name: (self.mean[t.name] - t.value) / t.sd for t in targets})

    def discrepancy(self, targets) -> float:
        """Root mean square of the z-scores; infinite if a figure is not a finite number."""
        z = self.z_scores(targets).to_numpy(dtype=float)
        if not np.isfinite(z).all():
            return math.inf
        return float(np.sqrt(np.mean(z ** 2)))


def candidate_key(values: dict) -> str:
    """A short hash naming a candidate's parts: the same values always give the same key."""
    text = json.dumps({key: repr(value) for key, value in sorted(values.items())})
    return hashlib.sha256(text.encode()).hexdigest()[:20]


class Evaluator:
    """Runs candidates as jobs on an executor, keeps them in a PartStore, and counts the runs spent.

    `budget` is the most runs the whole calibration may spend, counted whether a run is computed now
    or read back from an earlier, interrupted attempt (so a resumed fit stops where an uninterrupted
    one would); a run asked for twice in one fit counts once. `bar` is a tqdm bar over runs (or None);
    `on_run()` is called after each run is kept (an exception it raises stops the calibration as Ctrl-C
    would: the finished runs stay).
    """

    def __init__(self, targets_file: TargetsFile, store: PartStore, executor: Executor, budget: int, bar=None,
                 on_run: Callable[[], None] | None = None):
        self.targets_file = targets_file
        self.store = store
        self.executor = executor
        self.budget = int(budget)
        self.bar = bar
        self.on_run = on_run
        self.keep = KeepFigures(targets_file.targets)
        self.used = 0  # runs spent so far: run now, or read back from parts/ of an earlier attempt
        self.computed = 0  # of which run now
        self.reused = 0  # of which read back from parts/
        self._memory: dict[tuple, pd.DataFrame] = {}  # (candidate key, replication) -> figures row

    @property
    def remaining(self) -> int:
        return self.budget - self.used

    def jobs(self, values: dict, replications: Sequence[int]) -> list[Job]:
        """One job per replication of a candidate, each keeping the targets' figures."""
        scenario = self.targets_file.scenario(values)
        key = candidate_key(values)
        seed = scenario.data["seed"]
        return [Job(f"candidates/{key}/rep{r:04d}", scenario, replication_seed(seed, r), r, self.keep,
                    {"candidate": key}) for r in replications]

    def spent_before(self, runs: int) -> None:
        """Count runs an earlier, interrupted attempt spent on results this attempt takes from elsewhere
        (the Optuna journal), so the budget and the progress bar cover the whole fit."""
        self.used += runs
        self._advance(runs)

    def evaluate(self, candidates: Sequence[dict], replications: Sequence[int]) -> list[Evaluation]:
        """Run every candidate on the same `replications` (one batch of jobs, in parallel); their figures."""
        return self._run([(values, list(replications)) for values in candidates])

    def evaluate_draws(self, candidates: Sequence[dict], first_replication: int) -> list[Evaluation]:
        """Run candidate k once, on replication `first_replication + k` (posterior draws, each its own seed)."""
        return self._run([(values, [first_replication + k]) for k, values in enumerate(candidates)])

    def _run(self, plan: list[tuple[dict, list[int]]]) -> list[Evaluation]:
        """Raises BudgetExhausted, before running anything, if the batch would spend more than the budget left.

        A run asked for again in this fit (the same candidate and replication) is answered from memory and
        costs nothing; every other run counts, whether it runs now or is read back from DIR/parts.
        """
        per_candidate = [self.jobs(values, replications) for values, replications in plan]
        fresh = list({(job.labels["candidate"], job.replication): job for jobs in per_candidate for job in jobs
                      if (job.labels["candidate"], job.replication) not in self._memory}.values())
        if len(fresh) > self.remaining:
            raise BudgetExhausted(f"{len(fresh)} runs wanted, {self.remaining} left of {self.budget}")
        self.used += len(fresh)
        if fresh:
            todo = [job for job in fresh if not self.store.has(job.key, job.fingerprint)]
            self.reused += len(fresh) - len(todo)
            self._advance(len(fresh) - len(todo))  # read back from parts/ (an earlier, interrupted attempt)
            run_jobs(todo, self.store, self.executor, progress=False, on_done=self._finished)
            self.computed += len(todo)
            for job, table in zip(fresh, read(fresh, self.store), strict=True):
                self._memory[(job.labels["candidate"], job.replication)] = table
        return [Evaluation(dict(values), pd.concat([self._memory[(job.labels["candidate"], job.replication)]
                                                    for job in jobs], ignore_index=True))
                for (values, _), jobs in zip(plan, per_candidate, strict=True)]

    def _finished(self, job: Job) -> None:
        self._advance(1)
        if self.on_run is not None:
            self.on_run()

    def _advance(self, runs: int) -> None:
        if self.bar is not None and runs:
            self.bar.update(runs)
