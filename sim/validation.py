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

from . import scenario as scenarios
from .model import BUNDLED, EngagementModel
from .parameters import LEVELS

BASS_SCENARIO = BUNDLED / "bass.yaml"
BASELINE_SCENARIO = BUNDLED / "baseline.yaml"
INVOLVED, PASSIONATE = LEVELS.index("involved"), LEVELS.index("passionate")

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


def word_of_mouth_ratio(seeds: int, customers: int | None = None, tick: Callable = lambda: None) -> pd.DataFrame:
    """Praise and warnings over a baseline run, per company and seed (East, Hammond & Wright 2007: ~3:1)."""
    rows = []
    for seed in range(seeds):
        overrides = {"customers": customers} if customers else {}
        model = EngagementModel(BASELINE_SCENARIO, rng=seed, overrides=overrides)
        model.run()
        frame = model.timeseries()
        for name in model.market.names:
            rows.append({"seed": seed, "company": name, "praise": int(frame[f"{name}_praise"].sum()),
                         "warnings": int(frame[f"{name}_warnings"].sum())})
        tick()
    return pd.DataFrame(rows)


class ComplaintWatch:
    """Wraps the complaints mechanism to record, per customer, what happened to complaints in a step.

    The complaints mechanism is the only one that writes remembered experience (`state.end`) between
    service and programmes, and only when it resolves a complaint; comparing `end` and `complaint_open`
    before and after it tells new complaints, recoveries (and at first contact), and give-ups apart.
    The result is left on the tally as `tally.complaint_watch` (a dict of boolean arrays).
    """

    def __init__(self, mechanism):
        self.mechanism = mechanism

    def step(self, state, market, params, rng, tally) -> None:
        open_before, end_before = state.complaint_open.copy(), state.end.copy()
        self.mechanism.step(state, market, params, rng, tally)
        failed = getattr(tally, "failed", np.zeros(state.n, bool))
        recalled = state.end != end_before
        new = failed & ~open_before & (state.complaint_open | recalled)
        resolved = recalled & (open_before | new)
        tally.complaint_watch = {"failed": failed, "complained": new, "resolved": resolved,
                                 "quick": resolved & new, "gave_up": open_before & ~state.complaint_open & ~recalled,
                                 "recovery_value": state.end.copy()}


@contextlib.contextmanager
def watching_complaints():
    """Within the block, models record per-customer complaint outcomes on `model.last_tally.complaint_watch`."""
    from . import model as model_module

    original = model_module.STEP_ORDER
    model_module.STEP_ORDER = tuple((name, ComplaintWatch(mechanism) if name == "complaints" else mechanism)
                                    for name, mechanism in original)
    try:
        yield
    finally:
        model_module.STEP_ORDER = original


def watch_of(model: EngagementModel) -> dict:
    watch = getattr(model.last_tally, "complaint_watch", None)
    if watch is None:
        raise RuntimeError("the model step no longer runs sim.model.STEP_ORDER; complaint tracking needs updating")
    return watch


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


def complaint_loyalty(seeds: int, customers: int | None, horizon: int = 90,
                      tick: Callable = lambda: None) -> pd.DataFrame:
    """Retention after a first failure by how the complaint went (TARP shape), baseline scenario, pooled seeds."""
    frames = []
    for seed in range(seeds):
        overrides = {"customers": customers} if customers else {}
        with watching_complaints():
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
    """One arm of the recovery twin experiment: per-step snapshots of what matters towards the focal company."""

    label: str
    bond: list = field(default_factory=list)  # bond towards the focal company (0 if not its customer)
    engaged: list = field(default_factory=list)
    customer: list = field(default_factory=list)
    failed: list = field(default_factory=list)
    quick: list = field(default_factory=list)
    failures: list = field(default_factory=list)


def outage(at: int) -> dict:
    """A one-step outage: every focal customer with a touchpoint in step `at` has a failure."""
    return {"at": at, "until": at + 1, "company": "focal", "outage": {"failure_rate": 1.0, "share": 1.0}}


def run_twin(label: str, outages: list[int], seed: int, steps: int, overrides: dict) -> Twin:
    """Run the baseline with the given outages and record a Twin (common random numbers: same seed)."""
    twin = Twin(label)
    with watching_complaints():
        model = EngagementModel(BASELINE_SCENARIO, rng=seed,
                                overrides={**overrides, "interventions": [outage(t) for t in outages]})
        focal = model.market.focal
        for _ in range(steps):
            model.step()
            state, watch = model.state, watch_of(model)
            mine = state.company == focal
            twin.bond.append(np.where(mine, state.bond, 0).astype(np.float32))
            twin.engaged.append(mine & ((state.level == INVOLVED) | (state.level == PASSIONATE)))
            twin.customer.append(mine)
            twin.failed.append(watch["failed"] & (model.last_tally.company_before == focal))
            twin.quick.append(watch["quick"].copy())
            twin.failures.append(state.failures.copy())
    return twin


