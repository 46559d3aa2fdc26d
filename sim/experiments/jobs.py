"""The job engine: every experiment (run, compare, sweep, calibrate) is a list of jobs run here.

A job is one run of the model: a scenario, a Mesa seed, and what to keep from the run (`keep`, a
table made from the finished model). The engine
- skips the jobs whose part is already in the experiment's store with the same fingerprint (a hash
  of the scenario as resolved, the seed and what is kept), so running an experiment again resumes it;
- runs the others on an executor (in this process, local processes or a Dask cluster; see
  sim.experiments.executors), a few jobs in flight per worker;
- keeps each finished job at once as one Parquet part (sim.experiments.store), so Ctrl-C, a crash or
  a killed worker loses only the jobs that were running;
- shows a progress bar over jobs (over steps when there is a single job in this process).
The experiment then reads the parts back, in its own order, to make its tables: fresh and resumed
runs take the same path, and give the same bytes.
"""

from __future__ import annotations

import copy
import hashlib
import json
import multiprocessing
import re
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from ..scenario import Scenario
from .executors import Executor, InProcess
from .store import PartStore


def replication_seed(seed: int, replication: int) -> int:
    """The Mesa seed of a replication: the scenario seed plus the replication number.

    The same (seed, replication) gives the same bytes whatever else is run, which is what paired
    policy comparisons and common random numbers across sweep points rely on.
    """
    return int(seed) + int(replication)


# --- what a job keeps ----------------------------------------------------------------------------

class KeepTimeseries:
    """Keep the whole timeseries of the run (one row per step; `EngagementModel.timeseries`)."""

    def __call__(self, model, replication: int) -> pd.DataFrame:
        return model.timeseries(replication)

    def describe(self) -> dict:
        return {"keep": "timeseries"}


@dataclass(frozen=True)
class KeepRow:
    """Keep one row: fixed `columns` ((name, value) pairs, e.g. the run and its parameters), then
    named numbers computed from the run's timeseries by `outputs` (each has `.name` and
    `.compute(frame)`, like a sweep's outputs)."""

    outputs: tuple
    columns: tuple = ()

    def __call__(self, model, replication: int) -> pd.DataFrame:
        frame = model.timeseries(replication)
        return pd.DataFrame([{**dict(self.columns), **{o.name: o.compute(frame) for o in self.outputs}}])

    def describe(self) -> dict:
        return {"keep": "row", "outputs": [repr(o) for o in self.outputs], "columns": list(self.columns)}


# --- jobs ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Job:
    """One run of the model, and where its result is kept (`parts/<key>.parquet`)."""

    key: str
    scenario: Scenario | dict  # a validated Scenario, or raw scenario data validated where the job runs
    seed: int
    replication: int = 0
    keep: Callable = field(default_factory=KeepTimeseries)
    labels: dict = field(default_factory=dict)  # what the experiment calls this job (market, policy, point...)
    source: str = "<job>"  # the file a raw scenario came from, for error messages
    rest: Scenario | None = None  # the market whose state at rest the run starts from (compare: the market)
    fingerprint: str = ""

    def __post_init__(self):
        if not self.fingerprint:
            object.__setattr__(self, "fingerprint", fingerprint(self.scenario, self.seed, self.keep, self.rest))

    def resolve(self) -> Scenario:
        """The job's scenario, validated (raw data is light to send to a worker; a big sweep holds many)."""
        if isinstance(self.scenario, Scenario):
            return self.scenario
        from ..scenario import validate

        return validate(copy.deepcopy(self.scenario), self.source)


def safe_key(*parts) -> str:
    """A part's key from names a user chose: letters, digits, '_', '-' and '.' kept, the rest '_'."""
    return "/".join(re.sub(r"[^A-Za-z0-9_.-]", "_", str(part)) or "_" for part in parts)


