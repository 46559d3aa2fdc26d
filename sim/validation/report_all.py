"""Validation: the model against known results, and the report `python -m sim validate-model` writes.

Researchers trust a model that reproduces known results (Rand & Rust 2011 replicate the Bass model
for this reason). This module runs four groups of experiments and writes docs/validation.md:

1. **The Bass (1969) limit.** With complaints, competitors and relational drivers switched off
   (scenarios/bass.yaml), a prospect joins in a step through advertising or a referral, the two
   hazards added and one uniform deciding (sim.mechanisms.switching):

   - advertising reaches a person with probability `advertising.reach`; an exposed prospect
     converts with probability `advertising.conversion`, so  **p = reach x conversion**;
   - a person converses with one random contact with probability `word_of_mouth.conversation_rate`;
     a passionate contact praises with probability `praise_rate` x (1 - `introversion_damping` x
     introversion); a praised prospect converts with probability `referral_conversion`, so with
     introversion 0  **q = conversation_rate x praise_rate x referral_conversion**.

   On the complete network a contact is any other person, so the chance that it is an adopter is
   the adopter share F (among the others: A / (N - 1)). Adopters praise from the step after they
   join because a new customer's bond starts at `bond.identification_weight` x identification
   (scenario: 1 x 1, above `levels.passionate`, trust above the gate) and stays there (no
   experiences, anger or programmes move it). Hence, in expectation, the discrete Bass recursion

       F(t+1) = F(t) + (p + q F(t)) (1 - F(t)),   F(0) = 0,

   which is exact for the model's step (hazards fixed within a step, adopters of step t talk from
   step t+1). The continuous closed form F(t) = (1 - e^-(p+q)t) / (1 + (q/p) e^-(p+q)t) solves
   dF/dt = (p + qF)(1 - F); it is the limit of the recursion when (p + q) per step is small, and
   runs ahead of it when (p + q) per step is not small, so the recursion is the right reference.
   `bass_conditions` lists every setting the limit needs; `bass_coefficients` maps a scenario to
   (p, q). On sparse networks q F is replaced by q x the adopter share among one's contacts, which
   is correlated with one's own state; diffusion is slower and the complete graph is an upper
   bound (Fibich & Gibori 2010).
2. **Each property of the brief**, demonstrated by sim.properties.PROPERTIES (if present).
3. **Stylized facts**, next to the published figure and not tuned: the ratio of positive to negative
   word of mouth (East, Hammond & Wright 2007: about 3:1), the recovery paradox after a first but not
   a second failure (Maxham & Netemeyer 2002), and loyalty after a complaint by how it was handled
   (the shape of the TARP table).
"""

from __future__ import annotations

import contextlib
import math
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .. import scenario as scenarios
from ..levels import Level
from ..model import EngagementModel
from ..scenario import BUNDLED

BASS_SCENARIO = BUNDLED / "bass.yaml"
BASELINE_SCENARIO = BUNDLED / "baseline.yaml"

# --- 1. the Bass limit ---------------------------------------------------------------------------


def bass_coefficients(data: dict) -> tuple[float, float]:
    """Bass's (p, q) per step implied by a resolved scenario (`Scenario.data`).

    p adds up every company's reach x conversion (the advertising hazards add); q is
    conversation_rate x praise_rate x referral_conversion x the damping of a person of mean introversion.
    """
    wom = data["word_of_mouth"]
    p = sum(c["advertising"]["reach"] * c["advertising"]["conversion"] for c in data["companies"].values())
    damping = 1 - wom["introversion_damping"] * data["traits"]["introversion"]["mean"]
    q = wom["conversation_rate"] * wom["praise_rate"] * wom["referral_conversion"] * damping
    return p, q


def bass_conditions(data: dict) -> list[str]:
    """The settings the exact Bass limit needs that this scenario lacks (empty list: it is the limit)."""
    problems = []
    companies = data["companies"]

    def need(ok: bool, what: str) -> None:
        if not ok:
            problems.append(what)

    need(data["network"]["kind"] == "complete", "network.kind: complete (a contact is any other person)")
    need(not data["interventions"], "no interventions")
    for name, c in companies.items():
        key = f"companies.{name}."
        need(c["initial_share"] == 0, key + "initial_share: 0 (everyone starts as a prospect)")
        need(c["touchpoint_rate"] == 0, key + "touchpoint_rate: 0 (no experiences, failures or complaints)")
        need(c["promotion"]["reach"] == 0 or c["promotion"]["discount"] == 0, key + "promotion off")
        for programme, spec in c["programmes"].items():
            need(spec["reach"] == 0, key + f"programmes.{programme}.reach: 0")
        need(c["advertising"]["conversion"] + data["word_of_mouth"]["referral_conversion"] <= 1,
             key + "advertising.conversion + word_of_mouth.referral_conversion <= 1 (hazards add)")
    switching = data["switching"]
    for key in ("base_hazard", "anger_hazard", "price_response"):
        need(switching[key] == 0, f"switching.{key}: 0 (nobody leaves)")
    traits, initial = data["traits"], data["initial"]
    need(traits["introversion"]["spread"] == 0 or data["word_of_mouth"]["introversion_damping"] == 0,
         "traits.introversion.spread: 0 (everyone praises at the same rate)")
    need(initial["identification"]["spread"] == 0, "initial.identification.spread: 0")
    need(initial["trust"]["spread"] == 0 and initial["trust"]["mean"] >= data["trust"]["gate"],
         "initial.trust: mean >= trust.gate with spread 0 (the bond is not capped)")
    fading = data.get("identification", {}).get("fading", 0.0)
    need(fading == 0, "identification.fading: 0 (otherwise adopters' identification, and bond, fade below passionate)")
    bond = data["bond"]["identification_weight"] * initial["identification"]["mean"]
    crowded = bond * (data["bond"]["crowding"] if traits["relationships"]["mean"] > 0 else 1.0)
    need(min(bond, crowded) >= data["levels"]["passionate"],
         "bond.identification_weight x initial.identification.mean >= levels.passionate "
         "(adopters are passionate from the start; with traits.relationships.mean > 0 also after crowding)")
    return problems


def bass_overrides(p: float, q: float) -> dict:
    """Overrides of scenarios/bass.yaml giving Bass coefficients (p, q) per step.

    p = 0.2 x (5p) and q = 0.8 x 0.8 x (q / 0.64): the factors are not trivial, so the run checks the
    product form of the mapping, and conversion + referral_conversion stays <= 1 for q <= 0.64 (1 - 5p).
    """
    return {"companies.brand.advertising.reach": 0.2, "companies.brand.advertising.conversion": 5 * p,
            "word_of_mouth.conversation_rate": 0.8, "word_of_mouth.praise_rate": 0.8,
            "word_of_mouth.referral_conversion": q / 0.64}


def bass_discrete(p: float, q: float, steps: int, start: float = 0.0) -> np.ndarray:
    """F(0..steps) of the discrete Bass recursion F(t+1) = F(t) + (p + q F(t)) (1 - F(t))."""
    share = np.empty(steps + 1)
    share[0] = start
    for t in range(steps):
        share[t + 1] = share[t] + (p + q * share[t]) * (1 - share[t])
    return share


