"""The bond: the continuous engagement state, fed by the three factors and gated by trust.

Concept: engagement is the emotional bond with the company, a score on [-1, 1]. It moves each step
by `bond.rate` of the gap to a higher target, or `bond.fall_rate` of the gap to a lower one (bad
feelings act faster than good ones). Gaps within `bond.inertia` of the bond do not move it: an
attitude absorbs what lies within its latitude of acceptance (Sherif & Hovland 1961), so routine
ups and downs leave a fan a fan while a real failure does not. The target is made of the three
factors of the articles:
    identification with the brand x `identification_weight`
  + remembered experience (peak-end)  x `experience_weight`
  + relational relevance (participation, appreciation, sensation) x `relational_weight`
  - anger x `anger_weight` - grievance x `grievance_weight` (an unresolved problem disappoints).
Relationship capacity: people who already hold `bond.capacity` deep brand relationships have less
room; their positive drives are multiplied by `bond.crowding`.
Test: tests/test_properties.py::test_property_holds[relationship capacity].
The trust gate then caps the bond (sim.mechanisms.trust.ceiling). Habit is not a driver: a
customer with no driver settles at a bond near their identification and stays indifferent.
Test: tests/test_properties.py::test_property_holds[habit].
"""

from __future__ import annotations

import numpy as np

from .. import kernels
from . import memory, trust

F32 = np.float32


def room(relationships: np.ndarray, params: dict) -> np.ndarray:
    """Multiplier on positive drives: 1 with room for another deep relationship, `crowding` without."""
    b = params["bond"]
    return np.where(relationships >= b["capacity"], F32(b["crowding"]), F32(1.0))


def relational(state, params) -> np.ndarray:
    b = params["bond"]
    return (b["participation_weight"] * state.participation + b["appreciation_weight"] * state.appreciation
            + b["sensation_weight"] * state.sensation)


def target(state, params) -> np.ndarray:
    b = params["bond"]
    drive = (b["identification_weight"] * state.current(state.identification)
             + b["experience_weight"] * memory.remembered(state.peak, state.end, params["memory"]["peak_weight"])
             + b["relational_weight"] * relational(state, params))
    drive = np.where(drive > 0, drive * room(state.relationships, params), drive)
    return drive - b["anger_weight"] * state.anger - b["grievance_weight"] * state.grievance


def cap(state, params) -> None:
    """Apply the trust gate and the [-1, 1] range; prospects have no bond."""
    levels = params["levels"]
    ceiling = trust.ceiling(state.current(state.trust), params["trust"]["gate"], levels["involved"])
    np.clip(np.minimum(state.bond, ceiling), -1, 1, out=state.bond)
    state.bond[state.company == state.trust.shape[1] - 1] = 0


def step(state, market, params, stream, tally) -> None:
    b = params["bond"]
    kernels.update_bond(
        state.bond, state.company, state.identification, state.trust, state.peak, state.end, state.participation,
        state.appreciation, state.sensation, state.anger, state.grievance, state.relationships, market.no_company,
        b["rate"], b["fall_rate"], b["identification_weight"], b["experience_weight"], b["relational_weight"],
        b["anger_weight"], b["grievance_weight"],
        b["participation_weight"], b["appreciation_weight"], b["sensation_weight"], params["memory"]["peak_weight"],
        b["capacity"], b["crowding"], params["trust"]["gate"], params["levels"]["involved"], b["inertia"])
