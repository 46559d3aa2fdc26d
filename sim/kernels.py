"""Fused per-customer loops (numba) for the mechanisms that touch every customer every step.

Profiling at 100,000 customers showed the step spent most of its time making NumPy temporaries in
switching, bond, levels and advertising (each a dozen passes over the arrays). Each kernel here does
one pass with the same formulas as the docstring of its mechanism; the random draws still come from
the mechanism's own stream as full arrays, so common random numbers are unchanged.
tests/test_kernels.py checks every kernel against a plain NumPy version of its formula.

The two purely elementwise kernels (leaving pressure, bond) run their rows on all cores (`prange`)
for populations of at least `THREADED_FROM` people: each row is written by one thread, so results
do not depend on the number of threads. Below that size waking a second thread costs more than it
saves (on a busy machine, far more), so the same code runs compiled serially. Kernels that add into
shared counters stay serial. Process pools (replications, sweeps) call `single_threaded()` in each
worker so that processes, not threads, share the cores.
"""

from __future__ import annotations

import math

import numba
import numpy as np

jit = numba.njit(cache=True, nogil=True, fastmath=False)
THREADED_FROM = 200_000


def single_threaded() -> None:
    """Run kernels on one thread in this process (for worker processes of a pool)."""
    numba.set_num_threads(1)


def by_size(function):
    """Compile `function` twice, serially and threaded, and pick by the size of its first argument."""
    serial = jit(function)
    threaded = numba.njit(cache=True, nogil=True, fastmath=False, parallel=True)(function)

    def dispatch(*args):
        return (threaded if args[0].size >= THREADED_FROM else serial)(*args)

    dispatch.__doc__, dispatch.__name__ = function.__doc__, function.__name__
    dispatch.serial, dispatch.threaded = serial, threaded
    return dispatch


@by_size
def leaving_pressure(company, bond, anger, grievance, trust, tenure, participation, advocacy, price_sensitivity,
                     promotion_draw, leave_draw, price, promotion_reach, promotion_discount, none, base_hazard,
                     bond_sensitivity, habit, habit_steps, anger_hazard, grievance_hazard, distrust_hazard,
                     price_response,
                     promotion_response, participation_price_damping, engaged_price_damping, passionate,
                     participation_lock, advocacy_lock):
    """Pressure to leave (after the cost of leaving), effective price sensitivity, and who leaves.

    A customer leaves when leave_draw < 1 - exp(-pressure); as 1 - exp(-p) <= p, the exponential is
    only needed for the few draws below the pressure. Single precision throughout (expf is cheap).
    """
    n = company.size
    pressure = np.zeros(n, np.float32)
    sensitivity = np.empty(n, np.float32)
    leaves = np.zeros(n, np.bool_)
    one, zero = np.float32(1.0), np.float32(0.0)
    base, steepness = np.float32(base_hazard), np.float32(bond_sensitivity)
    habit_per_step = np.float32(habit / 365.0)
    anger_rate, grievance_rate = np.float32(anger_hazard), np.float32(grievance_hazard)
    distrust_rate = np.float32(distrust_hazard)
    habit_cap = np.float32(habit_steps)
    regular_rate, promotion_rate = np.float32(price_response), np.float32(promotion_response)
    participation_damping, engaged_damping = np.float32(participation_price_damping), np.float32(engaged_price_damping)
    per_passionate = np.float32(1.0 / passionate)
    participation_cost, advocacy_cost = np.float32(participation_lock), np.float32(advocacy_lock)
    for i in numba.prange(n):
        engaged = min(max(bond[i] * per_passionate, zero), one)
        s = price_sensitivity[i] * (one - participation_damping * participation[i]) * (one - engaged_damping * engaged)
        sensitivity[i] = s
        c = company[i]
        if c >= none:
            continue
        own = max(price[c], np.float32(1e-9))
        cheapest_regular = np.float32(np.inf)
        cheapest_offer = np.float32(np.inf)
        for k in range(none):
            if k == c:
                continue
            cheapest_regular = min(cheapest_regular, price[k])
            offer = price[k]
            if promotion_draw[i] < promotion_reach[k]:
                offer = price[k] * (one - promotion_discount[k])
            cheapest_offer = min(cheapest_offer, offer)
        regular_gap = min(max((own - cheapest_regular) / own, zero), one)
        promotion_gap = max(min(max((own - cheapest_offer) / own, zero), one) - regular_gap, zero)
        habit_tenure = min(np.float32(tenure[i]), habit_cap)
        distrust = one - trust[i, c]
        total = (base * math.exp(-steepness * bond[i]) / (one + habit_per_step * habit_tenure)
                 + anger_rate * anger[i] + grievance_rate * grievance[i] + distrust_rate * distrust * distrust
                 + s * (regular_rate * regular_gap + promotion_rate * promotion_gap))
        cost = one + participation_cost * participation[i]
        if advocacy[i] > zero:
            cost += advocacy_cost * math.log1p(advocacy[i])
        p = total / cost
        pressure[i] = p
        u = leave_draw[i]
        leaves[i] = u < p and u < -math.expm1(-p)
    return pressure, sensitivity, leaves


