"""Policy comparison: the same market under several policies, compared under common random numbers.

A strategist writes policies in YAML (overrides on scenario key paths and/or added interventions),
and asks: which policy serves my company best, by how much, and how sure are we? Replication i of
every policy runs with the same seed (`sim.runner.replication_seed`), and every mechanism draws from
its own stream, so a policy's difference to the baseline in replication i is caused by the policy,
not by luck. Differences are therefore taken per replication (paired), which gives far narrower
confidence intervals than comparing independent runs; a policy that changes nothing differs by
exactly zero.

This module holds the parts that tests call directly:

- policies files: `load_policies` validates a file against every market scenario before anything runs;
- statistics: `mean_ci`, `paired_difference`, `welch_difference`, `narrowing`, `incremental_roi`,
  `regret` (plain functions on arrays);
- running: `plan_jobs` and `run_jobs` run (scenario, policy, replication) jobs in parallel, each
  written atomically to a parts folder as it finishes, so an interruption loses nothing finished and
  a re-run resumes;
- tables and plots built from the parts (`replication_table`, `summary_table`, `ranking_table`,
  `robustness_table`, `over_time_table`, `plot_over_time`, `plot_differences`).

The command `python -m sim compare` (sim/commands/compare.py) puts these together into a report.
"""

from __future__ import annotations

import copy
import hashlib
import json
import math
import re
import signal
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from . import output
from . import scenario as scenarios
from .metrics import METRICS, summarize
from .runner import replication_seed, run_one
from .scenario import Scenario, ScenarioError

# Metrics shown in the report, in this order; all of METRICS are kept in the tidy tables.
REPORTED = ("share_passionate", "share_hostile", "churn", "referrals", "revenue", "cost", "profit", "roi", "nps")
LOWER_IS_BETTER = {"share_hostile", "churn", "cost"}
TOP_LEVEL_KEYS = ("question", "baseline", "policies")
NOT_A_POLICY = ("seed", "replications", "steps", "name")  # changing these would break the comparison
LEVEL = 0.95


# --------------------------------------------------------------------------- policies files


@dataclass
class Policy:
    """One policy: overrides on scenario key paths plus interventions added to the scenario's own."""

    name: str
    overrides: dict[str, Any] = field(default_factory=dict)
    interventions: list[dict] = field(default_factory=list)
    about: str = ""
    lines: dict[tuple, int] = field(default_factory=dict, repr=False)  # scenario key path -> line
    intervention_lines: dict[tuple, int] = field(default_factory=dict, repr=False)  # ("interventions", i, key)
    line: int = 1

    def describe(self) -> str:
        """A one-line account of what the policy changes, for the report."""
        parts = [f"{key} = {value}" for key, value in self.overrides.items()]
        for item in self.interventions:
            when = f"steps {item['at']}-{item['until']}" if item.get("until") is not None else f"from step {item['at']}"
            what = ", ".join(f"{k}: {v}" for k, v in item.items() if k not in ("at", "until", "company", "name"))
            parts.append(f"{item.get('name') or what} ({item['company']}, {when})")
        text = "; ".join(parts) if parts else "no change"
        return f"{self.about} [{text}]" if self.about else text


@dataclass
class PolicySet:
    """A validated policies file: the baseline's name, the policies in file order, the resolved scenarios."""

    source: str
    baseline: str
    policies: dict[str, Policy]
    question: str = ""
    # resolved[scenario name][policy name] -> runnable Scenario
    resolved: dict[str, dict[str, Scenario]] = field(default_factory=dict)

    @property
    def names(self) -> list[str]:
        return list(self.policies)


def load_policies(path: str | Path, markets: list[Scenario]) -> PolicySet:
    """Read a policies file and validate every policy against every market scenario.

    Raises ScenarioError with one line naming the file, the line and the key path.
    """
    source = str(path)
    raw, lines = _read_policies_yaml(Path(path))
    policy_set = _parse_policies(raw, lines, source)
    for market in markets:
        policy_set.resolved[market.name] = {name: apply_policy(market, policy, source, len(markets) > 1)
                                            for name, policy in policy_set.policies.items()}
    return policy_set


