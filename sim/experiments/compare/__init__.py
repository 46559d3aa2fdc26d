"""Policy comparison: the same market under several policies, compared under common random numbers.

A strategist writes policies in YAML (sim.experiments.compare.policies) and asks: which policy
serves my company best, by how much, and how sure are we? Replication i of every policy runs with
the same seed (`replication_seed`), and every mechanism draws from its own stream, so a policy's
difference to the baseline in replication i is caused by the policy, not by luck. Differences are
taken per replication (paired: sim.experiments.compare.statistics), which gives far narrower
intervals than independent runs; a policy that changes nothing differs by exactly zero.

The jobs (market, policy, replication) run on the job engine (sim.experiments.jobs), each keeping
its timeseries in OUT/parts, so an interrupted comparison resumes. The tables
(sim.experiments.compare.tables), plots and report (sim.experiments.compare.report) are made from
the parts. The command is `python -m sim compare` (sim/cli/compare.py).
"""

from __future__ import annotations

import pandas as pd

from ..jobs import Job, KeepTimeseries, read, replication_seed, safe_key
from ..store import PartStore
from . import tables
from .policies import Policy, PolicySet, apply_policy, load_policies
from .statistics import Interval, incremental_roi, mean_ci, narrowing, paired_difference, regret, welch_difference
from .tables import REPORTED, lookup

__all__ = ["Interval", "Policy", "PolicySet", "REPORTED", "apply_policy", "build_tables", "incremental_roi",
           "load_policies", "lookup", "mean_ci", "narrowing", "paired_difference", "plan_jobs", "regret",
           "welch_difference"]


def plan_jobs(policy_set: PolicySet, replications: int) -> list[Job]:
    """All jobs, interleaved by replication so an interrupted comparison holds balanced results.

    Every policy starts from the same market at rest (the baseline policy's scenario, brought to rest
    by its burn-in) and acts from step 0: the comparison is of what the policy does from now on.
    """
    jobs = []
    for r in range(replications):
        for market, by_policy in policy_set.resolved.items():
            for policy in policy_set.names:
                scenario = by_policy[policy]
                jobs.append(Job(safe_key(market, policy, f"rep{r:04d}"), scenario,
                                replication_seed(scenario.data["seed"], r), r, KeepTimeseries(),
                                {"market": market, "policy": policy}, rest=by_policy[policy_set.baseline]))
    return jobs


def build_tables(jobs, store: PartStore, policy_set, markets, company: str,
                 metric: str) -> dict[str, pd.DataFrame | None]:
    """All result tables, computed from the parts on disk."""
    parts = tables.records(jobs, read(jobs, store), company)
    names, baseline, main_market = policy_set.names, policy_set.baseline, markets[0].name
    replication_rows = tables.replication_table(parts)
    metrics = tuple(dict.fromkeys([*tables.REPORTED, metric]))
    summary = tables.summary_table(replication_rows, [m.name for m in markets], names, baseline, metrics)
    return {
        "replications": replication_rows,
        "summary": summary,
        "ranking": tables.ranking_table(summary, main_market, names, baseline, metric),
        "robustness": tables.robustness_table(summary, [m.name for m in markets], names, metric)
        if len(markets) > 1 else None,
        "over_time": tables.over_time_table(parts, [m.name for m in markets], baseline),
    }
