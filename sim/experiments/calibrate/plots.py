"""Plots of a calibration, sized to be read: the fit, the progress of the search, and the posterior.

- `fit.png`: per target (one row each, on its own scale) the observation with 1 and 2 sd, the 90%
  band of the calibrated market's check runs and, for ABC, the posterior predictive 90% band;
- `progress.png`: the discrepancy per trial and the best so far (Optuna), or per generation with
  the temperature and acceptance rate (ABC);
- `posterior.png` (ABC): each parameter's posterior over its prior range (diagonal) and every pair
  (below), the particles' weights as point sizes.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from .. import output

OBSERVED, POINT, PREDICTIVE = "#424242", "#1565c0", "#ef6c00"


def _save(fig, path: Path) -> str:
    return output.write_png(fig, path).name


def all_plots(out: Path, targets_file, outcome, trials: pd.DataFrame | None, abc) -> dict[str, str]:
    """Write every plot of the folder; returns {what: file name} for the report."""
    found = {"fit": plot_fit(outcome.fit, out / "fit.png")}
    if trials is not None:
        found["progress"] = plot_trials(trials, out / "progress.png")
    if abc is not None:
        found["progress"] = plot_generations(abc.particles, abc.generations, out / "progress.png")
        found["posterior"] = plot_posterior(abc.final, targets_file.parameters, outcome.point, out / "posterior.png")
    return found


def plot_fit(fit: pd.DataFrame, path: Path) -> str:
    """Targets against the simulated bands, one row per target on its own scale."""
    from ..plots import plt

    rows = len(fit)
    height = 1.15 * rows + 1.2
    fig, axes = plt.subplots(rows, 1, figsize=(8.5, height), squeeze=False)
    predictive = "predictive_mean" in fit
    for ax, (_, row) in zip(axes[:, 0], fit.iterrows(), strict=True):
        value, sd = row["observed"], row["sd"]
        ax.plot([value - 2 * sd, value + 2 * sd], [0, 0], color=OBSERVED, lw=1.2)
        ax.plot([value - sd, value + sd], [0, 0], color=OBSERVED, lw=4, solid_capstyle="butt")
        ax.plot([value], [0], "D", color="white", mec=OBSERVED, ms=7, label="observed, 1 and 2 sd")
        ax.plot([row["simulated_low"], row["simulated_high"]], [0.33, 0.33], color=POINT, lw=4,
                solid_capstyle="butt")
        ax.plot([row["simulated_mean"]], [0.33], "o", color=POINT, ms=6, label="calibrated market, 90% of runs")
        if predictive:
            ax.plot([row["predictive_low"], row["predictive_high"]], [-0.33, -0.33], color=PREDICTIVE, lw=4,
                    solid_capstyle="butt")
            ax.plot([row["predictive_mean"]], [-0.33], "o", color=PREDICTIVE, ms=6,
                    label="posterior predictive, 90%")
        ax.set_ylim(-0.7, 0.7)
        ax.set_yticks([])
        window = f", {row['window']}" if isinstance(row["window"], str) and row["window"] else ""
        ax.set_title(f"{row['target']}{window}   z = {row['z']:+.2f}", fontsize=10, loc="left")
        ax.tick_params(axis="x", labelsize=9)
    handles, labels = axes[0, 0].get_legend_handles_labels()
    fig.suptitle("targets against the calibrated market", fontsize=11, x=0.02, ha="left")
    fig.legend(handles, labels, fontsize=8, loc="upper center", ncol=len(labels), frameon=False,
               bbox_to_anchor=(0.5, 1 - 0.32 / height))
    fig.tight_layout(rect=(0, 0, 1, 1 - 0.7 / height))
    return _save(fig, path)


def plot_trials(trials: pd.DataFrame, path: Path) -> str:
    """Discrepancy per trial (log scale) with the best so far."""
    from ..plots import plt

    fig, ax = plt.subplots(figsize=(8, 4))
    values = trials["discrepancy"].clip(upper=1e6)
    ax.scatter(trials["trial"], values, s=14, color=POINT, alpha=0.6, label="trial")
    ax.plot(trials["trial"], values.cummin(), color="black", lw=1.6, label="best so far")
    ax.set_yscale("log")
    _plain_log(ax.yaxis)
    ax.set_xlabel("trial")
    ax.set_ylabel("discrepancy (RMS of z over targets)")
    ax.axhline(1.0, color="grey", lw=0.8, ls="--")
    ax.legend(fontsize=9)
    ax.set_title("Optuna TPE: discrepancy per trial", fontsize=11)
    fig.tight_layout()
    return _save(fig, path)


def plot_generations(particles: pd.DataFrame, generations: pd.DataFrame, path: Path) -> str:
    """Discrepancy of the accepted particles per generation; temperature and acceptance rate."""
    from ..plots import plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
    numbers = sorted(particles["generation"].unique())
    data = [particles.loc[particles["generation"] == g, "distance"].clip(upper=1e3).to_numpy() for g in numbers]
    left.boxplot(data, positions=[g + 1 for g in numbers], widths=0.5, showfliers=True)
    left.set_yscale("log")
    _plain_log(left.yaxis)
    left.set_xlabel("generation")
    left.set_ylabel("discrepancy of accepted particles")
    left.axhline(1.0, color="grey", lw=0.8, ls="--")
    left.set_title("discrepancy per generation", fontsize=11)
    steps = generations["generation"] + 1
    right.plot(steps, generations["temperature"], "o-", color=POINT, label="temperature")
    right.set_yscale("log")
    _plain_log(right.yaxis)
    right.set_xlabel("generation")
    right.set_ylabel("temperature (1 = exact posterior)", color=POINT)
    twin = right.twinx()
    twin.plot(steps, generations["acceptance_rate"], "s--", color=PREDICTIVE, label="acceptance rate")
    twin.set_ylim(0, 1)
    twin.set_ylabel("acceptance rate", color=PREDICTIVE)
    right.set_xticks(list(steps))
    right.set_title("temperature and acceptance", fontsize=11)
    fig.tight_layout()
    return _save(fig, path)


def plot_posterior(final: pd.DataFrame, parameters, point: dict, path: Path) -> str:
    """Corner plot: weighted marginals over the prior range, and weighted pairs."""
    from ..plots import plt

    k = len(parameters)
    size = max(2.4, min(3.2, 9.0 / k))
    fig, axes = plt.subplots(k, k, figsize=(size * k + 0.8, size * k + 0.5), squeeze=False)
    weights = final["weight"].to_numpy(dtype=float)
    sizes = 6 + 60 * weights / weights.max()
    for i, row_parameter in enumerate(parameters):
        for j, column_parameter in enumerate(parameters):
            ax = axes[i, j]
            if j > i:
                ax.set_visible(False)
                continue
            x = final[column_parameter.key].to_numpy(dtype=float)
            _scale(ax, column_parameter, "x")
            if i == j:
                edges = (np.logspace(column_parameter.fit_low, column_parameter.fit_high, 21)
                         if column_parameter.scale == "log" else
                         np.linspace(column_parameter.low, column_parameter.high, 21))
                ax.hist(x, bins=edges, weights=weights, color=POINT, alpha=0.75)
                ax.axvline(point[column_parameter.key], color="black", lw=1.2)
                ax.set_yticks([])
            else:
                y = final[row_parameter.key].to_numpy(dtype=float)
                ax.scatter(x, y, s=sizes, color=POINT, alpha=0.45, lw=0)
                _scale(ax, row_parameter, "y")
                ax.plot([point[column_parameter.key]], [point[row_parameter.key]], "+", color="black", ms=10, mew=2)
            if i == k - 1:
                ax.set_xlabel(column_parameter.key, fontsize=9)
            if j == 0 and i > 0:
                ax.set_ylabel(row_parameter.key, fontsize=9)
            ax.tick_params(labelsize=8)
    fig.suptitle("posterior over the prior ranges (black: point estimate = posterior median)", fontsize=11)
    fig.tight_layout()
    return _save(fig, path)


def _scale(ax, parameter, axis: str) -> None:
    limits = (parameter.low, parameter.high)
    if axis == "x":
        ax.set_xlim(*limits)
        if parameter.scale == "log":
            ax.set_xscale("log")
            _plain_log(ax.xaxis)
    else:
        ax.set_ylim(*limits)
        if parameter.scale == "log":
            ax.set_yscale("log")
            _plain_log(ax.yaxis)


def _plain_log(axis) -> None:
    """Log-scale ticks written as plain numbers (0.005, 0.01, 0.02), few enough not to overlap."""
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    axis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0), numticks=5))
    axis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
    axis.set_minor_formatter(NullFormatter())
