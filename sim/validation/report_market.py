"""Section 2 of validation.md, "The market at rest": the baseline's focal company and the industry markets
after their burn-in, each figure next to its band and source (at_rest.BANDS, the scenario files' headers),
the burn-in's design and measured cost, and the checks this section hands to the summary table.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..levels import LEVELS
from ..parameters import SCHEMA
from .at_rest import BANDS, YEAR
from .figures_market import figure_at_rest
from .market_runs import MarketAtRest
from .report_format import Check, band, caption, days, inside, markdown_table, pct, points, ratio, times, verdict

if TYPE_CHECKING:
    from .report import Results

SECTION = "2. market at rest"

# BANDS key -> (what it is, how to show it)
FIGURES = {
    "passionate": ("passionate share (year 1)", pct),
    "involved": ("involved share (year 1)", pct),
    "indifferent": ("indifferent share (year 1)", pct),
    "disengaged_or_hostile": ("disengaged + hostile share (year 1)", pct),
    "hostile": ("hostile share (year 1)", pct),
    "churn": ("yearly churn (leavers per customer a year)", pct),
    "disengaged_vs_involved_leaving": ("leaving rate of the disengaged / of the involved", times),
    "hostile_vs_involved_leaving": ("leaving rate of the hostile / of the involved", times),
    "praise_per_warning": ("praise : warnings about the company", ratio),
    "referrals_per_customer": ("referrals (customers won per customer a year)", pct),
    "median_fan_spell_days": ("median spell as a fan (Kaplan-Meier)", days),
    "margin": ("profit margin (profit / revenue)", pct),
    "level_drift": ("largest move of a level share, year 1 to the last year", points),
    "start_vs_year": ("largest move of a level share, step 0 to step 365", points),
}
MARKET_NAMES = {"baseline": "baseline", "markets/uk_retail_bank": "UK retail bank",
                "markets/mobile_operator": "mobile operator"}
BURN_IN_DEFAULT = SCHEMA["burn_in"].default
SHARE_TOLERANCE = 0.05  # a share within 5 points of a published point figure counts as matching it


def band_of(key: str) -> str:
    low, high, _ = BANDS[key]
    return band(low, high, FIGURES[key][1])


def in_band(key: str, value: float) -> bool:
    low, high, _ = BANDS[key]
    return inside(value, low, high)


def industry_rows(name: str, market: MarketAtRest) -> list[dict]:
    """The figures an industry market is set against in its scenario file, with the published figure."""
    checked = market.mean_checked()
    if name == "markets/uk_retail_bank":
        return [
            {"figure": "passionate share", "ours": pct(checked["passionate"]), "published": "about 15% fully engaged",
             "source": "Gallup, UK retail banks", "rule": "within 5 points",
             "inside": abs(checked["passionate"] - 0.15) <= SHARE_TOLERANCE, "value": checked["passionate"],
             "target": 0.15},
            {"figure": "disengaged + hostile share", "ours": pct(checked["disengaged_or_hostile"]),
             "published": "about 38% actively disengaged", "source": "Gallup, UK retail banks",
             "rule": "within 5 points", "inside": abs(checked["disengaged_or_hostile"] - 0.38) <= SHARE_TOLERANCE,
             "value": checked["disengaged_or_hostile"], "target": 0.38},
            {"figure": "yearly churn", "ours": pct(checked["churn"]), "published": "4% to 10% a year",
             "source": "current-account switching (CMA 2016)", "rule": "in the band",
             "inside": inside(checked["churn"], 0.04, 0.10), "value": checked["churn"], "target": None},
        ]
    if name == "markets/mobile_operator":
        monthly = checked["churn"] / 12
        balance = checked["passionate"] / max(checked["disengaged_or_hostile"], 1e-9)
        return [
            {"figure": "monthly churn (yearly / 12)", "ours": pct(monthly, 2), "published": "about 0.8% a month",
             "source": "post-paid operators' reports 2015-2019", "rule": "0.5% to 1.1% a month",
             "inside": inside(monthly, 0.005, 0.011), "value": monthly, "target": 0.008},
            {"figure": "passionate per disengaged + hostile", "ours": ratio(balance),
             "published": "about 0.8:1 on average (8:1 at the best companies)", "source": "Gallup",
             "rule": "0.5:1 to 2:1", "inside": inside(balance, 0.5, 2.0), "value": balance, "target": 0.8},
        ]
    return []


def checks(results: Results) -> list[Check]:
    """The baseline's figures against every band, the industry markets against their sources, the burn-in."""
    rows = []
    baseline = results.rest["baseline"]
    mean = baseline.mean_checked()
    for key, (label, show) in FIGURES.items():
        rows.append(Check(SECTION, f"baseline: {label}", show(mean[key]), band_of(key),
                          BANDS[key][2], in_band(key, mean[key])))
    for name, market in results.rest.items():
        if name == "baseline":
            continue
        title = MARKET_NAMES.get(name, name)
        for row in industry_rows(name, market):
            rows.append(Check(SECTION, f"{title}: {row['figure']}", row["ours"], f"{row['published']} "
                              f"({row['rule']})", row["source"], bool(row["inside"])))
        outside = [key for key, value in market.mean_checked().items() if key in BANDS and not in_band(key, value)]
        listed = ", ".join(f"{FIGURES[key][0]} {FIGURES[key][1](market.mean_checked()[key])}" for key in outside)
        rows.append(Check(SECTION, f"{title}: the brief's bands for any market",
                          f"{len(BANDS) - len(outside)} of {len(BANDS)} inside" + (f"; outside: {listed}" if listed
                                                                                     else ""),
                          "every band above", "the brief, 'A believable world'", not outside))
    rows.append(Check(SECTION, "baseline: cost of the burn-in", f"{baseline.burn_in_seconds:.1f} s for "
                      f"{baseline.burn_in_steps} steps vs {baseline.seconds_per_recorded_year:.1f} s for a recorded "
                      f"year", "-", "measured in this run", None))
    return rows


