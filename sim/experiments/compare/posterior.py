"""Policies compared under what we do not know about the market: the posterior of `calibrate --method abc`.

`compare SCENARIO --policies FILE --posterior DIR` runs every policy twice over:
- at the point estimate (the scenario, usually DIR/calibrated.yaml), as a plain comparison: the
  paired interval there holds the simulation noise only;
- on posterior draws: replication i of every policy runs with the same parameter set theta_i,
  drawn from DIR/posterior.parquet by weight with a fixed seed (the market's), and the same Mesa
  seed as replication i at the point estimate. So the differences stay paired, and each policy's
  spread of differences holds both the noise and the parameter uncertainty.

For each policy and metric the report sets side by side the paired 95% interval at the point
estimate (of the mean difference, noise only) and the 95% interval of the paired differences over
the posterior draws (2.5th to 97.5th percentile: where the difference lies once the market's
parameters are uncertain too), and gives the probability that the policy beats the baseline: the
share of posterior replications in which it does (ties, e.g. a policy that changes nothing, count
as not beating it).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ...errors import ScenarioError, UsageError
from ...scenario import Scenario
from ..jobs import Job, KeepTimeseries, read, replication_seed, safe_key
from ..store import PartStore
from . import tables
from .policies import PolicySet, apply_policy
from .tables import LOWER_IS_BETTER, lookup

NOT_PARAMETERS = {"weight", "distance", "log_density", "generation"}
LEVEL = 0.95
MARKET = "posterior"  # the `market` label of the posterior jobs


@dataclass
class Posterior:
    """Particles of an ABC posterior: one row per particle, a column per fitted key, and `weight`."""

    folder: Path
    particles: pd.DataFrame
    keys: list[str]


def load_posterior(folder: str | Path) -> Posterior:
    """The posterior in a calibration folder; UsageError (one line) if there is none."""
    folder = Path(folder)
    path = folder / "posterior.parquet"
    if not path.is_file():
        what = ("holds a point fit (no posterior.parquet); run calibrate --method abc for a posterior"
                if (folder / "calibrated.yaml").is_file() else "has no posterior.parquet")
        raise UsageError(f"--posterior {folder}: {what}")
    particles = pd.read_parquet(path)
    described = folder / "calibration.json"
    keys = []
    if described.is_file():
        keys = list(json.loads(described.read_text(encoding="utf-8"))["calibration"]["targets"]["parameters"])
    keys = keys or [c for c in particles.columns if c not in NOT_PARAMETERS and not c.startswith("figure:")]
    missing = [key for key in keys if key not in particles.columns]
    if missing or "weight" not in particles.columns or particles.empty:
        raise UsageError(f"--posterior {folder}: posterior.parquet lacks {missing or ['weight'] or 'particles'}; "
                         "expected the folder of calibrate --method abc")
    weights = particles["weight"].to_numpy(dtype=float)
    if not np.isfinite(weights).all() or weights.sum() <= 0 or (weights < 0).any():
        raise UsageError(f"--posterior {folder}: posterior.parquet has weights that are not positive numbers")
    return Posterior(folder, particles, keys)


def draws(posterior: Posterior, count: int, seed: int) -> tuple[list[int], list[dict]]:
    """`count` particles drawn by weight with replacement (reproducible: numpy's default_rng(seed))."""
    rng = np.random.default_rng(seed)
    weights = posterior.particles["weight"].to_numpy(dtype=float)
    rows = rng.choice(len(weights), size=count, replace=True, p=weights / weights.sum())
    return ([int(i) for i in rows],
            [{key: posterior.particles[key].iloc[i].item() for key in posterior.keys} for i in rows])


def plan_jobs(policy_set: PolicySet, market: Scenario, drawn: list[dict]) -> list[Job]:
    """Replication r of every policy: the market with draw r, the same Mesa seed as at the point estimate,
    starting from that market at rest under the baseline policy. Validated here, before anything runs."""
    jobs = []
    seed = market.data["seed"]
    for r, values in enumerate(drawn):
        try:
            with_draw = market.with_overrides(values, label="posterior draw")
        except ScenarioError as error:
            raise UsageError(f"--posterior: draw {r} cannot be applied to {market.source}: {error}") from None
        by_policy = {name: apply_policy(with_draw, policy, policy_set.source)
                     for name, policy in policy_set.policies.items()}
        for name in policy_set.names:
            jobs.append(Job(safe_key(MARKET, name, f"rep{r:04d}"), by_policy[name], replication_seed(seed, r), r,
                            KeepTimeseries(), {"market": MARKET, "policy": name, "draw": r},
                            rest=by_policy[policy_set.baseline]))
    return jobs


def interleave(point_jobs: list[Job], posterior_jobs: list[Job]) -> list[Job]:
    """Both sets in replication order, so an interrupted comparison holds balanced results of each."""
    return sorted([*point_jobs, *posterior_jobs], key=lambda job: job.replication)


def replication_table(jobs: list[Job], store: PartStore, company: str, drawn: list[dict],
                      particles: list[int]) -> pd.DataFrame:
    """One row per policy and posterior replication: the draw (particle and values) and every metric."""
    frame = tables.replication_table(tables.records(jobs, read(jobs, store), company))
    frame["particle"] = frame["replication"].map(dict(enumerate(particles)))
    for key in drawn[0] if drawn else []:
        frame[key] = frame["replication"].map({r: values[key] for r, values in enumerate(drawn)})
    return frame


def summary_table(posterior_rows: pd.DataFrame, point_summary: pd.DataFrame, market: str, policy_set: PolicySet,
                  metrics) -> pd.DataFrame:
    """Per policy and metric: the paired interval at the point estimate next to the interval over the posterior.

    `point_*`: mean difference and paired 95% CI at the point estimate (noise only). `posterior_*`: mean of
    the paired differences over the posterior replications and their 2.5th-97.5th percentiles (noise and
    parameter uncertainty). `p_better`: the share of posterior replications in which the policy beats the
    baseline (lower is better for share_hostile, churn and cost); `ties`: the share with no difference.
    """
    rows = []
    baseline = policy_set.baseline
    for policy in policy_set.names:
        for metric in metrics:
            values = _values(posterior_rows, policy, metric)
            difference = values - _values(posterior_rows, baseline, metric)
            point = lookup(point_summary, market, policy, metric)
            better = difference < 0 if metric in LOWER_IS_BETTER else difference > 0
            rows.append({"policy": policy, "metric": metric, "replications": len(values),
                         "point_mean": point["mean"], "posterior_mean": float(values.mean()),
                         "point_difference": point["difference"], "point_low": point["paired_low"],
                         "point_high": point["paired_high"],
                         "posterior_difference": float(difference.mean()),
                         "posterior_low": float(np.quantile(difference, (1 - LEVEL) / 2)),
                         "posterior_high": float(np.quantile(difference, (1 + LEVEL) / 2)),
                         "p_better": float(better.mean()) if policy != baseline else np.nan,
                         "ties": float((difference == 0).mean()) if policy != baseline else np.nan})
    return pd.DataFrame(rows)


def _values(table: pd.DataFrame, policy: str, metric: str) -> np.ndarray:
    rows = table[table["policy"] == policy].sort_values("replication")
    return rows[metric].to_numpy(dtype=float)


def section(summary: pd.DataFrame, policy_set: PolicySet, metric: str, posterior: Posterior, replications: int,
            seed: int, plot: str) -> list[str]:
    """The report's section on parameter uncertainty (Markdown lines)."""
    from .report import LABELS, interval, number

    shown = tuple(dict.fromkeys([metric, "share_passionate", "churn", "profit"]))
    lines = ["", "## Under parameter uncertainty", "",
             f"The market's parameters ({', '.join(f'`{k}`' for k in posterior.keys)}) were calibrated to observed "
             f"figures (`{posterior.folder}`); their posterior holds {len(posterior.particles)} weighted particles. "
             f"Replication i of every policy ran a second time with the same parameter set drawn from it (by weight, "
             f"seed {seed}, {replications} draws) and the same seed as replication i at the point estimate, so "
             "differences stay paired.", "",
             "*At the point estimate*: mean difference to the baseline with its paired 95% interval (simulation noise "
             "only). *Over the posterior*: mean difference and the 2.5th-97.5th percentile of the paired differences "
             "over the posterior replications (noise and what we do not know about the market). *P(better)*: share "
             "of posterior replications in which the policy beats the baseline.", ""]
    for name in shown:
        lines += [f"**{LABELS[name]}**", "",
                  "| policy | at the point estimate | over the posterior | P(better) |", "| --- | --- | --- | --- |"]
        for policy in policy_set.names:
            if policy == policy_set.baseline:
                continue
            row = summary[(summary["policy"] == policy) & (summary["metric"] == name)].iloc[0]
            ties = f" ({row['ties']:.0%} ties)" if row["ties"] > 0 else ""
            lines.append(f"| {policy} | {number(name, row['point_difference'], True)} "
                         f"{interval(name, row['point_low'], row['point_high'], True)} | "
                         f"{number(name, row['posterior_difference'], True)} "
                         f"{interval(name, row['posterior_low'], row['posterior_high'], True)} | "
                         f"{row['p_better']:.0%}{ties} |")
        lines.append("")
    lines += [f"![point estimate against posterior]({plot})"]
    return lines


def print_lines(summary: pd.DataFrame, policy_set: PolicySet, metric: str) -> list[str]:
    """A few lines for the terminal: both intervals and P(better) on the ranking metric."""
    from .report import LABELS, interval, number

    rows = []
    for policy in policy_set.names:
        if policy == policy_set.baseline:
            continue
        row = summary[(summary["policy"] == policy) & (summary["metric"] == metric)].iloc[0]
        rows.append((policy, f"{number(metric, row['point_difference'], True)} "
                             f"{interval(metric, row['point_low'], row['point_high'], True)}",
                     f"{number(metric, row['posterior_difference'], True)} "
                     f"{interval(metric, row['posterior_low'], row['posterior_high'], True)}",
                     f"{row['p_better']:.0%}"))
    widths = [max(len(text) for text in column) for column in zip(*rows, strict=True)] if rows else [0] * 4
    header = ("policy", "at the point estimate", "over the posterior", "P(better)")
    widths = [max(width, len(name)) for width, name in zip(widths, header, strict=True)]
    lines = [f"under parameter uncertainty: {LABELS[metric]} minus baseline, noise only at the point estimate, "
             "noise and parameters over the posterior"]
    for cells in (header, *rows):
        lines.append("  " + "  ".join(f"{text:<{width}}" for text, width in zip(cells, widths, strict=True)))
    return lines


def plot_intervals(summary: pd.DataFrame, policy_set: PolicySet, path: Path, metrics) -> Path:
    """Per policy and metric: the point estimate's paired interval (blue) above the posterior interval (orange)."""
    from matplotlib.ticker import MaxNLocator

    from .. import output
    from ..plots import plt

    others = [p for p in policy_set.names if p != policy_set.baseline]
    fig, axes = plt.subplots(1, len(metrics), figsize=(3.8 * len(metrics), 0.7 * len(others) + 1.8), sharey=True,
                             squeeze=False)
    for ax, metric in zip(axes[0], metrics, strict=True):
        for y, policy in enumerate(others):
            row = summary[(summary["policy"] == policy) & (summary["metric"] == metric)].iloc[0]
            ax.plot([row["point_low"], row["point_high"]], [y - 0.12] * 2, color="#1565c0", lw=4)
            ax.plot([row["point_difference"]], [y - 0.12], "o", color="#0d47a1", ms=4)
            ax.plot([row["posterior_low"], row["posterior_high"]], [y + 0.14] * 2, color="#ef6c00", lw=4)
            ax.plot([row["posterior_difference"]], [y + 0.14], "o", color="#bf360c", ms=4)
        ax.axvline(0, color="black", lw=0.8)
        ax.set_title(f"{metric.replace('_', ' ')} minus baseline", fontsize=10)
        ax.xaxis.set_major_locator(MaxNLocator(4))
        ax.set_yticks(range(len(others)), others)
        ax.set_ylim(-0.7, len(others) - 0.3)
    axes[0, 0].invert_yaxis()
    fig.suptitle("difference to the baseline: at the point estimate, noise only (blue, paired 95% CI) and over the "
                 "posterior, noise and parameters (orange, 95% of replications)", fontsize=9)
    fig.tight_layout()
    return output.write_png(fig, path)
