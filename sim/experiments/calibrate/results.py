"""The tables and files of a calibration: calibrated.yaml, fit.csv, posterior.parquet, parameters.csv.

- `calibrated.yaml`: a scenario that `extends:` the market and sets the fitted values (4 significant
  digits), with a header naming the targets file, the method, the discrepancy and the date. `run`
  and `compare` take it as it is.
- `fit.csv`: per target the observed value and sd, the simulated mean and 90% band over the check
  runs at the point estimate (fresh seeds, not those the fit used), its z-score, the simulation
  noise, and for ABC the same over posterior draws (the posterior predictive).
- `posterior.parquet` (ABC): one row per particle of the last generation: each parameter by its
  dotted key, `weight`, `distance` (the discrepancy of that particle), `log_density` (pyabc's
  kernel value) and the particle's simulated figures (`figure:<target>`).
- `parameters.csv`: prior, point estimate, posterior median and 90% interval, and how much narrower
  than the prior the posterior is (a parameter the targets do not pin down is flagged).
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from ... import scenario as scenarios
from .. import output
from .evaluation import Evaluation
from .targets_file import Parameter, TargetsFile

BAND = (0.05, 0.95)  # the 90% bands and intervals
HARDLY_NARROWER = 0.75  # a posterior 90% interval at least this share of the prior's: not identified


def weighted_quantile(values, weights, q: float) -> float:
    """The q-quantile of weighted values (weights need not sum to 1), interpolating between midpoints."""
    values, weights = np.asarray(values, dtype=float), np.asarray(weights, dtype=float)
    order = np.argsort(values)
    values, weights = values[order], weights[order]
    cumulative = (np.cumsum(weights) - weights / 2) / weights.sum()
    return float(np.interp(q, cumulative, values))


def rounded(parameter: Parameter, value: float) -> float | int:
    """A fitted value as calibrated.yaml writes it: 4 significant digits (whole for an int key), in the prior."""
    if parameter.kind == "int":
        return int(round(value))
    return min(max(float(f"{value:.4g}"), parameter.low), parameter.high)


def posterior_point(final: pd.DataFrame, targets_file: TargetsFile) -> dict:
    """The point estimate of an ABC fit: each parameter's weighted posterior median (scale-free, so the
    same on a log scale; robust to a long tail)."""
    return {p.key: p.from_fit_scale(weighted_quantile([p.to_fit_scale(v) for v in final[p.key]], final["weight"], 0.5))
            for p in targets_file.parameters}


def parameter_table(targets_file: TargetsFile, point: dict, final: pd.DataFrame | None,
                    trials: pd.DataFrame | None) -> pd.DataFrame:
    """One row per parameter: prior, point estimate, and how well the targets pin it down.

    With a posterior: its median and 90% interval, and `interval_ratio` = the posterior 90% interval's
    width over the prior's (both on the prior's scale); above HARDLY_NARROWER the parameter is flagged.
    With a point fit only: `best_trials_spread` = the range of the best 10% of trials over the prior
    range, a rough sign (not an interval) of how sharply the discrepancy picks the value.
    """
    rows = []
    for p in targets_file.parameters:
        prior_width = (p.fit_high - p.fit_low) * (BAND[1] - BAND[0])
        row = {"parameter": p.key, "scale": p.scale, "prior_low": p.low, "prior_high": p.high, "point": point[p.key]}
        if final is not None:
            scaled = [p.to_fit_scale(v) for v in final[p.key]]
            low, median, high = (weighted_quantile(scaled, final["weight"], q) for q in (BAND[0], 0.5, BAND[1]))
            ratio = (high - low) / prior_width
            row.update({"posterior_median": p.from_fit_scale(median), "posterior_low": p.from_fit_scale(low),
                        "posterior_high": p.from_fit_scale(high), "interval_ratio": ratio,
                        "identified": bool(ratio < HARDLY_NARROWER)})
        elif trials is not None and len(trials) >= 10:
            best = trials.nsmallest(max(3, len(trials) // 10), "discrepancy")
            scaled = best[p.key].map(p.to_fit_scale)
            row["best_trials_spread"] = float((scaled.max() - scaled.min()) / (p.fit_high - p.fit_low))
        rows.append(row)
    return pd.DataFrame(rows)


def fit_table(targets_file: TargetsFile, check: Evaluation, predictive: pd.DataFrame | None) -> pd.DataFrame:
    """One row per target: observed, sd, simulated at the point (mean, 90% band, z, noise), predictive (ABC)."""
    rows = []
    for t in targets_file.targets:
        runs = check.figures[t.name].astype(float)
        mean = float(runs.mean())
        row = {"target": t.name, "metric": t.metric, "company": t.company, "window": t.window.describe(),
               "observed": t.value, "sd": t.sd, "simulated_mean": mean,
               "simulated_low": float(runs.quantile(BAND[0])), "simulated_high": float(runs.quantile(BAND[1])),
               "z": (mean - t.value) / t.sd, "simulation_sd": float(runs.std(ddof=1)) if len(runs) > 1 else np.nan}
        if predictive is not None:
            draws = predictive[t.name].astype(float)
            row.update({"predictive_mean": float(draws.mean()), "predictive_low": float(draws.quantile(BAND[0])),
                        "predictive_high": float(draws.quantile(BAND[1])),
                        "predictive_z": (float(draws.mean()) - t.value) / t.sd})
        rows.append(row)
    return pd.DataFrame(rows)


def market_reference(targets_file: TargetsFile, out: Path) -> str:
    """How calibrated.yaml names the market: its bundled name if it is one, else a path relative to DIR."""
    path = targets_file.market_path.resolve()
    try:
        return str(path.relative_to(scenarios.BUNDLED).with_suffix(""))
    except ValueError:
        return os.path.relpath(path, out.resolve())


def nested(values: dict) -> dict:
    """Dotted keys as the nested mappings a scenario file is written in."""
    found: dict = {}
    for key, value in values.items():
        node = found
        *head, last = key.split(".")
        for part in head:
            node = node.setdefault(part, {})
        node[last] = value
    return found


def calibrated_yaml(targets_file: TargetsFile, out: Path, method: str, short: str, point: dict, discrepancy: float,
                    check_runs: int, command: str) -> str:
    """The text of calibrated.yaml: header comments, `extends:` the market, the fitted values."""
    when = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    header = [f"# Calibrated by: {command}",
              f"# targets: {targets_file.source} (sha256 {targets_file.digest[:12]})",
              f"# method: {method}",
              f"# discrepancy: {discrepancy:.3f} = root mean square over the {len(targets_file.targets)} targets of "
              f"(simulated - observed) / sd, simulated mean of {check_runs} runs on fresh seeds",
              f"# date: {when}", "# The fitted values below are set on top of the market it extends."]
    body = {"extends": market_reference(targets_file, out), "name": f"{targets_file.market.name}_calibrated",
            "description": f"{targets_file.market.name} calibrated to {Path(targets_file.source).name} ({short})",
            **nested(point)}
    return "\n".join(header) + "\n" + yaml.safe_dump(body, sort_keys=False, allow_unicode=True)


def write_posterior(path: Path, final: pd.DataFrame) -> None:
    """posterior.parquet: the last generation's particles, written atomically."""
    table = final.drop(columns=["generation"])
    with output.atomic_path(path) as temporary:
        table.to_parquet(temporary, index=False)


def posterior_draws(final: pd.DataFrame, targets_file: TargetsFile, count: int, seed: int) -> list[dict]:
    """`count` parameter sets drawn from the posterior by weight (with replacement), reproducibly."""
    rng = np.random.default_rng(seed)
    weights = final["weight"].to_numpy(dtype=float)
    rows = rng.choice(len(final), size=count, replace=True, p=weights / weights.sum())
    return [{p.key: final[p.key].iloc[i].item() for p in targets_file.parameters} for i in rows]
