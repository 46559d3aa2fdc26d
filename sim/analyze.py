"""Analysis of a sweep's results folder: the tidy table, sensitivity measures, plots, a summary.

- every design: `table.csv` and `table.parquet` (one row per run: run, point, parameters,
  replication, seed, outputs), and per-point means over replications (`points.csv`);
- Sobol: first-order (S1) and total (ST) indices with 95% confidence intervals from SALib, computed
  on the per-point means, in `sobol.csv` and `sobol.png`;
- grid: each output against each parameter (`grid_<output>.png`), a heatmap when there are two
  parameters (`heatmap_<output>.png`);
- Latin hypercube: scatter plots (`scatter_<output>.png`) and the parameters ranked by the size of
  their Spearman rank correlation with each output (`ranking.csv`);
- `summary.md` in words and small tables.
"""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from . import output  # noqa: E402
from .sweep import SweepError, read_table, sobol_problem  # noqa: E402


def load(folder: str | Path) -> tuple[dict, pd.DataFrame]:
    """The sweep description (sweep.json) and its tidy table; SweepError if it is not a sweep folder."""
    folder = Path(folder)
    described = folder / "sweep.json"
    if not described.is_file():
        raise SweepError(f"{folder}: not a sweep results folder (no sweep.json); expected the --out folder "
                         "of `python -m sim sweep`")
    spec = json.loads(described.read_text(encoding="utf-8"))
    table = read_table(folder)
    if table.empty:
        raise SweepError(f"{folder}: no finished runs yet; run the sweep first")
    return spec, table


def names(spec: dict) -> tuple[list[str], list[str]]:
    """(parameter columns, output columns) of a sweep."""
    return [p["path"] for p in spec["parameters"]], [o["name"] for o in spec["outputs"]]


def point_means(spec: dict, table: pd.DataFrame) -> pd.DataFrame:
    """One row per design point: its parameters and the mean of each output over replications."""
    parameters, outputs = names(spec)
    means = table.groupby("point", sort=True)[outputs].mean()
    firsts = table.groupby("point", sort=True)[parameters].first()
    counts = table.groupby("point", sort=True).size().rename("replications")
    return pd.concat([firsts, counts, means], axis=1).reset_index()


def sobol_indices(spec: dict, means: pd.DataFrame, resamples: int = 1000) -> pd.DataFrame:
    """First-order and total Sobol indices with 95% bootstrap confidence intervals, per output.

    Uses the per-point means in design order; SALib needs every point of the Saltelli sample, so an
    output with a missing or non-finite value at any point gets no indices (noted as `skipped`).
    """
    from SALib.analyze import sobol

    parameters, outputs = names(spec)
    rows = []
    complete = len(means) == len(spec["points"])
    for name in outputs:
        values = means.sort_values("point")[name].to_numpy(dtype=float)
        if not complete or not np.all(np.isfinite(values)) or np.ptp(values) == 0:
            why = "incomplete sweep" if not complete else ("non-finite values" if not np.all(np.isfinite(values))
                                                            else "output does not vary")
            rows += [{"output": name, "parameter": p, "skipped": why} for p in parameters]
            continue
        found = sobol.analyze(sobol_problem(parameters), values, calc_second_order=False, num_resamples=resamples,
                              conf_level=0.95, seed=spec["design"]["seed"])
        for i, p in enumerate(parameters):
            rows.append({"output": name, "parameter": p, "S1": found["S1"][i], "S1_conf": found["S1_conf"][i],
                         "ST": found["ST"][i], "ST_conf": found["ST_conf"][i], "skipped": ""})
    return pd.DataFrame(rows)


def influence_ranking(spec: dict, means: pd.DataFrame) -> pd.DataFrame:
    """Parameters ranked by |Spearman rank correlation| with each output over the design points.

    A list parameter of text values is ranked through its position in the list. An output that does
    not vary gets no correlation (NaN) and influence 0.
    """
    parameters, outputs = names(spec)
    encoded = pd.DataFrame({p: _numeric(means[p], spec, p) for p in parameters})
    rows = []
    for name in outputs:
        for p in parameters:
            constant = means[name].nunique() < 2 or encoded[p].nunique() < 2
            rho = float("nan") if constant else encoded[p].corr(means[name], method="spearman")
            rows.append({"output": name, "parameter": p, "spearman": rho, "influence": 0.0 if constant else abs(rho)})
    ranking = pd.DataFrame(rows)
    ranking["rank"] = ranking.groupby("output")["influence"].rank(ascending=False, method="min")
    return ranking.sort_values(["output", "rank"]).reset_index(drop=True)


def _numeric(column: pd.Series, spec: dict, path: str) -> pd.Series:
    if pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column):
        return column.astype(float)
    values = next((p.get("values") for p in spec["parameters"] if p["path"] == path), None) or sorted(column.unique())
    return column.map({v: i for i, v in enumerate(values)}).astype(float)


