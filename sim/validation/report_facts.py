"""Section 4 of validation.md, stylized facts with the published figure beside ours: praise against warnings
(East, Hammond & Wright 2007), loyalty a year after a problem by how the complaint went (TARP), and the
recovery paradox: the overall effect of a first failure as the headline, then the subgroups (Maxham &
Netemeyer 2002; de Matos et al. 2007). The experiments are in facts.py; this module writes the text and
hands its checks to the summary table.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .facts import TARP_GROUPS
from .figures import TARP_PUBLISHED, figure_recovery, figure_tarp, figure_word_of_mouth
from .report_format import Check, caption, markdown_table, pct, ratio

if TYPE_CHECKING:
    from .report import Plan, Results

SECTION = "4. stylized facts"
Z = 1.96  # two-sided 5%
OVERALL = "one failure, good handling"
FIRST = "one failure, recovered at first contact"
SECOND = "two failures, both recovered at first contact"
TARP_SOURCE = "TARP (1986) for the US Office of Consumer Affairs: would buy again, problems over $100"


def changes_text(overrides: dict) -> str:
    """' with customers 3,000, steps 730' for the overrides of a scenario."""
    if not overrides:
        return ""
    return " with " + ", ".join(f"{k} {v:,}" if isinstance(v, int) else f"{k} {v}" for k, v in overrides.items())


def wom_ratio(wom: pd.DataFrame) -> float:
    totals = wom[["praise", "warnings"]].sum()
    return float(totals["praise"] / totals["warnings"]) if totals["warnings"] else math.inf


def tarp_gaps(tarp: pd.DataFrame) -> pd.DataFrame:
    """Each step of the TARP order: our gap in retention, the published gap, and whether ours is at least half."""
    ours = tarp.set_index("group")["retention"].reindex(TARP_GROUPS).to_numpy()
    rows = []
    for k in range(len(TARP_GROUPS) - 1):
        published = TARP_PUBLISHED[k + 1] - TARP_PUBLISHED[k]
        gap = ours[k + 1] - ours[k]
        rows.append({"step": f"{TARP_GROUPS[k]} -> {TARP_GROUPS[k + 1]}", "ours": gap, "TARP": published,
                     "ours / TARP": gap / published, "at least half of TARP's": bool(gap >= 0.5 * published)})
    return pd.DataFrame(rows)


def recovery_rows(recovery: pd.DataFrame) -> dict[str, dict]:
    rows = recovery.set_index("group").to_dict("index")
    for row in rows.values():
        se = row["bond_difference_se"]
        row["z"] = row["bond_difference"] / se if se and np.isfinite(se) and se > 0 else float("nan")
    return rows


def recovery_claims(recovery: pd.DataFrame) -> dict[str, bool | None]:
    """Per claim: does the model show it (None: too few customers in the group to tell)?"""
    rows = recovery_rows(recovery)
    first, second, overall = rows[FIRST], rows[SECOND], rows[OVERALL]

    def judged(row: dict, claim: bool) -> bool | None:
        return None if not np.isfinite(row["bond_difference"]) else bool(claim)

    return {"overall": judged(overall, overall["bond_difference"] < 0),
            "first": judged(first, first["z"] >= Z and first["bond_difference"] > 0),
            "second": judged(second, not (second["z"] >= Z and second["bond_difference"] > 0)),
            "repurchase": judged(first, first["retention_difference"] < 0.5 * first["engaged_difference"])}


def said(claim: bool | None, yes: str, no: str) -> str:
    return "too few customers to tell" if claim is None else (yes if claim else no)


def checks(results: Results) -> list[Check]:
    out = []
    market = wom_ratio(results.wom)
    out.append(Check(SECTION, "praise : warnings, whole baseline market", ratio(market), "2:1 to 4:1 (about 3:1)",
                     "East, Hammond & Wright 2007", bool(2 <= market <= 4)))
    for _, row in tarp_gaps(results.tarp).iterrows():
        out.append(Check(SECTION, f"loyalty {results.plan.tarp_horizon} days after a problem: {row['step']}",
                         f"{row['ours']:+.1%}",
                         f"{row['TARP']:+.0%} (ours at least half)", TARP_SOURCE, row["at least half of TARP's"]))
    rows, claims = recovery_rows(results.recovery), recovery_claims(results.recovery)
    overall, first, second = rows[OVERALL], rows[FIRST], rows[SECOND]
    out += [
        Check(SECTION, "recovery paradox, HEADLINE: everyone hit by a first failure, good handling",
              f"bond {overall['bond_difference']:+.3f} (se {overall['bond_difference_se']:.3f}) vs no-failure twin",
              "no paradox on average: a failure hurts unless it is recovered, and most customers do not complain",
              "TARP; de Matos et al. 2007", claims["overall"]),
        Check(SECTION, "recovery paradox, subgroup recovered at first contact",
              f"bond {first['bond_difference']:+.3f}, z = {first['z']:.1f}", "positive, significant",
              "Maxham & Netemeyer 2002; de Matos et al. 2007 (satisfaction)", claims["first"]),
        Check(SECTION, "recovery paradox, subgroup after a second failure (both recovered at first contact)",
              f"bond {second['bond_difference']:+.3f}, z = {second['z']:.1f}", "absent (no significant gain)",
              "Maxham & Netemeyer 2002", claims["second"]),
        Check(SECTION, "recovery paradox on repurchase, first-contact subgroup",
              f"still a customer {first['retention_difference']:+.3f} vs engaged {first['engaged_difference']:+.3f}",
              "absent or much weaker than on engagement (we ask: under half)", "de Matos et al. 2007",
              claims["repurchase"]),
    ]
    return out


def company_sentence(ratios: pd.Series) -> str:
    """Which companies draw more warnings than praise, and which the most praise per warning."""
    more_warnings = [name for name, value in ratios.items() if value < 1]
    best = ratios.replace(np.inf, np.nan).idxmax() if ratios.notna().any() else None
    parts = []
    if more_warnings:
        parts.append(f"More warnings than praise: {', '.join(more_warnings)}.")
    if best is not None:
        parts.append(f"Most praise per warning: {best} ({ratios[best]:.1f}:1).")
    return " ".join(parts)


def wom_section(results: Results, folder: Path, prefix: str) -> str:
    wom = results.wom
    totals = wom.groupby("company", sort=False)[["praise", "warnings"]].sum()
    totals.loc["whole market"] = totals.sum()
    totals["praise per warning"] = totals["praise"] / totals["warnings"].replace(0, np.nan)
    per_seed = wom.groupby("seed")[["praise", "warnings"]].sum()
    ratios = per_seed["praise"] / per_seed["warnings"].replace(0, np.nan)
    overall = wom_ratio(wom)
    where = ("inside" if 2 <= overall <= 4 else "above" if overall > 4 else "below")
    seeds = "seed 0" if len(ratios) == 1 else f"seeds 0 to {len(ratios) - 1}"
    spread = f"{ratios.min():.2f} to {ratios.max():.2f}" if len(ratios) > 1 else f"{ratios.iloc[0]:.2f}"
    return f"""### Positive versus negative word of mouth

