"""`run SCENARIO`: run replications and write timeseries.csv, summary.json, manifest.json and plots.

Replications are jobs of the job engine (sim.experiments.jobs): each finished one is kept at once,
so Ctrl-C writes the files of the finished replications (manifest status `interrupted`) and the same
command with the same --out resumes the rest. Each replication keeps its state at rest in the machine's
cache (sim.experiments.rest_cache), so the next run of the same market and seed skips the burn-in.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import TYPE_CHECKING

from .. import scenario as scenarios

if TYPE_CHECKING:
    from ..experiments import output


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser("run", help="run a scenario and write tables and plots")
    parser.add_argument("scenario", help="scenario YAML file")
    parser.add_argument("--seed", type=int, help="seed of the first replication (default: the scenario's)")
    parser.add_argument("--steps", type=int, help="number of steps (default: the scenario's)")
    parser.add_argument("--replications", type=int, help="number of replications (default: the scenario's)")
    parser.add_argument("--workers", type=int, default=None, help="parallel processes (default: cores)")
    parser.add_argument("--out", help="output folder (default: results/<scenario>/<run id>)")
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY.PATH=VALUE",
                        help="override a scenario key, validated like the file (repeatable)")
    parser.add_argument("--no-plots", action="store_true", help="skip the PNG plots")
    parser.add_argument("--no-cache", action="store_true",
                        help="play the burn-in even if this market's state at rest is cached, and keep none "
                             "(the cache: $SIM_REST_CACHE, default ~/.cache/customer-engagement/rest-states)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar or summary")
    parser.set_defaults(handler=main)


def main(args) -> int:
    from ..experiments.plots import PlotProcess

    # forked first, while this process has no thread and few modules: the child imports matplotlib while this one
    # imports the model's libraries, and renders the plots without data once it knows the scenario
    plotter = None if args.no_plots else PlotProcess()
    try:
        return _run(args, plotter)
    finally:
        if plotter:
            plotter.close()


def _run(args, plotter) -> int:
    from ..mesa_core import load

    # first: importing mesa.model inspects the call stack (Mesa's loggers), which costs 0.1-0.16 s once this
    # process holds some 450 modules and 0.03 s now
    load()
    from ..experiments import output
    from ..experiments.columns import from_arrow
    from ..experiments.executors import default_workers, make_executor
    from ..experiments.jobs import run_jobs
    from ..experiments.replications import replication_jobs
    from ..experiments.store import PartStore

    overrides, labels = list(args.overrides), {}
    for key in ("seed", "steps", "replications"):
        if getattr(args, key) is not None:
            overrides.append(f"{key}={getattr(args, key)}")
            labels[key] = f"--{key} {getattr(args, key)}"
    scenario = scenarios.load(args.scenario, overrides, labels)
    data = scenario.data
    if args.out:
        folder = output.RunFolder(args.out)
    else:
        folder = output.RunFolder(output.new_run_folder(Path("results") / scenario.name, data["seed"]), reserved=True)
    store = PartStore(folder.path / "parts")
    jobs = replication_jobs(scenario, range(data["replications"]), cache_rest=not args.no_cache)
    status = "complete"
    if plotter:
        plotter.prepare(scenario.companies, data["steps"])
    _import_meanwhile("pyarrow.parquet")  # after the fork above: a forked child inherits no import lock
    try:
        workers = args.workers or min(default_workers(), data["replications"])
        with make_executor("local", workers) as executor:
            run_jobs(jobs, store, executor, progress=not args.quiet, description=scenario.name)
        if not args.no_cache:
            from ..experiments import rest_cache

            rest_cache.prune()
    except KeyboardInterrupt:
        status = "interrupted"
    except BaseException:
        if plotter:
            plotter.close()
        if not any(store.has(job.key, job.fingerprint) for job in jobs):  # nothing finished: leave nothing behind
            folder.discard()
        raise
    frames = {job.replication: from_arrow(store.read_table(job.key)) for job in jobs
              if store.has(job.key, job.fingerprint)}
    if not frames:
        if plotter:
            plotter.close()
        folder.discard()
        raise KeyboardInterrupt
    try:
        if status == "complete":
            shutil.rmtree(store.folder)  # every replication is in timeseries.csv now
        path = write(folder, scenario, frames, status, plots_too=not args.no_plots, plotter=plotter)
    except BaseException:
        if plotter:
            plotter.close()
        folder.discard()
        raise
    if args.quiet:
        print(f"{scenario.name}: {len(frames)} replication(s) written to {path}")
    else:
        report(path, scenario, frames)
    if status == "interrupted":
        print(f"{len(frames)} of {len(jobs)} replications are written to {path}; to finish the run, give the "
              f"same command with --out {path}")
        raise KeyboardInterrupt
    return 0


def _import_meanwhile(*names: str) -> None:
    """Import the table library (Arrow) on another thread while the replications run: an import is Python code
    that holds the GIL, and the compiled steps release it, so the two overlap. A later `import` of the same module
    waits for this one to finish. `run` needs no pandas, whose import (0.3 to 0.4 s of the interpreter's time)
    slowed the model's set-up and steps it shared the GIL with."""
    import importlib
    import threading

    def work() -> None:
        for name in names:
            try:
                importlib.import_module(name)
            except Exception:  # the import where the module is needed raises it, with its context
                return

    threading.Thread(target=work, name="sim-imports", daemon=True).start()


def write(folder: output.RunFolder, scenario, frames: dict[int, dict], status: str,
          plots_too: bool = True, plotter=None) -> Path:
    """timeseries.csv (and the same table as timeseries.parquet, typed and quick to load), summary.json, the
    plots (drawn by `plotter`, a PlotProcess, if given) and manifest.json, into the run's folder. `frames`: each
    replication's timeseries as NumPy columns (`EngagementModel.timeseries_arrays`); none of it needs pandas."""
    import numpy as np
    import pyarrow.parquet as pq

    from ..experiments import output, plots
    from ..experiments.columns import to_arrow
    from ..experiments.metrics import summarize

    runs = [frames[r] for r in sorted(frames)]
    columns = {name: np.concatenate([run[name] for run in runs]) for name in runs[0]}
    companies = scenario.companies
    if plots_too:  # drawn by the child while the tables are written here
        plotter = plotter or plots.PlotProcess()
        plotter.start(columns, companies, folder.path)
    output.write_csv(folder.path / "timeseries.csv", columns)
    with output.atomic_path(folder.path / "timeseries.parquet") as temporary:
        pq.write_table(to_arrow(columns), temporary)
    per_run = {name: [summarize(frames[r], name) for r in sorted(frames)] for name in companies}
    summary = {
        "scenario": scenario.name,
        "replications": sorted(frames),
        "steps": int(columns["step"].max()),
        "focal": scenario.data["focal"],
        "mean": {name: {k: sum(run[k] for run in runs) / len(runs) for k in runs[0]} for name, runs in per_run.items()},
        "per_replication": per_run,
    }
    output.write_json(folder.path / "summary.json", summary)
    # gathered while the child draws: package versions and the git revision take 0.03 to 0.1 s
    details = output.manifest(scenario, status=status, replications_done=sorted(frames),
                              replications_requested=scenario.data["replications"], files=[])
    if plots_too:
        plotter.result()
    details["files"] = sorted(p.name for p in folder.path.iterdir()) + ["manifest.json"]
    output.write_json(folder.path / "manifest.json", details)
    return folder.finish()


def report(path: Path, scenario, frames) -> None:
    from ..experiments.metrics import summarize

    focal = scenario.data["focal"]
    runs = [summarize(frames[r], focal) for r in sorted(frames)]
    means = {key: sum(run[key] for run in runs) / len(runs) for key in runs[0]}
    print(f"{scenario.name}: {len(frames)} replication(s) written to {path}")
    print(f"  {focal}: passionate {means['share_passionate']:.1%}, hostile {means['share_hostile']:.1%}, "
          f"market share {means['market_share']:.1%}, churn {means['churn']:.1%}, referrals {means['referrals']:.0f}, "
          f"revenue {means['revenue']:,.0f}, cost {means['cost']:,.0f}, NPS-like {means['nps']:+.2f}")