@by_size
def update_bond(bond, company, identification, trust, peak, end, participation, appreciation, sensation, anger,
                grievance, relationships, none, rate, fall_rate, identification_weight, experience_weight,
                relational_weight, anger_weight, grievance_weight, participation_weight, appreciation_weight,
                sensation_weight, peak_weight, capacity, crowding, gate, involved, inertia):
    """Move each bond towards its three-factor target, beyond a latitude of `inertia` around it, then apply
    the trust gate (in place, single precision)."""
    one, zero = np.float32(1.0), np.float32(0.0)
    up, down = np.float32(rate), np.float32(fall_rate)
    w_identification, w_experience = np.float32(identification_weight), np.float32(experience_weight)
    w_relational, w_anger = np.float32(relational_weight), np.float32(anger_weight)
    w_grievance = np.float32(grievance_weight)
    w_participation, w_appreciation = np.float32(participation_weight), np.float32(appreciation_weight)
    w_sensation, w_peak = np.float32(sensation_weight), np.float32(peak_weight)
    crowded, trust_gate = np.float32(crowding), np.float32(gate)
    latitude = np.float32(inertia)
    below_gate = np.float32(involved * 0.999 / max(gate, 1e-9))
    for i in numba.prange(bond.size):
        c = company[i]
        if c >= none:
            bond[i] = zero
            continue
        drive = (w_identification * identification[i, c]
                 + w_experience * (w_peak * peak[i] + (one - w_peak) * end[i])
                 + w_relational * (w_participation * participation[i] + w_appreciation * appreciation[i]
                                   + w_sensation * sensation[i]))
        if drive > zero and relationships[i] >= capacity:
            drive *= crowded
        gap = drive - w_anger * anger[i] - w_grievance * grievance[i] - bond[i]
        if gap > latitude:
            value = bond[i] + up * (gap - latitude)
        elif gap < -latitude:
            value = bond[i] + down * (gap + latitude)
        else:
            value = bond[i]
        t = trust[i, c]
        ceiling = one if t >= trust_gate else below_gate * min(t, trust_gate)
        bond[i] = min(max(min(value, ceiling), -one), one)


@jit
def read_levels(bond, anger, company, company_before, level, none, involved, passionate, disengaged, hostile_anger,
                prospect, transitions):
    """Read each level from bond and anger; count transitions of customers who stayed (in place)."""
    for i in range(bond.size):
        if company[i] >= none:
            level[i] = prospect
            continue
        b = bond[i]
        if b <= disengaged:
            new = 4 if anger[i] >= hostile_anger else 3
        elif b >= passionate:
            new = 2
        elif b >= involved:
            new = 1
        else:
            new = 0
        if company[i] == company_before[i] and level[i] < prospect:
            transitions[level[i], new] += 1
        level[i] = new


@jit
def advertise(identification, fit, draws, company, bond, reach, effect, none, reversion, floor, involved, exposures):
    """Identification with every brand returns towards the person's fit with it, then this step's
    exposures move it towards +1 (in place)."""
    n, brands = identification.shape
    for i in range(n):
        for k in range(brands):
            identification[i, k] += reversion * (fit[i, k] - identification[i, k])
        has = company[i] < none
        attention = 1.0
        if has:
            attention = floor + (1.0 - floor) * min(abs(bond[i]) / involved, 1.0)
        for k in range(none):
            if reach[k] > 0 and draws[k, i] < reach[k]:
                value = identification[i, k]
                identification[i, k] = value + effect[k] * attention * (1.0 - value)
                exposures[k] += 1


@jit
def revenue(company, bond, price, uplift, none, totals):
    """Add each customer's spend, price x (1 + uplift x max(bond, 0)), to its company's total (in place)."""
    for i in range(company.size):
        c = company[i]
        if c < none:
            totals[c] += price[c] * (1.0 + uplift * max(bond[i], 0.0))
