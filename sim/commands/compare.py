"""`compare SCENARIO --policies FILE`: policies compared under common random numbers, with one report.

Every policy in the file is validated against every market scenario before anything runs. Jobs
(market, policy, replication) run in parallel; each finished one is kept in OUT/parts at once, so
Ctrl-C or a crash loses nothing finished and the same command with the same --out resumes. The
tables, plots and report.md are written last, each atomically, report.md at the very end.
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from .. import compare, output
from .. import scenario as scenarios
from ..cli import UsageError
from ..metrics import METRICS
from ..runner import default_workers

LABELS = {"share_passionate": "passionate", "share_hostile": "hostile", "churn": "churn", "referrals": "referrals",
          "revenue": "revenue", "cost": "cost", "profit": "profit", "roi": "ROI", "nps": "NPS-like",
          "customers": "customers", "market_share": "market share", "praise_per_warning": "praise/warning"}
PERCENT = {"share_passionate", "share_hostile", "churn", "market_share"}
MONEY = {"revenue", "cost", "profit"}


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser("compare", help="compare policies under common random numbers; one report")
    parser.add_argument("scenario", help="market scenario YAML file")
    parser.add_argument("--policies", required=True, help="policies YAML file (baseline and policies to compare)")
    parser.add_argument("--scenarios", nargs="+", default=[], metavar="SCENARIO",
                        help="further market scenarios for the robustness table")
    parser.add_argument("--replications", type=int, help="replications per policy (default: the scenario's if "
                        "above 1, else 20)")
    parser.add_argument("--workers", type=int, help="parallel processes (default: local cores)")
    parser.add_argument("--steps", type=int, help="steps per run (default: each scenario's)")
    parser.add_argument("--company", help="company whose results are compared (default: the focal company)")
    parser.add_argument("--metric", default="profit", help="metric for the ranking and regret (default: profit)")
    parser.add_argument("--out", help="output folder (default: results/compare/<scenario>/<run id>); "
                        "give the same folder again to resume")
    parser.add_argument("--quiet", action="store_true", help="no progress bar or table")
    parser.set_defaults(handler=main)


def main(args) -> int:
    markets = load_markets(args)
    company = args.company or markets[0].data["focal"]
    check_arguments(args, markets, company)
    policy_set = compare.load_policies(args.policies, markets)
    replications = args.replications or (markets[0].data["replications"] if markets[0].data["replications"] > 1
                                         else 20)
    if replications < 2:
        raise UsageError(f"--replications {replications}: expected at least 2 (a confidence interval needs two)")
    out = output_folder(args, markets[0])
    jobs = compare.plan_jobs(policy_set, replications, out / "parts", company, None)
    workers = args.workers or default_workers()
    try:
        ran, kept = compare.run_jobs(jobs, policy_set, company, None, workers, progress=not args.quiet)
    except KeyboardInterrupt:
        finished = sum(compare.read_part(job) is not None for job in jobs)
        print(f"{finished} of {len(jobs)} replications are kept in {out / 'parts'}; to resume, run the same "
              f"command with --out {out}")
        raise
    tables = build_tables(jobs, policy_set, markets, company, args.metric)
    write_results(out, tables, policy_set, markets, company, args.metric, replications, ran, kept)
    if not args.quiet:
        print_table(tables, policy_set, markets[0], company, args.metric, replications)
        print(f"report: {out / 'report.md'}" + (f" ({kept} replications reused from an earlier run)" if kept else ""))
    return 0


def load_markets(args) -> list[scenarios.Scenario]:
    """The main market scenario and any --scenarios, each validated (with --steps applied)."""
    overrides = [f"steps={args.steps}"] if args.steps is not None else []
    markets = [scenarios.load(path, overrides) for path in [args.scenario, *args.scenarios]]
    names = [m.name for m in markets]
    if len(set(names)) < len(names):
        raise UsageError(f"--scenarios: two market scenarios are named {names!r}; give each a distinct 'name:'")
    return markets


def check_arguments(args, markets, company: str) -> None:
    """Company, metric and counts make sense before anything runs."""
    for market in markets:
        if company not in market.data["companies"]:
            raise UsageError(f"--company {company}: {market.source} has no company of that name; expected one of "
                             f"{', '.join(market.data['companies'])}")
    if args.metric not in METRICS:
        raise UsageError(f"--metric {args.metric}: unknown metric" + scenarios.did_you_mean(args.metric, METRICS))
    if args.workers is not None and args.workers < 1:
        raise UsageError(f"--workers {args.workers}: expected at least 1")


def output_folder(args, market) -> Path:
    """--out or results/compare/<scenario>/<run id>; an existing folder must be an earlier comparison."""
    if not args.out:
        return Path("results") / "compare" / market.name / output.new_run_id(market.data["seed"])
    out = Path(args.out)
    if out.exists() and (not out.is_dir() or (any(out.iterdir()) and not (out / "parts").is_dir())):
        raise UsageError(f"--out {out}: exists and is not a comparison folder; choose another --out")
    return out


def build_tables(jobs, policy_set, markets, company: str, metric: str) -> dict[str, pd.DataFrame | None]:
    """All result tables, computed from the parts on disk."""
    parts = compare.load_parts(jobs)
    names, baseline, main_market = policy_set.names, policy_set.baseline, markets[0].name
    replication_rows = compare.replication_table(parts)
    metrics = tuple(dict.fromkeys([*compare.REPORTED, metric]))
    summary = compare.summary_table(replication_rows, [m.name for m in markets], names, baseline, metrics)
    return {
        "replications": replication_rows,
        "summary": summary,
        "ranking": compare.ranking_table(summary, main_market, names, baseline, metric),
        "robustness": compare.robustness_table(summary, [m.name for m in markets], names, metric)
        if len(markets) > 1 else None,
        "over_time": compare.over_time_table(parts, main_market, baseline),
    }


def write_results(out: Path, tables, policy_set, markets, company, metric, replications, ran, kept) -> None:
    """Tables, plots and manifest first, report.md last; each file atomically."""
    main_market = markets[0].name
    output.write_csv(out / "replications.csv", tables["replications"])
    output.write_csv(out / "summary.csv", tables["summary"])
    output.write_csv(out / "ranking.csv", tables["ranking"])
    output.write_csv(out / "over_time.csv", tables["over_time"])
    if tables["robustness"] is not None:
        output.write_csv(out / "robustness.csv", tables["robustness"])
    output.write_json(out / "summary.json", summary_json(tables, policy_set, markets, company, metric))
    compare.plot_over_time(tables["over_time"], policy_set.baseline, company, out / "over_time.png")
    shown = tuple(dict.fromkeys([metric, "share_passionate", "churn", "nps"]))
    compare.plot_differences(tables["summary"], main_market, policy_set.names, policy_set.baseline,
                             out / "differences.png", shown)
    output.write_json(out / "manifest.json", output.manifest(
        markets[0], policies_file=policy_set.source, policies={n: p.describe() for n, p in policy_set.policies.items()},
        baseline=policy_set.baseline, company=company, metric=metric, replications=replications,
        markets={m.name: m.source for m in markets}, runs_this_time=ran, runs_reused=kept,
        files=sorted(p.name for p in out.iterdir() if p.is_file()) + ["report.md"]))
    output.write_text(out / "report.md", render_report(tables, policy_set, markets, company, metric, replications))


def summary_json(tables, policy_set, markets, company, metric) -> dict:
    """The summary tables as JSON (null where a number is undefined, e.g. a no-op policy's narrowing)."""
    def records(frame):
        if frame is None:
            return None
        return [{k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in row.items()}
                for row in frame.to_dict("records")]

    return {"question": question(policy_set, markets[0], company), "company": company, "metric": metric,
            "baseline": policy_set.baseline, "markets": [m.name for m in markets],
            "policies": {n: p.describe() for n, p in policy_set.policies.items()},
            "paired_narrower_by": narrower_by(tables["summary"], markets[0].name, policy_set, metric),
            "summary": records(tables["summary"]), "ranking": records(tables["ranking"]),
            "robustness": records(tables["robustness"])}


# --------------------------------------------------------------------------- formatting


def number(metric: str, value: float, signed: bool = False) -> str:
    """A metric value as people read it: shares in %, differences of shares in percentage points, money."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    sign = "+" if signed else ""
    if metric in PERCENT:
        shown = _no_negative_zero(value * 100, 2 if signed else 1)
        return f"{shown:{sign},.2f} pp" if signed else f"{shown:.1f}%"
    if metric in MONEY or metric == "customers":
        return f"{_no_negative_zero(value, 0):{sign},.0f}"
    if metric == "referrals":
        return f"{_no_negative_zero(value, 1):{sign},.1f}"
    return f"{_no_negative_zero(value, 3):{sign}.3f}"


def _no_negative_zero(value: float, digits: int) -> float:
    """Round for display so that a tiny negative value reads 0, not -0."""
    return round(value, digits) + 0.0 if math.isfinite(value) else value


def interval(metric: str, low: float, high: float, signed: bool = False) -> str:
    if math.isnan(low):
        return "[n/a]"
    return f"[{number(metric, low, signed)}, {number(metric, high, signed)}]"


def difference_text(metric: str, row) -> str:
    """A paired difference and its interval, e.g. '+1,197 [+907, +1,488]'."""
    return f"{number(metric, row['difference'], True)} {interval(metric, row['paired_low'], row['paired_high'], True)}"


def narrower_by(summary: pd.DataFrame, market: str, policy_set, metric: str) -> float | None:
    """Median over the non-baseline policies of how many times narrower the paired interval is."""
    rows = summary[(summary["scenario"] == market) & (summary["metric"] == metric)
                   & (summary["policy"] != policy_set.baseline)]
    finite = rows["narrower_by"][rows["narrower_by"].map(math.isfinite)]
    return float(finite.median()) if len(finite) else None


def question(policy_set, market, company: str) -> str:
    return policy_set.question or (f"Which of these policies serves {company} best in the market "
                                   f"'{market.name}', by how much, and how sure are we?")


def print_table(tables, policy_set, market, company, metric, replications) -> None:
    """The ranking with paired differences, in a few lines on stdout."""
    summary, name = tables["summary"], market.name
    print(f"\n{market.name}: {company}, {replications} replications x {market.data['steps']} steps per policy, "
          "common random numbers")
    header = f"{'rank':>4}  {'policy':<28}{LABELS[metric]:>14}   {'vs baseline (paired 95% CI)':<36}{'passionate':>12}"
    print(header)
    for _, row in tables["ranking"].iterrows():
        diff = compare.lookup(summary, name, row["policy"], metric)
        fans = compare.lookup(summary, name, row["policy"], "share_passionate")
        change = "baseline" if row["policy"] == policy_set.baseline else difference_text(metric, diff)
        print(f"{row['rank']:>4}  {row['policy']:<28}{number(metric, row['mean']):>14}   {change:<36}"
              f"{number('share_passionate', fans['mean']):>12}")
    factor = narrower_by(summary, name, policy_set, metric)
    if factor:
        print(f"paired intervals of {LABELS[metric]} differences are {factor:.1f} times narrower than independent "
              "seeds would give (median over policies)")
    if tables["robustness"] is not None:
        best = tables["robustness"].iloc[0]
        print(f"most robust across the {len(tables['robustness'].columns) // 2 - 1} market scenarios: "
              f"{best['policy']} (worst regret {number(metric, best['max_regret'])})")


def render_report(tables, policy_set, markets, company, metric, replications) -> str:
    """One Markdown report a manager can read, with relative links to the PNGs beside it."""
    market, summary, baseline = markets[0], tables["summary"], policy_set.baseline
    seed = market.data["seed"]
    lines = [f"# Policy comparison: {company} in '{market.name}'", "",
             f"**Question.** {question(policy_set, market, company)}", "",
             f"**Market.** {(market.data['description'] or market.name).rstrip('.')} "
             f"({market.data['customers']:,} people, "
             f"{market.data['steps']} steps, companies {', '.join(market.data['companies'])}; file "
             f"`{market.source}`).", "",
             f"**Method.** Each policy was run {replications} times. Replication i of every policy uses the same "
             f"seed ({seed + 0} to {seed + replications - 1}), so the policies meet the same customers, network "
             "and chance events (common random numbers) and each difference to the baseline is taken "
             "replication by replication. Intervals are 95% t-intervals over replications.", "",
             "## Policies", "", "| policy | what changes |", "| --- | --- |"]
    for name, policy in policy_set.policies.items():
        lines.append(f"| {name}{' (baseline)' if name == baseline and name != 'baseline' else ''} | "
                     f"{policy.describe()} |")
    lines += _outcomes_section(summary, market.name, policy_set)
    lines += _differences_section(summary, market.name, policy_set, metric)
    lines += _ranking_section(tables["ranking"], metric, baseline)
    lines += ["", "## Over time", "",
              "Mean over replications with 95% confidence bands; the right panel is each policy's cumulative profit "
              "minus the baseline's in the same replication.", "", "![over time](over_time.png)", "",
              "![differences to baseline](differences.png)"]
    if tables["robustness"] is not None:
        lines += _robustness_section(tables["robustness"], markets, metric)
    lines += ["", "## Files", "",
              "`replications.csv` (one row per scenario, policy and replication), `summary.csv` / `summary.json` "
              "(means, intervals, differences), `ranking.csv`, `over_time.csv`"
              + (", `robustness.csv`" if tables["robustness"] is not None else "")
              + ", `manifest.json` (scenarios as resolved, versions, command), `parts/` (one file per replication).",
              ""]
    return "\n".join(lines)


def _outcomes_section(summary, market, policy_set) -> list[str]:
    shown = compare.REPORTED
    lines = ["", "## Outcomes (mean and 95% CI over replications)", "",
             "| policy | " + " | ".join(LABELS[m] for m in shown) + " |", "| --- |" + " --- |" * len(shown)]
    for name in policy_set.names:
        cells = []
        for metric in shown:
            row = compare.lookup(summary, market, name, metric)
            cells.append(f"{number(metric, row['mean'])} {interval(metric, row['ci_low'], row['ci_high'])}")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    lines += ["", "Passionate and hostile: share of the company's customers at the end. Churn: customers lost per "
              "customer at the start. Referrals: customers won by recommendation. NPS-like: share passionate minus "
              "share disengaged and hostile. ROI: profit per unit of cost."]
    return lines


def _differences_section(summary, market, policy_set, metric) -> list[str]:
    shown = ("share_passionate", "share_hostile", "churn", "referrals", "revenue", "cost", "profit", "nps")
    baseline = policy_set.baseline
    named = f" ({baseline})" if baseline != "baseline" else ""
    lines = ["", f"## Differences to the baseline{named}, paired 95% CI", "",
             "Bold: the interval excludes zero, so the difference is clear at these replications.", "",
             "| policy | " + " | ".join(LABELS[m] for m in shown) + " | incremental ROI |",
             "| --- |" + " --- |" * (len(shown) + 1)]
    for name in policy_set.names:
        if name == baseline:
            continue
        cells = []
        for m in shown:
            row = compare.lookup(summary, market, name, m)
            text = difference_text(m, row)
            cells.append(f"**{text}**" if row["paired_low"] > 0 or row["paired_high"] < 0 else text)
        revenue, cost = (compare.lookup(summary, market, name, m)["difference"] for m in ("revenue", "cost"))
        roi = compare.incremental_roi(revenue, cost)
        cells.append(f"{roi:.2f}" if math.isfinite(roi) else ("saves cost" if cost < 0 else "no extra cost"))
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    lines += ["", "Incremental ROI = (extra revenue - extra cost) / extra cost, for policies that cost more than the "
              "baseline.", "", f"### How much pairing helps ({LABELS[metric]})", "",
              "| policy | difference | paired 95% CI | independent seeds 95% CI | paired is narrower by |",
              "| --- | --- | --- | --- | --- |"]
    for name in policy_set.names:
        if name == baseline:
            continue
        row = compare.lookup(summary, market, name, metric)
        factor = row["narrower_by"]
        lines.append(f"| {name} | {number(metric, row['difference'], True)} | "
                     f"{interval(metric, row['paired_low'], row['paired_high'], True)} | "
                     f"{interval(metric, row['independent_low'], row['independent_high'], True)} | "
                     + (f"{factor:.1f}x" if math.isfinite(factor) else "exact (zero difference in every replication)")
                     + " |")
    factor = narrower_by(summary, market, policy_set, metric)
    if factor:
        lines += ["", f"**The paired interval is {factor:.1f} times narrower** (median over policies) than the "
                  "interval the same number of runs with independent seeds would give (Welch interval from each "
                  "policy's own spread), i.e. independent seeds would need about "
                  f"{factor ** 2:,.0f} times as many replications for the same precision."]
    return lines


def _ranking_section(ranking, metric, baseline) -> list[str]:
    lines = ["", f"## Ranking by {LABELS[metric]}", "",
             f"| rank | policy | {LABELS[metric]} | vs baseline (paired 95% CI) | verdict |",
             "| --- | --- | --- | --- | --- |"]
    for _, row in ranking.iterrows():
        change = "" if row["policy"] == baseline else difference_text(metric, row)
        lines.append(f"| {row['rank']} | {row['policy']} | {number(metric, row['mean'])} | {change} "
                     f"| {row['verdict']} |")
    best = ranking.iloc[0]
    lines += ["", f"Best on {LABELS[metric]}: **{best['policy']}** ({best['verdict']})."]
    return lines


def _robustness_section(robustness, markets, metric) -> list[str]:
    names = [m.name for m in markets]
    lines = ["", f"## Robustness across market scenarios ({LABELS[metric]})", "",
             "Each cell: the policy's mean outcome in that market, and in brackets its regret, how far it falls "
             "short of the best policy in that market (0 = best there). Sorted by worst regret.", "",
             "| policy | " + " | ".join(names) + " | worst regret |", "| --- |" + " --- |" * (len(names) + 1)]
    for _, row in robustness.iterrows():
        cells = [f"{number(metric, row[n])} ({number(metric, row[f'{n}_regret'])})" for n in names]
        lines.append(f"| {row['policy']} | " + " | ".join(cells) + f" | {number(metric, row['max_regret'])} |")
    lines += ["", "Markets: " + "; ".join(f"**{m.name}** ({m.data['description'] or m.source})" for m in markets) + ".",
              "", f"Most robust (smallest worst-case regret): **{robustness.iloc[0]['policy']}**."]
    return lines
