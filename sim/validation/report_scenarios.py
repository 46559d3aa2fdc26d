"""Section 3 of validation.md, "The scenarios do what their names say": hostile_cascade against its twin
without the viral complaint and with the company listening, high_failure against the baseline, and
fan_programme with and without its programmes; with the checks this section hands to the summary table.
The runs are in market_runs.scenario_checks (over sim.validation.scenarios, which tests/test_market.py
asserts).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .figures_market import figure_cascade
from .report_format import Check, caption, markdown_table, pct, times

if TYPE_CHECKING:
    from .market_runs import ScenarioChecks
    from .report import Results

SECTION = "3. scenarios"


def mean(rows: list[dict], key: str) -> float:
    return float(np.mean([row[key] for row in rows]))


def seeds_of(rows: list[dict]) -> str:
    seeds = [row["seed"] for row in rows]
    return f"seed {seeds[0]}" if len(seeds) == 1 else f"seeds {', '.join(map(str, seeds))}"


def cascade_verdicts(rows: list[dict]) -> dict[str, bool]:
    """Per claim of the issue, does it hold on every seed?"""
    return {
        "at least twice the level before, and at least 5%":
            all(r["after_90"] >= 2 * r["before"] and r["after_90"] >= 0.05 for r in rows),
        "the twin without the viral complaint stays lower": all(r["twin_without_viral_after_90"] < r["after_90"]
                                                                for r in rows),
        "listening at 0.8 slows it": all(r["listening_0.8_after_90"] < r["after_90"] for r in rows),
        "warnings reach people who were never its customers": all(r["never_customers_warned"] > 0 for r in rows),
    }


def checks(results: Results) -> list[Check]:
    found: ScenarioChecks = results.scenarios
    rows, seeds = found.cascade, seeds_of(found.cascade)
    holds = cascade_verdicts(rows)
    out = [
        Check(SECTION, "hostile_cascade: hostile share 90 days after the viral complaint",
              f"{pct(mean(rows, 'before'))} before, {pct(mean(rows, 'after_90'))} after ({seeds})",
              "at least twice the level before, and at least 5%", "issue 11", holds[
                  "at least twice the level before, and at least 5%"]),
        Check(SECTION, "hostile_cascade: twin without the viral complaint, 90 days on",
              pct(mean(rows, "twin_without_viral_after_90")), "lower than with it", "common random numbers",
              holds["the twin without the viral complaint stays lower"]),
        Check(SECTION, "hostile_cascade: the company listening at 0.8, 90 days on",
              pct(mean(rows, "listening_0.8_after_90")), "lower than without listening", "issue 11",
              holds["listening at 0.8 slows it"]),
        Check(SECTION, "hostile_cascade: never-customers who heard a warning",
              f"{mean(rows, 'never_customers_warned'):,.0f} people", "more than none", "issue 11",
              holds["warnings reach people who were never its customers"]),
    ]
    failure = found.high_failure
    ratios = [r["churn_high_failure"] / r["churn_baseline"] for r in failure]
    spread = (times(min(ratios)) if times(min(ratios)) == times(max(ratios))
              else f"{times(min(ratios))} to {times(max(ratios))}")
    out.append(Check(SECTION, "high_failure vs baseline: churn ratio", f"{spread} ({seeds_of(failure)})",
                     "at least 1.3x", "issue 11", all(x >= 1.3 for x in ratios)))
    out.append(Check(SECTION, "high_failure vs baseline: NPS-like index",
                     f"{mean(failure, 'nps_high_failure'):+.3f} vs {mean(failure, 'nps_baseline'):+.3f}",
                     "lower", "issue 11", all(r["nps_high_failure"] < r["nps_baseline"] for r in failure)))
    fans = found.fan_programme
    out.append(Check(SECTION, "fan_programme: passionate share a year on",
                     f"{pct(mean(fans, 'passionate_with_programme'))} with, {pct(mean(fans, 'passionate_without'))} "
                     f"without", "more with the programmes", "issue 11",
                     all(r["passionate_with_programme"] > r["passionate_without"] for r in fans)))
    return out


def scenario_data(name: str) -> dict:
    from ..scenario import resolve

    return resolve(name).data


def viral_share() -> float:
    """The share of the focal company's customers the viral complaint of hostile_cascade makes angry."""
    return float(scenario_data("hostile_cascade")["interventions"][0]["viral_complaint"])


