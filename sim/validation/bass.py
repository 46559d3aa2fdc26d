"""The Bass (1969) limit: the model with everything but advertising and praise switched off is Bass diffusion.

With complaints, competitors and relational drivers switched off (scenarios/bass.yaml), a prospect
joins in a step through advertising or a referral, the two hazards added and one uniform deciding
(sim.mechanisms.switching):

- advertising reaches a person with probability `advertising.reach`; an exposed prospect converts
  with probability `advertising.conversion`, so  **p = reach x conversion**;
- a person converses with one random contact with probability `word_of_mouth.conversation_rate`;
  a passionate contact praises with probability `praise_rate` x (1 - `introversion_damping` x
  introversion); a praised prospect converts with probability `referral_conversion`, so with
  introversion 0  **q = conversation_rate x praise_rate x referral_conversion**.

On the complete network a contact is any other person, so the chance that it is an adopter is the
adopter share F (among the others: A / (N - 1)). Adopters praise from the step after they join
because a new customer's bond starts at `bond.identification_weight` x identification (scenario:
1 x 1, above `levels.passionate`, trust above the gate) and stays there (no experiences, anger or
programmes move it). Hence, in expectation, the discrete Bass recursion

    F(t+1) = F(t) + (p + q F(t)) (1 - F(t)),   F(0) = 0,

which is exact for the model's step (hazards fixed within a step, adopters of step t talk from
step t+1). The continuous closed form F(t) = (1 - e^-(p+q)t) / (1 + (q/p) e^-(p+q)t) solves
dF/dt = (p + qF)(1 - F); it is the limit of the recursion when (p + q) per step is small, and runs
ahead of it when (p + q) per step is not small, so the recursion is the right reference.
`bass_conditions` lists every setting the limit needs; `bass_coefficients` maps a scenario to (p, q).
On sparse networks q F is replaced by q x the adopter share among one's contacts, which is
correlated with one's own state; diffusion is slower and the complete graph is an upper bound
(Fibich & Gibori 2010).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pandas as pd

from .. import scenario as scenarios
from ..model import EngagementModel
from ..scenario import BUNDLED

BASS_SCENARIO = BUNDLED / "bass.yaml"


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
    need(data["burn_in"] == 0, "burn_in: 0 (the curve starts from nobody)")
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
    for key in ("base_hazard", "anger_hazard", "grievance_hazard", "distrust_hazard", "price_response"):
        need(switching[key] == 0, f"switching.{key}: 0 (nobody leaves)")
    traits, initial = data["traits"], data["initial"]
    need(traits["introversion"]["spread"] == 0 or data["word_of_mouth"]["introversion_damping"] == 0,
         "traits.introversion.spread: 0 (everyone praises at the same rate)")
    identification = data["identification"]
    need(identification["fit_spread"] == 0, "identification.fit_spread: 0 (everyone identifies alike)")
    need(initial["trust"]["spread"] == 0 and initial["trust"]["mean"] >= data["trust"]["gate"],
         "initial.trust: mean >= trust.gate with spread 0 (the bond is not capped)")
    appeal = min(c["appeal"] for c in companies.values())
    need(identification["reversion"] == 0 or appeal >= data["levels"]["passionate"],
         "identification.reversion: 0 (otherwise what adopters heard fades and their bond with it)")
    bond = data["bond"]["identification_weight"] * appeal
    crowded = bond * (data["bond"]["crowding"] if traits["relationships"]["mean"] > 0 else 1.0)
    need(min(bond, crowded) >= data["levels"]["passionate"],
         "bond.identification_weight x companies.NAME.appeal >= levels.passionate "
         "(adopters are passionate from the start; with traits.relationships.mean > 0 also after crowding)")
    return problems


def bass_overrides(p: float, q: float) -> dict:
    """Overrides of scenarios/bass.yaml giving Bass coefficients (p, q) per step.

    p = 0.2 x (5p) and q = 0.8 x 0.8 x (q / 0.64): the factors are not trivial, so the run checks the
    product form of the mapping, and conversion + referral_conversion stays <= 1 for q <= 0.64 x (1 - 5p).
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
    """Steps until the discrete curve reaches `reach`, plus 5 (capped at `limit`)."""
    share = bass_discrete(p, q, limit)
    return int(min(np.argmax(share >= reach) + 5 if (share >= reach).any() else limit, limit))


def bass_scenario(p: float, q: float, customers: int, steps: int, network: dict | None = None):
    """scenarios/bass.yaml set to (p, q), a population size, a length and optionally a network."""
    changes = {**bass_overrides(p, q), "customers": customers, "steps": steps}
    changes.update({f"network.{key}": value for key, value in (network or {}).items()})
    return scenarios.load(BASS_SCENARIO, changes)


def adopter_share(model: EngagementModel) -> np.ndarray:
    """Share of the population who are no longer prospects, at steps 0..model.steps."""
    frame = model.timeseries()
    return 1 - frame["prospects"].to_numpy() / model.state.n


def run_bass(p: float, q: float, customers: int, steps: int, seed: int, network: dict | None = None) -> np.ndarray:
    """Adopter share of one run of the Bass scenario."""
    model = EngagementModel(bass_scenario(p, q, customers, steps, network), rng=seed)
    model.run()
    return adopter_share(model)


def bass_convergence(pairs, sizes, seeds: dict[int, int], tick: Callable = lambda: None) -> pd.DataFrame:
    """Maximum absolute error against the discrete recursion, one row per (p, q, N, seed).

    Each row also has the error against the continuous form and the linear-noise sd expected at that N.
    """
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
    """Per (p, q, network): steps to half adoption, and the largest and smallest lead of the complete graph."""
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
