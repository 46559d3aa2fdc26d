"""Properties of the relational drivers: participation (cost of leaving, price sensitivity), appreciation
(diminishing returns), sensation (a peak makes a fan) and relationship capacity."""

from __future__ import annotations

import numpy as np

from ...levels import Level
from ...market import merge
from .common import Demonstration, baseline_market, quiet_market, run, scaled


def _focal_churn(model) -> float:
    frame = model.timeseries()
    return float(frame["focal_lost"].sum() / frame["focal_customers"].iloc[0])


def participation(seed: int = 0, scale: float = 1.0, changes: dict | None = None) -> Demonstration:
    """Three twin pairs (programme on/off, same seed): the lock alone (no price competition, participation
    not in the bond), price sensitivity alone (a rival's strong promotion, no lock), and everything on."""
    market = merge(baseline_market(scale), {"steps": 240})
    on = {"companies": {"focal": {"programmes": {"participation": {"reach": 1.0, "frequency": 0.05}}}}}
    isolate = {"bond": {"participation_weight": 0.0}}
    lock_only = merge(market, {**isolate, "switching": {"price_response": 0.0, "promotion_response": 0.0}})
    price_only = merge(market, {**isolate, "switching": {"participation_lock": 0.0, "base_hazard": 0.0,
                                                         "anger_hazard": 0.0, "grievance_hazard": 0.0,
                                                         "distrust_hazard": 0.0},
                                "companies": {"budget": {"promotion": {"discount": 0.3, "reach": 0.05}}}})
    results = {}
    for label, scenario, measure in (("lock (churn)", lock_only, _focal_churn),
                                     ("price sensitivity (churn under a rival's promotion)", price_only,
                                      _focal_churn),
                                     ("all effects (churn)", market, _focal_churn)):
        results[label] = {arm: measure(run(merge(scenario, on) if arm == "on" else scenario, seed, changes))
                          for arm in ("off", "on")}
    numbers = {f"{label}, programme {arm}": value for label, arms in results.items() for arm, value in arms.items()}
    holds = all(arms["on"] < 0.85 * arms["off"] for arms in results.values())

    def plot(ax):
        labels = list(results)
        x = np.arange(len(labels))
        ax.bar(x - 0.2, [results[k]["off"] for k in labels], 0.4, label="off", color="#9e9e9e")
        ax.bar(x + 0.2, [results[k]["on"] for k in labels], 0.4, label="on", color="#64b5f6")
        ax.set_xticks(x, ["lock", "price", "all"])
        ax.set(ylabel="per starting customer, 240 steps", title="participation programme")
        ax.legend()

    return Demonstration("participation", "raises the cost of leaving and lowers price sensitivity: churn falls when "
                         "it is switched on", "baseline market, 240 steps; participation for all focal customers vs "
                         "none (same seed); the lock alone (no price competition), price sensitivity alone (only price "
                         "and promotions make people leave, no lock), and all effects", seed, numbers,
                         holds, plot)


def appreciation(seed: int = 0, scale: float = 1.0, changes: dict | None = None) -> Demonstration:
    """Half the customers are enrolled; their bond against the other half's, at evenly rising frequency.
    The bond's latitude of acceptance is set to 0 here so that small lifts show."""
    frequencies = [0.0, 0.01, 0.02, 0.03, 0.04]
    lifts = []
    for frequency in frequencies:
        scenario = quiet_market(customers=scaled(4000, scale), steps=300,
                                initial={"trust": {"mean": 0.85, "spread": 0.05}},
                                bond={"inertia": 0.0},
                                companies={"focal": {"programmes": {"appreciation": {
                                    "reach": 0.5, "target": "random", "frequency": frequency}}}})
        model = run(scenario, seed, changes)
        reached = model.state.enrolment[:, 1] < 0.5
        lifts.append(float(model.state.bond[reached].mean() - model.state.bond[~reached].mean()))
    gains = np.diff(lifts)
    numbers = {f"bond of the enrolled minus the others, frequency {f}": b for f, b in zip(frequencies, lifts,
                                                                                         strict=True)}
    numbers["extra lift per step of frequency"] = " > ".join(f"{g:.3f}" for g in gains)
    holds = bool(lifts[1] > lifts[0] + 0.02 and all(gains > 0) and all(gains[1:] < 0.85 * gains[:-1]))

    def plot(ax):
        ax.plot(frequencies, lifts, marker="o")
        ax.set(xlabel="appreciation touches per enrolled customer per step",
               ylabel="bond, enrolled minus not enrolled", title="appreciation: diminishing returns")

    return Demonstration("appreciation", "raises the bond of those it reaches, with diminishing returns",
                         "quiet market; appreciation for a random half at evenly rising frequency, 300 steps; same "
                         "seed", seed, numbers, holds, plot)