def _read_policies_yaml(path: Path) -> tuple[dict, dict[tuple, int]]:
    return scenarios.read_yaml_file(path, "policies", "policy keys ('baseline:', 'policies:') with a baseline "
                                    "and the policies to compare")


def _parse_policies(raw: dict, lines: dict[tuple, int], source: str) -> PolicySet:
    def fail(path: tuple, message: str) -> ScenarioError:
        probe = path
        while probe and probe not in lines:
            probe = probe[:-1]
        return ScenarioError(f"{source}:{lines.get(probe, 1)}: {'.'.join(map(str, path)) or '(top level)'}: {message}")

    for key in raw:
        if key not in TOP_LEVEL_KEYS:
            raise fail((str(key),), "unknown key" + scenarios.did_you_mean(str(key), TOP_LEVEL_KEYS))
    entries = raw.get("policies")
    if not isinstance(entries, dict) or not entries:
        raise fail(("policies",), "expected a mapping of policy names to their changes, such as "
                   "{baseline: {}, better_complaints: {companies.focal.complaint_handling: 0.9}}, got "
                   + scenarios._describe(entries))
    baseline = raw.get("baseline", "baseline")
    if not isinstance(baseline, str):
        raise fail(("baseline",), f"expected the name of a policy, got {scenarios._describe(baseline)}")
    if baseline not in entries:
        where = ("baseline",) if "baseline" in raw else ("policies",)
        raise fail(where, f"no policy named {baseline!r} to serve as the baseline; add one (it may be "
                   "empty: 'baseline: {}') or name it with a top-level 'baseline: NAME'")
    question = raw.get("question", "")
    if not isinstance(question, str):
        raise fail(("question",), f"expected text, got {scenarios._describe(question)}")
    policies = {}
    for name, entry in entries.items():
        policies[str(name)] = _parse_policy(str(name), entry, lines, fail)
    return PolicySet(source, baseline, policies, question)


def _parse_policy(name: str, entry: Any, lines: dict, fail: Callable) -> Policy:
    path = ("policies", name)
    if not re.fullmatch(r"[A-Za-z0-9_][A-Za-z0-9_-]*", name):
        raise fail(path, "expected a policy name made of letters, digits, '_' and '-'")
    if entry is None:
        entry = {}
    if not isinstance(entry, dict):
        raise fail(path, f"expected a mapping of scenario key paths to values (or {{}} for no change), "
                   f"got {scenarios._describe(entry)}")
    policy = Policy(name, line=lines.get(path, 1))
    for key, value in entry.items():
        key = str(key)
        if key == "about":
            if not isinstance(value, str):
                raise fail((*path, key), f"expected text, got {scenarios._describe(value)}")
            policy.about = value
        elif key == "interventions":
            if not isinstance(value, list):
                raise fail((*path, key), f"expected a list of interventions, got {scenarios._describe(value)}")
            policy.interventions = value
            policy.intervention_lines = {("interventions", *keys[3:]): line for keys, line in lines.items()
                                         if keys[:3] == (*path, key)}
        else:
            for dotted, leaf, keys in _flatten(key, value, (*path, key)):
                if dotted.split(".")[0] in NOT_A_POLICY or dotted.startswith("interventions."):
                    raise fail(keys, f"a policy cannot change {dotted.split('.')[0]!r}; it changes company "
                               "parameters and adds 'interventions:' (set steps, seed and replications on "
                               "the command line)")
                policy.overrides[dotted] = leaf
                policy.lines[tuple(dotted.split("."))] = _line_of(keys, lines)
    return policy


def _flatten(key: str, value: Any, keys: tuple) -> Iterable[tuple[str, Any, tuple]]:
    """Nested mappings become dotted leaves, so {promotion: {discount: 0.1}} keeps promotion.reach."""
    if isinstance(value, dict) and value:
        for sub, subvalue in value.items():
            yield from _flatten(f"{key}.{sub}", subvalue, (*keys, str(sub)))
    else:
        yield key, value, keys


