"""report.md of a calibration: what was fitted, how well, how sure, what to look out for, and what next."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from .noise import describe
from .results import BAND, HARDLY_NARROWER


def _value(value) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "n/a"
    return f"{value:.4g}"


def render(targets_file, settings, outcome, trials: pd.DataFrame | None, abc, figures: dict, method: str) -> str:
    """The Markdown report, with relative links to the PNGs beside it."""
    market = targets_file.market
    out = outcome.out
    rate = outcome.runs_computed / outcome.seconds if outcome.seconds > 0 else math.nan
    lines = [f"# Calibration of '{market.name}' to {Path(targets_file.source).name}", "",
             f"**Targets.** `{targets_file.source}`: {len(targets_file.targets)} figures of {targets_file.company} "
             f"(sha256 {targets_file.digest[:12]}).", "",
             f"**Market.** `{targets_file.market_path}`: {market.data['customers']:,} people, "
             f"{market.data['steps']} steps after a burn-in of {market.data['burn_in']} steps, companies "
             f"{', '.join(market.data['companies'])}.", "",
             f"**Method.** {method}.", "",
             f"**Runs.** {outcome.runs_used:,} of a budget of {settings.budget:,} ({outcome.runs_computed:,} run now"
             + (f", {outcome.runs_used - outcome.runs_computed:,} kept by an earlier attempt and read back from "
                "`parts/`" if outcome.runs_used > outcome.runs_computed else "") + f"); {outcome.seconds:,.0f} s"
             + (f", {rate:.2f} runs/s" if math.isfinite(rate) and outcome.runs_computed else "") + ".", "",
             f"**Result.** The calibrated market (`calibrated.yaml`) lies **{outcome.discrepancy:.2f} sd** from the "
             f"observations (root mean square of the z-scores over the targets, {settings.check} runs on fresh "
             "seeds). Below 1 the figures are within their uncertainty on average."]
    if outcome.notes:
        lines += ["", "## Warnings", ""] + [f"- {note}" for note in outcome.notes]
    lines += _parameters(outcome.parameters, abc is not None)
    lines += _fit(outcome.fit, figures)
    lines += _search(settings, trials, abc, figures)
    lines += ["", "## Use it", "", "```bash",
              f"python -m sim run {out / 'calibrated.yaml'}",
              f"python -m sim compare {out / 'calibrated.yaml'} --policies POLICIES.yaml"
              + (f" --posterior {out}" if abc is not None else ""), "```", ""]
    if abc is not None:
        lines += ["With `--posterior`, replication i of every policy runs with the same parameter set drawn from "
                  "this posterior, so each policy's interval also holds what we do not know about the market.", ""]
    lines += _definitions(settings, abc is not None)
    lines += ["", "## Files", "",
              "`calibrated.yaml` (the fitted scenario), `fit.csv` (per target), `parameters.csv` (per parameter), "
              + ("`posterior.parquet` (one row per particle), `generations.csv`, `abc.db` (pyabc's database), "
                 if abc is not None else "`trials.csv` (one row per trial), `optuna.journal` (Optuna's study), ")
              + "`manifest.json` (targets, market as resolved, settings, seeds, versions, command), "
              "`calibration.json` (what a re-run must match to resume), `parts/` (one file per run).", ""]
    return "\n".join(lines)


def _parameters(table: pd.DataFrame, posterior: bool) -> list[str]:
    lines = ["", "## Parameters", ""]
    if posterior:
        lines += [f"| parameter | prior | point estimate | posterior median [{BAND[0]:.0%}, {BAND[1]:.0%}] | "
                  "interval / prior | pinned down? |", "| --- | --- | --- | --- | --- | --- |"]
        for _, row in table.iterrows():
            lines.append(f"| `{row['parameter']}` | {_value(row['prior_low'])} .. {_value(row['prior_high'])} "
                         f"({row['scale']}) | **{_value(row['point'])}** | {_value(row['posterior_median'])} "
                         f"[{_value(row['posterior_low'])}, {_value(row['posterior_high'])}] | "
                         f"{row['interval_ratio']:.0%} | {'yes' if row['identified'] else '**no**'} |")
        lines += ["", f"*Interval / prior*: width of the posterior's 90% interval over the prior's 90% interval, on "
                  f"the prior's scale. At {HARDLY_NARROWER:.0%} or more the targets hardly narrow what was assumed "
                  "before: the parameter is not identified by them."]
        return lines
    spread = "best_trials_spread" in table
    lines += ["| parameter | prior | point estimate |" + (" spread of the best 10% of trials |" if spread else ""),
              "| --- | --- | --- |" + (" --- |" if spread else "")]
    for _, row in table.iterrows():
        lines.append(f"| `{row['parameter']}` | {_value(row['prior_low'])} .. {_value(row['prior_high'])} "
                     f"({row['scale']}) | **{_value(row['point'])}** |"
                     + (f" {row['best_trials_spread']:.0%} of the prior range |" if spread else ""))
    lines += ["", "A point fit says how well the best parameters match, not how sure they are. The spread of the best "
              "trials is a rough hint only (wide: the discrepancy hardly changes with the parameter); "
              "`--method abc` gives a posterior with intervals."]
    return lines


def _fit(fit: pd.DataFrame, figures: dict) -> list[str]:
    predictive = "predictive_mean" in fit
    lines = ["", "## Fit", "", "| target | figure | observed (sd) | calibrated market: mean [90% of runs] | z |"
             + (" posterior predictive: mean [90%] |" if predictive else ""),
             "| --- | --- | --- | --- | --- |" + (" --- |" if predictive else "")]
    for _, row in fit.iterrows():
        figure = row["metric"] + (f", {row['window']}" if isinstance(row["window"], str) and row["window"] else "")
        z = f"{row['z']:+.2f}"
        lines.append(f"| {row['target']} | {figure} ({row['company']}) | {_value(row['observed'])} "
                     f"({_value(row['sd'])}) | {_value(row['simulated_mean'])} [{_value(row['simulated_low'])}, "
                     f"{_value(row['simulated_high'])}] | {'**' + z + '**' if abs(row['z']) > 2 else z} |"
                     + (f" {_value(row['predictive_mean'])} [{_value(row['predictive_low'])}, "
                        f"{_value(row['predictive_high'])}] |" if predictive else ""))
    lines += ["", "z = (simulated mean - observed) / sd; bold beyond 2. The band is the 5th to 95th percentile over "
              "the check runs: how much one run of the calibrated market varies."
              + (" The posterior predictive band adds the parameters' uncertainty: one run per posterior draw."
                 if predictive else ""), "", f"![targets against the calibrated market]({figures['fit']})"]
    return lines


def _search(settings, trials: pd.DataFrame | None, abc, figures: dict) -> list[str]:
    lines = ["", "## Search", ""]
    if trials is not None:
        best = trials.loc[trials["discrepancy"].idxmin()]
        lines += [f"{len(trials)} trials of {settings.replications} replication(s) each; the best, trial "
                  f"{int(best['trial'])}, had a discrepancy of {best['discrepancy']:.3f} on the fit's own seeds.", "",
                  f"![discrepancy per trial]({figures['progress']})"]
        return lines
    table = abc.generations
    lines += ["| generation | temperature | candidates run | accepted | acceptance rate | effective sample size |",
              "| --- | --- | --- | --- | --- | --- |"]
    for _, row in table.iterrows():
        lines.append(f"| {int(row['generation']) + 1} | {row['temperature']:.3g} | {int(row['evaluations'])} | "
                     f"{int(row['accepted'])} | {row['acceptance_rate']:.0%} | {row['ess']:.0f} |")
    if abc.noise is not None:
        points = len(abc.noise.measured)
        noise = (f"Simulation noise (sd of one run) measured by the pilot at {points} points of the prior (its centre, "
                 "and 20% and 80% along each parameter), modelled as log-linear in the parameters; at the centre "
                 f"and its range over the prior: {describe(abc.noise)}.")
    else:
        noise = "No pilot: the simulation noise is left out of the likelihood."
    lines += ["", noise, "", f"![discrepancy, temperature and acceptance]({figures['progress']})", "",
              f"![posterior]({figures['posterior']})"]
    return lines


def _definitions(settings, posterior: bool) -> list[str]:
    lines = ["## How to read this", "",
             "- **Figures.** Each target is a metric `run` writes in summary.json or a level share, for the company "
             "named. Shares of a level are taken at the end of the run (or window), as `run` does; churn is "
             "customers lost per customer at the start; a window `per N steps` averages the figure over each whole "
             "period of N steps.",
             "- **Common random numbers.** Every candidate ran on the same "
             + ("seed" if settings.replications == 1 else f"{settings.replications} seeds")
             + " (replications 0..R-1 of the market's seed), so candidates differ by their parameters, not by luck. "
             "The check runs use seeds the fit never used, so the fit is judged out of sample.",
             "- **Discrepancy** of a candidate: root mean square over the targets of z = (mean over its "
             "replications - observed) / sd."]
    if posterior:
        lines += ["- **Posterior.** pyabc's ABC-SMC with a stochastic acceptor: at temperature 1 the accepted "
                  "particles follow prior x normal likelihood of the observations, with each target's variance = "
                  "sd^2 + (simulation noise)^2 / replications. Earlier generations (higher temperatures) only "
                  "guide the search. The prior is uniform on each range (on log10 of the value for a log scale)."]
    return lines
