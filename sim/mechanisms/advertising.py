"""Advertising: the company's voice, one input to brand identification, and a way to reach prospects.

Concept: identification with the brand ("does it fit me?") is fed by advertising, reputation and
what others say. Indifferent people largely ignore marketing: their attention is
`identification.indifferent_attention`, rising to 1 for people with a strong feeling either way.
A prospect who sees an advertisement becomes a customer with probability `advertising.conversion`
(this is Bass's innovation coefficient p = reach x conversion; see docs/validation.md).
Without reinforcement identification fades (`identification.fading` per step), so a brand that stops
being seen or talked about drifts out of mind.
Test: tests/test_properties.py::test_advertising_moves_identification.
"""

from __future__ import annotations

import numpy as np

from ..streams import uniform


def step(state, market, params, rng, tally) -> None:
    n, companies = state.n, market.size
    draw = uniform(rng, (companies, n))
    has = state.company < market.none
    floor = params["identification"]["indifferent_attention"]
    state.identification *= np.float32(1 - params["identification"]["fading"])
    involved = params["levels"]["involved"]
    attention = np.where(has, floor + (1 - floor) * np.minimum(np.abs(state.bond) / involved, 1), 1)
    tally.ad_pull = np.zeros((n, companies), np.float32) if (~has).any() else None
    for c in range(companies):
        if market.ad_reach[c] <= 0:
            continue
        seen = np.flatnonzero(draw[c] < market.ad_reach[c])
        identification = state.identification[seen, c]
        state.identification[seen, c] = identification + market.ad_effect[c] * attention[seen] * (1 - identification)
        if tally.ad_pull is not None:
            tally.ad_pull[seen, c] = np.where(has[seen], 0, market.ad_conversion[c])
        tally.ad_exposures[c] += seen.size
        tally.cost_advertising[c] += seen.size * market.ad_cost[c]
