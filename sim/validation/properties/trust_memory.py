"""Properties of trust and of remembered experience: the trust gate, trust's asymmetry, the peak-end rule
and rising expectations. Each experiment drives the model and reads its state."""

from __future__ import annotations

import numpy as np

from ...levels import Level
from ...market import merge
from ...mechanisms import memory
from .common import Demonstration, build, one_step_of, quiet_market, run, scaled


def trust_gate(seed: int = 0, scale: float = 1.0, changes: dict | None = None) -> Demonstration:
    everything_good = {
        "customers": scaled(2000, scale), "steps": 150,
        "initial": {"trust": {"mean": 0.3, "spread": 0.1}},
        "identification": {"fit_spread": 0.3},
        "trust": {"gate": 0.9, "gain": 0.0, "recovery_gain": 0.0, "word_of_mouth": 0.0},
        "companies": {"focal": {"appeal": 0.6, "service_quality": 1.0,
                                "advertising": {"reach": 0.2, "effect": 0.3},
                                "programmes": {name: {"reach": 1.0, "frequency": 0.2} for name in
                                               ("participation", "appreciation", "sensation")}}},
    }
    held = quiet_market(**everything_good)
    opened = merge(held, {"trust": {"gate": 0.2}})
    counts = {}
    for label, scenario in (("trust below the gate", held), ("gate lowered to 0.2", opened)):
        engaged: list[int] = []
        run(scenario, seed, changes, every_step=lambda m, e=engaged: e.append(
            int(np.isin(m.state.level, (Level.INVOLVED, Level.PASSIONATE)).sum())))
        counts[label] = engaged
    numbers = {"max engaged customers, trust held below the gate": max(counts["trust below the gate"]),
               "max engaged customers, gate lowered (control)": max(counts["gate lowered to 0.2"])}

    def plot(ax):
        for label, series in counts.items():
            ax.plot(series, label=label)
        ax.set(xlabel="step", ylabel="customers involved or passionate", title="trust gate")
        ax.legend()

    return Demonstration("trust gate", "with trust held below the gate, no customer reaches involved or passionate, "
                         "whatever the experiences", "quiet market; a brand that fits well, perfect service, strong "
                         "advertising, all three programmes at full reach; trust 0.3 and not growing, gate 0.9; "
                         "control: gate 0.2", seed, numbers,
                         numbers["max engaged customers, trust held below the gate"] == 0
                         and numbers["max engaged customers, gate lowered (control)"] > 100, plot)


def trust_asymmetry(seed: int = 0, scale: float = 1.0, changes: dict | None = None) -> Demonstration:
    """One good interaction, or one failure, for everyone at trust 0.6; then good interactions only."""
    base = quiet_market(customers=scaled(1000, scale), steps=60,
                        initial={"trust": {"mean": 0.6, "spread": 0.0}},
                        traits={"trust_rate": {"mean": 1.0, "spread": 0.0}, "complaint_propensity": {"mean": 0.0,
                                                                                                     "spread": 0.0}},
                        companies={"focal": {"touchpoint_rate": 0.0, "service_quality": 0.6}})
    every_step = {"company": "focal", "touchpoint_rate": 1.0}
    good = merge(base, {"interventions": [one_step_of(every_step, 1)]})
    failure = merge(base, {"interventions": [one_step_of({**every_step, "outage": {"failure_rate": 1.0,
                                                                                   "share": 1.0}}, 1),
                                             {**every_step, "at": 2}]})
    trust = {}
    for label, scenario in (("one good interaction", good), ("one failure, then good interactions", failure)):
        path = []
        run(scenario, seed, changes, every_step=lambda m, p=path: p.append(
            float(m.state.trust[:, m.market.focal].mean())))
        trust[label] = path
    gained = trust["one good interaction"][0] - 0.6
    lost = 0.6 - trust["one failure, then good interactions"][0]
    after = np.array(trust["one failure, then good interactions"][1:])
    repaired = np.flatnonzero(after >= 0.6)
    needed = int(repaired[0]) + 1 if repaired.size else len(after) + 1
    numbers = {"trust gained by one good interaction": gained, "trust lost by one failure": lost,
               "good interactions needed to repair one failure": needed}

    def plot(ax):
        ax.plot(range(1, len(trust["one failure, then good interactions"]) + 1),
                trust["one failure, then good interactions"], marker=".", label="failure at step 1, then good")
        ax.axhline(0.6, color="grey", lw=0.8)
        ax.axhline(0.6 + gained, color="#2e7d32", lw=0.8, ls="--", label="after one good interaction")
        ax.set(xlabel="step", ylabel="mean trust", title="trust asymmetry")
        ax.legend(fontsize=7)

    return Demonstration("trust asymmetry", "trust is built slowly and lost quickly: one failure costs more than one "
                         "good experience gains", "quiet market, trust 0.6; every customer has one interaction at "
                         "step 1 (good, or a failure), then (after the failure) one good interaction a step", seed,
                         numbers, lost > 3 * gained > 0 and needed > 3, plot)


