"""Properties of complaints: the service recovery paradox (twins under common random numbers) and the
escalation of complaints left unresolved."""

from __future__ import annotations

import numpy as np

from ...levels import Level
from ...market import merge
from .common import Demonstration, quiet_market, run, scaled


def outage(at: int) -> dict:
    """Everyone has an interaction in step `at`, and it fails."""
    return {"at": at, "until": at + 1, "company": "focal", "touchpoint_rate": 1.0,
            "outage": {"failure_rate": 1.0, "share": 1.0}}


def recovery_paradox(seed: int = 0, scale: float = 1.0, changes: dict | None = None) -> Demonstration:
    base = quiet_market(customers=scaled(3000, scale), steps=100,
                        initial={"trust": {"mean": 0.85, "spread": 0.05}},
                        traits={"complaint_propensity": {"mean": 1.0, "spread": 0.0}},
                        companies={"focal": {"complaint_handling": 1.0, "failure_severity": 0.3}})
    twins = {
        "no failure": base,
        "one failure, handled well": merge(base, {"interventions": [outage(20)]}),
        "two failures, handled well": merge(base, {"interventions": [outage(20), outage(40)]}),
        "one failure, handled poorly": merge(base, {"interventions": [outage(20)],
                                                     "companies": {"focal": {"complaint_handling": 0.1}}}),
    }
    series: dict[str, list[float]] = {}
    for label, scenario in twins.items():
        bonds: list[float] = []
        run(scenario, seed, changes, every_step=lambda m, b=bonds: b.append(float(m.state.bond.mean())))
        series[label] = bonds
    final = {label: bonds[-1] for label, bonds in series.items()}
    numbers = {f"mean bond at step 100: {label}": value for label, value in final.items()}
    margin = 0.03  # twins share every draw: a few hundredths is far beyond their noise
    holds = (final["one failure, handled well"] > final["no failure"] + margin
             and final["no failure"] > final["two failures, handled well"] + margin
             and final["no failure"] > final["one failure, handled poorly"] + margin)

    def plot(ax):
        for label, bonds in series.items():
            ax.plot(bonds, label=label)
        ax.set(xlabel="step", ylabel="mean bond", title="service recovery paradox (twins, same seed)")
        ax.legend(fontsize=7)

    return Demonstration("recovery paradox", "customers with one well-handled complaint end more engaged than their "
                         "twins with no failure; with a second failure, or poor handling, less engaged",
                         "quiet market; everyone complains; outages at step 20 (and 40) hit everyone once; "
                         "handling 1.0 (well) or 0.1 (poorly); mean bond 80 steps after the first", seed, numbers,
                         holds, plot)


def escalation(seed: int = 0, scale: float = 1.0, changes: dict | None = None) -> Demonstration:
    base = quiet_market(customers=scaled(2000, scale), steps=60,
                        traits={"complaint_propensity": {"mean": 1.0, "spread": 0.0}},
                        identification={"fit_spread": 0.1},
                        complaints={"give_up": 0.0},
                        companies={"focal": {"appeal": 0.1, "complaint_handling": 0.0, "listening": 0.0}},
                        interventions=[outage(5)])
    heard = merge(base, {"companies": {"focal": {"listening": 0.8}}})
    shares: dict[str, dict[str, list[float]]] = {}
    for label, scenario in (("not heard", base), ("heard (listening 0.8)", heard)):
        record: dict[str, list[float]] = {"disengaged": [], "hostile": []}

        def watch(model, record=record):
            counts = np.bincount(model.state.level, minlength=6)[:5] / model.state.n
            record["disengaged"].append(float(counts[Level.DISENGAGED] + counts[Level.HOSTILE]))
            record["hostile"].append(float(counts[Level.HOSTILE]))

        run(scenario, seed, changes, every_step=watch)
        shares[label] = record

    def first(series):
        return next((t + 1 for t, v in enumerate(series) if v >= 0.5), float("inf"))

    loud, quiet = shares["not heard"], shares["heard (listening 0.8)"]
    numbers = {"step at which half are disengaged or worse, not heard": first(loud["disengaged"]),
               "step at which half are hostile, not heard": first(loud["hostile"]),
               "step at which half are hostile, heard": first(quiet["hostile"]),
               "hostile share at step 15, not heard": loud["hostile"][14],
               "hostile share at step 15, heard": quiet["hostile"][14]}
    holds = (numbers["step at which half are disengaged or worse, not heard"]
             < numbers["step at which half are hostile, not heard"] < numbers["step at which half are hostile, heard"]
             and numbers["hostile share at step 15, heard"] < numbers["hostile share at step 15, not heard"] - 0.2)

    def plot(ax):
        for label, record in shares.items():
            ax.plot(record["disengaged"], label=f"disengaged or hostile, {label}")
            ax.plot(record["hostile"], ls="--", label=f"hostile, {label}")
        ax.set(xlabel="step", ylabel="share of customers", title="escalation of unresolved complaints")
        ax.legend(fontsize=7)

    return Demonstration("escalation", "unresolved complaints push customers to disengaged and then hostile; being "
                         "heard slows it", "quiet market; everyone fails at step 5 and complains; complaints are "
                         "never resolved; listening 0 vs 0.8", seed, numbers, holds, plot)