def description(name: str) -> str:
    return scenario_data(name)["description"].rstrip(".")


def programmes_text() -> str:
    """The fan programme's interventions, e.g. 'appreciation for the involved from step 30, ...'."""
    events = scenario_data("fan_programme")["interventions"]
    return ", ".join(f"{event.get('name') or event.get('start')} from step {event['at']}" for event in events)


def size_text(overrides: dict) -> str:
    return (" with " + ", ".join(f"{k} {v:,}" if isinstance(v, int) else f"{k} {v}" for k, v in overrides.items())
            if overrides else "")


def section(results: Results, folder: Path, prefix: str) -> str:
    found: ScenarioChecks = results.scenarios
    rows = found.cascade
    at = found.viral_at
    cascade = pd.DataFrame([{
        "seed": r["seed"], "hostile before": pct(r["before"]), "90 days after": pct(r["after_90"]),
        "after / before": times(r["after_90"] / r["before"]) if r["before"] else "-",
        "twin without the complaint": pct(r["twin_without_viral_after_90"]),
        "listening 0.8": pct(r["listening_0.8_after_90"]),
        "warnings to never-customers": f"{r['warnings_to_never_customers']:,}",
        "never-customers warned": f"{r['never_customers_warned']:,}",
        "their identification with the brand (twin)": f"{r['identification_of_never_customers']:+.3f} "
                                                      f"({r['identification_of_never_customers_twin']:+.3f})"}
        for r in rows])
    holds = cascade_verdicts(rows)
    claims = "; ".join(f"{claim}: {'yes' if ok else '**no**'}" for claim, ok in holds.items())
    failure = pd.DataFrame([{
        "seed": r["seed"], "churn, baseline": pct(r["churn_baseline"]),
        "churn, high_failure": pct(r["churn_high_failure"]),
        "ratio": times(r["churn_high_failure"] / r["churn_baseline"]),
        "NPS-like, baseline": f"{r['nps_baseline']:+.3f}", "NPS-like, high_failure": f"{r['nps_high_failure']:+.3f}"}
        for r in found.high_failure])
    fans = pd.DataFrame([{
        "seed": r["seed"], "passionate, with the programmes": pct(r["passionate_with_programme"]),
        "without": pct(r["passionate_without"]),
        "difference": f"{100 * (r['passionate_with_programme'] - r['passionate_without']):+.1f} points"}
        for r in found.fan_programme])
    mean_after, mean_before = mean(rows, "after_90"), mean(rows, "before")
    return f"""## 3. The scenarios do what their names say

Each scenario runs from its market at rest, against a twin under common random numbers (same seed, the
same draws wherever the difference does not reach).

### hostile_cascade

scenarios/hostile_cascade.yaml as written, {seeds_of(rows)}: at step {at} a complaint about the focal company
goes viral and makes {pct(viral_share(), 0)} of its customers angry at once. Hostile share of the focal
company's customers the step before and 90 days after; the same in the twin without the viral complaint and
with the company listening at 0.8 (`companies.focal.listening`); warnings about the company heard by people
who were never its customers during the run, and those people's mean identification with the brand at the
end (in brackets, the twin's) (`sim.validation.scenarios.cascade_check`).

{markdown_table(cascade)}

Mean over seeds: {pct(mean_before)} before, {pct(mean_after)} 90 days after. Claims: {claims}.

{figure_cascade(found, folder, prefix)}

{caption(f"What to see: the red line jumps at the viral complaint (day {at}); 90 days later the hostile share "
         f"is {pct(mean_after)}, against {pct(mean(rows, 'twin_without_viral_after_90'))} in the twin "
         f"without it (grey), and {pct(mean(rows, 'listening_0.8_after_90'))} when the company listens at 0.8 "
         "(blue). Thin lines: single seeds.")}

### high_failure against the baseline

scenarios/markets/high_failure.yaml ("{description("markets/high_failure")}") against
scenarios/baseline.yaml{size_text(found.overrides)}, same seeds, one year;
churn is leavers per customer at the start, the NPS-like index the share passionate minus disengaged and
hostile at the end (`sim.experiments.metrics`).

{markdown_table(failure)}

### fan_programme with and without its programmes

scenarios/fan_programme.yaml{size_text(found.overrides)} ({programmes_text()}) against the same market with
`interventions: []`: the focal company's passionate share at the end of the year.

{markdown_table(fans)}
"""
