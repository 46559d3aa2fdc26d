"""Relational relevance: participation, appreciation and sensation programmes.

Concept: fans are made, not born, by the significance of the relationship.
- Participation: the customer invests (co-creation, configuring, teaching the company their
  preferences). Raises the bond, the cost of leaving and lowers price sensitivity (the last two in
  sim.mechanisms.switching). Test: tests/test_properties.py::test_property_holds[participation].
- Appreciation: feeling valued as an individual. Each touch closes `gain` of the distance to full
  appreciation, so returns diminish. Test: ::test_property_holds[appreciation].
- Sensation: a memorable peak experience. It enters peak-end memory at its full intensity and lifts
  the bond at once by `bond.sensation_jump` x intensity (less for people at their relationship
  capacity), so one moment can make a fan. Test: ::test_property_holds[sensation].
A company's programme enrols `reach` of its target group (everyone, a random share, or one level),
decided by a fixed per-customer draw so a larger reach contains a smaller one; each enrolled
customer is touched with probability `frequency` per step at `cost` per touch, and costs
`running_cost` per step while enrolled (so a programme's cost grows with its reach). The three
stocks fade slowly (`relational.*_fading`).
"""

from __future__ import annotations

import numpy as np

from ..parameters import PROGRAMMES
from ..streams import uniform
from . import memory
from .bond import room

F32 = np.float32


def touch(stock: np.ndarray, gain: np.ndarray) -> np.ndarray:
    """A driver after one touch: `gain` of the distance to its maximum, so returns diminish."""
    return stock + gain * (1 - stock)


def step(state, market, params, stream, tally) -> None:
    company = state.company
    fading = params["relational"]
    state.participation *= F32(1 - fading["participation_fading"])
    state.appreciation *= F32(1 - fading["appreciation_fading"])
    state.sensation *= F32(1 - fading["sensation_fading"])
    if not any(market.programme[name]["reach"][:-1].any() for name in PROGRAMMES):
        return
    draw = uniform(stream, (len(PROGRAMMES), state.n))
    for k, name in enumerate(PROGRAMMES):
        programme = market.programme[name]
        if not programme["reach"][:-1].any():
            continue
        reach = programme["reach"][company]
        target = programme["target"][company]
        in_target = (target <= 1) | (state.level == target - 2)
        enrolled = (company < market.no_company) & in_target & (state.enrolment[:, k] < reach)
        tally.money["cost_programmes"] += np.bincount(company[enrolled], minlength=market.no_company + 1) \
            * programme["running_cost"]
        touched = np.flatnonzero(enrolled & (draw[k] < programme["frequency"][company]))
        gain = programme["gain"][company[touched]]
        stock = getattr(state, name)
        stock[touched] = touch(stock[touched], gain)
        if name == "sensation":
            memory.remember(state, touched, gain)
            jump = params["bond"]["sensation_jump"] * gain * room(state.relationships[touched], params)
            state.bond[touched] = np.minimum(state.bond[touched] + jump, 1)
        touches = np.bincount(company[touched], minlength=market.no_company + 1)
        tally.counts["programme_touches"] += touches
        tally.money["cost_programmes"] += touches * programme["cost"]  # touches x cost per touch, per company
