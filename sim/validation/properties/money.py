"""The property of money: revenue per customer rises with engagement, and referrals bring customers in."""

from __future__ import annotations

from ...levels import LEVELS, Level
from ...market import merge
from ...mechanisms.money import spend
from .common import Demonstration, baseline_market, run


def money(seed: int = 0, scale: float = 1.0, changes: dict | None = None) -> Demonstration:
    fans = merge(baseline_market(scale), {"steps": 150, "companies": {
        "focal": {"initial_share": 0.3, "programmes": {"sensation": {"reach": 0.5, "frequency": 0.02}}}}})
    quiet = merge(fans, {"word_of_mouth": {"praise_rate": 0.0}})
    model = run(fans, seed, changes)
    state = model.state
    focal = state.company == model.market.focal
    paid = spend(model.market.price[state.company], state.bond, model.params)  # what each customer spends a step
    revenue = {LEVELS[k]: float(paid[focal & (state.level == k)].mean())
               for k in (Level.INDIFFERENT, Level.INVOLVED, Level.PASSIONATE)}
    frame = model.timeseries()
    without = run(quiet, seed, changes).timeseries()
    referrals, silent = float(frame["focal_referrals"].sum()), float(without["focal_referrals"].sum())

    def won(f):
        return float(f["focal_gained"].sum() + f["focal_acquired"].sum())

    numbers = {**{f"revenue per customer-step, {level}": value for level, value in revenue.items()},
               "customers won by referral (praise on)": referrals, "customers won by referral (praise off)": silent,
               "customers won in all (praise on)": won(frame), "customers won in all (praise off)": won(without)}
    values = list(revenue.values())
    # a referral is counted only where the recommendation changed the customer's choice (the same draws
    # without it would have led elsewhere), so the count is of customers praise brought in

    def plot(ax):
        ax.bar(list(revenue), values, color=["#9e9e9e", "#64b5f6", "#2e7d32"])
        ax.set(ylabel="revenue per customer per step", title=f"money; referrals {referrals:.0f} vs {silent:.0f}")

    return Demonstration("money", "revenue per customer rises with engagement; referrals bring customers in",
                         "baseline market with 10% prospects and a focal sensation programme, 150 steps; praise on "
                         "vs off", seed, numbers,
                         values[0] < values[1] < values[2] and values[2] > 1.1 * values[0] and referrals > 5
                         and silent == 0, plot)