def _line_of(keys: tuple, lines: dict) -> int:
    while keys and keys not in lines:
        keys = keys[:-1]
    return lines.get(keys, 1)


def apply_policy(market: Scenario, policy: Policy, source: str, name_market: bool = False) -> Scenario:
    """The market scenario with the policy applied, validated; errors point into the policies file.

    The policy's overrides are applied to the market as written and checked with the policies file's
    line numbers; its interventions are checked against the resulting companies and added to the
    market's own.
    """
    raw = copy.deepcopy(market.raw)
    own_interventions = raw.pop("interventions", None) or []
    origins: dict[tuple, int] = {}
    for dotted in policy.overrides:
        parts = tuple(dotted.split("."))
        for depth in range(1, len(parts) + 1):
            origins.setdefault(parts[:depth], policy.lines.get(parts, policy.line))
    try:
        for dotted, value in policy.overrides.items():
            scenarios.set_path(raw, dotted, value, {}, dotted)
        changed = scenarios.validate(raw, source, origins)
        if policy.interventions:
            scenarios.validate({"companies": changed.data["companies"],
                                "interventions": copy.deepcopy(policy.interventions)},
                               source, dict(policy.intervention_lines))
    except ScenarioError as error:
        raise _in_policy(error, source, policy.name, market if name_market else None) from None
    raw["interventions"] = own_interventions + copy.deepcopy(policy.interventions)
    return scenarios.validate(raw, market.source, market.origins)


def _in_policy(error: ScenarioError, source: str, name: str, market: Scenario | None) -> ScenarioError:
    """Rewrite 'file:line: key.path: message' so the key path starts at policies.NAME."""
    text = str(error)
    head = f"{source}:"
    if text.startswith(head):
        line, _, rest = text[len(head):].partition(": ")
        rest = rest.replace("(top level)", "", 1).lstrip(".")
        text = f"{head}{line}: policies.{name}{'.' if rest and not rest.startswith(':') else ''}{rest}"
    if market is not None:
        text += f" (in market scenario {market.source})"
    return ScenarioError(text)


# --------------------------------------------------------------------------- statistics


@dataclass(frozen=True)
class Interval:
    """A mean with a two-sided t-based confidence interval."""

    mean: float
    low: float
    high: float
    n: int

    @property
    def half_width(self) -> float:
        return (self.high - self.low) / 2

    @property
    def excludes_zero(self) -> bool:
        return bool(self.low > 0 or self.high < 0)


def mean_ci(values, level: float = LEVEL) -> Interval:
    """Mean and t-based confidence interval of independent values (e.g. one per replication)."""
    values = np.asarray(values, dtype=float)
    n = len(values)
    mean = float(values.mean()) if n else math.nan
    if n < 2:
        return Interval(mean, math.nan, math.nan, n)
    with np.errstate(invalid="ignore"):
        half = float(stats.t.ppf(0.5 + level / 2, n - 1) * values.std(ddof=1) / math.sqrt(n))
    return Interval(mean, mean - half, mean + half, n)


def paired_difference(policy, baseline, level: float = LEVEL) -> Interval:
    """Difference policy - baseline taken replication by replication (same seeds), with its t interval.

    Under common random numbers the noise shared by a policy and the baseline cancels in each
    difference, so this interval is the one to judge a policy by.
    """
    policy, baseline = np.asarray(policy, dtype=float), np.asarray(baseline, dtype=float)
    if policy.shape != baseline.shape:
        raise ValueError("paired values need the same replications for policy and baseline")
    return mean_ci(policy - baseline, level)


