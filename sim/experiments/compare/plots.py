"""Plots of a comparison: outcomes over time, and the differences to the baseline as a forest plot."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from .. import output
from .tables import lookup


def _save(fig, path: Path) -> Path:
    import matplotlib.pyplot as plt

    with output.atomic_path(path) as temporary:
        fig.savefig(temporary, dpi=110, format="png")
    plt.close(fig)
    return path


def plot_over_time(over_time: pd.DataFrame, baseline: str, company: str, path: Path) -> Path:
    """Share passionate, cumulative profit and profit difference to the baseline, with 95% CI bands."""
    from ..plots import plt  # pyplot with the Agg backend selected

    panels = [("share_passionate", f"{company}: share of customers passionate"),
              ("cumulative_profit", f"{company}: cumulative profit"),
              ("profit_difference", "cumulative profit minus baseline (paired)")]
    fig, axes = plt.subplots(1, 3, figsize=(15, 4))
    palette = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for index, policy in enumerate(dict.fromkeys(over_time["policy"])):
        rows = over_time[over_time["policy"] == policy]
        colour = "black" if policy == baseline else palette[index % len(palette)]
        for ax, (name, _) in zip(axes, panels, strict=True):
            ax.plot(rows["step"], rows[f"{name}_mean"], color=colour, lw=1.6, label=policy)
            ax.fill_between(rows["step"], rows[f"{name}_low"], rows[f"{name}_high"], color=colour, alpha=0.18, lw=0)
    for ax, (_, title) in zip(axes, panels, strict=True):
        ax.set_title(title, fontsize=10)
        ax.set_xlabel("step")
    axes[2].axhline(0, color="grey", lw=0.8)
    axes[0].legend(fontsize=8, loc="best")
    fig.suptitle("mean over replications with 95% confidence band", fontsize=9)
    fig.tight_layout()
    return _save(fig, path)


def plot_differences(summary: pd.DataFrame, market: str, policies: list[str], baseline: str, path: Path,
                     metrics: tuple[str, ...] = ("profit", "share_passionate", "churn", "nps")) -> Path:
    """Forest plot: each policy's difference to the baseline, paired 95% CI (bold) vs independent seeds (thin)."""
    from matplotlib.ticker import MaxNLocator

    from ..plots import plt

    others = [p for p in policies if p != baseline]
    fig, axes = plt.subplots(1, len(metrics), figsize=(3.6 * len(metrics), 0.6 * len(others) + 1.6), sharey=True)
    for ax, metric in zip(np.atleast_1d(axes), metrics, strict=True):
        for y, policy in enumerate(others):
            row = lookup(summary, market, policy, metric)
            ax.plot([row["independent_low"], row["independent_high"]], [y - 0.15] * 2, color="#9e9e9e", lw=1.2)
            ax.plot([row["paired_low"], row["paired_high"]], [y + 0.1] * 2, color="#1565c0", lw=4)
            ax.plot([row["difference"]], [y + 0.1], "o", color="#0d47a1", ms=4)
        ax.axvline(0, color="black", lw=0.8)
        ax.set_title(f"{metric.replace('_', ' ')} minus baseline", fontsize=10)
        ax.xaxis.set_major_locator(MaxNLocator(4))
        ax.set_yticks(range(len(others)), others)
        ax.set_ylim(-0.7, len(others) - 0.3)
    np.atleast_1d(axes)[0].invert_yaxis()
    fig.suptitle("difference to the baseline: paired 95% CI (blue) vs independent seeds (grey)", fontsize=9)
    fig.tight_layout()
    return _save(fig, path)
