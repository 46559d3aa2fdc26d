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
def leaving_pressure(company, bond, anger, tenure, participation, advocacy, price_sensitivity, promotion_draw,
                     price, promotion_reach, promotion_discount, none, base_hazard, bond_sensitivity, habit,
                     anger_hazard, price_response, promotion_response, participation_price_damping,
                     engaged_price_damping, passionate, participation_lock, advocacy_lock):
    """Pressure to leave (already divided by the cost of leaving) and effective price sensitivity."""
    n = company.size
    pressure = np.zeros(n, np.float32)
    sensitivity = np.empty(n, np.float32)
    for i in numba.prange(n):
        engaged = min(max(bond[i] / passionate, 0.0), 1.0)
        s = (price_sensitivity[i] * (1.0 - participation_price_damping * participation[i])
             * (1.0 - engaged_price_damping * engaged))
        sensitivity[i] = s
        c = company[i]
        if c >= none:
            continue
        own = max(price[c], 1e-9)
        cheapest_regular = np.inf
        cheapest_offer = np.inf
        for k in range(none):
            if k == c:
                continue
            cheapest_regular = min(cheapest_regular, price[k])
            offer = price[k]
            if promotion_draw[i] < promotion_reach[k]:
                offer = price[k] * (1.0 - promotion_discount[k])
            cheapest_offer = min(cheapest_offer, offer)
        regular_gap = min(max((own - cheapest_regular) / own, 0.0), 1.0)
        promotion_gap = max(min(max((own - cheapest_offer) / own, 0.0), 1.0) - regular_gap, 0.0)
        total = (base_hazard * math.exp(-bond_sensitivity * bond[i]) / (1.0 + habit * tenure[i] / 365.0)
                 + anger_hazard * anger[i]
                 + s * (price_response * regular_gap + promotion_response * promotion_gap))
        cost = 1.0 + participation_lock * participation[i] + advocacy_lock * math.log1p(advocacy[i])
        pressure[i] = total / cost
    return pressure, sensitivity


@by_size
def update_bond(bond, company, identification, trust, peak, end, participation, appreciation, sensation, anger,
                relationships, none, rate, fall_rate, identification_weight, experience_weight, relational_weight,
                anger_weight, participation_weight, appreciation_weight, sensation_weight, peak_weight, capacity,
                crowding, gate, involved):
    """Move each bond towards its three-factor target, then apply the trust gate (in place)."""
    for i in numba.prange(bond.size):
        c = company[i]
        if c >= none:
            bond[i] = 0.0
            continue
        drive = (identification_weight * identification[i, c]
                 + experience_weight * (peak_weight * peak[i] + (1.0 - peak_weight) * end[i])
                 + relational_weight * (participation_weight * participation[i] + appreciation_weight * appreciation[i]
                                        + sensation_weight * sensation[i]))
        if drive > 0 and relationships[i] >= capacity:
            drive *= crowding
        target = drive - anger_weight * anger[i]
        gap = target - bond[i]
        value = bond[i] + (rate if gap > 0 else fall_rate) * gap
        t = trust[i, c]
        ceiling = 1.0 if t >= gate else involved * min(t / max(gate, 1e-9), 1.0) * 0.999
        bond[i] = min(max(min(value, ceiling), -1.0), 1.0)


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
def advertise(identification, draws, company, bond, reach, effect, none, fading, floor, involved, exposures):
    """Fade identification with every brand, then apply this step's exposures (in place)."""
    n, brands = identification.shape
    keep = 1.0 - fading
    for i in range(n):
        for k in range(brands):
            identification[i, k] *= keep
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
