"""The comparison's report: a few lines on the terminal, report.md, summary.json and the formatting of numbers."""

from __future__ import annotations

import math

import pandas as pd

from .statistics import incremental_roi
from .tables import REPORTED, lookup

LABELS = {"share_passionate": "passionate", "share_hostile": "hostile", "churn": "churn", "referrals": "referrals",
          "revenue": "revenue", "cost": "cost", "profit": "profit", "roi": "ROI", "nps": "NPS-like",
          "customers": "customers", "market_share": "market share", "praise_per_warning": "praise/warning"}
PERCENT = {"share_passionate", "share_hostile", "churn", "market_share"}
MONEY = {"revenue", "cost", "profit"}


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


def roi_text(summary, market: str, policy: str) -> str:
    """The incremental ROI of a policy as a reader should take it: a number only where it means something."""
    revenue, cost, profit = (lookup(summary, market, policy, m) for m in ("revenue", "cost", "profit"))
    if not (profit["paired_low"] > 0 or profit["paired_high"] < 0):
        return "n/a: profit difference not clear"
    if cost["difference"] <= 0:
        return "saves cost" if cost["difference"] < 0 else "no extra cost"
    return f"{incremental_roi(revenue['difference'], cost['difference']):.2f}"


def print_table(tables, policy_set, market, company, metric, replications) -> None:
    """The ranking with paired differences, in a few lines on stdout."""
    summary, name = tables["summary"], market.name
    print(f"\n{market.name}: {company}, {replications} replications x {market.data['steps']} steps per policy, "
          "common random numbers")
    header = (f"{'rank':>4}  {'policy':<28}{LABELS[metric]:>14}   {'vs baseline (paired 95% CI)':<36}"
              f"{'passionate':>12}   incremental ROI")
    print(header)
    for _, row in tables["ranking"].iterrows():
        diff = lookup(summary, name, row["policy"], metric)
        fans = lookup(summary, name, row["policy"], "share_passionate")
        baseline = row["policy"] == policy_set.baseline
        change = "baseline" if baseline else difference_text(metric, diff)
        roi = "" if baseline else roi_text(summary, name, row["policy"])
        print(f"{row['rank']:>4}  {row['policy']:<28}{number(metric, row['mean']):>14}   {change:<36}"
              f"{number('share_passionate', fans['mean']):>12}   {roi}")
    factor = narrower_by(summary, name, policy_set, metric)
    if factor:
        print(f"paired intervals of {LABELS[metric]} differences are {factor:.1f} times narrower than independent "
              "seeds would give (median over policies)")
    if tables["robustness"] is not None:
        best = tables["robustness"].iloc[0]
        print(f"most robust across the {len(tables['robustness'].columns) // 2 - 1} market scenarios: "
              f"{best['policy']} (worst regret {number(metric, best['max_regret'])})")


def render_report(tables, policy_set, markets, company, metric, replications, extra: list[str] | None = None) -> str:
    """One Markdown report a manager can read, with relative links to the PNGs beside it.

    `extra`: Markdown lines of a further section, placed after the ranking (`--posterior` adds one).
    """
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
    lines += extra or []
    lines += ["", "## Over time", "",
              f"One row per market ({', '.join(m.name for m in markets)}): mean over replications with 95% "
              "confidence bands; the right-hand panel is each policy's cumulative profit minus the baseline's in "
              "the same replication. What to see: where a band stays clear of zero, and whether the policies keep "
              "their order in every market.", "", "![over time](over_time.png)", "",
              f"Differences to the baseline in '{market.name}' at the end of the run: a blue bar (paired interval) "
              "that does not cross zero is a clear difference; the grey bar shows how much wider the interval would "
              "be without common random numbers.", "", "![differences to baseline](differences.png)"]
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
    shown = REPORTED
    lines = ["", "## Outcomes (mean and 95% CI over replications)", "",
             "| policy | " + " | ".join(LABELS[m] for m in shown) + " |", "| --- |" + " --- |" * len(shown)]
    for name in policy_set.names:
        cells = []
        for metric in shown:
            row = lookup(summary, market, name, metric)
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
            row = lookup(summary, market, name, m)
            text = difference_text(m, row)
            cells.append(f"**{text}**" if row["paired_low"] > 0 or row["paired_high"] < 0 else text)
        cells.append(roi_text(summary, market, name))
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    lines += ["", "Incremental ROI = (extra revenue - extra cost) / extra cost, shown only where the policy costs more "
              "than the baseline and its profit difference is clear (the paired interval excludes zero): a ratio of "
              "two uncertain differences would otherwise look more certain than it is.", "",
              f"### How much pairing helps ({LABELS[metric]})", "",
              "| policy | difference | paired 95% CI | independent seeds 95% CI | paired is narrower by |",
              "| --- | --- | --- | --- | --- |"]
    for name in policy_set.names:
        if name == baseline:
            continue
        row = lookup(summary, market, name, metric)
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