def bass_continuous(p: float, q: float, t: np.ndarray) -> np.ndarray:
    """Bass's closed form F(t) = (1 - e^-(p+q)t) / (1 + (q/p) e^-(p+q)t)."""
    decay = np.exp(-(p + q) * np.asarray(t, dtype=float))
    return (1 - decay) / (1 + (q / p) * decay)


def bass_noise_sd(p: float, q: float, steps: int, customers: int) -> np.ndarray:
    """Standard deviation of the simulated adopter share around the recursion (linear-noise approximation).

    New adopters in a step are binomial: variance (1 - F) h (1 - h) / N in share, h = p + qF. A deviation
    d is carried to the next step multiplied by 1 + g'(F), g(F) = (p + qF)(1 - F), so the variance obeys
    V(t+1) = (1 + q - p - 2qF)^2 V(t) + (1 - F) h (1 - h) / N: binomial standard errors accumulate.
    """
    share = bass_discrete(p, q, steps)
    variance = np.zeros(steps + 1)
    for t in range(steps):
        hazard = p + q * share[t]
        growth = 1 + q - p - 2 * q * share[t]
        variance[t + 1] = growth**2 * variance[t] + (1 - share[t]) * hazard * (1 - hazard) / customers
    return np.sqrt(variance)


def bass_steps(p: float, q: float, reach: float = 0.995, limit: int = 200) -> int:
    """Steps until the discrete curve reaches `reach`, plus a few (capped at `limit`)."""
    share = bass_discrete(p, q, limit)
    return int(min(np.argmax(share >= reach) + 5 if (share >= reach).any() else limit, limit))


def bass_scenario(p: float, q: float, customers: int, steps: int, network: dict | None = None):
    """scenarios/bass.yaml set to (p, q), a population size, a length and optionally a network."""
    changes = {**bass_overrides(p, q), "customers": customers, "steps": steps}
    changes.update({f"network.{key}": value for key, value in (network or {}).items()})
    return scenarios.load(BASS_SCENARIO, changes)


def adopter_share(model: EngagementModel) -> np.ndarray:
    """Share of the population who are customers, at steps 0..model.steps."""
    frame = model.timeseries()
    return 1 - frame["prospects"].to_numpy() / model.state.n


def run_bass(p: float, q: float, customers: int, steps: int, seed: int, network: dict | None = None) -> np.ndarray:
    """Adopter share of one run of the Bass scenario."""
    model = EngagementModel(bass_scenario(p, q, customers, steps, network), rng=seed)
    model.run()
    return adopter_share(model)


def bass_convergence(pairs, sizes, seeds: dict[int, int], tick: Callable = lambda: None) -> pd.DataFrame:
    """Maximum absolute error against the discrete recursion, one row per (p, q, N, seed)."""
    rows = []
    for p, q in pairs:
        steps = bass_steps(p, q)
        reference = bass_discrete(p, q, steps)
        continuous = bass_continuous(p, q, np.arange(steps + 1))
        sd = bass_noise_sd(p, q, steps, 1).max()
        for n in sizes:
            for seed in range(seeds[n]):
                share = run_bass(p, q, n, steps, seed)
                rows.append({"p": p, "q": q, "customers": n, "seed": seed, "steps": steps,
                             "max_error": float(np.abs(share - reference).max()),
                             "max_error_continuous": float(np.abs(share - continuous).max()),
                             "expected_sd": float(sd / math.sqrt(n))})
                tick()
    return pd.DataFrame(rows)


NETWORKS = {
    "complete": {"kind": "complete"},
    "ring lattice (Watts-Strogatz, rewiring 0)": {"kind": "watts_strogatz", "degree": 10, "rewiring": 0.0},
    "small world (Watts-Strogatz, rewiring 0.1)": {"kind": "watts_strogatz", "degree": 10, "rewiring": 0.1},
    "random (Erdos-Renyi)": {"kind": "erdos_renyi", "degree": 10},
    "scale-free (Barabasi-Albert)": {"kind": "barabasi_albert", "degree": 10},
}


def network_curves(pairs, customers: int, seeds: int, tick: Callable = lambda: None) -> pd.DataFrame:
    """Mean adopter share per step on each network of NETWORKS (long table: p, q, network, step, share)."""
    frames = []
    for p, q in pairs:
        steps = 2 * bass_steps(p, q)
        for label, network in NETWORKS.items():
            curves = []
            for seed in range(seeds):
                curves.append(run_bass(p, q, customers, steps, seed, network))
                tick()
            frames.append(pd.DataFrame({"p": p, "q": q, "network": label, "step": np.arange(steps + 1),
                                        "share": np.mean(curves, axis=0)}))
    return pd.concat(frames, ignore_index=True)


def network_summary(curves: pd.DataFrame) -> pd.DataFrame:
    """Per (p, q, network): steps to half adoption, and the largest lead of the complete graph over it."""
    rows = []
    for (p, q), group in curves.groupby(["p", "q"], sort=False):
        complete = group[group["network"] == "complete"].set_index("step")["share"]
        for label, curve in group.groupby("network", sort=False):
            share = curve.set_index("step")["share"]
            half = share.index[share.to_numpy() >= 0.5]
            rows.append({"p": p, "q": q, "network": label,
                         "steps_to_half": int(half[0]) if len(half) else None,
                         "complete_lead_max": float((complete - share).max()),
                         "complete_lead_min": float((complete - share).min())})
    return pd.DataFrame(rows)


# --- 3. stylized facts ---------------------------------------------------------------------------


def word_of_mouth_ratio(seeds: int, overrides: dict | None = None, tick: Callable = lambda: None) -> pd.DataFrame:
    """Praise and warnings over a baseline run, per company and seed (East, Hammond & Wright 2007: ~3:1)."""
    rows = []
    for seed in range(seeds):
        model = EngagementModel(BASELINE_SCENARIO, rng=seed, overrides=overrides)
        model.run()
        frame = model.timeseries()
        for name in model.market.names:
            rows.append({"seed": seed, "company": name, "praise": int(frame[f"{name}_praise"].sum()),
                         "warnings": int(frame[f"{name}_warnings"].sum())})
        tick()
    return pd.DataFrame(rows)


def watch_of(model: EngagementModel) -> dict:
    """What happened to each customer's complaint in the last step, as boolean arrays (and recovery values).

    Read from the outcomes the complaints mechanism leaves in the step's tally.
    """
    tally, n = model.last_tally, model.state.n
    outcomes = tally.complaint_outcomes

    def mask(rows: np.ndarray) -> np.ndarray:
        chosen = np.zeros(n, bool)
        chosen[rows] = True
        return chosen

    value = np.zeros(n, np.float32)
    value[outcomes.resolved] = outcomes.recovery_value
    return {"failed": tally.failed if tally.failed is not None else np.zeros(n, bool), "recovery_value": value,
            **{key: mask(getattr(outcomes, key)) for key in ("complained", "resolved", "quick", "gave_up")}}