# --- plots ----------------------------------------------------------------------------------------

def _short(path: str) -> str:
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
        ax.set_xticks(x, [_short(p) for p in part["parameter"]], rotation=30, ha="right")
        ax.set_title(name)
        ax.axhline(0, color="black", lw=0.6)
    axes[0][0].set_ylabel("Sobol index (95% CI)")
    axes[0][0].legend(fontsize=8)
    return _save(fig, path)


def plot_against(spec: dict, table: pd.DataFrame, means: pd.DataFrame, name: str, path: Path) -> Path:
    """One panel per parameter: the output's mean over everything else (bold, 95% interval over runs)
    and, when there are few, one thin line per combination of the other parameters' values."""
    parameters, _ = names(spec)
    fig, axes = _panels(len(parameters), 4.2, 3.6)
    for ax, p in zip(axes, parameters, strict=True):
        numeric = pd.api.types.is_numeric_dtype(table[p]) and not pd.api.types.is_bool_dtype(table[p])
        position = (lambda v: v) if numeric else {v: i for i, v in enumerate(sorted(table[p].unique(), key=str))}.get
        others = [q for q in parameters if q != p]
        groups = list(means.groupby(others, sort=True)) if others else []
        for key, group in groups if 0 < len(groups) <= 6 else []:
            group = group.sort_values(p)
            label = ", ".join(f"{_short(q)}={_label(v)}" for q, v in zip(others, np.atleast_1d(key), strict=True))
            ax.plot([position(v) for v in group[p]], group[name], lw=0.9, alpha=0.7, marker=".", label=label)
        grouped = table.groupby(p, sort=True)[name]
        mean, sem = grouped.mean(), grouped.sem().fillna(0.0)
        ax.errorbar([position(v) for v in mean.index], mean.to_numpy(), yerr=1.96 * sem.to_numpy(), marker="o",
                    capsize=3, color="black", lw=2, label="mean over the others (95% CI)")
        if not numeric:
            ax.set_xticks([position(v) for v in mean.index], [str(v) for v in mean.index])
        ax.set_xlabel(_short(p))
        ax.set_ylabel(name)
        ax.legend(fontsize=6)
    fig.suptitle(f"{name} against each parameter")
    return _save(fig, path)


def plot_heatmap(spec: dict, means: pd.DataFrame, name: str, path: Path) -> Path:
    """The output's mean over a two-parameter grid, as a coloured table with the values written in."""
    first, second = names(spec)[0]
    grid = means.pivot_table(index=first, columns=second, values=name, aggfunc="mean")
    fig, ax = plt.subplots(figsize=(1.2 * len(grid.columns) + 2.5, 0.6 * len(grid.index) + 2))
    image = ax.imshow(grid.to_numpy(float), cmap="viridis", aspect="auto", origin="lower")
    ax.set_xticks(range(len(grid.columns)), [_label(v) for v in grid.columns])
    ax.set_yticks(range(len(grid.index)), [_label(v) for v in grid.index])
    ax.set_xlabel(_short(second))
    ax.set_ylabel(_short(first))
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
    parameters, _ = names(spec)
    fig, axes = _panels(len(parameters))
    rng = np.random.default_rng(0)
    for ax, p in zip(axes, parameters, strict=True):
        x = _numeric(table[p], spec, p).to_numpy(float)
        if not pd.api.types.is_numeric_dtype(table[p]):
            x = x + rng.uniform(-0.15, 0.15, len(x))  # jitter a list of text values so points do not overlap
            values = next(q.get("values") for q in spec["parameters"] if q["path"] == p)
            ax.set_xticks(range(len(values)), [str(v) for v in values], fontsize=8)
        ax.scatter(x, table[name], s=10, alpha=0.6, color="#1565c0")
        rho = ranking[(ranking["output"] == name) & (ranking["parameter"] == p)]["spearman"].iloc[0]
        ax.set_title("Spearman rho n/a" if np.isnan(rho) else f"Spearman rho = {rho:+.2f}", fontsize=9)
        ax.set_xlabel(_short(p))
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


def _label(value) -> str:
    return f"{value:.3g}" if isinstance(value, float) else str(value)


def _save(fig, path: Path) -> Path:
    fig.tight_layout()
    with output.atomic_path(path) as temporary:
        fig.savefig(temporary, dpi=110, format="png")
    plt.close(fig)
    return path


# --- the whole analysis ---------------------------------------------------------------------------

def analyze(folder: str | Path, out: str | Path | None = None, plots: bool = True) -> Path:
    """Write the table, design-specific sensitivity results, plots and summary.md; return the folder."""
    spec, table = load(folder)
    target = Path(out) if out else Path(folder) / "analysis"
    target.mkdir(parents=True, exist_ok=True)
    means = point_means(spec, table)
    write_table(table, target)
    output.write_csv(target / "points.csv", means)
    kind = spec["design"]["kind"]
    notes = {"grid": _grid, "lhs": _lhs, "sobol": _sobol}[kind](spec, table, means, target, plots)
    output.write_text(target / "summary.md", summary(spec, table, means, notes, target))
    return target