def welch_difference(policy, baseline, level: float = LEVEL) -> Interval:
    """Difference of means with Welch's interval, as if the two samples had independent seeds.

    Each arm's spread is the same whether or not seeds are shared, so on paired data this is the
    interval an experiment with independent seeds (policy rep i against baseline rep i+R) would give.
    """
    a, b = np.asarray(policy, dtype=float), np.asarray(baseline, dtype=float)
    mean = float(a.mean() - b.mean())
    va, vb = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
    se = math.sqrt(va + vb)
    if se == 0 or not math.isfinite(se):
        return Interval(mean, mean if se == 0 else math.nan, mean if se == 0 else math.nan, len(a))
    df = (va + vb) ** 2 / (va ** 2 / (len(a) - 1) + vb ** 2 / (len(b) - 1))
    half = float(stats.t.ppf(0.5 + level / 2, df) * se)
    return Interval(mean, mean - half, mean + half, len(a))


def narrowing(paired: Interval, independent: Interval) -> float:
    """How many times narrower the paired interval is than the independent one (inf if paired is exact)."""
    if not (math.isfinite(paired.half_width) and math.isfinite(independent.half_width)):
        return math.nan
    if paired.half_width == 0:
        return math.inf if independent.half_width > 0 else math.nan
    return independent.half_width / paired.half_width


def incremental_roi(delta_revenue: float, delta_cost: float) -> float:
    """Return on the extra spend of a policy: (extra revenue - extra cost) / extra cost; NaN if it saves cost."""
    return (delta_revenue - delta_cost) / delta_cost if delta_cost > 0 else math.nan


def regret(means: dict[str, float], lower_is_better: bool = False) -> dict[str, float]:
    """How far each policy falls short of the best policy (0 for the best), on one metric."""
    best = min(means.values()) if lower_is_better else max(means.values())
    return {name: (value - best) if lower_is_better else (best - value) for name, value in means.items()}


# --------------------------------------------------------------------------- running jobs


@dataclass(frozen=True)
class Job:
    """One replication of one policy in one market scenario, and where its result is kept."""

    market: str
    policy: str
    replication: int
    part: Path
    fingerprint: str