TARP_GROUPS = ("did not complain", "complained, not satisfied", "complained, satisfied",
               "complained, satisfied quickly")


@dataclass
class ComplaintCohort:
    """Customers followed from their first failure in a window: how the complaint went, and did they stay."""

    n: int
    first: np.ndarray = field(init=False)
    home: np.ndarray = field(init=False)
    status: np.ndarray = field(init=False)  # 0 silent, 1 open, 2 quick, 3 satisfied later, 4 not satisfied
    left: np.ndarray = field(init=False)

    def __post_init__(self):
        self.first = np.full(self.n, -1, np.int32)
        self.home = np.zeros(self.n, np.int16)
        self.status = np.zeros(self.n, np.int8)
        self.left = np.zeros(self.n, bool)

    def observe(self, model: EngagementModel, window: tuple[int, int], horizon: int) -> None:
        """Update after one model step."""
        step, watch, company = model.steps, watch_of(model), model.state.company
        before = model.last_tally.company_before
        fresh = watch["failed"] & (self.first < 0) & (window[0] <= step < window[1])
        self.first[fresh] = step
        self.home[fresh] = before[fresh]
        self.status[fresh] = np.where(watch["complained"][fresh], 1, 0)
        following = (self.first >= 0) & (step <= self.first + horizon)
        pending = following & (self.status == 1)
        satisfied = watch["resolved"] & (watch["recovery_value"] > 0)
        self.status[pending & satisfied & watch["quick"]] = 2
        self.status[pending & satisfied & ~watch["quick"]] = 3
        self.status[pending & ((watch["resolved"] & ~satisfied) | watch["gave_up"] | (company != self.home))] = 4
        self.left |= following & (company != self.home)

    def groups(self, last_step: int, horizon: int) -> pd.DataFrame:
        """Retention over the horizon by TARP group (still-open complaints count as not satisfied)."""
        done = (self.first >= 0) & (self.first + horizon <= last_step)
        group = np.select([self.status == 0, np.isin(self.status, (1, 4)), self.status == 3, self.status == 2],
                          [0, 1, 2, 3])
        rows = []
        for k, label in enumerate(TARP_GROUPS):
            members = done & (group == k)
            stayed = (~self.left[members]).mean() if members.any() else float("nan")
            rows.append({"group": label, "customers": int(members.sum()), "retention": float(stayed)})
        return pd.DataFrame(rows)


TARP_HORIZON = 90  # steps a customer is followed after their first failure


def complaint_loyalty(seeds: int, overrides: dict | None = None, horizon: int = TARP_HORIZON,
                      tick: Callable = lambda: None) -> pd.DataFrame:
    """Retention after a first failure by how the complaint went (TARP shape), baseline scenario, pooled seeds."""
    frames = []
    for seed in range(seeds):
        model = EngagementModel(BASELINE_SCENARIO, rng=seed, overrides=overrides)
        last = model.params["steps"]
        cohort = ComplaintCohort(model.state.n)
        for _ in range(last):
            model.step()
            cohort.observe(model, (1, last - horizon + 1), horizon)
        frames.append(cohort.groups(last, horizon).assign(seed=seed))
        tick()
    table = pd.concat(frames)
    table["stayed"] = table["retention"] * table["customers"]
    pooled = table.groupby("group", sort=False)[["customers", "stayed"]].sum().reindex(TARP_GROUPS).reset_index()
    pooled["retention"] = pooled["stayed"] / pooled["customers"].replace(0, np.nan)
    pooled["ci95"] = 1.96 * np.sqrt(pooled["retention"] * (1 - pooled["retention"]) / pooled["customers"].clip(lower=1))
    return pooled.drop(columns="stayed")


@dataclass
class Twin:
    """One arm of the recovery twin experiment: what matters towards the focal company, step by step.

    `bond` (towards the focal company, 0 for people who are not its customers) is kept for every step;
    the rest only for the steps in `keep`.
    """

    label: str
    keep: set
    bond: list = field(default_factory=list)
    engaged: dict = field(default_factory=dict)
    customer: dict = field(default_factory=dict)
    failed: dict = field(default_factory=dict)
    quick: dict = field(default_factory=dict)
    failures: dict = field(default_factory=dict)  # failures with the focal company since the start
    count: np.ndarray | None = None

    def record(self, model: EngagementModel) -> None:
        state, watch, focal = model.state, watch_of(model), model.market.focal
        mine = state.company == focal
        failed = watch["failed"] & (model.last_tally.company_before == focal)
        self.count = failed.astype(np.int16) if self.count is None else self.count + failed
        self.bond.append(np.where(mine, state.bond, 0).astype(np.float32))
        step = model.steps
        if step in self.keep:
            self.engaged[step] = mine & ((state.level == Level.INVOLVED) | (state.level == Level.PASSIONATE))
            self.customer[step] = mine
            self.failed[step] = failed
            self.quick[step] = watch["quick"].copy()
            self.failures[step] = self.count.copy()


def outage(at: int) -> dict:
    """A one-step outage: every focal customer with a touchpoint in step `at` has a failure."""
    return {"at": at, "until": at + 1, "company": "focal", "outage": {"failure_rate": 1.0, "share": 1.0}}


def run_twin(label: str, outages: list[int], seed: int, steps: int, overrides: dict, keep: set) -> Twin:
    """Run the baseline with the given outages and record a Twin (common random numbers: same seed)."""
    twin = Twin(label, keep)
    model = EngagementModel(BASELINE_SCENARIO, rng=seed,
                            overrides={**overrides, "interventions": [outage(t) for t in outages]})
    for _ in range(steps):
        model.step()
        twin.record(model)
    return twin


def paired(treated: Twin, control: Twin, members: np.ndarray, step: int) -> dict:
    """Mean paired differences (treated - control twin) of the group `members` at `step`."""
    count = int(members.sum())
    if count < 2:
        return {"customers": count, "bond_difference": float("nan"), "bond_difference_se": float("nan"),
                "engaged_difference": float("nan"), "retention_difference": float("nan")}
    diff = treated.bond[step - 1][members].astype(float) - control.bond[step - 1][members]
    return {"customers": count, "bond_difference": float(diff.mean()),
            "bond_difference_se": float(diff.std(ddof=1) / math.sqrt(count)),
            "engaged_difference": float(treated.engaged[step][members].mean() - control.engaged[step][members].mean()),
            "retention_difference": float(treated.customer[step][members].mean()
                                          - control.customer[step][members].mean())}


@dataclass
class RecoveryDesign:
    """The recovery twin experiment: outages at `first` and `second`, effects read `horizon` steps later."""

    first: int = 20
    second: int = 80
    horizon: int = 30
    good_handling: float = 0.9
    poor_handling: float = 0.1
    customers: int | None = 20_000


