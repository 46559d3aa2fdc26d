"""The job engine: every experiment (run, compare, sweep, calibrate) is a list of jobs run here.

A job is one run of the model: a scenario, a Mesa seed, and what to keep from the run (`keep`, a
table made from the finished model: a pandas DataFrame, or an Arrow table, which the whole timeseries is kept
as so that `run` needs no pandas). The engine
- skips the jobs whose part is already in the experiment's store with the same fingerprint (a hash
  of the scenario as resolved, the seed and what is kept), so running an experiment again resumes it;
- runs the others on an executor (in this process, local processes or a Dask cluster; see
  sim.experiments.executors), a few jobs in flight per worker;
- keeps each finished job at once as one Parquet part (sim.experiments.store), so Ctrl-C, a crash or
  a killed worker loses only the jobs that were running;
- runs the burn-in of a market once per seed: jobs that start from the same market at rest (`Job.rest`,
  e.g. every policy of one replication in `compare`) share a rest-state file in the store's `rest/` folder.
  The first of them (the leader) computes and writes it; the others wait until the leader is done, then
  read it instead of running the burn-in (byte-identical results: tests/test_rest_reuse.py). A group's file
  is removed once all its jobs are kept;
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
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import InputError
from ..scenario import Scenario
from .executors import Executor, InProcess
from .store import PartStore

if TYPE_CHECKING:  # pandas is imported where a table is made: a run starts without it
    import pandas as pd


def replication_seed(seed: int, replication: int) -> int:
    """The Mesa seed of a replication: the scenario seed plus the replication number.

    The same (seed, replication) gives the same bytes whatever else is run, which is what paired
    policy comparisons and common random numbers across sweep points rely on.
    """
    return int(seed) + int(replication)


# --- what a job keeps ----------------------------------------------------------------------------

class KeepTimeseries:
    """Keep the whole timeseries of the run (one row per step; `EngagementModel.timeseries`), as an Arrow table:
    a job needs no pandas, and the store reads it back as the same DataFrame."""

    def __call__(self, model, replication: int):
        from .columns import to_arrow

        return to_arrow(model.timeseries_arrays(replication))

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
        import pandas as pd

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
    cache_rest: bool = False  # keep its own state at rest in the machine's cache (sim.experiments.rest_cache)
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


def rest_group(job: Job) -> str | None:
    """The jobs that start from the same market at rest (same `rest` scenario and seed) share this key."""
    if job.rest is None:
        return None
    text = json.dumps({"rest": job.rest.data, "seed": int(job.seed)}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def rest_file(folder: str | Path | None, job: Job) -> Path | None:
    """Where the state at rest of a job's group is kept in `folder` (None: the job has no shared rest)."""
    group = rest_group(job)
    return Path(folder) / f"rest-{group}.npz" if folder and group else None


def execute(job: Job, progress: bool = False, rest_folder: str | None = None) -> tuple[str, object, dict]:
    """Run one job to the end (in a worker or in this process); return (key, kept table, timing).

    With `rest_folder`, a job with a `rest` market reads (or, first, writes) the state at rest there; a job with
    `cache_rest` reads or writes its own in the machine's cache (sim.experiments.rest_cache).
    """
    from ..kernels import single_threaded
    from ..model import EngagementModel

    if multiprocessing.parent_process() is not None:
        single_threaded()  # a worker process (local pool or Dask): processes, not threads, share the cores
    started, cpu = time.perf_counter(), time.process_time()
    scenario, cached = job.resolve(), None
    rest_path = rest_file(rest_folder, job)
    if rest_path is None and job.cache_rest and job.rest is None:
        from . import rest_cache

        rest_path = cached = rest_cache.path_for(scenario.data, job.seed)
    # customer_agents=0: nothing in a batch job reads a customer's Mesa agent, so none is built up front (10,000
    # of them took 0.04 s of a small run); `model.customer(i)` still makes one on demand
    model = EngagementModel(scenario, rng=job.seed, rest=job.rest, rest_file=rest_path, progress=progress,
                            customer_agents=0)
    if cached is not None and model.rest_reused:
        rest_cache.mark_used(cached)
    model.run(progress=progress)
    model.release()  # the kept table needs the timeseries only, not the customers
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
    executor = executor or InProcess()
    todo = missing(jobs, store)
    reused = len(jobs) - len(todo)
    steps_bar = progress and len(todo) == 1 and isinstance(executor, InProcess)
    if progress and not steps_bar:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(jobs), initial=reused, desc=description, unit="run")
    else:  # no bar over jobs: tqdm is not even imported (0.04 to 0.08 s of a quiet run)
        bar = _NoBar()
    queue = _Queue(todo, store.folder / "rest")
    pending: dict[Any, Job] = {}
    try:
        _refill(executor, queue, pending, steps_bar)
        while pending:
            for future in executor.wait_first(list(pending)):
                job = pending.pop(future)
                key, table, timing = _result(future, job)
                store.write(key, job.fingerprint, table, timing)
                queue.done(job)
                bar.update()
                if on_done:
                    on_done(job)
            _refill(executor, queue, pending, steps_bar)
    finally:
        executor.cancel(list(pending))
        bar.close()
        queue.tidy(jobs, store)
    return Outcome(len(todo), reused, len(jobs))