def fingerprint(scenario: Scenario, company: str, steps: int | None) -> str:
    """A short hash of everything that determines a part, so a changed policy is never mixed with old parts."""
    text = json.dumps({"scenario": scenario.data, "company": company, "steps": steps}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def plan_jobs(policy_set: PolicySet, replications: int, parts: Path, company: str,
              steps: int | None) -> list[Job]:
    """All jobs, interleaved by replication so an interrupted run holds balanced results."""
    prints = {(m, p): fingerprint(s, company, steps)
              for m, by_policy in policy_set.resolved.items() for p, s in by_policy.items()}
    return [Job(market, policy, r, parts / market / policy / f"rep{r:04d}.json", prints[market, policy])
            for r in range(replications) for market in policy_set.resolved for policy in policy_set.names]


def read_part(job: Job) -> dict | None:
    """The finished result of a job, or None if it is missing or was made with other settings."""
    try:
        part = json.loads(job.part.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return part if part.get("fingerprint") == job.fingerprint else None


def run_job(job: Job, scenario: Scenario, company: str, steps: int | None) -> dict:
    """Run one replication, keep the company's metrics and a few series, and write the part atomically."""
    frame = run_one(scenario, job.replication, steps)
    profit = (frame[f"{company}_revenue"] - frame[f"{company}_cost"]).cumsum()
    part = {
        "market": job.market, "policy": job.policy, "replication": job.replication,
        "seed": replication_seed(scenario.data["seed"], job.replication), "fingerprint": job.fingerprint,
        "metrics": summarize(frame, company),
        "series": {"step": frame["step"].tolist(),
                   "share_passionate": frame[f"{company}_passionate_share"].tolist(),
                   "share_hostile": frame[f"{company}_hostile_share"].tolist(),
                   "customers": frame[f"{company}_customers"].tolist(),
                   "cumulative_profit": profit.tolist()},
    }
    output.write_json(job.part, part)
    return part


def run_jobs(jobs: list[Job], policy_set: PolicySet, company: str, steps: int | None, workers: int = 1,
             progress: bool = True) -> tuple[int, int]:
    """Run the jobs whose parts are missing, in a process pool; returns (run now, already finished).

    Each job writes its part as soon as it finishes, so Ctrl-C or a crash loses only running jobs.
    """
    from tqdm.auto import tqdm

    todo = [job for job in jobs if read_part(job) is None]
    done_before = len(jobs) - len(todo)
    bar = tqdm(total=len(jobs), initial=done_before, desc="compare", unit="run", disable=not progress)
    try:
        if workers <= 1 or len(todo) <= 1:
            for job in todo:
                run_job(job, policy_set.resolved[job.market][job.policy], company, steps)
                bar.update()
        else:
            _run_pool(todo, policy_set, company, steps, workers, bar)
    finally:
        bar.close()
    return len(todo), done_before


def _run_pool(todo: list[Job], policy_set: PolicySet, company: str, steps: int | None, workers: int, bar) -> None:
    pool = ProcessPoolExecutor(max_workers=min(workers, len(todo)), initializer=_leave_signals_to_parent)
    try:
        pending = {pool.submit(run_job, job, policy_set.resolved[job.market][job.policy], company, steps)
                   for job in todo}
        while pending:
            finished, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in finished:
                future.result()
                bar.update()
    except BaseException:
        _stop(pool)
        raise
    pool.shutdown()


def _leave_signals_to_parent() -> None:
    """Workers ignore Ctrl-C and die on SIGTERM: the main process decides when to stop them."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _stop(pool: ProcessPoolExecutor) -> None:
    """Stop at once: cancel queued jobs and end running ones (their parts were not written yet)."""
    processes = list((getattr(pool, "_processes", None) or {}).values())
    for process in processes:
        process.terminate()
    for process in processes:
        process.join(timeout=5)
    pool.shutdown(wait=True, cancel_futures=True)


# --------------------------------------------------------------------------- tables


def load_parts(jobs: list[Job]) -> list[dict]:
    """Every job's part, read back from disk (fresh and resumed runs take the same path)."""
    parts = [read_part(job) for job in jobs]
    missing = [job for job, part in zip(jobs, parts, strict=True) if part is None]
    if missing:
        raise RuntimeError(f"{len(missing)} replication(s) have no result, e.g. {missing[0].part}")
    return parts


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
    """Policies ordered from best to worst on one metric, with the paired difference to the baseline."""
    rows = []
    for policy in policies:
        row = lookup(summary, market, policy, metric)
        revenue, cost = lookup(summary, market, policy, "revenue"), lookup(summary, market, policy, "cost")
        rows.append({"policy": policy, "metric": metric, "mean": row["mean"], "difference": row["difference"],
                     "paired_low": row["paired_low"], "paired_high": row["paired_high"],
                     "verdict": "baseline" if policy == baseline else verdict(row, metric),
                     "incremental_roi": math.nan if policy == baseline else
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


SERIES = ("share_passionate", "share_hostile", "customers", "cumulative_profit")


def over_time_table(parts: list[dict], market: str, baseline: str) -> pd.DataFrame:
    """Per policy and step: mean and 95% CI of each series, and the paired difference of cumulative profit."""
    chosen = [p for p in parts if p["market"] == market]
    base = {p["replication"]: np.asarray(p["series"]["cumulative_profit"]) for p in chosen if p["policy"] == baseline}
    rows = []
    for policy in dict.fromkeys(p["policy"] for p in chosen):
        runs = sorted((p for p in chosen if p["policy"] == policy), key=lambda p: p["replication"])
        steps = runs[0]["series"]["step"]
        block = {"policy": policy, "step": steps}
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


# --------------------------------------------------------------------------- plots


def _save(fig, path: Path) -> Path:
    import matplotlib.pyplot as plt

    with output.atomic_path(path) as temporary:
        fig.savefig(temporary, dpi=110, format="png")
    plt.close(fig)
    return path


def plot_over_time(over_time: pd.DataFrame, baseline: str, company: str, path: Path) -> Path:
    """Share passionate, cumulative profit and profit difference to the baseline, with 95% CI bands."""
    from .plots import plt  # pyplot with the Agg backend selected

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

    from .plots import plt

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