Published: East, Hammond & Wright (2007) find positive word of mouth about three times as common as
negative across 15 studies; we take 2:1 to 4:1 as the band for the whole market. Model:
scenarios/baseline.yaml{changes_text(results.plan.wom_overrides)}, {seeds}, one recorded year after the
burn-in: messages of praise and warnings about each company (timeseries columns NAME_praise,
NAME_warnings). Only passionate customers praise and only hostile ones (including former customers still
angry at a company they left) warn.

{markdown_table(totals.reset_index(), {"praise": ",d", "warnings": ",d", "praise per warning": ".2f"})}

Whole market per seed: {spread}. The model's ratio is **{overall:.2f}:1**, {where} the band 2:1 to 4:1.
{company_sentence(totals.drop(index="whole market")["praise per warning"])}

{figure_word_of_mouth(wom, folder, prefix)}

{caption(f"What to see: the blue bar (whole market, {overall:.1f}:1) against the red band of published "
         "figures; the grey bars are the single companies.")}
"""


def tarp_section(results: Results, folder: Path, prefix: str) -> str:
    plan: Plan = results.plan
    tarp = results.tarp.copy()
    horizon = plan.tarp_horizon
    tarp["TARP: would buy again"] = list(TARP_PUBLISHED)
    gaps = tarp_gaps(tarp)
    values = tarp["retention"].to_numpy()
    rising = bool(np.all(np.diff(values) > 0))
    shown = tarp.rename(columns={"retention": f"ours: still a customer {horizon} days on", "ci95": "95% interval +-"})
    return f"""### Loyalty {horizon} days after a problem, by how the complaint went (TARP)

Published: {TARP_SOURCE}: did not complain 9%, complained and not satisfied 19%, complained and satisfied
54%, complained and satisfied quickly 82%. Model: scenarios/baseline.yaml{changes_text(plan.tarp_overrides)},
{plan.tarp_seeds} seed(s) pooled; each customer is followed for {horizon} days from their first failure
(if it came at least {horizon} days before the end of the run; `sim.validation.facts.complaint_loyalty`).
Groups: no complaint; complained and gave up, left, was still waiting at the horizon, or got a recovery that
felt negative (late); complained and got a positive recovery after waiting; recovered at first contact.
Ours is whether they are still the company's customer {horizon} days on; TARP's is whether they would buy
again, an intention, so the levels differ: {pct(values[0])} of our silent customers are still customers, against
TARP's 9% who would buy again (habit and the cost of leaving keep people who would not choose the brand again),
and we compare the order and the gaps.

{markdown_table(shown, {"customers": ",d", f"ours: still a customer {horizon} days on": ".3f",
                        "95% interval +-": ".3f", "TARP: would buy again": ".2f"})}

Each step of the order, our gap against TARP's (we ask for at least half of it):

{markdown_table(gaps, {"ours": "+.3f", "TARP": "+.2f", "ours / TARP": ".2f",
                        "at least half of TARP's": lambda v: "yes" if v else "**no**"})}

