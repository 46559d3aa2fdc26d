"""One calibration from a targets file to its results folder: fit, check, files, report.

1. the fit: Optuna's TPE (point_fit) or ABC-SMC (abc_smc, after a pilot that measures the
   simulation noise at the prior's centre);
2. the check: the point estimate (rounded as calibrated.yaml writes it) run `check` times on seeds
   the fit never used, and for ABC `check` posterior draws, each on its own fresh seed;
3. the files, each written atomically, report.md last (sim.experiments.calibrate.results, .report, .plots).

All runs are jobs on the executor given, kept in DIR/parts; `budget` counts every run of all three
steps, so `--budget` is the most a calibration spends.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .. import output
from ..executors import Executor
from ..store import PartStore
from . import abc_smc, plots, point_fit, report, results
from . import noise as simulation_noise
from .evaluation import Evaluation, Evaluator
from .folder import DATABASE, JOURNAL, PARTS, Settings, start_folder
from .targets_file import TargetsFile


@dataclass
class Outcome:
    """What a calibration did and found (enough for the terminal summary and the tests)."""

    out: Path
    settings: Settings
    point: dict = field(default_factory=dict)
    discrepancy: float = math.nan  # of the point estimate, over the check runs
    parameters: pd.DataFrame | None = None
    fit: pd.DataFrame | None = None
    posterior: pd.DataFrame | None = None
    runs_used: int = 0
    runs_computed: int = 0
    seconds: float = 0.0
    problem: str = ""  # set when no estimate could be made (the budget ran out too early)
    notes: list[str] = field(default_factory=list)


def minimum_budget(settings: Settings, parameters: int = 1) -> int:
    """The fewest runs that can give an estimate: the check(s), the pilot and a first population or two trials."""
    if settings.method == "optuna":
        return settings.check + 2 * settings.replications
    return pilot_runs(settings, parameters) + 2 * settings.check + 2 * settings.population * settings.replications


def calibrate(targets_file: TargetsFile, settings: Settings, out: Path, executor: Executor, resumed: bool = False,
              progress: bool = True, command: str = "", on_run=None) -> Outcome:
    """Fit, check and write the results folder; see the module docstring. Ctrl-C keeps every finished run
    (so does an exception raised by `on_run()`, called after each run is kept)."""
    from tqdm.auto import tqdm

    start_folder(out, targets_file, settings, resumed)
    started = time.perf_counter()
    store = PartStore(out / PARTS)
    outcome = Outcome(out, settings)
    bar = tqdm(total=settings.budget, desc=f"calibrate ({settings.method})", unit="run", disable=not progress)
    evaluator = Evaluator(targets_file, store, executor, settings.budget, bar, on_run)
    try:
        fitted = _fit(targets_file, settings, out, evaluator, outcome)
        if fitted is not None:
            point, trials, abc = fitted
            check, predictive = _check(targets_file, settings, evaluator, point, abc)
        bar.total = bar.n  # a fit that needed less than its budget ends with a full bar
        bar.refresh()
    finally:
        bar.close()
    outcome.runs_used, outcome.runs_computed = evaluator.used, evaluator.computed
    outcome.seconds = time.perf_counter() - started
    if fitted is None:
        return outcome
    final = abc.final if abc is not None else None
    outcome.point = point
    outcome.discrepancy = check.discrepancy(targets_file.targets)
    outcome.parameters = results.parameter_table(targets_file, point, final, trials)
    outcome.fit = results.fit_table(targets_file, check, predictive)
    outcome.posterior = final
    _notes(outcome, targets_file, abc)
    _write(out, targets_file, settings, outcome, trials, abc, command)
    return outcome


def _fit(targets_file: TargetsFile, settings: Settings, out: Path, evaluator: Evaluator, outcome: Outcome):
    """Run the method; return (rounded point, trials table or None, AbcResult or None), or None if no estimate."""
    if settings.method == "optuna":
        trials = (settings.budget - settings.check) // settings.replications
        found = point_fit.fit(targets_file, evaluator, out / JOURNAL, settings.seed, settings.replications,
                              settings.batch, trials)
        point = {p.key: results.rounded(p, found.values[p.key]) for p in targets_file.parameters}
        return point, found.trials, None
    noise = _pilot(targets_file, settings, evaluator)
    evaluator.budget -= 2 * settings.check  # kept for the check and the posterior predictive draws
    try:
        found = abc_smc.run(targets_file, evaluator, out / DATABASE, settings.seed, settings.replications,
                            settings.population, settings.generations, settings.batch, noise)
    finally:
        evaluator.budget += 2 * settings.check
    if found.particles.empty:
        outcome.problem = (f"the budget ({settings.budget} runs) ran out before the first generation of "
                           f"{settings.population} particles was complete; run again with a larger --budget "
                           "(the finished runs are reused)")
        return None
    point = results.posterior_point(found.final, targets_file)
    return {p.key: results.rounded(p, point[p.key]) for p in targets_file.parameters}, None, found


def _pilot(targets_file: TargetsFile, settings: Settings, evaluator: Evaluator) -> simulation_noise.NoiseModel | None:
    """The simulation noise across the prior (sim.experiments.calibrate.noise), from the pilot's runs."""
    if settings.pilot <= 1:
        return None
    points = simulation_noise.pilot_points(targets_file)
    seeds = range(simulation_noise.runs_per_point(settings.pilot, len(targets_file.parameters)))
    runs = evaluator.evaluate([simulation_noise.to_values(targets_file, point) for point in points], seeds)
    return simulation_noise.fit(targets_file, points, [run.figures for run in runs])


