"""Advertising: the company's voice, one input to brand identification, and a way to reach prospects.

Concept: identification with the brand ("does it fit me?") is fed by advertising, reputation and
what others say. Indifferent people largely ignore marketing: their attention is
`identification.indifferent_attention`, rising to 1 for people with a strong feeling either way.
A prospect who sees an advertisement becomes a customer with probability `advertising.conversion`
(this is Bass's innovation coefficient p = reach x conversion; see docs/validation.md).
Without reinforcement identification returns towards the person's brand fit (a fixed draw around the
company's `appeal`; `identification.reversion` of the gap per step): what was seen or heard fades,
how well the brand suits the person stays.
Test: tests/test_model.py::test_advertising_moves_identification.
"""

from __future__ import annotations

import numpy as np

from .. import kernels
from ..streams import uniform


def step(state, market, params, stream, tally) -> None:
    n, companies = state.n, market.size
    draw = uniform(stream, (companies, n)) if market.ad_reach[:companies].any() else np.ones((companies, n), np.float32)
    prospects = np.flatnonzero(state.company == market.no_company)
    # switching needs to know which prospects saw which advertisement
    tally.ad_seen = (prospects, draw[:, prospects].T < market.ad_reach[None, :companies])
    exposures = np.zeros(companies + 1, np.int64)
    identification = params["identification"]
    kernels.advertise(state.identification, state.fit, draw, state.company, state.bond, market.ad_reach,
                      market.ad_effect, market.no_company, identification["reversion"],
                      identification["indifferent_attention"], params["levels"]["involved"], exposures)
    tally.counts["ad_exposures"] += exposures
    tally.money["cost_advertising"] += exposures * market.ad_cost