The order in the model is {"rising, as TARP's" if rising else "**not** rising throughout, unlike TARP's"};
{sum(gaps["at least half of TARP's"])} of {len(gaps)} gaps are at least half the published one; the smallest
is {gaps["ours / TARP"].min():.2f} of TARP's ({gaps.loc[gaps["ours / TARP"].idxmin(), "step"]}).

{figure_tarp(results.tarp, horizon, folder, prefix)}

{caption(f"What to see: our coloured bars (still a customer {horizon} days on) {'rise' if rising else 'do not rise'} "
         f"from left to right; TARP's hatched bars rise from 9% to 82%, ours from {pct(values[0])} to "
         f"{pct(values[-1])}.")}
"""


def recovery_caption(claims: dict[str, bool | None]) -> str:
    headline = said(claims["overall"], "stays below zero", "does not stay below zero")
    first = said(claims["first"], "rises above zero", "does not rise significantly above zero")
    second = said(claims["second"], "does not", "does too")
    return (f"What to see: the thick black line (everyone hit by the first outage, good handling) {headline}; the "
            f"green line (the subgroup recovered at first contact) {first}; after the second outage the light green "
            f"dashed line (both failures recovered at first contact) {second}. Red dotted: poor handling.")


def recovery_section(results: Results, folder: Path, prefix: str) -> str:
    design = results.plan.recovery
    rows, claims = recovery_rows(results.recovery), recovery_claims(results.recovery)
    overall, first, second = rows[OVERALL], rows[FIRST], rows[SECOND]
    poor, twice = rows["one failure, poor handling"], rows["two failures, good handling"]
    table = results.recovery.assign(z=[rows[g]["z"] for g in results.recovery["group"]])
    shown = table.rename(columns={"failure_step": "failure at", "read_at": "read at",
                                  "bond_difference": "bond - twin", "bond_difference_se": "se",
                                  "engaged_difference": "engaged share - twin",
                                  "retention_difference": "still customer - twin"})
    burn_in = "its own burn-in" if design.burn_in is None else f"a burn-in of {design.burn_in} steps"
    share_first = first["customers"] / max(overall["customers"], 1)
    return f"""### The recovery paradox: a failure hurts on average; the first-contact subgroup gains

Published: Maxham & Netemeyer (2002) find satisfaction after a well-recovered first failure above that of
customers with no failure, but not after a second failure; the meta-analysis of de Matos et al. (2007) finds
the paradox for satisfaction and not for repurchase intention. Both are about customers whose failure was
recovered. Model: scenarios/baseline.yaml with {design.customers:,} customers and {burn_in}, seed 0, focal
complaint handling {design.good_handling:g} (poor: {design.poor_handling:g}); twins under common random
numbers: no outage, a one-step outage at step {design.first} (every focal customer with a touchpoint that
step has a failure), and outages at steps {design.first} and {design.second}. Each group is compared with
the same people in the twin without outages, {design.horizon} days after its last failure; bond counts 0
for people who are no longer the focal company's customers (`sim.validation.facts.recovery_paradox`).

**Headline, everyone hit by a first failure under good handling:** bond {overall['bond_difference']:+.3f}
(se {overall['bond_difference_se']:.3f}) against the no-failure twin, engaged share
{overall['engaged_difference']:+.3f}, still a customer {overall['retention_difference']:+.3f}
({overall['customers']:,} customers). {said(claims["overall"], "A first failure hurts on average",
"**A first failure does not hurt on average**")}: only {pct(share_first)} of those hit were recovered at first
contact; the others did not complain, waited for a resolution, or gave up.

**Subgroups:**

- recovered at first contact ({first['customers']:,} customers, {pct(share_first)} of those hit): bond
  {first['bond_difference']:+.3f} (z = {first['z']:.1f}), {said(claims["first"], "a significant paradox",
  "**no significant paradox**")};
- a second failure, both recovered at first contact ({second['customers']:,} customers): bond
  {second['bond_difference']:+.3f} (z = {second['z']:.1f}), {said(claims["second"], "no paradox",
  "**still a significant paradox**")}; everyone hit twice: {twice['bond_difference']:+.3f};
- on repurchase, the first-contact subgroup: still a customer {first['retention_difference']:+.3f} against
  engaged {first['engaged_difference']:+.3f}: {said(claims["repurchase"],
  "much weaker than on engagement, as de Matos et al. find", "**not much weaker than on engagement**")};
- poor handling ({design.poor_handling:g}), everyone hit: bond {poor['bond_difference']:+.3f}.

{markdown_table(shown, {"customers": ",d", "bond - twin": "+.3f", "se": ".3f", "engaged share - twin": "+.3f",
                        "still customer - twin": "+.3f", "z": ".1f"})}

{figure_recovery(results.recovery_paths, design, folder, prefix)}

{caption(recovery_caption(claims))}
"""


def section(results: Results, folder: Path, prefix: str) -> str:
    return ("## 4. Stylized facts, with the published figure beside ours\n\n"
            + wom_section(results, folder, prefix) + "\n" + tarp_section(results, folder, prefix) + "\n"
            + recovery_section(results, folder, prefix))