class _NoBar:
    def update(self) -> None:
        pass

    def close(self) -> None:
        pass


class _Queue:
    """The jobs still to submit, in order, except that a job sharing its market at rest with a leader that is
    still running waits for it (and then reads the leader's rest-state file instead of running the burn-in)."""

    def __init__(self, jobs: Sequence[Job], rest_folder: Path):
        self.jobs = list(jobs)
        self.group = {id(job): rest_group(job) for job in self.jobs}  # hashed once: `next` scans the queue often
        self.rest_folder = rest_folder
        self.running: set[str] = set()  # groups whose leader is computing the state at rest
        self.ready: set[str] = {group for group in self.group.values()
                                if group and (rest_folder / f"rest-{group}.npz").is_file()}

    def next(self, waiting_is_possible: bool) -> Job | None:
        """The first job that can start now; with nothing running, the first job (never wait for nothing)."""
        for index, job in enumerate(self.jobs):
            group = self.group[id(job)]
            if group is None or group in self.ready or group not in self.running:
                if group is not None and group not in self.ready:
                    self.running.add(group)  # this job leads its group
                return self.jobs.pop(index)
        if self.jobs and not waiting_is_possible:
            return self.jobs.pop(0)
        return None

    def done(self, job: Job) -> None:
        group = self.group.get(id(job))
        if group is not None:
            self.ready.add(group)

    def __bool__(self) -> bool:
        return bool(self.jobs)

    def tidy(self, jobs: Sequence[Job], store: PartStore) -> None:
        """Remove the rest-state files of groups whose jobs are all kept (they are not needed to resume)."""
        if not self.rest_folder.is_dir():
            return
        groups = {id(job): self.group.get(id(job)) or rest_group(job) for job in jobs}
        open_groups = {groups[id(job)] for job in jobs if not store.has(job.key, job.fingerprint)}
        for group in set(groups.values()) - open_groups - {None}:
            (self.rest_folder / f"rest-{group}.npz").unlink(missing_ok=True)
        try:
            self.rest_folder.rmdir()  # only if empty
        except OSError:
            pass


def _refill(executor: Executor, queue: _Queue, pending: dict, progress: bool) -> None:
    rest_folder = str(queue.rest_folder)
    while len(pending) < executor.window:
        job = queue.next(waiting_is_possible=bool(pending))
        if job is None:
            return
        if progress:
            future = executor.submit(execute, job, True, rest_folder)
        else:
            name = f"job-{job.key.replace('/', '-')}-{job.fingerprint}-{uuid.uuid4().hex[:8]}"  # a Dask task key
            future = executor.submit(execute, job, False, rest_folder, key=name)
        pending[future] = job


def _result(future, job: Job):
    try:
        return future.result()
    except InputError:  # what the user gave cannot be used: its one line says where, for every job alike
        raise
    except Exception as error:
        raise RuntimeError(f"job {job.key} (seed {job.seed}) failed: {type(error).__name__}: {error}") from error


def read(jobs: Sequence[Job], store: PartStore) -> list[pd.DataFrame]:
    """The kept tables of finished jobs, in the order of `jobs`; RuntimeError if one is missing."""
    absent = [job.key for job in jobs if not store.has(job.key, job.fingerprint)]
    if absent:
        raise RuntimeError(f"{len(absent)} job(s) have no result, e.g. {store.path(absent[0])}")
    return [store.read(job.key) for job in jobs]
