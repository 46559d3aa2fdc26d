"""The five levels of engagement, read from the continuous state, and every transition counted.

Concept: indifferent, involved, passionate, disengaged and hostile are a reading of the bond and of
anger, not boxes with their own rules:
    passionate   bond >= levels.passionate
    involved     bond >= levels.involved
    disengaged   bond <= levels.disengaged
    hostile      disengaged and anger >= levels.hostile_anger
    indifferent  otherwise.
A customer can move between any two levels in one step. Transitions are counted among customers who
stay with the same company; moves between companies are counted as switches.
Tests: tests/test_model.py::test_levels_reading_covers_all_five and
::test_transitions_and_switches_add_up.
"""

from __future__ import annotations

import numpy as np

from .. import kernels
from ..state import PROSPECT

INDIFFERENT, INVOLVED, PASSIONATE, DISENGAGED, HOSTILE = range(5)


def read(bond: np.ndarray, anger: np.ndarray, params: dict) -> np.ndarray:
    levels = params["levels"]
    code = np.full(bond.shape, INDIFFERENT, np.int8)
    code[bond >= levels["involved"]] = INVOLVED
    code[bond >= levels["passionate"]] = PASSIONATE
    negative = bond <= levels["disengaged"]
    code[negative] = DISENGAGED
    code[negative & (anger >= levels["hostile_anger"])] = HOSTILE
    return code


def current(state, params, none: int) -> np.ndarray:
    code = read(state.bond, state.anger, params)
    code[state.company == none] = PROSPECT
    return code


def step(state, market, params, rng, tally) -> None:
    levels = params["levels"]
    kernels.read_levels(state.bond, state.anger, state.company, tally.company_before, state.level, market.none,
                        levels["involved"], levels["passionate"], levels["disengaged"], levels["hostile_anger"],
                        PROSPECT, tally.transitions)