def recovery_paradox(design: RecoveryDesign, seed: int = 0, tick: Callable = lambda: None) -> tuple[pd.DataFrame, dict]:
    """Twins under common random numbers: no outage, one outage, two outages (good handling); one (poor).

    Group "one failure": focal customers whose first failure with the company came in the first outage;
    "two failures": those of them whose second failure came in the second outage; "... at first contact":
    the subgroup whose complaints were resolved in the step of the failure. Each group is compared with
    the same people in the twin run without outages, `horizon` steps after its last failure.
    Returns the table and, per group, the mean paired bond difference at every step.
    """
    t1, t2, horizon = design.first, design.second, design.horizon
    steps = t2 + horizon
    keep = {t1, t2, t1 + horizon, t2 + horizon}
    base = {"customers": design.customers} if design.customers else {}
    arms = {}
    for name, handling, outages in (("good", design.good_handling, ([], [t1], [t1, t2])),
                                    ("poor", design.poor_handling, ([], [t1]))):
        for times in outages:
            label = f"{name}/{len(times)}"
            changes = {**base, "companies.focal.complaint_handling": handling}
            arms[label] = run_twin(label, times, seed, steps, changes, keep)
            tick()
    control, once, twice = arms["good/0"], arms["good/1"], arms["good/2"]
    hit_once = once.failed[t1] & (once.failures[t1] == 1)
    hit_twice = hit_once & twice.failed[t2] & (twice.failures[t2] == 2)
    poor = arms["poor/1"]
    rows = [
        ("one failure, good handling", once, control, hit_once, t1),
        ("one failure, recovered at first contact", once, control, hit_once & once.quick[t1], t1),
        ("two failures, good handling", twice, control, hit_twice, t2),
        ("two failures, both recovered at first contact", twice, control,
         hit_twice & twice.quick[t1] & twice.quick[t2], t2),
        ("one failure, poor handling", poor, arms["poor/0"], poor.failed[t1] & (poor.failures[t1] == 1), t1),
    ]
    table = pd.DataFrame([{"group": label, "failure_step": at, "read_at": at + horizon,
                           **paired(treated, twin, members, at + horizon)}
                          for label, treated, twin, members, at in rows])
    paths = {label: np.array([(treated.bond[k][members].astype(float) - twin.bond[k][members]).mean()
                              if members.any() else np.nan for k in range(steps)])
             for label, treated, twin, members, _ in rows}
    return table, paths


# --- 2. property demonstrations --------------------------------------------------------------------


def property_demonstrations(scale: float, seed: int = 0, tick: Callable = lambda: None) -> list | None:
    """Run every demonstration in sim.properties.PROPERTIES; None if that module does not exist yet."""
    try:
        from . import properties
    except ModuleNotFoundError as error:
        if error.name == "sim.properties":
            return None
        raise
    results = []
    for name, demonstrate in properties.PROPERTIES.items():
        started = time.perf_counter()
        try:
            results.append(demonstrate(seed=seed, scale=scale))
        except Exception as error:  # a broken demonstration is reported, not fatal to the report
            results.append(BrokenDemonstration(name, f"{type(error).__name__}: {error}", seed))
        with contextlib.suppress(AttributeError, TypeError):
            results[-1].seconds = time.perf_counter() - started
        tick()
    return results


@dataclass
class BrokenDemonstration:
    """Stands in for a demonstration that raised, so the report shows the error."""

    name: str
    error: str
    seed: int
    claim: str = ""
    scenario: str = ""
    numbers: dict = field(default_factory=dict)
    holds: bool = False
    plot: Callable | None = None


def count_properties() -> int:
    try:
        from . import properties
    except ModuleNotFoundError as error:
        if error.name == "sim.properties":
            return 0
        raise
    return len(properties.PROPERTIES)


# --- the whole run ----------------------------------------------------------------------------------


@dataclass
class Plan:
    """Sizes of every experiment: `full()` for the committed report, `quick()` for CI (about a minute)."""

    quick: bool
    pairs: list
    sizes: list
    seeds: dict
    network_pairs: list
    network_customers: int
    network_seeds: int
    wom_seeds: int
    tarp_seeds: int
    baseline: dict  # overrides of scenarios/baseline.yaml for the stylized facts (empty: as written)
    recovery: RecoveryDesign
    property_scale: float

    @classmethod
    def full(cls) -> Plan:
        return cls(False, [(0.01, 0.2), (0.03, 0.4), (0.005, 0.5)], [1_000, 10_000, 100_000],
                   {1_000: 20, 10_000: 10, 100_000: 4}, [(0.01, 0.2), (0.005, 0.5)], 20_000, 3,
                   5, 4, {}, RecoveryDesign(customers=50_000), 1.0)

    @classmethod
    def small(cls) -> Plan:
        return cls(True, [(0.01, 0.2), (0.005, 0.5)], [1_000, 4_000],
                   {1_000: 3, 4_000: 2}, [(0.01, 0.2)], 4_000, 1,
                   1, 1, {"customers": 4_000, "steps": 200},
                   RecoveryDesign(first=10, second=40, horizon=20, customers=5_000), 0.25)

    def runs(self) -> int:
        """Number of model runs (for the progress bar)."""
        bass = len(self.pairs) * sum(self.seeds[n] for n in self.sizes)
        networks = len(self.network_pairs) * len(NETWORKS) * self.network_seeds
        return bass + networks + self.wom_seeds + self.tarp_seeds + 5 + count_properties()


@dataclass
class Results:
    """Everything the report shows."""

    plan: Plan
    convergence: pd.DataFrame
    curves: dict
    networks: pd.DataFrame
    wom: pd.DataFrame
    tarp: pd.DataFrame
    recovery: pd.DataFrame
    recovery_paths: dict
    demonstrations: list | None
    seconds: float = 0.0


def run_all(plan: Plan, progress: bool = True) -> Results:
    """Run every experiment of the plan, with one progress bar over all model runs."""
    from tqdm.auto import tqdm

    started = time.perf_counter()
    with tqdm(total=plan.runs(), desc="validate-model", unit="run", disable=not progress) as bar:
        tick = bar.update
        convergence = bass_convergence(plan.pairs, plan.sizes, plan.seeds, tick)
        biggest = max(plan.sizes)
        curves = {(p, q): run_bass(p, q, biggest, bass_steps(p, q), 0) for p, q in plan.pairs}
        networks = network_curves(plan.network_pairs, plan.network_customers, plan.network_seeds, tick)
        wom = word_of_mouth_ratio(plan.wom_seeds, plan.baseline, tick)
        tarp = complaint_loyalty(plan.tarp_seeds, plan.baseline, tick=tick)
        recovery, paths = recovery_paradox(plan.recovery, tick=tick)
        demonstrations = property_demonstrations(plan.property_scale, tick=tick)
    return Results(plan, convergence, curves, networks, wom, tarp, recovery, paths, demonstrations,
                   time.perf_counter() - started)


