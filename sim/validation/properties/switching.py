"""Properties of switching: who leaves (by level, and by the bond's own term), promotions, habit, and the
advocacy lock."""

from __future__ import annotations

import numpy as np

from ...levels import LEVELS, Level
from ...market import merge
from .common import Demonstration, baseline_market, build, quiet_market, run, scaled

COLOURS = ["#9e9e9e", "#64b5f6", "#2e7d32", "#ffb300", "#c62828"]


def _leaving_by_level(scenario: dict, seed: int, changes: dict | None) -> tuple[np.ndarray, np.ndarray]:
    """Leavers per customer-year and customer-steps observed, by level, over the run (all companies)."""
    exposure, lost = np.zeros(6), np.zeros(6)

    def watch(model):
        lost[:] += model.last_tally.lost_by_level.sum(axis=0)
        exposure[:] += np.bincount(model.state.level, minlength=6)

    run(scenario, seed, changes, every_step=watch)
    return lost[:5] / np.maximum(exposure[:5], 1) * 365, exposure[:5]


def switching_order(seed: int = 0, scale: float = 1.0, changes: dict | None = None) -> Demonstration:
    """The order in the baseline market (all reasons to leave), and the order the bond alone makes (anger,
    grievance, distrust and prices switched off)."""
    market = merge(baseline_market(scale), {"steps": 250, "companies": {
        "focal": {"complaint_handling": 0.2, "listening": 0.0,
                  "programmes": {"sensation": {"reach": 0.3, "frequency": 0.01}}},
        "budget": {"complaint_handling": 0.1}}})
    bond_only = merge(market, {"switching": {"anger_hazard": 0.0, "grievance_hazard": 0.0, "distrust_hazard": 0.0,
                                             "price_response": 0.0, "promotion_response": 0.0,
                                             "base_hazard": 0.002}})
    full, exposure = _leaving_by_level(market, seed, changes)
    alone, _ = _leaving_by_level(bond_only, seed, changes)
    numbers = {f"leavers per customer-year, {LEVELS[k]}": float(full[k]) for k in range(5)}
    numbers.update({f"customer-steps observed, {LEVELS[k]}": int(exposure[k]) for k in range(5)})
    numbers.update({f"by the bond alone, {LEVELS[k]}": float(alone[k]) for k in range(5)})

    def ordered(h):
        return (min(h[Level.HOSTILE], h[Level.DISENGAGED]) > h[Level.INDIFFERENT] > h[Level.INVOLVED]
                > h[Level.PASSIONATE])

    holds = bool(ordered(full) and ordered(alone) and alone[Level.DISENGAGED] > 2 * alone[Level.INVOLVED]
                 and exposure[Level.HOSTILE] > 1000)

    def plot(ax):
        x = np.arange(5)
        ax.bar(x - 0.2, full, 0.4, color=COLOURS, label="all reasons to leave")
        ax.bar(x + 0.2, alone, 0.4, color=COLOURS, alpha=0.45, hatch="//", label="the bond alone")
        ax.set_yscale("log")
        ax.set_xticks(x, LEVELS, rotation=20)
        ax.set(ylabel="leavers per customer-year (log)", title="hazard of leaving by level")
        ax.legend(fontsize=7)

    return Demonstration("switching order", "the hazard of leaving orders as hostile, disengaged > indifferent > "
                         "involved > passionate", "baseline market with poor complaint handling and a small fan "
                         "programme, 250 steps; and the same with every reason to leave but the bond switched off",
                         seed, numbers, holds, plot)


def promotions(seed: int = 0, scale: float = 1.0, changes: dict | None = None) -> Demonstration:
    """A rival's promotion against its twin without one (same seed): who leaves because of it."""
    market = merge(baseline_market(scale, customers=6000), {"steps": 80})
    promoted = merge(market, {"interventions": [
        {"at": 50, "until": 80, "company": "budget", "promotion": {"discount": 0.3, "reach": 0.2}}]})
    left, groups = {}, None
    for arm, scenario in (("promotion", promoted), ("none", market)):
        model = build(scenario, seed, changes)
        model.run(49)
        state = model.state
        focal = state.company == model.market.focal
        if groups is None:  # the twins are the same people until the promotion starts
            level, sensitivity = state.level.copy(), state.price_sensitivity.copy()
            high = sensitivity >= np.quantile(sensitivity, 2 / 3)
            low = sensitivity <= np.quantile(sensitivity, 1 / 3)
            groups = {"indifferent, price-sensitive third": focal & (level == Level.INDIFFERENT) & high,
                      "indifferent, least sensitive third": focal & (level == Level.INDIFFERENT) & low,
                      "involved": focal & (level == Level.INVOLVED),
                      "passionate": focal & (level == Level.PASSIONATE)}
        model.run(31)
        left[arm] = focal & (state.company != model.market.focal)
    extra = {label: float(left["promotion"][mask].mean() - left["none"][mask].mean()) for label, mask in groups.items()}
    numbers = {f"left because of the promotion (vs its twin): {label}": value for label, value in extra.items()}
    follow = extra["indifferent, price-sensitive third"]
    holds = (follow > 0.05 and follow > 1.5 * extra["indifferent, least sensitive third"]
             and follow > 1.5 * extra["involved"] and follow > 1.5 * extra["passionate"])

    def plot(ax):
        ax.barh(list(extra), list(extra.values()), color="#ffb300")
        ax.set(xlabel="share of the focal company's customers who left because of it (30 steps)",
               title="a rival's promotion (30% off)")

    return Demonstration("promotions", "price-sensitive indifferent customers follow promotions",
                         "baseline market (6,000 people); the budget company runs a 30% promotion noticed by 20% "
                         "of people a step, from step 50 to 80, against its twin without it", seed, numbers, holds,
                         plot)