def sensation(seed: int = 0, scale: float = 1.0, changes: dict | None = None) -> Demonstration:
    scenario = quiet_market(customers=scaled(2000, scale), steps=60,
                            initial={"trust": {"mean": 0.8, "spread": 0.1}},
                            identification={"fit_spread": 0.05},
                            traits={"relationships": {"mean": 1.0}},
                            companies={"focal": {"appeal": 0.1}},
                            interventions=[{"at": 30, "until": 31, "company": "focal", "start": "sensation",
                                            "target": "indifferent", "reach": 0.5, "frequency": 1.0}])
    model = run(scenario, seed, changes)
    frame = model.timeseries()
    row = frame[frame["step"] == 30].iloc[0]
    touched = float(row["focal_programme_touches"])
    straight = float(row["indifferent_to_passionate"])
    numbers = {"indifferent customers given a peak experience at step 30": touched,
               "of whom passionate at the end of that step": straight,
               "passionate share of the company at step 60": float(frame["focal_passionate_share"].iloc[-1])}

    def plot(ax):
        for level in ("indifferent", "involved", "passionate"):
            ax.plot(frame["step"], frame[f"focal_{level}_share"], label=level)
        ax.axvline(30, color="grey", lw=0.8)
        ax.set(xlabel="step", ylabel="share", title="a peak experience at step 30")
        ax.legend(fontsize=7)

    return Demonstration("sensation", "a peak experience can lift a customer straight to passionate",
                         "quiet market of indifferent customers; at step 30 half of them get one sensation of full "
                         "programme intensity", seed, numbers, touched > 0 and straight >= 0.5 * touched, plot)


def relationship_capacity(seed: int = 0, scale: float = 1.0, changes: dict | None = None) -> Demonstration:
    scenario = quiet_market(customers=scaled(6000, scale), steps=150,
                            initial={"trust": {"mean": 0.8, "spread": 0.1}},
                            traits={"relationships": {"mean": 5.0}},
                            companies={"focal": {"programmes": {"appreciation": {"reach": 1.0, "frequency": 0.1},
                                                                "sensation": {"reach": 1.0, "frequency": 0.005}}}})
    state = run(scenario, seed, changes).state
    full = state.relationships >= 5
    shares = {"at capacity": float((state.level[full] == Level.PASSIONATE).mean()),
              "with room": float((state.level[~full] == Level.PASSIONATE).mean())}
    numbers = {f"passionate share, {label}": value for label, value in shares.items()}
    numbers["customers at capacity"] = int(full.sum())
    # each share rests on some 3,000 people: its standard error is under 0.01
    holds = shares["with room"] - shares["at capacity"] > 0.05 and shares["at capacity"] < 0.8 * shares["with room"]

    def plot(ax):
        ax.bar(list(shares), list(shares.values()), color=["#9e9e9e", "#2e7d32"])
        ax.set(ylabel="share passionate after 150 steps", title="relationship capacity")

    return Demonstration("relationship capacity", "customers already at their capacity of deep relationships become "
                         "passionate less often", "quiet market with a fan programme (appreciation and occasional "
                         "sensation for everyone); people hold on average 5 deep relationships, capacity 5",
                         seed, numbers, holds, plot)