def generate(out: str | Path = "docs", quick: bool = False, progress: bool = True) -> Path:
    """Run the experiments and write OUT/validation.md and OUT/figures/validation/*.png; return the report path.

    Figures are drawn into a hidden partial folder that replaces the old one only when complete, and
    the report is written last (to a temporary name, then renamed), so nothing is left half-written.
    """
    out = Path(out)
    results = run_all(Plan.small() if quick else Plan.full(), progress)
    final = out / "figures" / "validation"
    partial = final.with_name(".validation.partial")
    if partial.exists():
        shutil.rmtree(partial)
    partial.mkdir(parents=True)
    try:
        text = render(results, partial, figure_prefix="figures/validation")
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    if final.exists():
        shutil.rmtree(final)
    partial.rename(final)
    from ..experiments.output import write_text

    report = out / "validation.md"
    write_text(report, text)
    return report


# --- the report -----------------------------------------------------------------------------------------


def markdown_table(frame: pd.DataFrame, formats: dict | None = None) -> str:
    """A pandas frame as a Markdown table, columns formatted by `formats` (format spec or callable)."""
    formats = formats or {}

    def cell(column, value):
        spec = formats.get(column)
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return "-"
        if callable(spec):
            return spec(value)
        return format(value, spec) if spec else str(value)

    lines = ["| " + " | ".join(map(str, frame.columns)) + " |", "|" + " --- |" * len(frame.columns)]
    for _, row in frame.iterrows():
        lines.append("| " + " | ".join(cell(c, row[c]) for c in frame.columns) + " |")
    return "\n".join(lines)


def save_figure(figure, folder: Path, name: str, prefix: str) -> str:
    """Save a matplotlib figure as folder/name.png, close it, and return the Markdown image link."""
    import matplotlib.pyplot as plt

    figure.tight_layout()
    figure.savefig(folder / f"{name}.png", dpi=110)
    plt.close(figure)
    return f"![{name}]({prefix}/{name}.png)"


def convergence_table(convergence: pd.DataFrame) -> pd.DataFrame:
    """Mean (sd) maximum absolute error per (p, q, N), against the discrete and the continuous curves."""
    grouped = convergence.groupby(["p", "q", "customers"], sort=False)
    table = grouped.agg(runs=("seed", "size"), max_error=("max_error", "mean"), sd=("max_error", "std"),
                        expected_sd=("expected_sd", "first"), continuous=("max_error_continuous", "mean"))
    table["error_x_sqrt_n"] = table["max_error"] * np.sqrt(table.index.get_level_values("customers"))
    return table.reset_index()


def error_slopes(table: pd.DataFrame) -> dict:
    """Slope of log(mean max error) against log(N) per (p, q): about -0.5 if the error is ~ 1/sqrt(N)."""
    slopes = {}
    for (p, q), group in table.groupby(["p", "q"], sort=False):
        if len(group) > 1:
            slopes[(p, q)] = float(np.polyfit(np.log(group["customers"]), np.log(group["max_error"]), 1)[0])
    return slopes


def figure_bass_curves(results: Results, folder: Path, prefix: str) -> str:
    import matplotlib.pyplot as plt

    pairs = list(results.curves)
    figure, axes = plt.subplots(1, len(pairs), figsize=(4.2 * len(pairs), 3.6), squeeze=False)
    n = max(results.plan.sizes)
    for ax, (p, q) in zip(axes[0], pairs, strict=True):
        share = results.curves[(p, q)]
        t = np.arange(share.size)
        fine = np.linspace(0, t[-1], 400)
        ax.plot(t, share, "o", ms=3, color="#1f77b4", label=f"model, N={n:,}, seed 0")
        ax.plot(t, bass_discrete(p, q, t[-1]), "-", color="black", lw=1.2, label="discrete Bass recursion")
        ax.plot(fine, bass_continuous(p, q, fine), "--", color="#d62728", lw=1.2, label="continuous closed form")
        ax.set(title=f"p = {p}, q = {q}", xlabel="step", ylabel="adopter share F(t)", ylim=(0, 1.02))
    axes[0][0].legend(fontsize=8, loc="lower right")
    return save_figure(figure, folder, "bass_curves", prefix)


def figure_bass_error(table: pd.DataFrame, folder: Path, prefix: str) -> str:
    import matplotlib.pyplot as plt

    figure, ax = plt.subplots(figsize=(5.6, 4))
    for (p, q), group in table.groupby(["p", "q"], sort=False):
        line = ax.errorbar(group["customers"], group["max_error"], yerr=group["sd"].fillna(0), marker="o",
                           capsize=3, label=f"p={p}, q={q}")
        ax.plot(group["customers"], group["expected_sd"], ":", color=line[0].get_color())
    sizes = np.array(sorted(table["customers"].unique()), float)
    ax.plot(sizes, table["max_error"].max() * np.sqrt(sizes[0] / sizes), "k--", lw=1, label="slope -1/2")
    ax.set(xscale="log", yscale="log", xlabel="population N", ylabel="max |model - discrete Bass|",
           title="Error shrinks like 1/sqrt(N)\n(dotted: linear-noise standard deviation)")
    ax.legend(fontsize=8)
    return save_figure(figure, folder, "bass_error", prefix)


def figure_networks(curves: pd.DataFrame, folder: Path, prefix: str) -> str:
    import matplotlib.pyplot as plt

    pairs = list(dict.fromkeys(zip(curves["p"], curves["q"], strict=True)))
    figure, axes = plt.subplots(1, len(pairs), figsize=(5.2 * len(pairs), 3.8), squeeze=False)
    for ax, (p, q) in zip(axes[0], pairs, strict=True):
        group = curves[(curves["p"] == p) & (curves["q"] == q)]
        for label, curve in group.groupby("network", sort=False):
            ax.plot(curve["step"], curve["share"], lw=2 if label == "complete" else 1.3, label=label)
        steps = int(group["step"].max())
        slowest = group.groupby("step")["share"].min()
        done = slowest.index[slowest.to_numpy() >= 0.995]
        ax.plot(np.arange(steps + 1), bass_discrete(p, q, steps), "k:", lw=1, label="discrete Bass")
        ax.set(title=f"p = {p}, q = {q}", xlabel="step", ylabel="adopter share", ylim=(0, 1.02),
               xlim=(0, min(steps, int(done[0]) + 5) if len(done) else steps))
    axes[0][0].legend(fontsize=7, loc="lower right")
    return save_figure(figure, folder, "bass_networks", prefix)


def figure_word_of_mouth(wom: pd.DataFrame, folder: Path, prefix: str) -> str:
    import matplotlib.pyplot as plt

    totals = wom.groupby("company", sort=False)[["praise", "warnings"]].sum()
    totals.loc["market"] = totals.sum()
    ratio = totals["praise"] / totals["warnings"].replace(0, np.nan)
    finite = ratio[np.isfinite(ratio) & (ratio > 0)]
    low = min(float(finite.min()) if len(finite) else 1.0, 3.0) / 3
    high = max(float(finite.max()) if len(finite) else 1.0, 3.0) * 4
    figure, ax = plt.subplots(figsize=(5.6, 3.8))
    colours = ["#888888"] * (len(ratio) - 1) + ["#1f77b4"]
    ax.bar(ratio.index, ratio.fillna(low).clip(lower=low), color=colours)
    ax.axhline(3, color="#d62728", ls="--", label="East, Hammond & Wright (2007): about 3:1")
    for x, value in enumerate(ratio):
        text = "no warnings" if not np.isfinite(value) else f"{value:.1f}:1"
        ax.text(x, low * 1.1 if not np.isfinite(value) else value * 1.1, text, ha="center", va="bottom", fontsize=8)
    ax.set(ylabel="praise per warning (log scale)", yscale="log", ylim=(low, high),
           title="Positive vs negative word of mouth (baseline)")
    ax.legend(fontsize=8, loc="upper right")
    return save_figure(figure, folder, "word_of_mouth_ratio", prefix)