def quoted(text: str) -> str:
    """Lines as a Markdown block quote."""
    return "\n".join(f"> {line}" if line else ">" for line in text.splitlines())


def seed_text(market: MarketAtRest) -> str:
    seeds = market.seeds
    return f"seed {seeds[0]}" if len(seeds) == 1 else f"seeds {', '.join(map(str, seeds))}"


COSTS = {"cost_serving": "serving customers (per customer a day)", "cost_service": "service touchpoints",
         "cost_complaints": "complaint handling and listening", "cost_programmes": "programmes",
         "cost_advertising": "advertising"}


def size_text(market: MarketAtRest) -> str:
    changed = ", ".join(f"{key} {value:,}" if isinstance(value, int) else f"{key} {value}"
                        for key, value in market.overrides.items())
    return f" with {changed}" if changed else ""


def bands_table(market: MarketAtRest) -> str:
    """Every checked figure of one market: mean over seeds, range, band, source, inside."""
    mean = market.mean_checked()
    rows = []
    for key, (label, show) in FIGURES.items():
        low, high = market.spread(key)
        rows.append({"figure": label, "ours": show(mean[key]),
                     "range over seeds": "-" if len(market.seeds) == 1 else f"{show(low)} to {show(high)}",
                     "band": band_of(key), "source": BANDS[key][2], "inside?": verdict(in_band(key, mean[key]))})
    return markdown_table(pd.DataFrame(rows))


def stationarity_table(market: MarketAtRest) -> str:
    """Level shares at step 0, year by year and at step 365 (means over seeds), with the two moves."""
    rows = []
    for level in LEVELS:
        years = market.by_year(level)
        start, a_year_on = market.mean_of("shares_step0", level), market.mean_of("shares_step365", level)
        rows.append({"level": level, "step 0": pct(start),
                     **{f"year {y + 1} (mean)": pct(value) for y, value in enumerate(years)},
                     "step 365": pct(a_year_on), "year 1 to last": points(years[-1] - years[0]),
                     "step 0 to step 365": points(a_year_on - start)})
    return markdown_table(pd.DataFrame(rows))


def leaving_table(market: MarketAtRest) -> str:
    leaving = {level: float(np.mean([run["leaving_per_year"][level] for run in market.runs])) for level in LEVELS}
    involved = max(leaving["involved"], 1e-9)
    frame = pd.DataFrame([{"level": level, "leavers per customer-year": f"{value:.3f}",
                           "times the involved": times(value / involved)} for level, value in leaving.items()])
    return markdown_table(frame)


