"""Plots of a comparison: outcomes over time, and the differences to the baseline as a forest plot."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from .. import output
from ..metrics import UNITS
from .tables import lookup


def plot_over_time(over_time: pd.DataFrame, baseline: str, company: str, path: Path) -> Path:
    """One row of panels per market: share passionate, cumulative profit, and cumulative profit minus the
    baseline's in the same replication; mean over replications with 95% confidence bands."""
    from ..plots import plt  # pyplot with the Agg backend selected

    panels = [("share_passionate", f"{company}: customers who are fans", "share of its customers (%)", 100.0),
              ("cumulative_profit", f"{company}: cumulative profit", "profit (money units)", 1.0),
              ("profit_difference", "cumulative profit minus the baseline's", "difference (money units)", 1.0)]
    markets = list(dict.fromkeys(over_time["market"]))
    fig, grid = plt.subplots(len(markets), 3, figsize=(15, 3.9 * len(markets) + 0.9), squeeze=False)
    palette = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    policies = list(dict.fromkeys(over_time["policy"]))
    for axes, market in zip(grid, markets, strict=True):
        for index, policy in enumerate(policies):
            rows = over_time[(over_time["market"] == market) & (over_time["policy"] == policy)]
            colour = "black" if policy == baseline else palette[index % len(palette)]
            for ax, (name, _, _, scale) in zip(axes, panels, strict=True):
                ax.plot(rows["step"], scale * rows[f"{name}_mean"], color=colour, lw=1.6, label=policy)
                ax.fill_between(rows["step"], scale * rows[f"{name}_low"], scale * rows[f"{name}_high"],
                                color=colour, alpha=0.18, lw=0)
        for ax, (_, title, unit, _) in zip(axes, panels, strict=True):
            ax.set_title(f"{market}: {title}", fontsize=11)
            ax.set_xlabel("day (step; 0 = the market at rest)")
            ax.set_ylabel(unit)
        axes[2].axhline(0, color="grey", lw=0.8)
        axes[0].legend(fontsize=9, loc="best", title="policy", title_fontsize=9)
    fig.suptitle("What to see: a policy whose band in the right-hand panels stays above zero earns more than the "
                 "baseline in that market; bands are 95% confidence intervals of the mean over replications",
                 fontsize=10)
    fig.tight_layout()
    return output.write_png(fig, path)


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
        ax.set_xlabel(f"difference ({UNITS.get(metric, metric)})")
        ax.xaxis.set_major_locator(MaxNLocator(4))
        ax.set_yticks(range(len(others)), others)
        ax.set_ylim(-0.7, len(others) - 0.3)
    np.atleast_1d(axes)[0].invert_yaxis()
    fig.suptitle(f"{market}: each policy minus the baseline. What to see: a blue bar (paired 95% CI, common random "
                 "numbers) that does not cross the black line is a clear difference; the grey bar is the interval "
                 "independent seeds would give", fontsize=9)
    fig.tight_layout()
    return output.write_png(fig, path)