def figure_recovery(paths: dict, design: RecoveryDesign, folder: Path, prefix: str) -> str:
    import matplotlib.pyplot as plt

    figure, ax = plt.subplots(figsize=(7, 4))
    for label, path in paths.items():
        ax.plot(np.arange(1, path.size + 1), path, label=label)
    ax.axhline(0, color="black", lw=0.8)
    for at in (design.first, design.second):
        ax.axvline(at, color="grey", ls=":", lw=1)
    ax.set(xlabel="step", ylabel="bond minus twin's bond (no outage)",
           title="Recovery twins under common random numbers (dotted: outages)")
    ax.legend(fontsize=7)
    return save_figure(figure, folder, "recovery_paradox", prefix)


def figure_tarp(tarp: pd.DataFrame, horizon: int, folder: Path, prefix: str) -> str:
    import matplotlib.pyplot as plt

    figure, ax = plt.subplots(figsize=(6.4, 3.8))
    ax.bar(range(len(tarp)), tarp["retention"], yerr=tarp["ci95"], capsize=4,
           color=["#888888", "#d62728", "#2ca02c", "#1f77b4"])
    ax.set_xticks(range(len(tarp)), [g.replace(", ", ",\n") for g in tarp["group"]], fontsize=8)
    low = max(0.0, float(np.nanmin(tarp["retention"] - tarp["ci95"])) - 0.05)
    ax.set(ylabel=f"stayed with the company {horizon} steps", ylim=(low, 1),
           title="Loyalty after a failure, by complaint handling\n(TARP expects rising from left to right)")
    return save_figure(figure, folder, "complaint_loyalty", prefix)


def figure_property(demo, folder: Path, prefix: str) -> str | None:
    import matplotlib.pyplot as plt

    if getattr(demo, "plot", None) is None:
        return None
    figure, ax = plt.subplots(figsize=(6, 3.8))
    try:
        demo.plot(ax)
    except Exception as error:  # a broken plot is reported in the text
        plt.close(figure)
        return f"(figure failed: {type(error).__name__}: {error})"
    safe = "".join(ch if ch.isalnum() else "_" for ch in demo.name)
    return save_figure(figure, folder, f"property_{safe}", prefix)


def fmt(value) -> str:
    """A number for the report: 4 significant digits, integers with thousands separators."""
    if isinstance(value, bool | np.bool_):
        return "yes" if value else "no"
    if isinstance(value, int | np.integer):
        return f"{int(value):,}"
    if isinstance(value, float | np.floating):
        return "-" if math.isnan(value) else f"{value:.4g}"
    return str(value)


def mapping_section() -> str:
    data = scenarios.load(BASS_SCENARIO).data
    p, q = bass_coefficients(data)
    missing = bass_conditions(data)
    company = data["companies"]["brand"]
    wom = data["word_of_mouth"]
    rows = [
        ("p (innovation)", "companies.X.advertising.reach x companies.X.advertising.conversion (summed over companies)",
         f"{company['advertising']['reach']:g} x {company['advertising']['conversion']:g} = {p:g}"),
        ("q (imitation)", "word_of_mouth.conversation_rate x praise_rate x referral_conversion "
         "x (1 - introversion_damping x introversion)",
         f"{wom['conversation_rate']:g} x {wom['praise_rate']:g} x {wom['referral_conversion']:g} x 1 = {q:g}"),
    ]
    table = markdown_table(pd.DataFrame(rows, columns=["Bass", "model parameters", "scenarios/bass.yaml"]))
    conditions = ("all met" if not missing else "MISSING: " + "; ".join(missing))
    return f"""{table}

Conditions for the exact limit (checked by `sim.validation.bass_conditions`, {conditions}):
complete network; everyone starts as a prospect (`initial_share: 0`); no touchpoints (so no experiences,
failures or complaints); programmes and promotions off; nobody leaves (`switching.base_hazard`,
`anger_hazard`, `price_response` all 0); introversion 0 for everyone; identification 1 and trust above the
gate with spread 0, and no fading of identification (`identification.fading: 0`), so a new customer's bond
starts at `bond.identification_weight` x 1 >= `levels.passionate` and stays there: adopters praise from the
step after they join; nobody at relationship capacity (`traits.relationships.mean: 0`), since crowding would
halve the bond's target; and
`advertising.conversion + referral_conversion <= 1`, because the two conversion chances are added and
one uniform decides (sim/mechanisms/switching.py), which is exactly "hazard p + q F" only while the sum
stays below 1.

Why the discrete recursion is the reference: within a step the model fixes every hazard from the state
at the start of the step, and people who join in step t talk from step t+1. The expected share of new
adopters is therefore (p + q F(t)) (1 - F(t)), exactly the recursion F(t+1) = F(t) + (p + q F(t))(1 - F(t)).
The closed form F(t) = (1 - e^-(p+q)t) / (1 + (q/p) e^-(p+q)t) solves the differential equation
dF/dt = (p + qF)(1 - F), in which new adopters start influencing others at once; it is the limit of the
recursion when p + q per step is small (steps short compared with the diffusion), and with p + q of
0.2 to 0.5 per step it runs ahead of the model (and of the recursion) by several percentage points.
The chance that a random contact of a prospect is an adopter is A / (N - 1) rather than A / N: a bias
of order q/N, far below the noise."""


