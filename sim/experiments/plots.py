"""Plots of a run: levels over time, transitions between levels, money, market shares."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from ..levels import COLOURS, LEVELS  # noqa: E402


def _band(ax, frame: pd.DataFrame, column: str, colour: str, label: str) -> None:
    grouped = frame.groupby("step")[column]
    mean = grouped.mean()
    ax.plot(mean.index, mean.values, color=colour, label=label, lw=1.8)
    if frame["replication"].nunique() > 1:
        low, high = grouped.quantile(0.05), grouped.quantile(0.95)
        ax.fill_between(mean.index, low.values, high.values, color=colour, alpha=0.2, lw=0)


def levels_over_time(frame: pd.DataFrame, companies: list[str], path: Path) -> Path:
    fig, axes = plt.subplots(1, len(companies), figsize=(5 * len(companies), 3.8), sharey=True, squeeze=False)
    for ax, company in zip(axes[0], companies):
        for level in LEVELS:
            _band(ax, frame, f"{company}_{level}_share", COLOURS[level], level)
        ax.set_title(f"{company}: share of its customers by level")
        ax.set_xlabel("step")
        ax.set_ylim(0, 1)
    axes[0][0].set_ylabel("share")
    axes[0][-1].legend(loc="upper right", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def transitions(frame: pd.DataFrame, path: Path) -> Path:
    matrix = np.zeros((len(LEVELS), len(LEVELS)))
    runs = max(frame["replication"].nunique(), 1)
    for a, source in enumerate(LEVELS):
        for b, target in enumerate(LEVELS):
            if a != b:
                matrix[a, b] = frame[f"{source}_to_{target}"].sum() / runs
    fig, ax = plt.subplots(figsize=(5.6, 4.6))
    image = ax.imshow(np.log10(matrix + 1), cmap="viridis")
    ax.set_xticks(range(len(LEVELS)), LEVELS, rotation=30)
    ax.set_yticks(range(len(LEVELS)), LEVELS)
    for a in range(len(LEVELS)):
        for b in range(len(LEVELS)):
            if a != b:
                ax.text(b, a, f"{matrix[a, b]:.0f}", ha="center", va="center", color="white", fontsize=8)
    ax.set_xlabel("to")
    ax.set_ylabel("from")
    ax.set_title("transitions between levels per run (all companies)")
    fig.colorbar(image, ax=ax, label="log10(1 + count)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def money(frame: pd.DataFrame, companies: list[str], path: Path) -> Path:
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 3.8))
    palette = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for colour, company in zip(palette, companies):
        cumulative = frame.assign(
            revenue=frame.groupby("replication")[f"{company}_revenue"].cumsum(),
            cost=frame.groupby("replication")[f"{company}_cost"].cumsum())
        _band(left, cumulative, "revenue", colour, f"{company} revenue")
        _band(left, cumulative, "cost", colour, f"{company} cost")
        left.lines[-1].set_linestyle("--")
        _band(right, frame, f"{company}_market_share", colour, company)
    left.set_title("cumulative revenue (solid) and cost (dashed)")
    left.set_xlabel("step")
    left.legend(fontsize=8)
    right.set_title("market share")
    right.set_xlabel("step")
    right.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def run_plots(frame: pd.DataFrame, companies: list[str], folder: Path) -> list[Path]:
    folder = Path(folder)
    return [levels_over_time(frame, companies, folder / "levels.png"),
            transitions(frame, folder / "transitions.png"),
            money(frame, companies, folder / "money.png")]
