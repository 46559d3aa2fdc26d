"""`sweep SWEEP.yaml`: run a parameter sweep on local cores or a Dask cluster, resumably.

Re-running the same command after an interruption computes only the runs that are missing.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from ..experiments.executors import KINDS, InProcess, default_workers, make_executor

if TYPE_CHECKING:
    from ..experiments import sweep as sweeps


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser("sweep", help="run a parameter sweep (grid, Latin hypercube or Sobol design)")
    parser.add_argument("sweep", help="sweep YAML file")
    parser.add_argument("--workers", type=int, default=None,
                        help="worker processes (default: cores; with --scheduler the cluster decides)")
    parser.add_argument("--executor", choices=KINDS, default=None,
                        help="local process pool (default) or a Dask cluster (a LocalCluster without --scheduler)")
    parser.add_argument("--scheduler", metavar="ADDRESS", help="Dask scheduler address, e.g. tcp://10.0.0.5:8786")
    parser.add_argument("--out", help="results folder (default: results/sweeps/<name>; re-running resumes it)")
    parser.add_argument("--dry-run", action="store_true", help="validate and print the design size, run nothing")
    parser.add_argument("--quiet", action="store_true", help="no progress bar or summary")
    parser.set_defaults(handler=main)


def main(args) -> int:
    from ..errors import UsageError
    from ..experiments import sweep as sweeps

    if args.workers is not None and args.workers < 1:
        raise UsageError(f"--workers {args.workers}: expected at least 1")
    kind = args.executor or ("dask" if args.scheduler else "local")
    if args.scheduler and kind != "dask":
        raise UsageError("--scheduler needs --executor dask")
    sweep = sweeps.load(args.sweep)
    folder = Path(args.out) if args.out else sweeps.default_folder(sweep)
    if args.dry_run:
        print(describe(sweep, folder))
        return 0
    todo = sweeps.missing(sweep, folder)
    if not todo:  # all done: rebuild the table without starting workers or a cluster
        result = sweeps.run(sweep, folder, InProcess(), progress=False)
        print(f"{sweep.name}: nothing to run: all {sweep.runs} runs are already in {folder} (from an earlier "
              f"run of this sweep), so no {'cluster' if kind == 'dask' else 'worker'} was started; "
              f"table: {result.table}")
        return 0
    workers = args.workers or min(default_workers(), len(todo))
    with make_executor(kind, workers, args.scheduler) as executor:
        slots = executor.slots
        result = sweeps.run(sweep, folder, executor, progress=not args.quiet)
    text = report(sweep, result, kind, slots)
    print(text if not args.quiet else text.splitlines()[0])
    return 0


def describe(sweep: sweeps.Sweep, folder: Path) -> str:
    """One paragraph: the design, its size and where results go."""
    names = ", ".join(p.path for p in sweep.parameters)
    return (f"{sweep.source}: ok: {sweep.design['kind']} design over {names}: {len(sweep.points)} points x "
            f"{sweep.replications} replication(s) = {sweep.runs} runs of {sweep.base_source}; "
            f"outputs {', '.join(o.name for o in sweep.outputs)}; results in {folder}")


def report(sweep: sweeps.Sweep, result: sweeps.SweepRun, kind: str, slots: int) -> str:
    lines = [f"{sweep.name}: {result.computed} run(s) computed, {result.skipped} already done "
             f"({result.total} in all, {kind} executor, {slots} worker(s)); results in {result.folder}"]
    if result.table is not None:
        lines.append(f"  table: {result.table}   next: python -m sim analyze {result.folder}")
    return "\n".join(lines)