def fingerprint(scenario: Scenario | dict, seed: int, keep: Any, rest: Scenario | None = None) -> str:
    """A short hash of everything that determines a job's result (not of where it is kept)."""
    described = keep.describe() if hasattr(keep, "describe") else repr(keep)
    data = scenario.data if isinstance(scenario, Scenario) else {"raw": scenario}
    found = {"scenario": data, "seed": int(seed), "keep": described}
    if rest is not None:
        found["rest"] = rest.data
    text = json.dumps(found, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def execute(job: Job, progress: bool = False) -> tuple[str, pd.DataFrame, dict]:
    """Run one job to the end (in a worker or in this process); return (key, kept table, timing)."""
    from ..kernels import single_threaded
    from ..model import EngagementModel

    if multiprocessing.parent_process() is not None:
        single_threaded()  # a worker process (local pool or Dask): processes, not threads, share the cores
    started, cpu = time.perf_counter(), time.process_time()
    model = EngagementModel(job.resolve(), rng=job.seed, rest=job.rest)
    model.run(progress=progress)
    table = job.keep(model, job.replication)
    return job.key, table, {"seconds": round(time.perf_counter() - started, 4),
                            "cpu_seconds": round(time.process_time() - cpu, 4)}


@dataclass
class Outcome:
    """What a call to `run_jobs` did."""

    computed: int
    reused: int
    total: int


def missing(jobs: Sequence[Job], store: PartStore) -> list[Job]:
    """The jobs with no part of their own in the store."""
    return [job for job in jobs if not store.has(job.key, job.fingerprint)]


def run_jobs(jobs: Sequence[Job], store: PartStore, executor: Executor | None = None, progress: bool = True,
             description: str = "runs", on_done: Callable[[Job], None] | None = None) -> Outcome:
    """Run every job without a part in `store` and keep each result as it arrives.

    With no executor the jobs run in this process. `on_done` is called after each part is written
    (an exception it raises stops the run like Ctrl-C would: the finished parts stay).
    """
    from tqdm.auto import tqdm

    executor = executor or InProcess()
    todo = missing(jobs, store)
    reused = len(jobs) - len(todo)
    steps_bar = progress and len(todo) == 1 and isinstance(executor, InProcess)
    bar = tqdm(total=len(jobs), initial=reused, desc=description, unit="run", disable=not progress or steps_bar)
    queue: Iterator[Job] = iter(todo)
    pending: dict[Any, Job] = {}
    try:
        _refill(executor, queue, pending, steps_bar)
        while pending:
            for future in executor.wait_first(list(pending)):
                job = pending.pop(future)
                key, table, timing = _result(future, job)
                store.write(key, job.fingerprint, table, timing)
                bar.update()
                if on_done:
                    on_done(job)
            _refill(executor, queue, pending, steps_bar)
    finally:
        executor.cancel(list(pending))
        bar.close()
    return Outcome(len(todo), reused, len(jobs))


def _refill(executor: Executor, queue: Iterator[Job], pending: dict, progress: bool) -> None:
    while len(pending) < executor.window:
        job = next(queue, None)
        if job is None:
            return
        if progress:
            future = executor.submit(execute, job, True)
        else:
            name = f"job-{job.key.replace('/', '-')}-{job.fingerprint}-{uuid.uuid4().hex[:8]}"  # a Dask task key
            future = executor.submit(execute, job, key=name)
        pending[future] = job


def _result(future, job: Job):
    try:
        return future.result()
    except Exception as error:
        raise RuntimeError(f"job {job.key} (seed {job.seed}) failed: {type(error).__name__}: {error}") from error


def read(jobs: Sequence[Job], store: PartStore) -> list[pd.DataFrame]:
    """The kept tables of finished jobs, in the order of `jobs`; RuntimeError if one is missing."""
    absent = [job.key for job in jobs if not store.has(job.key, job.fingerprint)]
    if absent:
        raise RuntimeError(f"{len(absent)} job(s) have no result, e.g. {store.path(absent[0])}")
    return [store.read(job.key) for job in jobs]
