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

import numpy as np
import pandas as pd

from .. import output
from . import read_table
from .design import sobol_problem
from .plots import as_numbers, label, plot_against, plot_heatmap, plot_scatter, plot_sobol, short
from .reader import SweepError


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
    encoded = pd.DataFrame({p: as_numbers(means[p], spec, p) for p in parameters})
    rows = []
    for name in outputs:
        for p in parameters:
            constant = means[name].nunique() < 2 or encoded[p].nunique() < 2
            rho = float("nan") if constant else encoded[p].corr(means[name], method="spearman")
            rows.append({"output": name, "parameter": p, "spearman": rho, "influence": 0.0 if constant else abs(rho)})
    ranking = pd.DataFrame(rows)
    ranking["rank"] = ranking.groupby("output")["influence"].rank(ascending=False, method="min")
    return ranking.sort_values(["output", "rank"]).reset_index(drop=True)


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

        def where(row):
            return ", ".join(f"{short(p)}={label(row[p])}" for p in parameters)

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
        cells = [f"{short(r.parameter)} ({r.spearman:+.2f})" for r in top.itertuples()]
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
            notes.append(f"| {row.output} | {short(row.parameter)} | skipped: {row.skipped} | |")
        else:
            notes.append(f"| {row.output} | {short(row.parameter)} | {row.S1:.2f} ± {row.S1_conf:.2f} | "
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