def bass_section(results: Results, folder: Path, prefix: str) -> str:
    table = convergence_table(results.convergence)
    slopes = error_slopes(table)
    ratio = table["max_error"] / table["expected_sd"]
    ratio_low, ratio_high = float(ratio.min()), float(ratio.max())
    gaps = []
    for p, q in results.plan.pairs:
        steps = bass_steps(p, q)
        gap = np.abs(bass_discrete(p, q, steps) - bass_continuous(p, q, np.arange(steps + 1))).max()
        gaps.append({"p": p, "q": q, "p + q": p + q, "max gap": gap, "slope": slopes.get((p, q), float("nan"))})
    shown = table.rename(columns={"customers": "N", "max_error": "mean max error", "sd": "sd over runs",
                                  "expected_sd": "linear-noise sd (max over t)",
                                  "continuous": "vs continuous form", "error_x_sqrt_n": "error x sqrt(N)"})
    error_table = markdown_table(shown, {"N": lambda v: f"{int(v):,}", "runs": lambda v: f"{int(v)}",
                                         "mean max error": ".4f",
                                         "sd over runs": ".4f", "linear-noise sd (max over t)": ".4f",
                                         "vs continuous form": ".4f", "error x sqrt(N)": ".3f"})
    gap_table = markdown_table(pd.DataFrame(gaps).rename(columns={
        "max gap": "max abs(discrete - continuous)", "slope": "fitted slope of log error vs log N"}),
        {"max abs(discrete - continuous)": ".4f", "fitted slope of log error vs log N": ".2f", "p + q": ".3f"})
    networks = network_summary(results.networks)
    net_table = markdown_table(networks.rename(columns={
        "steps_to_half": "steps to 50% adoption", "complete_lead_max": "largest lead of complete graph",
        "complete_lead_min": "smallest lead (negative = sparse ahead)"}),
        {"largest lead of complete graph": ".3f", "smallest lead (negative = sparse ahead)": ".3f"})
    plan = results.plan
    return f"""## 1. The Bass limit

{mapping_section()}

### Complete network: the model follows the discrete Bass curve

Each run uses scenarios/bass.yaml with `sim.validation.bass_overrides(p, q)` (reach 0.2, conversion 5p,
conversation rate 0.8, praise rate 0.8, referral conversion q / 0.64), seeds 0, 1, ...; the error is the
maximum over all steps of |adopter share - F(t)| until the curve passes 99.5% (plus 5 steps).

{figure_bass_curves(results, folder, prefix)}

{error_table}

The "linear-noise sd" is the largest standard deviation of the simulated share around the recursion,
predicted by propagating the binomial noise of each step through the recursion (`bass_noise_sd`). The mean
maximum error is {ratio_low:.1f} to {ratio_high:.1f} times it, and both fall like 1/sqrt(N): error x sqrt(N)
stays roughly constant (fitted slopes below). Small populations with a small p deviate more: with N p of a few
adopters a step, when the take-off starts is itself random, which shifts the whole curve.

{figure_bass_error(table, folder, prefix)}

{gap_table}

The gap between the discrete recursion and the continuous closed form does not shrink with N: it is the
difference between a daily step and continuous time, which is why the model is compared with the recursion
(column "vs continuous form" above: the model's distance to the closed form stays at that gap).

### Sparse networks: slower diffusion

Same (p, q), N = {plan.network_customers:,}, {plan.network_seeds} seed(s) averaged, degree 10. On a sparse
network a prospect's contacts are its neighbours, and adopters cluster, so a prospect's chance of meeting an
adopter is below the population share: diffusion is slower and the complete graph is an upper bound
(Fibich & Gibori 2010). "Lead" is the complete graph's adopter share minus the network's, over all steps.

{figure_networks(results.networks, folder, prefix)}

{net_table}
"""


def property_section(results: Results, folder: Path, prefix: str) -> str:
    header = "## 2. The properties of the brief, demonstrated\n\n"
    if results.demonstrations is None:
        return header + ("**Not yet available:** `sim/properties.py` (the `PROPERTIES` table of demonstrations) "
                         "does not exist in this checkout. Rerun `python -m sim validate-model` once it does.\n")
    summary = pd.DataFrame([{"property": d.name, "holds": "yes" if d.holds else "**NO**",
                             "seed": d.seed} for d in results.demonstrations])
    parts = [header + f"Scale {results.plan.property_scale:g} (`sim.properties`; seed 0).\n\n"
             + markdown_table(summary) + "\n"]
    for demo in results.demonstrations:
        numbers = pd.DataFrame([(k, fmt(v)) for k, v in (demo.numbers or {}).items()], columns=["figure", "value"])
        error = getattr(demo, "error", None)
        parts.append(f"""### {demo.name}: {"holds" if demo.holds else "DOES NOT HOLD"}

**Claim.** {demo.claim or "-"}

**Scenario.** {demo.scenario or "-"} (seed {demo.seed})
{f"{chr(10)}**Error.** `{error}`{chr(10)}" if error else ""}
{markdown_table(numbers) if len(numbers) else "(no numbers)"}

{figure_property(demo, folder, prefix) or ""}
""")
    return "\n".join(parts)


def baseline_changes(plan: Plan) -> str:
    """' with customers 4,000, steps 200' for the overrides of the baseline used by the stylized facts."""
    if not plan.baseline:
        return ""
    return " with " + ", ".join(f"{key} {fmt(value)}" for key, value in plan.baseline.items())


def wom_section(results: Results, folder: Path, prefix: str) -> str:
    wom = results.wom
    totals = wom.groupby("company", sort=False)[["praise", "warnings"]].sum()
    totals.loc["market (all companies)"] = totals.sum()
    totals["praise per warning"] = totals["praise"] / totals["warnings"].replace(0, np.nan)
    per_seed = wom.groupby("seed")[["praise", "warnings"]].sum()
    ratios = per_seed["praise"] / per_seed["warnings"].replace(0, np.nan)
    overall = totals.loc["market (all companies)", "praise per warning"]
    verdict = ("close to" if 2 <= overall <= 4.5 else "above" if overall > 4.5 else "below")
    seed_text = "seed 0" if len(ratios) == 1 else f"seeds 0 to {len(ratios) - 1}"
    spread = f"{ratios.min():.2f} to {ratios.max():.2f}" if len(ratios) > 1 else f"{ratios.iloc[0]:.2f}"
    return f"""### Positive versus negative word of mouth

Published: East, Hammond & Wright (2007) find positive word of mouth about three times as common as
negative across 15 studies (about 3:1). Model: scenarios/baseline.yaml, {seed_text}{
baseline_changes(results.plan)}: messages of
praise and warnings over the whole run (timeseries columns NAME_praise, NAME_warnings).

{markdown_table(totals.reset_index().rename(columns={"company": "company"}),
                {"praise": ",d", "warnings": ",d", "praise per warning": ".2f"})}

Market ratio per seed: {spread}. The model's ratio is **{overall:.2f}:1**, {verdict} the published 3:1.
In the model only passionate customers praise and only hostile ones (or those still angry at a company they
left) warn, so the ratio is set by the number of fans against hostiles and by `word_of_mouth.praise_rate`
against `warning_rate`.

{figure_word_of_mouth(wom, folder, prefix)}
"""