def money_table(market: MarketAtRest) -> str:
    costs = {key: float(np.mean([run["cost_shares"][key] for run in market.runs])) for key in market.runs[0]
             ["cost_shares"]}
    margin = market.mean_checked()["margin"]
    rows = [{"item": COSTS.get(key, key), "share of revenue": pct(value, 2)} for key, value in costs.items()]
    rows.append({"item": "profit margin", "share of revenue": pct(margin, 1)})
    return markdown_table(pd.DataFrame(rows))


PANEL_OF = {"passionate share": "passionate", "disengaged + hostile share": "disengaged + hostile"}


def published_points(rows: list[dict]) -> dict[str, tuple[float, str]]:
    """Published point figures to draw on the level panels: panel -> (share, label)."""
    return {PANEL_OF[row["figure"]]: (row["target"], f"{row['source']}: {pct(row['target'], 0)}")
            for row in rows if row["figure"] in PANEL_OF and row["target"] is not None}


def at_rest_caption(market: MarketAtRest, rows: list[dict] | None = None) -> str:
    """What to see in a market's level-share figure, from its numbers: the largest drift, and the published points."""
    moves = {level: market.by_year(level)[-1] - market.by_year(level)[0] for level in LEVELS}
    level = max(moves, key=lambda key: abs(moves[key]))
    flat = "nearly flat" if abs(moves[level]) <= BANDS["level_drift"][1] else "not flat"
    text = (f"What to see: the yearly means are {flat}; the largest move from year 1 to year {market.years} is the "
            f"{level} share, {points(moves[level])} (the brief allows {points(BANDS['level_drift'][1])}). Grey: the "
            "brief's band (involved and indifferent have only a floor, disengaged alone has none); shading: the "
            "range over seeds; dotted lines: year boundaries.")
    marked = [row for row in rows or [] if row["figure"] in PANEL_OF and row["target"] is not None]
    if marked:
        text += " Dashed: " + "; ".join(f"the published {row['figure']} ({pct(row['target'], 0)}), ours "
                                        f"{row['ours']}" for row in marked) + "."
    return text


def largest_cost(market: MarketAtRest) -> str:
    costs = {key: float(np.mean([run["cost_shares"][key] for run in market.runs])) for key in market.runs[0]
             ["cost_shares"]}
    key = max(costs, key=costs.get)
    return f"{COSTS.get(key, key)}, {pct(costs[key])} of revenue"


def load_text(rest: dict[str, MarketAtRest]) -> str:
    """The machine's load when the timings were taken: other work on the cores slows every figure alike."""
    loads = [market.load_average for market in rest.values() if np.isfinite(market.load_average)]
    cores = max((market.cores for market in rest.values()), default=0)
    if not loads:
        return "load not recorded"
    return (f"load average {min(loads):.1f} to {max(loads):.1f} on {cores} cores while they were taken, so the "
            "ratios mean more than the seconds")


def burn_in_table(rest: dict[str, MarketAtRest]) -> str:
    rows = []
    for name, market in rest.items():
        per_step_burn = market.burn_in_seconds / max(market.burn_in_steps, 1)
        per_step_recorded = market.seconds_recorded / (market.years * YEAR)
        rows.append({"market": MARKET_NAMES.get(name, name), "customers": f"{market.customers:,}",
                     "burn-in steps": f"{market.burn_in_steps:,}",
                     "building the model, with burn-in": f"{market.seconds_build:.2f} s",
                     "without": f"{market.seconds_build_without:.2f} s",
                     "burn-in": f"{market.burn_in_seconds:.2f} s",
                     "a recorded year": f"{market.seconds_per_recorded_year:.2f} s",
                     "burn-in / recorded year": f"{market.burn_in_seconds / market.seconds_per_recorded_year:.2f}",
                     "ms per step, burn-in / recorded": f"{1e3 * per_step_burn:.2f} / {1e3 * per_step_recorded:.2f}"})
    return markdown_table(pd.DataFrame(rows))