# experience sequences with the same mean; read the model's memory after the last one
SEQUENCES = {
    "flat 0.2": [0.2] * 5,
    "same mean and end, a peak of 0.5": [0.2, 0.5, 0.0, 0.1, 0.2],
    "same mean and peak, good start": [0.5, 0.2, 0.2, 0.1, 0.0],
    "same mean and peak, good end": [0.0, 0.1, 0.2, 0.2, 0.5],
    "peak then end, short": [0.2, 0.5, 0.2],
    "peak then end, long": [0.2, 0.5, 0.2, 0.2, 0.2, 0.2, 0.2],
}


def peak_end_memory(seed: int = 0, scale: float = 1.0, changes: dict | None = None) -> Demonstration:
    """Each sequence is lived through by every customer of its own run: one interaction a step, of quality
    expectation + the experience (expectations held still), then the model's remembered experience is read."""
    expectation = 0.1
    remembered = {}
    for label, sequence in SEQUENCES.items():
        steps = [one_step_of({"company": "focal", "touchpoint_rate": 1.0, "service_quality": expectation + x}, t)
                 for t, x in enumerate(sequence, start=1)]
        scenario = quiet_market(customers=200, steps=len(sequence), memory={"peak_fading": 0.0},
                                traits={"adaptation_rate": {"mean": 0.0, "spread": 0.0},
                                        "complaint_propensity": {"mean": 0.0, "spread": 0.0}},
                                companies={"focal": {"service_quality": expectation, "touchpoint_rate": 0.0}},
                                interventions=steps)
        model = run(scenario, seed, changes)
        state = model.state
        weight = model.params["memory"]["peak_weight"]
        remembered[label] = float(memory.remembered(state.peak, state.end, weight).mean())
    r = remembered
    numbers = {f"remembered: {label} (mean {np.mean(s):.2f})": r[label] for label, s in SEQUENCES.items()}
    holds = (r["same mean and end, a peak of 0.5"] > r["flat 0.2"] + 0.05
             and r["same mean and peak, good end"] > r["same mean and peak, good start"] + 0.05
             and abs(r["peak then end, short"] - r["peak then end, long"]) < 0.01)

    def plot(ax):
        names = list(SEQUENCES)
        ax.barh(names, [np.mean(SEQUENCES[n]) for n in names], color="#bbbbbb", label="mean of the sequence")
        ax.scatter([r[n] for n in names], names, color="black", zorder=3, label="remembered by the model")
        ax.set(xlabel="experience", title="peak-end memory")
        ax.legend(fontsize=7)

    return Demonstration("peak-end memory", "two sequences with the same mean but a different peak or end are "
                         "remembered differently; duration is neglected", "quiet market; every customer lives "
                         "through one sequence of interactions (expectations held still, peak not fading), then "
                         "the model's remembered experience is read", seed, numbers, holds, plot)


def rising_expectations(seed: int = 0, scale: float = 1.0, changes: dict | None = None) -> Demonstration:
    scenario = quiet_market(customers=scaled(2000, scale), steps=250, companies={"focal": {
        "service_quality": 0.5, "touchpoint_rate": 0.3}}, interventions=[
        {"at": 10, "company": "focal", "service_quality": 0.8}])
    satisfaction = []

    def watch(model):
        s = model.state
        satisfaction.append(float(np.mean(model.market.quality[s.company] - s.expectation)))

    run(scenario, seed, changes, every_step=watch)
    early, late = satisfaction[10], satisfaction[-1]
    numbers = {"satisfaction (quality - expectation) just after quality rose to 0.8": early,
               "satisfaction 240 steps later": late}

    def plot(ax):
        ax.plot(satisfaction)
        ax.axhline(0, color="grey", lw=0.8)
        ax.set(xlabel="step", ylabel="mean quality - expectation", title="rising expectations")

    return Demonstration("rising expectations", "under constant good quality, satisfaction drifts back towards neutral",
                         "quiet market; quality rises from 0.5 to 0.8 at step 10 and stays", seed, numbers,
                         early > 0.2 and 0 <= late < 0.25 * early, plot)


__all__ = ["build", "peak_end_memory", "rising_expectations", "trust_asymmetry", "trust_gate"]
