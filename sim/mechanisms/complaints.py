"""Complaints, service recovery and escalation: voice or exit.

Concept: after a failure a customer complains (with their personal complaint propensity) or suffers
in silence. A silent failure leaves a grievance, an unresolved problem that disappoints (it pulls the
bond down) and drives exit (sim.mechanisms.switching) until it fades (`complaints.grievance_fading`);
a complaint replaces the grievance (voice instead of exit, Hirschman 1970) and the complaint decides
what follows. A complaint is put right at first contact with probability `complaint_handling`
(first-contact resolution); after that, each step with `complaints.follow_up` of it, as the
customer goes from desk to desk. A recovery is an experience of its own, worth
`complaints.recovery_strength` at first contact and halving with every `complaints.patience` steps of
waiting, so a slow recovery feels negative; a recovery at first contact also wins back trust
(`trust.recovery_gain`). Because memory keeps the peak and the end, a quick recovery that feels
better than the failure felt bad leaves the customer more engaged than if nothing had gone wrong:
the service recovery paradox. It fades after a second failure, because the failure hurts more
(`memory.repeat_amplification`) and the recovery is worth less (`complaints.recovery_fatigue`).
While a complaint stays open anger grows by `complaints.escalation` per step, damped by how well the
company listens; anger pulls the bond down (disengaged) and, once high, makes the customer hostile.
A complainant may give up (unresolved). Handling attempts and listening capacity cost money.
Tests: tests/test_properties.py::test_property_holds[recovery paradox], ::test_property_holds[escalation];
tests/test_market.py::test_loyalty_a_year_after_a_problem_follows_tarp.
"""


from __future__ import annotations

import numpy as np

from .. import kernels
from ..streams import uniform
from ..tally import ComplaintOutcomes
from . import memory, trust

F32 = np.float32


def recovery_value(wait: np.ndarray, earlier_failures: np.ndarray, params: dict) -> np.ndarray:
    """Felt experience of a recovery after `wait` steps (float32), for a customer with earlier failures:
    strength x (2 x 0.5 ** (wait / patience) - 1), times fatigue ** (earlier failures - 1) if positive."""
    c = params["complaints"]
    # kernels.power is the C library's powf, as the fused step computes it (NumPy's SIMD power differs in
    # the last bit on some processors)
    value = c["recovery_strength"] * (2 * kernels.power(F32(0.5), wait / c["patience"]) - 1)
    fatigue = kernels.power(F32(c["recovery_fatigue"]), np.maximum(earlier_failures - 1, 0))
    return np.where(value > 0, value * fatigue, value).astype(F32)


def step(state, market, params, stream, tally) -> None:
    c = params["complaints"]
    failed = tally.failed if tally.failed is not None else np.zeros(state.n, bool)
    calm = F32(1 - c["anger_fading"])
    # listening capacity is paid for every step, in proportion to the company's customers
    customers = np.bincount(state.company, minlength=market.no_company + 1)[: market.no_company + 1]
    tally.money["cost_complaints"] += customers * market.listening_cost
    if not (failed.any() or state.complaint_open.any()):
        state.anger *= calm
        state.former_anger *= calm
        state.grievance *= F32(1 - c["grievance_fading"])
        tally.complaint_outcomes = ComplaintOutcomes.none()
        return
    draw = uniform(stream, (3, state.n))
    new = failed & ~state.complaint_open & (draw[0] < state.complaint_propensity)
    state.complaint_open |= new
    state.complaint_wait[new] = 0
    state.grievance[new] = 0  # voice instead of exit: the complaint, not a quiet grievance, decides what follows
    tally.count("complaints", state.company[new])
    tally.count("silent_failures", state.company[failed & ~new])

    open_rows = np.flatnonzero(state.complaint_open & (state.company < market.no_company))
    brand = state.company[open_rows]
    tally.money["cost_complaints"] += np.bincount(brand, minlength=market.no_company + 1) * market.complaint_cost
    first_contact = state.complaint_wait[open_rows] == 0
    chance = market.complaint_handling[brand] * np.where(first_contact, F32(1), F32(c["follow_up"]))
    resolved = draw[1, open_rows] < chance

    done = open_rows[resolved]
    wait = state.complaint_wait[done].astype(F32)
    value = recovery_value(wait, state.failures[done], params)
    memory.remember(state, done, value)
    quick = done[wait == 0]
    trust.update_current(state, quick, lambda t, rows: trust.build(t, 1.0, params["trust"]["recovery_gain"]))
    state.anger[done] *= F32(1 - c["anger_release"])
    state.grievance[done] = 0  # the problem was put right
    state.complaint_open[done] = False
    tally.count("recoveries", state.company[done])
    tally.count("quick_recoveries", state.company[quick])

    waiting = open_rows[~resolved]
    state.complaint_wait[waiting] += 1
    unheard = c["escalation"] * (1 - market.listening[brand[~resolved]])
    state.anger[waiting] += (unheard * (1 - state.anger[waiting])).astype(F32)
    gave_up = waiting[draw[2, waiting] < c["give_up"]]
    state.complaint_open[gave_up] = False
    trust.update_current(state, gave_up, lambda t, rows: trust.lose(t, params["trust"]["loss"]))
    tally.count("abandoned_complaints", state.company[gave_up])

    # who complained, was recovered (quickly) or gave up, for analyses that follow customers
    tally.complaint_outcomes = ComplaintOutcomes(np.flatnonzero(new), done, quick, gave_up, value)
    closed = ~state.complaint_open
    state.anger[closed] *= calm
    state.grievance[closed] *= F32(1 - c["grievance_fading"])
    state.former_anger *= calm
