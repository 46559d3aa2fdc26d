"""The tables of a comparison, made from the finished jobs' timeseries.

Each job kept its whole timeseries (sim.experiments.jobs); `records` turns them into one record per
(market, policy, replication) with the company's metrics and a few series, and the functions below
build the tidy tables of the report from those records.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np
import pandas as pd
from scipy import stats

from ..metrics import METRICS, summarize
from .statistics import LEVEL, incremental_roi, mean_ci, narrowing, paired_difference, regret, welch_difference

# Metrics shown in the report, in this order; all of METRICS are kept in the tidy tables.
REPORTED = ("share_passionate", "share_hostile", "churn", "referrals", "revenue", "cost", "profit", "roi", "nps")
LOWER_IS_BETTER = {"share_hostile", "churn", "cost"}
SERIES = ("share_passionate", "share_hostile", "customers", "cumulative_profit")


def records(jobs, frames: list[pd.DataFrame], company: str) -> list[dict]:
    """One record per job: market, policy, replication, seed, the company's metrics and series."""
    found = []
    for job, frame in zip(jobs, frames, strict=True):
        market, policy = job.labels["market"], job.labels["policy"]
        profit = (frame[f"{company}_revenue"] - frame[f"{company}_cost"]).cumsum()
        found.append({
            "market": market, "policy": policy, "replication": job.replication, "seed": job.seed,
            "metrics": summarize(frame, company),
            "series": {"step": frame["step"].tolist(),
                       "share_passionate": frame[f"{company}_passionate_share"].tolist(),
                       "share_hostile": frame[f"{company}_hostile_share"].tolist(),
                       "customers": frame[f"{company}_customers"].tolist(),
                       "cumulative_profit": profit.tolist()}})
    return found


def replication_table(parts: list[dict]) -> pd.DataFrame:
    """Tidy per-replication metrics: market, policy, replication, seed, then one column per metric."""
    rows = [{"scenario": p["market"], "policy": p["policy"], "replication": p["replication"], "seed": p["seed"],
             **{m: p["metrics"][m] for m in METRICS}} for p in parts]
    frame = pd.DataFrame(rows)
    for column in ("scenario", "policy"):  # keep the order of the command line and the policies file
        frame[column] = pd.Categorical(frame[column], categories=list(dict.fromkeys(frame[column])), ordered=True)
    frame = frame.sort_values(["scenario", "policy", "replication"], kind="stable", ignore_index=True)
    return frame.astype({"scenario": str, "policy": str})


def _values(table: pd.DataFrame, market: str, policy: str, metric: str) -> np.ndarray:
    rows = table[(table["scenario"] == market) & (table["policy"] == policy)].sort_values("replication")
    return rows[metric].to_numpy(dtype=float)


def summary_table(table: pd.DataFrame, markets: list[str], policies: list[str], baseline: str,
                  metrics: Iterable[str] = REPORTED) -> pd.DataFrame:
    """One row per (market, policy, metric): mean and CI; paired and independent difference to the baseline."""
    rows = []
    for market in markets:
        for policy in policies:
            for metric in metrics:
                values, base = _values(table, market, policy, metric), _values(table, market, baseline, metric)
                level, paired, independent = mean_ci(values), paired_difference(values, base), \
                    welch_difference(values, base)
                rows.append({"scenario": market, "policy": policy, "metric": metric, "replications": level.n,
                             "mean": level.mean, "ci_low": level.low, "ci_high": level.high,
                             "difference": paired.mean, "paired_low": paired.low, "paired_high": paired.high,
                             "independent_low": independent.low, "independent_high": independent.high,
                             "paired_width": paired.high - paired.low,
                             "independent_width": independent.high - independent.low,
                             "narrower_by": narrowing(paired, independent)})
    return pd.DataFrame(rows)


def lookup(summary: pd.DataFrame, market: str, policy: str, metric: str) -> pd.Series:
    """The summary row of one (market, policy, metric)."""
    rows = summary[(summary["scenario"] == market) & (summary["policy"] == policy) & (summary["metric"] == metric)]
    return rows.iloc[0]


