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
from ..levels import PROSPECT, Level


def read(bond: np.ndarray, anger: np.ndarray, params: dict) -> np.ndarray:
    levels = params["levels"]
    code = np.full(bond.shape, Level.INDIFFERENT, np.int8)
    code[bond >= levels["involved"]] = Level.INVOLVED
    code[bond >= levels["passionate"]] = Level.PASSIONATE
    negative = bond <= levels["disengaged"]
    code[negative] = Level.DISENGAGED
    code[negative & (anger >= levels["hostile_anger"])] = Level.HOSTILE
    return code


def current(state, params, no_company: int) -> np.ndarray:
    code = read(state.bond, state.anger, params)
    code[state.company == no_company] = PROSPECT
    return code


def step(state, market, params, stream, tally) -> None:
    levels = params["levels"]
    kernels.read_levels(state.bond, state.anger, state.company, tally.company_before, state.level, market.no_company,
                        levels["involved"], levels["passionate"], levels["disengaged"], levels["hostile_anger"],
                        PROSPECT, tally.transitions)