def pilot_runs(settings: Settings, parameters: int) -> int:
    """Runs the ABC pilot spends: a few seeds at each of its 1 + 2 x parameters points."""
    if settings.method != "abc" or settings.pilot <= 1:
        return 0
    return simulation_noise.runs_per_point(settings.pilot, parameters) * (1 + 2 * parameters)


def _check(targets_file: TargetsFile, settings: Settings, evaluator: Evaluator, point: dict, abc):
    """The point estimate on `check` fresh seeds and, for ABC, `check` posterior draws on the same seeds."""
    first = max(settings.replications, settings.pilot)  # seeds the fit never used (the pilot uses fewer)
    check = evaluator.evaluate([point], range(first, first + settings.check))[0]
    if abc is None:
        return check, None
    draws = results.posterior_draws(abc.final, targets_file, settings.check, settings.seed)
    runs = evaluator.evaluate_draws(draws, first)
    predictive = pd.concat([pd.DataFrame([values]).join(run.figures) for values, run in zip(draws, runs, strict=True)],
                           ignore_index=True)
    return check, predictive


def _notes(outcome: Outcome, targets_file: TargetsFile, abc) -> None:
    """Plain warnings for the report and the terminal."""
    notes = outcome.notes
    if abc is not None and abc.temperature > 1.0 + 1e-9:
        notes.append(f"The budget ran out before the temperature reached 1 (last: {abc.temperature:.3g}): the "
                     "posterior is tempered, i.e. wider than the exact one. Run the same command with a larger "
                     "--budget to continue (finished runs are reused).")
    table = outcome.parameters
    if "identified" in table:
        for _, row in table[~table["identified"]].iterrows():
            notes.append(f"{row['parameter']}: the posterior's 90% interval is {row['interval_ratio']:.0%} of the "
                         "prior's: these targets hardly pin it down (not identified). Add a target it drives, "
                         "narrow its prior, or fix it in the market.")
    for p in targets_file.parameters:
        span = p.fit_high - p.fit_low
        position = (p.to_fit_scale(outcome.point[p.key]) - p.fit_low) / span
        if position < 0.02 or position > 0.98:
            notes.append(f"{p.key}: the estimate {outcome.point[p.key]:g} lies at the edge of its prior "
                         f"[{p.low:g}, {p.high:g}]: the data may want a value outside it; consider widening it.")
    for _, row in outcome.fit.iterrows():
        if abs(row["z"]) > 2:
            notes.append(f"{row['target']}: the calibrated market gives {row['simulated_mean']:.4g} against "
                         f"{row['observed']:.4g} observed (z = {row['z']:+.1f}): the fitted parameters cannot "
                         "reach this figure together with the others.")
        if row["simulation_sd"] > 0.5 * row["sd"]:
            notes.append(f"{row['target']}: one run's noise (sd {row['simulation_sd']:.3g}) is more than half the "
                         f"target's sd ({row['sd']:.3g}); more customers or --replications would sharpen the fit.")


def _write(out: Path, targets_file: TargetsFile, settings: Settings, outcome: Outcome, trials, abc, command) -> None:
    """Every file of the folder, each atomically; report.md last."""
    method = describe_method(settings)
    short = "Optuna point fit" if settings.method == "optuna" else "ABC-SMC posterior median"
    output.write_text(out / "calibrated.yaml", results.calibrated_yaml(
        targets_file, out, method, short, outcome.point, outcome.discrepancy, settings.check, command))
    output.write_csv(out / "fit.csv", outcome.fit)
    output.write_csv(out / "parameters.csv", outcome.parameters)
    if trials is not None:
        output.write_csv(out / "trials.csv", trials)
    if abc is not None:
        results.write_posterior(out / "posterior.parquet", abc.final)
        output.write_csv(out / "generations.csv", abc.generations)
    figures = plots.all_plots(out, targets_file, outcome, trials, abc)
    output.write_json(out / "manifest.json", output.manifest(
        targets_file.market, status="complete", method=method, settings=settings.__dict__,
        targets=targets_file.describe(), point=outcome.point, discrepancy=outcome.discrepancy,
        runs_used=outcome.runs_used, runs_computed=outcome.runs_computed, seconds=round(outcome.seconds, 1),
        replication_seeds=[targets_file.market.data["seed"] + r for r in range(settings.replications)],
        noise_sd=abc.noise_sd if abc is not None else None, more_versions=versions(),
        files=sorted({p.name for p in out.iterdir() if p.is_file()} | {"report.md"})))
    output.write_text(out / "report.md", report.render(targets_file, settings, outcome, trials, abc, figures, method))


def describe_method(settings: Settings) -> str:
    if settings.method == "optuna":
        return (f"point fit, Optuna TPE (seed {settings.seed}), {settings.replications} replication(s) per candidate, "
                f"{settings.batch} candidates at a time")
    return (f"ABC-SMC, pyabc (stochastic acceptor, temperature schedule to 1; seed {settings.seed}), "
            f"{settings.population} particles, at most {settings.generations} generations, "
            f"{settings.replications} replication(s) per candidate; point = posterior median")


def versions() -> dict:
    from importlib import metadata

    found = {}
    for name in ("optuna", "pyabc", "pyarrow"):
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            pass
    return found


__all__ = ["Evaluation", "Outcome", "calibrate", "minimum_budget"]