def recovery_section(results: Results, folder: Path, prefix: str) -> str:
    design = results.plan.recovery
    table = results.recovery
    shown = table.rename(columns={"failure_step": "failure at", "read_at": "read at",
                                  "bond_difference": "bond - twin", "bond_difference_se": "se",
                                  "engaged_difference": "engaged share - twin",
                                  "retention_difference": "still customer - twin"})
    rows = table.set_index("group")["bond_difference"]
    first = rows.get("one failure, recovered at first contact", float("nan"))
    second = rows.get("two failures, both recovered at first contact", float("nan"))
    verdict = ("reproduces" if first > 0 and not second > 0 else "does not reproduce")
    return f"""### The recovery paradox after a first failure, not after a second

Published: Maxham & Netemeyer (2002) find satisfaction after a well-recovered first failure above that of
customers with no failure (the paradox), but not after a second failure, even recovered as well.
Model: scenarios/baseline.yaml{f" with {design.customers:,} customers" if design.customers else ""}, seed 0,
focal complaint handling {design.good_handling:g} (poor: {design.poor_handling:g}); twins under common
random numbers (same seed): no outage, a one-step outage at step {design.first} (every focal customer with
a touchpoint that step has a failure), and outages at steps {design.first} and {design.second}. Groups are
the focal customers whose first (second) failure with the company came in the outage; they are compared
with themselves in the twin without outages, {design.horizon} steps after their last failure. Bond counts
0 for people who are no longer the focal company's customers.

{markdown_table(shown, {"customers": ",d", "bond - twin": "+.3f", "se": ".3f", "engaged share - twin": "+.3f",
                        "still customer - twin": "+.3f"})}

The model **{verdict}** the published pattern: after one failure recovered at first contact the bond is
{first:+.3f} against the no-failure twin; after a second failure, both recovered at first contact, {second:+.3f}.
Averaged over everyone hit (including those who did not complain or waited), one failure with good handling
gives {rows.get("one failure, good handling", float("nan")):+.3f}, with poor handling
{rows.get("one failure, poor handling", float("nan")):+.3f}.

{figure_recovery(results.recovery_paths, design, folder, prefix)}
"""


def tarp_section(results: Results, folder: Path, prefix: str) -> str:
    tarp = results.tarp
    horizon = TARP_HORIZON
    values = tarp["retention"].to_numpy()
    order = [f"{a} {'<' if x < y else '>='} {b}" for a, b, x, y in
             zip(tarp["group"][:-1], tarp["group"][1:], values[:-1], values[1:], strict=True)]
    agrees = bool(np.all(np.diff(values) > 0))
    silent_note = (" Why the silent do better here: in the model a silent failure costs trust and leaves a bad "
                   "memory, but anger (which drives `switching.anger_hazard`) grows only while a complaint stays "
                   "open and unheard (`complaints.escalation`), so an unsatisfied complainant is angrier than a "
                   "silent one. TARP's ordering implies that voicing a complaint, even unsatisfied, binds the "
                   "customer; the model has no such effect of voice itself.")
    return f"""### Loyalty after a complaint, by how it was handled (TARP)

Published: the TARP studies (e.g. TARP 1986 for the US Office of Consumer Affairs) report repurchase
intention rising in the order: did not complain < complained and not satisfied < complained and satisfied
< complained and satisfied quickly. Model: scenarios/baseline.yaml{baseline_changes(results.plan)},
{results.plan.tarp_seeds} seed(s) pooled;
every customer is followed for {horizon} steps from their first failure (if it came at least {horizon} steps
before the end of the run).
Groups: no complaint; complained and gave up, left, was still waiting at the horizon, or got a recovery that
felt negative (late); complained and got a positive recovery after waiting; recovered at first contact.
Retention: never left the company within the horizon (95% binomial interval).

{markdown_table(tarp, {"customers": ",d", "retention": ".3f", "ci95": ".3f"})}

Order in the model: {"; ".join(order)}. The model {"**matches**" if agrees else "**does not match**"} the
TARP shape{"" if agrees else " in every step"}.{"" if values[0] < values[1] else silent_note}

{figure_tarp(tarp, horizon, folder, prefix)}
"""


def summary_section(results: Results) -> str:
    """One table of the headline numbers, each next to what it is compared with."""
    table = convergence_table(results.convergence)
    biggest = table[table["customers"] == table["customers"].max()]
    slopes = error_slopes(table)
    networks = network_summary(results.networks)
    sparse = networks[networks["network"] != "complete"]
    wom = results.wom[["praise", "warnings"]].sum()
    recovery = results.recovery.set_index("group")["bond_difference"]
    tarp = results.tarp["retention"].to_numpy()
    demos = results.demonstrations
    rows = [
        ("Bass limit, complete network", f"max error {biggest['max_error'].max():.4f} at N = "
         f"{int(biggest['customers'].iloc[0]):,}; slopes of log error vs log N "
         + ", ".join(f"{s:.2f}" for s in slopes.values()), "error ~ 1/sqrt(N) (slope -0.5)"),
        ("Bass limit, sparse networks", f"complete graph ahead by up to {sparse['complete_lead_max'].max():.3f}; "
         f"never behind by more than {max(0.0, -sparse['complete_lead_min'].min()):.3f}",
         "complete graph is an upper bound (Fibich & Gibori 2010)"),
        ("properties of the brief", "not yet available" if demos is None else
         f"{sum(bool(d.holds) for d in demos)} of {len(demos)} hold", "all hold"),
        ("praise per warning (baseline)", f"{wom['praise'] / max(wom['warnings'], 1):.1f} : 1",
         "about 3 : 1 (East, Hammond & Wright 2007)"),
        ("recovery paradox, bond vs no-failure twin",
         f"first failure recovered at once {recovery.get('one failure, recovered at first contact', np.nan):+.3f}; "
         f"second {recovery.get('two failures, both recovered at first contact', np.nan):+.3f}",
         "positive after a first, not after a second (Maxham & Netemeyer 2002)"),
        ("retention by complaint handling",
         ", ".join(f"{label} {x:.2f}" for label, x in zip(("silent", "unsatisfied", "satisfied", "quickly"), tarp,
                                                           strict=True)),
         "rising: silent < unsatisfied < satisfied < satisfied quickly (TARP)"),
    ]
    return "## Summary\n\n" + markdown_table(pd.DataFrame(rows, columns=["check", "model", "reference"])) + "\n"


def render(results: Results, folder: Path, figure_prefix: str) -> str:
    """The Markdown report; figures are written into `folder` and linked as `figure_prefix`/NAME.png."""
    import datetime as dt

    import matplotlib

    matplotlib.use("Agg")
    from ..experiments.output import git_revision, versions

    plan = results.plan
    kind = "a quick run: small populations, few seeds; for CI, not for citing" if plan.quick else "the full run"
    header = f"""# Validation of the customer engagement model

Generated by `python -m sim validate-model{" --quick" if plan.quick else ""}` ({kind}) on
{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC in {results.seconds / 60:.1f} minutes;
git revision `{git_revision()}`; numpy {versions().get("numpy", "?")}, mesa {versions().get("mesa", "?")}.
Do not edit by hand: rerun the command. Every number below comes from a named scenario and seed.

Contents: 1. the Bass limit (mapping, complete network, sparse networks); 2. the properties of the brief;
3. stylized facts (word of mouth, recovery paradox, loyalty after a complaint). Experiments live in
`sim/validation.py`.
"""
    stylized = ("## 3. Stylized facts (reported, not tuned into tests)\n\n"
                + wom_section(results, folder, figure_prefix) + "\n" + recovery_section(results, folder, figure_prefix)
                + "\n" + tarp_section(results, folder, figure_prefix))
    return "\n".join([header, summary_section(results), bass_section(results, folder, figure_prefix),
                      property_section(results, folder, figure_prefix), stylized])
