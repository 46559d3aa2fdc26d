"""The brief's property table as experiments: one function per row, each returning a Demonstration.

Every experiment builds a small market from `quiet_market` (one company, nothing happening) plus the
few levers the property is about, runs it with a fixed seed, and reports the numbers that show the
property and whether it holds. tests/test_properties.py asserts them; `python -m sim validate-model`
turns them into docs/validation.md with a figure each. Twins (same seed, one lever changed) share
every random draw they do not differ in (sim.streams), which is what makes small effects visible.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import numpy as np

from ..levels import LEVELS, Level
from ..market import merge
from ..mechanisms import memory, trust
from ..mechanisms import word_of_mouth as wom
from ..model import EngagementModel
from ..tally import Tally


@dataclass
class Demonstration:
    """The evidence for one property: numbers, whether it holds, and a figure."""

    name: str
    claim: str
    scenario: str
    seed: int
    numbers: dict[str, float]
    holds: bool
    plot: Callable[[Any], None] | None = field(default=None, repr=False)


def quiet_market(**changes) -> dict:
    """One company, everyone its customer, no advertising, talk, failures, noise or switching."""
    base = {
        "customers": 2000, "steps": 120,
        "companies": {"focal": {"initial_share": 1.0, "quality_spread": 0.0, "failure_rate": 0.0,
                                "advertising": {"reach": 0.0}}},
        "switching": {"base_hazard": 0.0, "anger_hazard": 0.0, "price_response": 0.0, "promotion_response": 0.0},
        "word_of_mouth": {"conversation_rate": 0.0},
    }
    return merge(base, changes)


def run(scenario: dict, seed: int, steps: int | None = None, every_step: Callable | None = None) -> EngagementModel:
    model = EngagementModel(copy.deepcopy(scenario), rng=seed)
    for _ in range(steps if steps is not None else model.params["steps"]):
        model.step()
        if every_step:
            every_step(model)
    return model


def _scaled(n: int, scale: float) -> int:
    return max(200, int(n * scale))


# --- trust -----------------------------------------------------------------------------------------
def trust_gate(seed: int = 0, scale: float = 1.0) -> Demonstration:
    everything_good = {
        "customers": _scaled(2000, scale), "steps": 150,
        "initial": {"trust": {"mean": 0.3, "spread": 0.1}, "bond": {"mean": 0.5, "spread": 0.3}},
        "trust": {"gate": 0.9, "gain": 0.0, "recovery_gain": 0.0, "word_of_mouth": 0.0},
        "companies": {"focal": {"service_quality": 1.0, "advertising": {"reach": 0.2, "effect": 0.3},
                                "programmes": {name: {"reach": 1.0, "frequency": 0.2} for name in
                                               ("participation", "appreciation", "sensation")}}},
    }
    held = quiet_market(**everything_good)
    opened = merge(held, {"trust": {"gate": 0.2}})
    counts = {}
    for label, scenario in (("trust below the gate", held), ("gate lowered to 0.2", opened)):
        engaged = []
        run(scenario, seed, every_step=lambda m, e=engaged: e.append(
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
                         "whatever the experiences", "quiet market; perfect service, strong advertising, all three "
                         "programmes at full reach; trust 0.3 and not growing, gate 0.9", seed, numbers,
                         numbers["max engaged customers, trust held below the gate"] == 0
                         and numbers["max engaged customers, gate lowered (control)"] > 0, plot)


def trust_asymmetry(seed: int = 0, scale: float = 1.0) -> Demonstration:
    from ..parameters import SCHEMA

    gain, loss = SCHEMA["trust"]["gain"].default, SCHEMA["trust"]["loss"].default
    start = np.float32(0.6)
    after_good = float(trust.build(start, 1.0, gain))
    after_failure = float(trust.lose(start, loss))
    level, goods = after_failure, 0
    path = [float(start), after_failure]
    while level < start:
        level = float(trust.build(np.float32(level), 1.0, gain))
        path.append(level)
        goods += 1
    numbers = {"trust gained by one good interaction": after_good - float(start),
               "trust lost by one failure": float(start) - after_failure,
               "good interactions needed to repair one failure": goods}

    def plot(ax):
        ax.plot(path, marker=".")
        ax.axhline(float(start), color="grey", lw=0.8)
        ax.set(xlabel="interaction (1 = the failure, then good ones)", ylabel="trust", title="trust asymmetry")

    return Demonstration("trust asymmetry", "trust is built slowly and lost quickly: one failure costs more than one "
                         "good experience gains", "default trust parameters, trust 0.6, average trust rate", seed,
                         numbers,
                         numbers["trust lost by one failure"] > numbers["trust gained by one good interaction"], plot)


# --- memory ----------------------------------------------------------------------------------------
def peak_end_memory(seed: int = 0, scale: float = 1.0) -> Demonstration:
    sequences = {
        "flat 0.32 x5": [0.32] * 5,
        "peak 0.8 in the middle": [0.2, 0.2, 0.8, 0.2, 0.2],
        "good end": [0.2, 0.2, 0.5],
        "good start": [0.5, 0.2, 0.2],
        "peak then end, short": [0.2, 0.8, 0.2],
        "peak then end, long": [0.2, 0.8, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2],
    }
    # the same through the array mechanism used in the model
    state = SimpleNamespace(peak=np.zeros(len(sequences), np.float32), end=np.zeros(len(sequences), np.float32))
    for step in range(max(map(len, sequences.values()))):
        rows = np.array([i for i, s in enumerate(sequences.values()) if step < len(s)])
        values = np.array([s[step] for s in sequences.values() if step < len(s)], np.float32)
        memory.remember(state, rows, values)
    arrays = memory.remembered(state.peak, state.end, 0.5)
    remembered = {name: float(value) for name, value in zip(sequences, arrays)}
    numbers = {f"remembered: {name} (mean {np.mean(s):.2f})": remembered[name] for name, s in sequences.items()}
    holds = (abs(remembered["flat 0.32 x5"] - remembered["peak 0.8 in the middle"]) > 0.1
             and remembered["good end"] > remembered["good start"] + 0.1
             and abs(remembered["peak then end, short"] - remembered["peak then end, long"]) < 1e-6
             and all(abs(memory.peak_end(s) - remembered[n]) < 1e-6 for n, s in sequences.items()))

    def plot(ax):
        names = list(sequences)
        ax.barh(names, [np.mean(sequences[n]) for n in names], color="#bbbbbb", label="mean of the sequence")
        ax.scatter([remembered[n] for n in names], names, color="black", zorder=3, label="remembered")
        ax.set(xlabel="experience", title="peak-end memory")
        ax.legend(fontsize=7)

    return Demonstration("peak-end memory", "two sequences with the same mean but different peak or end are remembered "
                         "differently; duration is neglected", "memory.remember on arrays, peak weight 0.5, no fading",
                         seed, numbers, holds, plot)


def rising_expectations(seed: int = 0, scale: float = 1.0) -> Demonstration:
    scenario = quiet_market(customers=_scaled(2000, scale), steps=250, companies={"focal": {
        "service_quality": 0.5, "touchpoint_rate": 0.3}}, interventions=[
        {"at": 10, "company": "focal", "service_quality": 0.8}])
    satisfaction = []

    def watch(model):
        s = model.state
        satisfaction.append(float(np.mean(model.market.quality[s.company] - s.expectation)))

    run(scenario, seed, every_step=watch)
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


# --- complaints --------------------------------------------------------------------------------------
def _outage(at: int) -> dict:
    return {"at": at, "until": at + 1, "company": "focal", "touchpoint_rate": 1.0,
            "outage": {"failure_rate": 1.0, "share": 1.0}}


def recovery_paradox(seed: int = 0, scale: float = 1.0) -> Demonstration:
    base = quiet_market(customers=_scaled(3000, scale), steps=100,
                        traits={"complaint_propensity": {"mean": 1.0, "spread": 0.0}},
                        companies={"focal": {"complaint_handling": 1.0, "failure_severity": 0.3}})
    twins = {
        "no failure": base,
        "one failure, handled well": merge(base, {"interventions": [_outage(20)]}),
        "two failures, handled well": merge(base, {"interventions": [_outage(20), _outage(40)]}),
        "one failure, handled poorly": merge(base, {"interventions": [_outage(20)],
                                                     "companies": {"focal": {"complaint_handling": 0.1}}}),
    }
    series: dict[str, list[float]] = {}
    for label, scenario in twins.items():
        bonds: list[float] = []
        run(scenario, seed, every_step=lambda m, b=bonds: b.append(float(m.state.bond.mean())))
        series[label] = bonds
    final = {label: bonds[-1] for label, bonds in series.items()}
    numbers = {f"mean bond at step 100: {label}": value for label, value in final.items()}
    holds = (final["one failure, handled well"] > final["no failure"] > final["two failures, handled well"]
             and final["no failure"] > final["one failure, handled poorly"])

    def plot(ax):
        for label, bonds in series.items():
            ax.plot(bonds, label=label)
        ax.set(xlabel="step", ylabel="mean bond", title="service recovery paradox (twins, same seed)")
        ax.legend(fontsize=7)

    return Demonstration("recovery paradox", "customers with one well-handled complaint end more engaged than their "
                         "twins with no failure; with a second failure, or poor handling, less engaged",
                         "quiet market; everyone complains; outages at step 20 (and 40) hit everyone once; "
                         "handling 1.0 (well) or 0.1 (poorly)", seed, numbers, holds, plot)


def escalation(seed: int = 0, scale: float = 1.0) -> Demonstration:
    base = quiet_market(customers=_scaled(2000, scale), steps=60,
                        initial={"bond": {"mean": 0.1, "spread": 0.1}},
                        traits={"complaint_propensity": {"mean": 1.0, "spread": 0.0}},
                        complaints={"give_up": 0.0},
                        companies={"focal": {"complaint_handling": 0.0, "listening": 0.0}},
                        interventions=[_outage(5)])
    heard = merge(base, {"companies": {"focal": {"listening": 0.8}}})
    shares: dict[str, dict[str, list[float]]] = {}
    for label, scenario in (("not heard", base), ("heard (listening 0.8)", heard)):
        record = {"disengaged": [], "hostile": []}

        def watch(model, record=record):
            counts = np.bincount(model.state.level, minlength=6)[:5] / model.state.n
            record["disengaged"].append(float(counts[Level.DISENGAGED] + counts[Level.HOSTILE]))
            record["hostile"].append(float(counts[Level.HOSTILE]))

        run(scenario, seed, every_step=watch)
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
             and numbers["hostile share at step 15, heard"] < numbers["hostile share at step 15, not heard"])

    def plot(ax):
        for label, record in shares.items():
            ax.plot(record["disengaged"], label=f"disengaged or hostile, {label}")
            ax.plot(record["hostile"], ls="--", label=f"hostile, {label}")
        ax.set(xlabel="step", ylabel="share of customers", title="escalation of unresolved complaints")
        ax.legend(fontsize=7)

    return Demonstration("escalation", "unresolved complaints push customers to disengaged and then hostile; being "
                         "heard slows it", "quiet market; everyone fails at step 5 and complains; complaints are "
                         "never resolved; listening 0 vs 0.8", seed, numbers, holds, plot)


# --- word of mouth ------------------------------------------------------------------------------------
def _talkers(level: int, seed: int, scale: float, steps: int = 20) -> tuple[np.ndarray, np.ndarray]:
    """Messages sent per person when everyone is at `level`, and their introversion."""
    scenario = quiet_market(customers=_scaled(20000, scale), network={"kind": "complete"},
                            traits={"introversion": {"mean": 0.5, "spread": 0.28}},
                            word_of_mouth={"conversation_rate": 0.3})
    model = EngagementModel(scenario, rng=seed)
    state = model.state
    sent = np.zeros(state.n)
    for step in range(1, steps + 1):
        state.level[:] = level
        state.former_anger[:] = 0
        tally = Tally(model.market.size + 1)
        wom.step(state, model.market, model.params, model.streams.stream("word_of_mouth", step), tally)
        sent += np.bincount(tally.speakers, minlength=state.n)
    return sent, state.introversion


def introversion(seed: int = 0, scale: float = 1.0) -> Demonstration:
    results = {}
    for label, level in (("praise (all passionate)", Level.PASSIONATE), ("warnings (all hostile)", Level.HOSTILE)):
        sent, intro = _talkers(level, seed, scale)
        bins = np.minimum((intro * 5).astype(int), 4)
        results[label] = [float(sent[bins == b].mean()) for b in range(5)]
    numbers = {f"{label}: messages per person by introversion quintile": " > ".join(f"{v:.2f}" for v in values)
               for label, values in results.items()}
    holds = all(all(a > b for a, b in zip(v, v[1:])) for v in results.values())

    def plot(ax):
        centres = np.arange(5) * 0.2 + 0.1
        for label, values in results.items():
            ax.plot(centres, values, marker="o", label=label)
        ax.set(xlabel="introversion", ylabel="messages sent per person (20 steps)",
               title="introversion damps word of mouth")
        ax.legend(fontsize=7)

    return Demonstration("introversion", "word of mouth sent falls monotonically with introversion, at equal "
                         "engagement", "everyone set to the same level on a complete network; the word-of-mouth "
                         "mechanism alone for 20 steps", seed, numbers, holds, plot)


def valence(seed: int = 0, scale: float = 1.0) -> Demonstration:
    scenario = merge(_baseline_market(scale), {"steps": 200, "companies": {
        "focal": {"complaint_handling": 0.15, "listening": 0.0,
                  "programmes": {"sensation": {"reach": 0.3, "frequency": 0.02}}}}})
    praise = np.zeros(6, int)
    warnings = np.zeros(6, int)
    former = [0]

    def watch(model):
        praise[:] += model.last_tally.praise_by_level
        warnings[:] += model.last_tally.warnings_by_level
        former[0] += model.last_tally.warnings_about_former

    run(scenario, seed, every_step=watch)
    numbers = {**{f"praise from {LEVELS[k]}": int(praise[k]) for k in range(5)},
               **{f"warnings from {LEVELS[k]}": int(warnings[k]) for k in range(5)},
               "warnings from customers still hostile towards a company they left": former[0]}
    other_warnings = int(warnings.sum() - warnings[Level.HOSTILE]) - former[0]
    holds = (praise[Level.PASSIONATE] > 0 and praise.sum() == praise[Level.PASSIONATE]
             and warnings[Level.HOSTILE] + former[0] > 0 and other_warnings == 0)

    def plot(ax):
        x = np.arange(5)
        ax.bar(x - 0.2, praise[:5], 0.4, label="praise", color="#2e7d32")
        ax.bar(x + 0.2, warnings[:5], 0.4, label="warnings", color="#c62828")
        ax.set_xticks(x, LEVELS, rotation=20)
        ax.set(ylabel="messages over the run", title="who speaks (level of the speaker)")
        ax.legend()

    return Demonstration("valence of word of mouth", "only passionate customers spread praise, only hostile ones "
                         "spread warnings (also after leaving)", "the baseline market with poor complaint handling "
                         "and a small sensation programme at the focal company, 200 steps", seed, numbers, holds, plot)


def _baseline_market(scale: float) -> dict:
    import yaml

    from ..scenario import BUNDLED

    data = yaml.safe_load((BUNDLED / "baseline.yaml").read_text())
    data["customers"] = _scaled(3000, scale)
    return data


# --- relational drivers --------------------------------------------------------------------------------
def participation(seed: int = 0, scale: float = 1.0) -> Demonstration:
    market = merge(_baseline_market(scale), {"steps": 240})
    on = merge(market, {"companies": {"focal": {"programmes": {"participation": {"reach": 1.0, "frequency": 0.05}}}}})
    churn = {}
    sensitivity = {}
    for label, scenario in (("off", market), ("on", on)):
        model = run(scenario, seed)
        frame = model.timeseries()
        churn[label] = float(frame["focal_lost"].sum() / frame["focal_customers"].iloc[0])
        from ..mechanisms.switching import leaving_pressure

        _, effective, _ = leaving_pressure(model.state, model.market, model.params, np.ones(model.state.n, np.float32))
        focal = model.state.company == model.market.focal
        sensitivity[label] = float(effective[focal].mean())
    numbers = {"focal churn, participation off": churn["off"], "focal churn, participation on": churn["on"],
               "mean effective price sensitivity, off": sensitivity["off"],
               "mean effective price sensitivity, on": sensitivity["on"]}

    def plot(ax):
        ax.bar(["off", "on"], [churn["off"], churn["on"]], color=["#9e9e9e", "#64b5f6"])
        ax.set(ylabel="customers lost per starting customer", title="participation programme and churn")

    return Demonstration("participation", "raises the cost of leaving and lowers price sensitivity: churn falls when "
                         "it is switched on", "baseline market, 240 steps; focal participation programme for everyone "
                         "(frequency 0.05) vs none; same seed", seed, numbers,
                         churn["on"] < churn["off"] and sensitivity["on"] < sensitivity["off"], plot)


def appreciation(seed: int = 0, scale: float = 1.0) -> Demonstration:
    frequencies = [0.0, 0.01, 0.02, 0.04, 0.08, 0.16]
    bonds = []
    for frequency in frequencies:
        scenario = quiet_market(customers=_scaled(2000, scale), steps=150,
                                companies={"focal": {"programmes": {"appreciation": {"reach": 1.0,
                                                                                     "frequency": frequency}}}})
        bonds.append(float(run(scenario, seed).state.bond.mean()))
    gains = np.diff(bonds) / np.diff(frequencies)
    numbers = {f"mean bond at appreciation frequency {f}": b for f, b in zip(frequencies, bonds)}
    numbers["bond gained per unit frequency, first vs last interval"] = f"{gains[0]:.2f} vs {gains[-1]:.2f}"
    holds = all(np.diff(bonds) > 0) and all(np.diff(gains) < 0)

    def plot(ax):
        ax.plot(frequencies, bonds, marker="o")
        ax.set(xlabel="appreciation touches per customer per step", ylabel="mean bond after 150 steps",
               title="appreciation: diminishing returns")

    return Demonstration("appreciation", "raises the bond of those it reaches, with diminishing returns",
                         "quiet market; appreciation for everyone at increasing frequency; same seed", seed, numbers,
                         holds, plot)


def sensation(seed: int = 0, scale: float = 1.0) -> Demonstration:
    scenario = quiet_market(customers=_scaled(2000, scale), steps=60,
                            initial={"trust": {"mean": 0.8, "spread": 0.1}, "bond": {"mean": 0.05, "spread": 0.05}},
                            traits={"relationships": {"mean": 1.0}},
                            interventions=[{"at": 30, "until": 31, "company": "focal", "start": "sensation",
                                            "target": "indifferent", "reach": 0.5, "frequency": 1.0}])
    model = run(scenario, seed)
    frame = model.timeseries()
    row = frame[frame["step"] == 30].iloc[0]
    touched = float(row["focal_programme_touches"])
    straight = float(row["indifferent_to_passionate"])
    numbers = {"indifferent customers given a peak experience at step 30": touched,
               "of whom passionate at the end of that step": straight,
               "passionate share of the company at step 60": float(frame["focal_passionate_share"].iloc[-1])}

    def plot(ax):
        for level in LEVELS:
            ax.plot(frame["step"], frame[f"focal_{level}_share"], label=level)
        ax.axvline(30, color="grey", lw=0.8)
        ax.set(xlabel="step", ylabel="share", title="a peak experience at step 30")
        ax.legend(fontsize=7)

    return Demonstration("sensation", "a peak experience can lift a customer straight to passionate",
                         "quiet market; at step 30 half of the indifferent customers get one sensation of full "
                         "programme intensity", seed, numbers, touched > 0 and straight >= 0.5 * touched, plot)


def relationship_capacity(seed: int = 0, scale: float = 1.0) -> Demonstration:
    scenario = quiet_market(customers=_scaled(4000, scale), steps=150,
                            initial={"trust": {"mean": 0.8, "spread": 0.1}},
                            traits={"relationships": {"mean": 5.0}},
                            companies={"focal": {"programmes": {"appreciation": {"reach": 1.0, "frequency": 0.1},
                                                                "sensation": {"reach": 1.0, "frequency": 0.005}}}})
    state = run(scenario, seed).state
    full = state.relationships >= 5
    shares = {"at capacity": float((state.level[full] == Level.PASSIONATE).mean()),
              "with room": float((state.level[~full] == Level.PASSIONATE).mean())}
    numbers = {f"passionate share, {label}": value for label, value in shares.items()}

    def plot(ax):
        ax.bar(list(shares), list(shares.values()), color=["#9e9e9e", "#2e7d32"])
        ax.set(ylabel="share passionate after 150 steps", title="relationship capacity")

    return Demonstration("relationship capacity", "customers already at their capacity of deep relationships become "
                         "passionate less often", "quiet market with a fan programme (appreciation and occasional "
                         "sensation for everyone); people hold on average 5 deep relationships, capacity 5",
                         seed, numbers, shares["at capacity"] < shares["with room"], plot)


# --- switching --------------------------------------------------------------------------------------
def switching_order(seed: int = 0, scale: float = 1.0) -> Demonstration:
    scenario = merge(_baseline_market(scale), {"steps": 250, "companies": {
        "focal": {"complaint_handling": 0.2, "listening": 0.0,
                  "programmes": {"sensation": {"reach": 0.3, "frequency": 0.01}}},
        "budget": {"complaint_handling": 0.1}}})
    exposure = np.zeros(6)
    lost = np.zeros(6)

    def watch(model):
        lost[:] += model.last_tally.lost_by_level.sum(axis=0)
        exposure[:] += np.bincount(model.state.level, minlength=6)

    run(scenario, seed, every_step=watch)
    hazard = lost[:5] / np.maximum(exposure[:5], 1) * 365
    numbers = {f"leavers per customer-year, {LEVELS[k]}": float(hazard[k]) for k in range(5)}
    numbers.update({f"customer-steps observed, {LEVELS[k]}": int(exposure[k]) for k in range(5)})
    holds = (min(hazard[Level.HOSTILE], hazard[Level.DISENGAGED]) > hazard[Level.INDIFFERENT]
             > hazard[Level.INVOLVED] > hazard[Level.PASSIONATE])

    def plot(ax):
        ax.bar(LEVELS, hazard, color=["#9e9e9e", "#64b5f6", "#2e7d32", "#ffb300", "#c62828"])
        ax.set_yscale("log")
        ax.set(ylabel="leavers per customer-year (log)", title="hazard of leaving by level")
        ax.tick_params(axis="x", rotation=20)

    return Demonstration("switching order", "the hazard of leaving orders as hostile, disengaged > indifferent > "
                         "involved > passionate", "baseline market with poor complaint handling and a small fan "
                         "programme, 250 steps", seed, numbers, bool(holds), plot)


def promotions(seed: int = 0, scale: float = 1.0) -> Demonstration:
    scenario = merge(_baseline_market(2 * scale), {"steps": 100, "interventions": [
        {"at": 50, "until": 80, "company": "budget", "promotion": {"discount": 0.3, "reach": 0.2}}]})
    model = EngagementModel(scenario, rng=seed)
    model.run(50)
    state = model.state
    focal = state.company == model.market.focal
    level = state.level.copy()
    sensitivity = state.price_sensitivity.copy()
    model.run(30)
    left = focal & (state.company != model.market.focal)
    high, low = sensitivity >= np.quantile(sensitivity, 2 / 3), sensitivity <= np.quantile(sensitivity, 1 / 3)
    groups = {"indifferent, price-sensitive third": focal & (level == Level.INDIFFERENT) & high,
              "indifferent, least sensitive third": focal & (level == Level.INDIFFERENT) & low,
              "involved": focal & (level == Level.INVOLVED),
              "passionate": focal & (level == Level.PASSIONATE)}
    rates = {label: float(left[mask].mean()) if mask.any() else float("nan") for label, mask in groups.items()}
    numbers = {f"left during the promotion: {label}": value for label, value in rates.items()}
    follow = rates["indifferent, price-sensitive third"]
    holds = (follow > 1.5 * rates["indifferent, least sensitive third"] and follow > rates["involved"]
             and follow > rates["passionate"])

    def plot(ax):
        ax.barh(list(rates), list(rates.values()), color="#ffb300")
        ax.set(xlabel="share of the focal company's customers who left in 30 steps",
               title="a rival's promotion (30% off)")

    return Demonstration("promotions", "price-sensitive indifferent customers follow promotions",
                         "baseline market (6,000 people); the budget company runs a 30% promotion noticed by 20% "
                         "of people a step, from step 50 to 80", seed,
                         numbers, holds, plot)


def habit(seed: int = 0, scale: float = 1.0) -> Demonstration:
    scenario = quiet_market(customers=_scaled(3000, scale), steps=365,
                            initial={"bond": {"mean": 0.05, "spread": 0.05},
                                     "identification": {"mean": 0.0, "spread": 0.05}},
                            companies={"focal": {"initial_share": 0.5}, "rival": {"initial_share": 0.5,
                                                                                  "quality_spread": 0.0,
                                                                                  "failure_rate": 0.0,
                                                                                  "advertising": {"reach": 0.0}}},
                            switching={"base_hazard": 0.0005})
    model = run(scenario, seed)
    frame = model.timeseries()
    numbers = {"customers lost over a year per starting customer": float(frame["focal_lost"].sum()
                                                                       / frame["focal_customers"].iloc[0]),
               "passionate share at the end": float(frame["focal_passionate_share"].iloc[-1]),
               "involved share at the end": float(frame["focal_involved_share"].iloc[-1])}

    def plot(ax):
        ax.plot(frame["step"], frame["focal_market_share"], label="market share")
        ax.plot(frame["step"], frame["focal_passionate_share"], label="passionate share")
        ax.set(xlabel="step", ylim=(0, 1), title="habit without drivers")
        ax.legend()

    return Demonstration("habit", "without any driver, loyal-by-habit customers stay but do not become fans",
                         "two identical companies, no advertising, talk, programmes, failures or promotions; a year",
                         seed, numbers, numbers["customers lost over a year per starting customer"] < 0.1
                         and numbers["passionate share at the end"] == 0
                         and numbers["involved share at the end"] < 0.01, plot)


# --- money ----------------------------------------------------------------------------------------
def money(seed: int = 0, scale: float = 1.0) -> Demonstration:
    from ..mechanisms.money import spend

    fans = merge(_baseline_market(scale), {"steps": 150, "companies": {
        "focal": {"initial_share": 0.3, "programmes": {"sensation": {"reach": 0.5, "frequency": 0.02}}}}})
    quiet = merge(fans, {"word_of_mouth": {"praise_rate": 0.0}})
    model = run(fans, seed)
    state = model.state
    focal = state.company == model.market.focal
    revenue = {LEVELS[k]: float(spend(model.market.price[state.company], state.bond, model.params)[
        focal & (state.level == k)].mean()) for k in (Level.INDIFFERENT, Level.INVOLVED, Level.PASSIONATE)}
    referrals = float(model.timeseries()["focal_referrals"].sum())
    silent = float(run(quiet, seed).timeseries()["focal_referrals"].sum())
    numbers = {**{f"revenue per customer-step, {level}": value for level, value in revenue.items()},
               "customers won by referral (praise on)": referrals, "customers won by referral (praise off)": silent}
    values = list(revenue.values())

    def plot(ax):
        ax.bar(list(revenue), values, color=["#9e9e9e", "#64b5f6", "#2e7d32"])
        ax.set(ylabel="revenue per customer per step", title=f"money; referrals {referrals:.0f} vs {silent:.0f}")

    return Demonstration("money", "revenue per customer rises with engagement; referrals bring customers in",
                         "baseline market with 10% prospects and a focal sensation programme, 150 steps; praise on "
                         "vs off", seed, numbers, values[0] < values[1] < values[2] and referrals > 0 and silent == 0,
                         plot)


PROPERTIES: dict[str, Callable[..., Demonstration]] = {
    "trust gate": trust_gate,
    "trust asymmetry": trust_asymmetry,
    "peak-end memory": peak_end_memory,
    "rising expectations": rising_expectations,
    "recovery paradox": recovery_paradox,
    "escalation": escalation,
    "introversion": introversion,
    "valence of word of mouth": valence,
    "participation": participation,
    "appreciation": appreciation,
    "sensation": sensation,
    "relationship capacity": relationship_capacity,
    "switching order": switching_order,
    "promotions": promotions,
    "habit": habit,
    "money": money,
}
