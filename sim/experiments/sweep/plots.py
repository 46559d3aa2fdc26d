"""Plots of a sweep's analysis: Sobol indices, each output against each parameter, heatmaps, scatters."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from .. import output
from ..plots import plt


def short(path: str) -> str:
    """A parameter path shortened for axis labels: the last two keys."""
    return ".".join(path.split(".")[-2:])


def plot_sobol(indices: pd.DataFrame, path: Path) -> Path | None:
    """Bars of S1 and ST with their confidence intervals, one panel per output."""
    shown = indices[indices["skipped"] == ""] if "skipped" in indices else indices
    if shown.empty:
        return None
    outputs = list(dict.fromkeys(shown["output"]))
    fig, axes = plt.subplots(1, len(outputs), figsize=(4.2 * len(outputs), 3.6), squeeze=False, sharey=True)
    for ax, name in zip(axes[0], outputs, strict=True):
        part = shown[shown["output"] == name]
        x = np.arange(len(part))
        ax.bar(x - 0.2, part["S1"], 0.4, yerr=part["S1_conf"], capsize=3, label="first order S1", color="#64b5f6")
        ax.bar(x + 0.2, part["ST"], 0.4, yerr=part["ST_conf"], capsize=3, label="total ST", color="#2e7d32")
        ax.set_xticks(x, [short(p) for p in part["parameter"]], rotation=30, ha="right")
        ax.set_title(name)
        ax.axhline(0, color="black", lw=0.6)
    axes[0][0].set_ylabel("Sobol index (95% CI)")
    axes[0][0].legend(fontsize=8)
    return _save(fig, path)


def plot_against(spec: dict, table: pd.DataFrame, means: pd.DataFrame, name: str, path: Path) -> Path:
    """One panel per parameter: the output's mean over everything else (bold, 95% interval over runs)
    and, when there are few, one thin line per combination of the other parameters' values."""
    parameters = [p["path"] for p in spec["parameters"]]
    fig, axes = _panels(len(parameters), 4.2, 3.6)
    for ax, p in zip(axes, parameters, strict=True):
        numeric = pd.api.types.is_numeric_dtype(table[p]) and not pd.api.types.is_bool_dtype(table[p])
        position = (lambda v: v) if numeric else {v: i for i, v in enumerate(sorted(table[p].unique(), key=str))}.get
        others = [q for q in parameters if q != p]
        groups = list(means.groupby(others, sort=True)) if others else []
        for key, group in groups if 0 < len(groups) <= 6 else []:
            group = group.sort_values(p)
            legend = ", ".join(f"{short(q)}={label(v)}" for q, v in zip(others, np.atleast_1d(key), strict=True))
            ax.plot([position(v) for v in group[p]], group[name], lw=0.9, alpha=0.7, marker=".", label=legend)
        grouped = table.groupby(p, sort=True)[name]
        mean, sem = grouped.mean(), grouped.sem().fillna(0.0)
        ax.errorbar([position(v) for v in mean.index], mean.to_numpy(), yerr=1.96 * sem.to_numpy(), marker="o",
                    capsize=3, color="black", lw=2, label="mean over the others (95% CI)")
        if not numeric:
            ax.set_xticks([position(v) for v in mean.index], [str(v) for v in mean.index])
        ax.set_xlabel(short(p))
        ax.set_ylabel(name)
        ax.legend(fontsize=6)
    fig.suptitle(f"{name} against each parameter")
    return _save(fig, path)


def plot_heatmap(spec: dict, means: pd.DataFrame, name: str, path: Path) -> Path:
    """The output's mean over a two-parameter grid, as a coloured table with the values written in."""
    first, second = [p["path"] for p in spec["parameters"]]
    grid = means.pivot_table(index=first, columns=second, values=name, aggfunc="mean")
    fig, ax = plt.subplots(figsize=(1.2 * len(grid.columns) + 2.5, 0.6 * len(grid.index) + 2))
    image = ax.imshow(grid.to_numpy(float), cmap="viridis", aspect="auto", origin="lower")
    ax.set_xticks(range(len(grid.columns)), [label(v) for v in grid.columns])
    ax.set_yticks(range(len(grid.index)), [label(v) for v in grid.index])
    ax.set_xlabel(short(second))
    ax.set_ylabel(short(first))
    values = grid.to_numpy(float)
    middle = np.nanmin(values) + 0.6 * (np.nanmax(values) - np.nanmin(values))
    for (i, j), value in np.ndenumerate(values):
        colour = "black" if value > middle else "white"
        ax.text(j, i, f"{value:.3g}", ha="center", va="center", fontsize=8, color=colour)
    fig.colorbar(image, ax=ax, label=name)
    ax.set_title(f"{name}: mean over replications")
    return _save(fig, path)


def plot_scatter(spec: dict, table: pd.DataFrame, name: str, ranking: pd.DataFrame, path: Path) -> Path:
    """One panel per parameter: every run's output against the parameter, with Spearman's rho."""
    parameters = [p["path"] for p in spec["parameters"]]
    fig, axes = _panels(len(parameters))
    rng = np.random.default_rng(0)
    for ax, p in zip(axes, parameters, strict=True):
        x = as_numbers(table[p], spec, p).to_numpy(float)
        if not pd.api.types.is_numeric_dtype(table[p]):
            x = x + rng.uniform(-0.15, 0.15, len(x))  # jitter a list of text values so points do not overlap
            values = next(q.get("values") for q in spec["parameters"] if q["path"] == p)
            ax.set_xticks(range(len(values)), [str(v) for v in values], fontsize=8)
        ax.scatter(x, table[name], s=10, alpha=0.6, color="#1565c0")
        rho = ranking[(ranking["output"] == name) & (ranking["parameter"] == p)]["spearman"].iloc[0]
        ax.set_title("Spearman rho n/a" if np.isnan(rho) else f"Spearman rho = {rho:+.2f}", fontsize=9)
        ax.set_xlabel(short(p))
        ax.set_ylabel(name)
    fig.suptitle(f"{name}: every run against each parameter")
    return _save(fig, path)


def _panels(count: int, width: float = 3.8, height: float = 3.3):
    """A figure with `count` panels, at most four per row; returns (figure, flat list of axes)."""
    columns = min(count, 4)
    rows = -(-count // columns)
    fig, axes = plt.subplots(rows, columns, figsize=(width * columns, height * rows), squeeze=False, sharey=True)
    flat = list(axes.ravel())
    for ax in flat[count:]:
        ax.set_visible(False)
    return fig, flat[:count]


def label(value) -> str:
    return f"{value:.3g}" if isinstance(value, float) else str(value)


def _save(fig, path: Path) -> Path:
    fig.tight_layout()
    return output.write_png(fig, path)


def as_numbers(column: pd.Series, spec: dict, path: str) -> pd.Series:
    """A parameter column as numbers: text values by their position in the sweep's list."""
    if pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column):
        return column.astype(float)
    values = next((p.get("values") for p in spec["parameters"] if p["path"] == path), None) or sorted(column.unique())
    return column.map({v: i for i, v in enumerate(values)}).astype(float)