def paired(treated: Twin, control: Twin, members: np.ndarray, step: int) -> dict:
    """Mean paired differences (treated - control twin) of the group `members` at `step` (index = step - 1)."""
    k = step - 1
    diff = treated.bond[k][members].astype(float) - control.bond[k][members]
    return {"customers": int(members.sum()),
            "bond_difference": float(diff.mean()) if members.any() else float("nan"),
            "bond_difference_se": float(diff.std(ddof=1) / math.sqrt(members.sum())) if members.sum() > 1 else float("nan"),
            "engaged_difference": float(treated.engaged[k][members].mean() - control.engaged[k][members].mean())
            if members.any() else float("nan"),
            "retention_difference": float(treated.customer[k][members].mean() - control.customer[k][members].mean())
            if members.any() else float("nan")}


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

    Group "once": focal customers whose first failure with the company came in the first outage;
    "twice": those whose second failure came in the second outage (after a failure in the first);
    "... recovered at first contact": the subgroup whose complaint was resolved in the failure's step.
    """
    steps = design.second + design.horizon
    base = {"customers": design.customers} if design.customers else {}
    arms = {}
    for handling, name in ((design.good_handling, "good"), (design.poor_handling, "poor")):
        changes = {**base, "companies.focal.complaint_handling": handling}
        outages = {"none": [], "once": [design.first]} | ({"twice": [design.first, design.second]}
                                                           if name == "good" else {})
        for label, times in outages.items():
            arms[f"{name}/{label}"] = run_twin(f"{name}/{label}", times, seed, steps, changes)
            tick()
    t1, t2 = design.first, design.second
    once, twice = arms["good/once"], arms["good/twice"]
    hit_once = once.failed[t1 - 1] & (once.failures[t1 - 1] == 1)
    hit_twice = hit_once & twice.failed[t2 - 1] & (twice.failures[t2 - 1] == 2)
    quick_once = hit_once & once.quick[t1 - 1]
    quick_twice = hit_twice & twice.quick[t1 - 1] & twice.quick[t2 - 1]
    poor_once = arms["poor/once"].failed[t1 - 1] & (arms["poor/once"].failures[t1 - 1] == 1)
    rows = [
        ("one failure, good handling", once, arms["good/none"], hit_once, t1),
        ("one failure, recovered at first contact", once, arms["good/none"], quick_once, t1),
        ("two failures, good handling", twice, arms["good/none"], hit_twice, t2),
        ("two failures, both recovered at first contact", twice, arms["good/none"], quick_twice, t2),
        ("one failure, poor handling", arms["poor/once"], arms["poor/none"], poor_once, t1),
    ]
    table = pd.DataFrame([{"group": label, "failure_step": at, "read_at": at + design.horizon,
                           **paired(treated, control, members, at + design.horizon)}
                          for label, treated, control, members, at in rows])
    trajectories = {label: np.array([(treated.bond[k][members].astype(float) - control.bond[k][members]).mean()
                                     if members.any() else np.nan for k in range(steps)])
                    for label, treated, control, members, _ in rows}
    return table, trajectories


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
    wom_customers: int | None
    tarp_seeds: int
    tarp_customers: int | None
    recovery: RecoveryDesign
    property_scale: float

    @classmethod
    def full(cls) -> Plan:
        return cls(False, [(0.01, 0.2), (0.03, 0.4), (0.005, 0.5)], [1_000, 10_000, 100_000],
                   {1_000: 20, 10_000: 10, 100_000: 4}, [(0.01, 0.2), (0.005, 0.5)], 20_000, 3,
                   5, None, 4, None, RecoveryDesign(customers=50_000), 1.0)

    @classmethod
    def small(cls) -> Plan:
        return cls(True, [(0.01, 0.2), (0.005, 0.5)], [1_000, 4_000],
                   {1_000: 3, 4_000: 2}, [(0.01, 0.2)], 4_000, 1,
                   1, 4_000, 1, 4_000, RecoveryDesign(customers=6_000), 0.25)

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
        wom = word_of_mouth_ratio(plan.wom_seeds, plan.wom_customers, tick)
        tarp = complaint_loyalty(plan.tarp_seeds, plan.tarp_customers, tick=tick)
        recovery, paths = recovery_paradox(plan.recovery, tick=tick)
        demonstrations = property_demonstrations(plan.property_scale, tick=tick)
    return Results(plan, convergence, curves, networks, wom, tarp, recovery, paths, demonstrations,
                   time.perf_counter() - started)


def generate(out: str | Path = "docs", quick: bool = False, progress: bool = True) -> Path:
    """Run the experiments and write OUT/validation.md and OUT/figures/validation/*.png; return the report path.

    Figures are drawn into a hidden partial folder that replaces the old one only when complete, and
    the report is written last (to a temporary name, then renamed), so nothing is left half-written.
    """
    from . import validation_report

    out = Path(out)
    results = run_all(Plan.small() if quick else Plan.full(), progress)
    final = out / "figures" / "validation"
    partial = final.with_name(".validation.partial")
    if partial.exists():
        shutil.rmtree(partial)
    partial.mkdir(parents=True)
    try:
        text = validation_report.render(results, partial, figure_prefix="figures/validation")
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    if final.exists():
        shutil.rmtree(final)
    partial.rename(final)
    from .output import write_text

    report = out / "validation.md"
    write_text(report, text)
    return report