def write_table(table: pd.DataFrame, target: Path) -> None:
    output.write_csv(target / "table.csv", table)
    with output.atomic_path(target / "table.parquet") as temporary:
        table.to_parquet(temporary, index=False)


def _grid(spec: dict, table: pd.DataFrame, means: pd.DataFrame, target: Path, plots: bool) -> list[str]:
    parameters, outputs = names(spec)
    notes = ["## Best and worst grid points (mean over replications)", "",
             "| output | highest at | value | lowest at | value |", "| --- | --- | --- | --- | --- |"]
    for name in outputs:
        best, worst = means.loc[means[name].idxmax()], means.loc[means[name].idxmin()]
        where = lambda row: ", ".join(f"{_short(p)}={_label(row[p])}" for p in parameters)
        notes.append(f"| {name} | {where(best)} | {best[name]:.4g} | {where(worst)} | {worst[name]:.4g} |")
        if plots:
            plot_against(spec, table, means, name, target / f"grid_{name}.png")
            if len(parameters) == 2:
                plot_heatmap(spec, means, name, target / f"heatmap_{name}.png")
    return notes


def _lhs(spec: dict, table: pd.DataFrame, means: pd.DataFrame, target: Path, plots: bool) -> list[str]:
    _, outputs = names(spec)
    ranking = influence_ranking(spec, means)
    output.write_csv(target / "ranking.csv", ranking)
    notes = ["## Parameters ranked by influence (|Spearman rank correlation| over design points)", "",
             "| output | 1st | 2nd | 3rd |", "| --- | --- | --- | --- |"]
    for name in outputs:
        top = ranking[ranking["output"] == name].head(3)
        cells = [f"{_short(r.parameter)} ({r.spearman:+.2f})" for r in top.itertuples()]
        notes.append(f"| {name} | " + " | ".join(cells + [""] * (3 - len(cells))) + " |")
        if plots:
            plot_scatter(spec, table, name, ranking, target / f"scatter_{name}.png")
    return notes


def _sobol(spec: dict, table: pd.DataFrame, means: pd.DataFrame, target: Path, plots: bool) -> list[str]:
    indices = sobol_indices(spec, means)
    output.write_csv(target / "sobol.csv", indices)
    if plots:
        plot_sobol(indices, target / "sobol.png")
    notes = ["## Sobol indices (first order S1, total ST, 95% confidence intervals)", "",
             "| output | parameter | S1 | ST |", "| --- | --- | --- | --- |"]
    for row in indices.itertuples():
        if row.skipped:
            notes.append(f"| {row.output} | {_short(row.parameter)} | skipped: {row.skipped} | |")
        else:
            notes.append(f"| {row.output} | {_short(row.parameter)} | {row.S1:.2f} ± {row.S1_conf:.2f} | "
                         f"{row.ST:.2f} ± {row.ST_conf:.2f} |")
    notes += ["", f"With {spec['design']['samples']} base samples; wide intervals call for more samples "
              "(a larger power of 2)."]
    return notes


def summary(spec: dict, table: pd.DataFrame, means: pd.DataFrame, notes: list[str], target: Path) -> str:
    """summary.md: what was swept, how many runs, the outputs' ranges and the design's findings."""
    parameters, outputs = names(spec)
    done, total = len(table), spec["runs"]
    fixed = ", ".join(f"{k}={v}" for k, v in spec["set"].items()) or "nothing"
    design = ", ".join(f"{k} {v}" for k, v in spec["design"].items() if k != "kind")
    lines = [f"# Sweep {spec['name']}", "", spec.get("description") or "", "",
             f"- base scenario: `{spec['scenario']}`; fixed: {fixed}",
             f"- design: {spec['design']['kind']} ({design}), {len(spec['points'])} points x "
             f"{spec['replications']} replication(s)",
             f"- runs: {done} of {total}" + ("" if done == total else " (INCOMPLETE: re-run the sweep to finish)"),
             "- parameters: " + ", ".join(f"`{p}`" for p in parameters), "",
             "## Outputs over all runs", "", "| output | min | mean | max |", "| --- | --- | --- | --- |"]
    for name in outputs:
        column = table[name]
        lines.append(f"| {name} | {column.min():.4g} | {column.mean():.4g} | {column.max():.4g} |")
    files = sorted({p.name for p in target.iterdir() if not p.name.startswith(".")} | {"summary.md"})
    lines += ["", *notes, "", "Files: " + ", ".join(f"`{f}`" for f in files), ""]
    return "\n".join(lines)