def habit(seed: int = 0, scale: float = 1.0, changes: dict | None = None) -> Demonstration:
    """Two identical companies and no driver of any kind: who stays, by tenure, and does anyone become a fan."""
    scenario = quiet_market(customers=scaled(4000, scale), steps=365,
                            identification={"fit_spread": 0.05},
                            companies={"focal": {"initial_share": 0.5, "appeal": 0.0},
                                       "rival": {"initial_share": 0.5, "appeal": 0.0, "quality_spread": 0.0,
                                                 "failure_rate": 0.0, "advertising": {"reach": 0.0}}},
                            switching={"base_hazard": 0.001})
    model = build(scenario, seed, changes)
    state = model.state
    focal = state.company == model.market.focal
    loyal, new = focal & (state.tenure >= 365), focal & (state.tenure < 90)
    model.run()
    stayed = state.company == model.market.focal
    frame = model.timeseries()
    numbers = {"left within the year, customers of a year or more": float(1 - stayed[loyal].mean()),
               "left within the year, customers of under 90 days": float(1 - stayed[new].mean()),
               "passionate share at the end": float(frame["focal_passionate_share"].iloc[-1]),
               "involved share at the end": float(frame["focal_involved_share"].iloc[-1])}
    holds = (numbers["left within the year, customers of a year or more"]
             < 0.6 * numbers["left within the year, customers of under 90 days"]
             and numbers["left within the year, customers of a year or more"] < 0.2
             and numbers["passionate share at the end"] == 0 and numbers["involved share at the end"] < 0.01)

    def plot(ax):
        ax.bar(["a year or more", "under 90 days"], [numbers["left within the year, customers of a year or more"],
                                                    numbers["left within the year, customers of under 90 days"]],
               color="#9e9e9e")
        ax.set(ylabel="left within a year", title=f"habit without drivers (passionate at the end: "
                                                  f"{numbers['passionate share at the end']:.0%})")

    return Demonstration("habit", "without any driver, loyal-by-habit customers stay but do not become fans",
                         "two identical companies; no advertising, talk, programmes, failures or promotions; "
                         "customers followed for a year by their tenure at the start", seed, numbers, holds, plot)


def advocacy_lock(seed: int = 0, scale: float = 1.0, changes: dict | None = None) -> Demonstration:
    """Fans alike in all but their past advocacy (50 recommendations or none), under a strong pull to leave."""
    scenario = quiet_market(customers=scaled(3000, scale), steps=365,
                            initial={"trust": {"mean": 0.9, "spread": 0.0}},
                            identification={"fit_spread": 0.05},
                            companies={"focal": {"initial_share": 1.0, "appeal": 0.7},
                                       "rival": {"initial_share": 0.0, "appeal": 0.7}},
                            switching={"base_hazard": 0.01, "habit": 0.0})
    model = build(scenario, seed, changes)
    state = model.state
    advocate = np.random.default_rng(seed).random(state.n) < 0.5
    state.advocacy[advocate] = 50  # talk is off in this market: the difference stays as set
    fans = state.level == Level.PASSIONATE
    model.run()
    left = state.company != model.market.focal
    numbers = {"fans at the start": int(fans.sum()),
               "left within the year, fans who had recommended the brand 50 times": float(left[fans & advocate].mean()),
               "left within the year, fans who had never recommended it": float(left[fans & ~advocate].mean())}
    holds = bool(fans.mean() > 0.9 and numbers["left within the year, fans who had recommended the brand 50 times"]
                 < 0.75 * numbers["left within the year, fans who had never recommended it"])

    def plot(ax):
        ax.bar(["50 recommendations", "none"],
               [numbers["left within the year, fans who had recommended the brand 50 times"],
                numbers["left within the year, fans who had never recommended it"]], color="#2e7d32")
        ax.set(ylabel="left within a year", title="advocacy lock: the more a fan has advocated")

    return Demonstration("advocacy lock", "passionate customers are hard to lure away, and the more they have "
                         "advocated the harder", "a market of fans with a rival as attractive and a strong base "
                         "hazard; half of the fans have recommended the brand 50 times, half never", seed, numbers,
                         holds, plot)