def differences(name: str, market: MarketAtRest) -> str:
    """Plain sentences for every figure of an industry market that misses its source or a band."""
    sentences = []
    for row in industry_rows(name, market):
        if row["inside"]:
            continue
        if row["target"] is not None:
            direction = "below" if row["value"] < row["target"] else "above"
            sentences.append(f"the {row['figure']} is {row['ours']}, {direction} the published {row['published']}")
        else:
            sentences.append(f"the {row['figure']} is {row['ours']}, outside the published {row['published']}")
    mean = market.mean_checked()
    for key, (label, show) in FIGURES.items():
        if not in_band(key, mean[key]):
            sentences.append(f"the {label} is {show(mean[key])}, outside the brief's band ({band_of(key)})")
    if not sentences:
        return "Every figure is within its source and every band of the brief."
    return "Where it differs: " + "; ".join(sentences) + "."


def section(results: Results, folder: Path, prefix: str) -> str:
    baseline = results.rest["baseline"]
    burn_ins = ", ".join(f"{MARKET_NAMES.get(name, name)} {market.burn_in_steps:,}" for name, market in
                         results.rest.items())
    mean = baseline.mean_checked()
    figure = figure_at_rest(baseline, "at_rest_baseline", "baseline, focal company: level shares after the burn-in",
                            folder, prefix)
    outside = [FIGURES[key][0] for key in FIGURES if not in_band(key, mean[key])]
    verdict_text = ("every figure is inside its band" if not outside else
                    "outside their bands: " + "; ".join(outside))
    parts = [f"""## 2. The market at rest

A run starts from a market at rest. Before step 0 the model runs `burn_in` steps (the parameter's default
is {BURN_IN_DEFAULT:,}; here {burn_ins}), numbered -`burn_in` to -1, which are neither recorded
nor counted: no timeseries rows, money, metrics or transitions. Interventions start at step 0 or later, so
none acts in the burn-in, and the burn-in draws from random streams of its own (`burn_in/<mechanism>`), so
the recorded steps draw exactly what they would without it and every policy compared on a market starts
from the same state (sim/model.py, `EngagementModel.burn_in`). Its cost, measured in this run (wall-clock on
this machine, mean over the seeds below; "without" is the same model built with `burn_in: 0`;
{load_text(results.rest)}):

{burn_in_table(results.rest)}

### The baseline

scenarios/baseline.yaml{size_text(baseline)}, focal company, {seed_text(baseline)}, {baseline.years} years
after the burn-in without interventions (`sim.validation.at_rest.measure`). Shares are of the company's
customers, averaged over year 1 unless the row says otherwise; "inside?" is judged on the mean over seeds.
In short: {verdict_text}. "Last year" is year {baseline.years}.

{bands_table(baseline)}

Level shares year by year (means over seeds): a market at rest moves by at most 2 points from year 1 to
year {baseline.years}, and step 365 is within 3 points of step 0.

{stationarity_table(baseline)}

{figure}

{caption(at_rest_caption(baseline))}

Who leaves: leavers per customer-year of each level (a leaver counts at their level when they left), over
all {baseline.years} years and seeds.

{leaving_table(baseline)}

Money: each cost as a share of revenue, over the {baseline.years} years (mean over seeds); the largest is
{largest_cost(baseline)}. Every lever has its cost in the scenario's parameters (`companies.NAME.costs`).

{money_table(baseline)}
"""]
    for name, market in results.rest.items():
        if name == "baseline":
            continue
        title = MARKET_NAMES.get(name, name)
        safe = name.split("/")[-1]
        sources = markdown_table(pd.DataFrame([{key: row[key] for key in ("figure", "ours", "published", "source",
                                                                             "rule")}
                                               | {"inside?": verdict(row["inside"])}
                                               for row in industry_rows(name, market)]))
        parts.append(f"""### Industry market: {title}

scenarios/{name}.yaml{size_text(market)}, focal company, {seed_text(market)}, {market.years} years after a
burn-in of {market.burn_in_steps:,} steps. The file's header, which gives its sources:

{quoted(market.source)}

Against its sources (a share within {SHARE_TOLERANCE * 100:.0f} points of a published point figure counts as
matching it):

{sources}

Against the brief's bands for any market:

{bands_table(market)}

{differences(name, market)}

{figure_at_rest(market, f"at_rest_{safe}", f"{title}, focal company: level shares after the burn-in", folder,
                prefix, published_points(industry_rows(name, market)))}

{caption(at_rest_caption(market, industry_rows(name, market)))}
""")
    return "\n".join(parts)