def verdict(row: pd.Series, metric: str) -> str:
    """'better', 'worse' or 'no clear difference' than the baseline, judged by the paired interval."""
    if not (row["paired_low"] > 0 or row["paired_high"] < 0):
        return "no clear difference"
    up = row["paired_low"] > 0
    return "better" if up != (metric in LOWER_IS_BETTER) else "worse"


def ranking_table(summary: pd.DataFrame, market: str, policies: list[str], baseline: str, metric: str) -> pd.DataFrame:
    """Policies ordered from best to worst on one metric, with the paired difference to the baseline.

    `incremental_roi` is given only where the profit difference is clear (its paired interval excludes
    zero); elsewhere it is empty, as the report says.
    """
    rows = []
    for policy in policies:
        row = lookup(summary, market, policy, metric)
        revenue, cost = lookup(summary, market, policy, "revenue"), lookup(summary, market, policy, "cost")
        profit = lookup(summary, market, policy, "profit")
        clear = profit["paired_low"] > 0 or profit["paired_high"] < 0
        rows.append({"policy": policy, "metric": metric, "mean": row["mean"], "difference": row["difference"],
                     "paired_low": row["paired_low"], "paired_high": row["paired_high"],
                     "verdict": "baseline" if policy == baseline else verdict(row, metric),
                     "incremental_roi": math.nan if policy == baseline or not clear else
                     incremental_roi(revenue["difference"], cost["difference"])})
    frame = pd.DataFrame(rows).sort_values("mean", ascending=metric in LOWER_IS_BETTER, kind="stable")
    frame.insert(0, "rank", range(1, len(frame) + 1))
    return frame.reset_index(drop=True)


def robustness_table(summary: pd.DataFrame, markets: list[str], policies: list[str], metric: str) -> pd.DataFrame:
    """Each policy's mean outcome and regret in each market scenario, and its worst regret; best first."""
    rows = {policy: {"policy": policy} for policy in policies}
    for market in markets:
        means = {p: float(lookup(summary, market, p, metric)["mean"]) for p in policies}
        for policy, value in regret(means, metric in LOWER_IS_BETTER).items():
            rows[policy][f"{market}"] = means[policy]
            rows[policy][f"{market}_regret"] = value
    frame = pd.DataFrame(rows.values())
    frame["max_regret"] = frame[[f"{m}_regret" for m in markets]].max(axis=1)
    return frame.sort_values("max_regret", kind="stable").reset_index(drop=True)


def over_time_table(parts: list[dict], markets: list[str], baseline: str) -> pd.DataFrame:
    """Per market, policy and step: mean and 95% CI of each series, and the paired difference of cumulative
    profit to the baseline in the same market."""
    return pd.concat([_over_time_of_market(parts, market, baseline) for market in markets], ignore_index=True)


def _over_time_of_market(parts: list[dict], market: str, baseline: str) -> pd.DataFrame:
    chosen = [p for p in parts if p["market"] == market]
    base = {p["replication"]: np.asarray(p["series"]["cumulative_profit"]) for p in chosen if p["policy"] == baseline}
    rows = []
    for policy in dict.fromkeys(p["policy"] for p in chosen):
        runs = sorted((p for p in chosen if p["policy"] == policy), key=lambda p: p["replication"])
        steps = runs[0]["series"]["step"]
        block = {"market": market, "policy": policy, "step": steps}
        for name in SERIES:
            matrix = np.array([r["series"][name] for r in runs], dtype=float)
            block.update(_band_columns(name, matrix))
        difference = np.array([np.asarray(r["series"]["cumulative_profit"]) - base[r["replication"]] for r in runs])
        block.update(_band_columns("profit_difference", difference))
        rows.append(pd.DataFrame(block))
    return pd.concat(rows, ignore_index=True)


def _band_columns(name: str, matrix: np.ndarray) -> dict[str, np.ndarray]:
    n = matrix.shape[0]
    mean = matrix.mean(axis=0)
    if n < 2:
        return {f"{name}_mean": mean, f"{name}_low": mean, f"{name}_high": mean}
    half = stats.t.ppf(0.5 + LEVEL / 2, n - 1) * matrix.std(axis=0, ddof=1) / math.sqrt(n)
    return {f"{name}_mean": mean, f"{name}_low": mean - half, f"{name}_high": mean + half}
