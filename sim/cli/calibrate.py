"""`calibrate TARGETS.yaml`: fit the market named in TARGETS to observed figures; a point (optuna) or a posterior (abc).

Everything is checked before anything runs (the targets file, the market, the options and the
results folder): a mistake is one line, exit code 2, nothing written. Every run is a job kept in
DIR/parts as it finishes, so Ctrl-C keeps finished work and the same command resumes (the Optuna
journal, or a replay of the ABC fit over the kept runs) to the same result as an uninterrupted fit.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import UsageError
from ..experiments.executors import KINDS

METHODS = ("optuna", "abc")
DEFAULTS = {"optuna": {"budget": 200, "replications": 2}, "abc": {"budget": 2000, "replications": 1}}


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "calibrate", help="fit a market to observed figures: a point (optuna) or a posterior (abc)",
        description="Fit the market named in TARGETS.yaml to observed figures: any metric `run` writes in "
                    "summary.json, share_<level> for the five levels, share_disengaged_or_hostile and "
                    "share_involved_or_passionate, optionally over a window. See docs/calibration.md.")
    parser.add_argument("targets", help="targets YAML file (market, company, parameters with priors, targets)")
    parser.add_argument("--method", choices=METHODS, default="optuna",
                        help="optuna: a point fit (TPE); abc: a posterior (ABC-SMC with pyabc). Default: optuna")
    parser.add_argument("--budget", type=int, metavar="RUNS",
                        help="the most model runs to spend, checks included (default: 200 optuna, 2000 abc); "
                             "a larger budget on a re-run continues the fit")
    parser.add_argument("--replications", type=int, metavar="R",
                        help="runs per candidate on common random numbers (default: 2 optuna, 1 abc)")
    parser.add_argument("--workers", type=int, help="worker processes (default: local cores)")
    parser.add_argument("--executor", choices=KINDS, default=None,
                        help="local process pool (default) or a Dask cluster (a LocalCluster without --scheduler)")
    parser.add_argument("--scheduler", metavar="ADDRESS", help="Dask scheduler address, e.g. tcp://10.0.0.5:8786")
    parser.add_argument("--out", help="results folder (default: results/calibrate/<targets>-<method>); "
                                      "the same folder again resumes")
    parser.add_argument("--seed", type=int, default=1, help="seed of the sampler (default: 1)")
    parser.add_argument("--population", type=int, default=100, help="abc: particles per generation (default: 100)")
    parser.add_argument("--generations", type=int, default=5,
                        help="abc: the most generations; the last is at temperature 1 (default: 5)")
    parser.add_argument("--batch", type=int,
                        help="candidates run at once (default: 8 runs' worth, i.e. 8 / replications); "
                             "on a cluster, about twice the workers / replications")
    parser.add_argument("--check", type=int, default=20,
                        help="runs of the point estimate on fresh seeds (and, for abc, posterior draws) "
                             "for fit.csv (default: 20)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar or summary")
    parser.set_defaults(handler=main)


def main(args) -> int:
    from ..experiments import calibrate as calibration
    from ..experiments.executors import default_workers, make_executor

    settings = settings_from(args)
    kind = args.executor or ("dask" if args.scheduler else "local")
    if args.scheduler and kind != "dask":
        raise UsageError("--scheduler needs --executor dask")
    if args.workers is not None and args.workers < 1:
        raise UsageError(f"--workers {args.workers}: expected at least 1")
    targets_file = calibration.load_targets(args.targets)
    dimensions = len(targets_file.parameters)
    least = calibration.minimum_budget(settings, dimensions)
    if settings.budget < least:
        raise UsageError(f"--budget {settings.budget}: expected at least {least} runs for these settings "
                         f"({describe_minimum(settings, dimensions)})")
    out = Path(args.out) if args.out else calibration.default_folder(targets_file, settings.method)
    resumed = calibration.check_folder(out, targets_file, settings)
    workers = args.workers or default_workers()
    try:
        executor = make_executor(kind, workers, args.scheduler)
    except OSError as error:  # no Dask scheduler at that address: nothing has been written yet
        raise UsageError(f"--scheduler {args.scheduler}: cannot connect ({error})") from None
    try:
        with executor:
            outcome = calibration.calibrate(targets_file, settings, out, executor, resumed, not args.quiet,
                                            command_of(args))
    except KeyboardInterrupt:
        kept = len(list((out / "parts").rglob("*.parquet"))) if (out / "parts").is_dir() else 0
        print(f"{kept} finished runs are kept in {out / 'parts'}; to resume, run the same command"
              + ("" if args.out else f" (or with --out {out})"))
        raise
    if outcome.problem:
        print(f"calibrate: no estimate: {outcome.problem}")
        return 1
    if not args.quiet:
        print(summary(outcome, targets_file))
    return 0


def settings_from(args):
    """The calibration settings from the options, checked (UsageError: one line, exit 2)."""
    from ..experiments.calibrate import Settings

    defaults = DEFAULTS[args.method]
    budget = args.budget if args.budget is not None else defaults["budget"]
    replications = args.replications if args.replications is not None else defaults["replications"]
    for name, value, least in (("--budget", budget, 1), ("--replications", replications, 1),
                               ("--check", args.check, 2), ("--population", args.population, 10),
                               ("--generations", args.generations, 2), ("--batch", args.batch, 1)):
        if value is not None and value < least:
            raise UsageError(f"{name} {value}: expected at least {least}")
    batch = args.batch or max(1, 8 // replications)
    if args.method == "optuna":
        return Settings("optuna", budget, replications, args.seed, batch, args.check)
    return Settings("abc", budget, replications, args.seed, batch, args.check, args.population, args.generations,
                    pilot=10)


def describe_minimum(settings, dimensions: int) -> str:
    from ..experiments.calibrate.run import pilot_runs

    if settings.method == "optuna":
        return f"{settings.check} check runs and two trials of {settings.replications} replication(s)"
    return (f"a pilot of {pilot_runs(settings, dimensions)}, {2 * settings.check} check runs and two generations' "
            f"worth of {settings.population} particles x {settings.replications} replication(s)")


def command_of(args) -> str:
    """The command as a user would type it again (the options given, in a fixed order)."""
    parts = ["python -m sim calibrate", str(args.targets), "--method", args.method]
    for name in ("budget", "replications", "seed", "population", "generations", "batch", "check", "workers",
                 "executor", "scheduler", "out"):
        value = getattr(args, name)
        default = {"seed": 1, "population": 100, "generations": 5, "check": 20}.get(name)
        if value is not None and value != default and not (args.method == "optuna"
                                                           and name in ("population", "generations")):
            parts += [f"--{name}", str(value)]
    return " ".join(parts)


def summary(outcome, targets_file) -> str:
    """A few lines for the terminal: the estimate, the fit, the warnings and where the report is."""
    lines = [f"{targets_file.market.name}: {outcome.settings.method} fit to {len(targets_file.targets)} targets, "
             f"{outcome.runs_used} runs ({outcome.runs_computed} run now) in {outcome.seconds:.0f} s; "
             f"discrepancy {outcome.discrepancy:.2f} sd"]
    for _, row in outcome.parameters.iterrows():
        interval = (f"  90% [{row['posterior_low']:.4g}, {row['posterior_high']:.4g}]"
                    if "posterior_low" in row else "")
        lines.append(f"  {row['parameter']:<44} {row['point']:>10.4g}{interval}")
    for _, row in outcome.fit.iterrows():
        lines.append(f"  {row['target']:<28} observed {row['observed']:.4g} (sd {row['sd']:.3g})  simulated "
                     f"{row['simulated_mean']:.4g}  z {row['z']:+.2f}")
    lines += [f"warning: {note}" for note in outcome.notes]
    lines.append(f"report: {outcome.out / 'report.md'}   scenario: {outcome.out / 'calibrated.yaml'}")
    return "\n".join(lines)
