"""Parameter sweeps: a YAML sweep file, its design, and resumable parallel runs on the job engine.

A sweep file names a base scenario, the parameters to vary (any scenario key path) with ranges or
lists, a design (full-factorial grid, Latin hypercube, or Sobol/Saltelli via SALib), the replications
per design point and the outputs to record. Example::

    name: price_and_handling
    scenario: ../baseline.yaml          # relative to this file, or a bundled name
    set: {customers: 2000, steps: 120}  # fixed overrides of the base scenario
    parameters:
      companies.focal.price: {low: 0.8, high: 1.2}
      companies.focal.complaint_handling: {values: [0.3, 0.6, 0.9]}
    design: {kind: grid, levels: 3, seed: 7}
    replications: 2
    outputs:
      - {name: fans, metric: share_passionate, at: 120}
      - {name: mean_hostile, column: focal_hostile_share, summary: mean, from: 60}

Run r = point * replications + replication uses the Mesa seed `replication_seed(design.seed,
replication)`: every point sees the same random numbers (common random numbers, which sharpens
comparisons between points), and no result depends on which worker ran it or when.

Results folder: `sweep.json` (the resolved sweep and its fingerprint), `design.csv` (the points),
`parts/run-NNNNNNN.parquet` (one row per finished run, kept by the job engine as it finishes) and,
once complete, `table.parquet`. Re-running the same sweep into the same folder skips the finished
parts; a folder holding another sweep is refused.
"""

from __future__ import annotations

import hashlib
import json
import sys
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .. import output
from ..executors import Executor, LocalExecutor
from ..jobs import Job, KeepRow, read, replication_seed, run_jobs
from ..store import PartStore
from .reader import SweepError, load
from .spec import Output, Parameter, Sweep

__all__ = ["Output", "Parameter", "Sweep", "SweepError", "SweepFolder", "SweepRun", "default_folder", "jobs",
           "load", "missing", "read_table", "run"]


def jobs(sweep: Sweep) -> list[Job]:
    """One job per (point, replication), keeping the run's tidy row: run, point, parameters, replication,
    seed and the outputs. Each holds the point's raw scenario (validated in the worker)."""
    found = []
    for run_number in range(sweep.runs):
        point, replication = divmod(run_number, sweep.replications)
        seed = replication_seed(sweep.design["seed"], replication)
        columns = (("run", run_number), ("point", point), *sweep.points[point].items(), ("replication", replication),
                   ("seed", seed))
        found.append(Job(f"run-{run_number:07d}", sweep.scenario_raw(point), seed, replication,
                         KeepRow(tuple(sweep.outputs), columns), {"run": run_number}, sweep.base_source))
    return found


@dataclass
class SweepRun:
    """What a call to `run` did: runs computed now, runs found done, and the results folder."""

    folder: Path
    total: int
    skipped: int
    computed: int
    table: Path | None = None


def default_folder(sweep: Sweep) -> Path:
    return Path("results") / "sweeps" / sweep.name


class SweepFolder:
    """A sweep's results folder: its description (sweep.json, design.csv), the parts, the final table."""

    def __init__(self, folder: str | Path, sweep: Sweep):
        self.folder = Path(folder)
        self.sweep = sweep
        self.fingerprint = sweep.fingerprint()
        self._check()
        self.parts = PartStore(self.folder / "parts")
        self._describe()

    def _check(self) -> None:
        described = self.folder / "sweep.json"
        if described.exists():
            found = json.loads(described.read_text(encoding="utf-8"))
            if found.get("fingerprint") != self.fingerprint:
                raise SweepError(f"{self.folder}: holds results of a different sweep (its scenario, parameters, "
                                 "design or outputs differ); choose another --out or delete the folder")
            if found.get("code") != code_version():
                print(f"warning: {self.folder}: the model's code (sim/*.py) changed since this sweep started; "
                      "runs finished before and after the change may differ. Delete the folder to start afresh.",
                      file=sys.stderr)
        elif self.folder.exists() and any(self.folder.iterdir()):
            raise SweepError(f"{self.folder}: exists and is not a sweep results folder; choose another --out")

    def _describe(self) -> None:
        if (self.folder / "sweep.json").exists():
            return
        design = pd.DataFrame([{"point": i, **p} for i, p in enumerate(self.sweep.points)])
        output.write_csv(self.folder / "design.csv", design)
        output.write_json(self.folder / "sweep.json", {
            "fingerprint": self.fingerprint, "code": code_version(), "git_revision": output.git_revision(),
            "versions": output.versions(), **self.sweep.describe()})

    def write_table(self, all_jobs: list[Job]) -> Path | None:
        """Combine the parts into table.parquet once every run is done (None until then)."""
        if any(not self.parts.has(job.key, job.fingerprint) for job in all_jobs):
            return None
        frame = pd.concat(read(all_jobs, self.parts), ignore_index=True)
        path = self.folder / "table.parquet"
        with output.atomic_path(path) as temporary:
            frame.to_parquet(temporary, index=False)
        return path


def missing(sweep: Sweep, folder: str | Path | None = None) -> list[int]:
    """The runs of the sweep not yet finished in its results folder."""
    store = SweepFolder(folder or default_folder(sweep), sweep).parts
    return [job.labels["run"] for job in jobs(sweep) if not store.has(job.key, job.fingerprint)]


def run(sweep: Sweep, folder: str | Path | None = None, executor: Executor | None = None, progress: bool = True,
        on_run=None) -> SweepRun:
    """Run every unfinished run of the sweep and write the table when all are done.

    Each finished run is kept at once as a Parquet part, so an interruption (Ctrl-C, a kill, a crash,
    or an exception raised by `on_run(run number)`) loses only the runs in flight; calling `run`
    again with the same folder computes only what is missing.
    """
    results = SweepFolder(folder or default_folder(sweep), sweep)
    all_jobs = jobs(sweep)
    done = on_run and (lambda job: on_run(job.labels["run"]))
    if executor is None:
        with LocalExecutor() as local:
            outcome = run_jobs(all_jobs, results.parts, local, progress, sweep.name, done)
    else:
        outcome = run_jobs(all_jobs, results.parts, executor, progress, sweep.name, done)
    return SweepRun(results.folder, sweep.runs, outcome.reused, outcome.computed, results.write_table(all_jobs))


def code_version() -> str:
    """A hash of the model's source files: a resumed sweep warns when the code changed in between."""
    root = Path(__file__).resolve().parents[2]
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def read_table(folder: str | Path) -> pd.DataFrame:
    """The tidy table of a results folder (table.parquet, or the parts so far, in run order)."""
    folder = Path(folder)
    if (folder / "table.parquet").exists():
        return pd.read_parquet(folder / "table.parquet")
    paths = sorted((folder / "parts").glob("run-*.parquet"))
    if not paths:
        return pd.DataFrame()
    return pd.concat([pd.read_parquet(p) for p in paths], ignore_index=True)
