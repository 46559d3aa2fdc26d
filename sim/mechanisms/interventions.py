"""Interventions: timed changes to a company (outage, price, promotion, programmes, complaint handling,
advertising) and one-off events (a complaint going viral).

Concept: what a strategist does to the market, and what happens to it. Each intervention acts from
its `at` step until its `until` step (or the end); while it acts, its changes are merged into the
company's parameters (see sim.market.Market.apply_interventions).
Tests: tests/test_model.py::test_interventions_take_effect_and_end, tests/test_interventions.py.
"""

from __future__ import annotations

import numpy as np

from ..streams import uniform


def step(state, market, params, stream, tally) -> None:
    market.apply_interventions()
    firing = [e for e in market.interventions if e.get("viral_complaint") and e["at"] == market.step]
    draw = uniform(stream, state.n) if firing else None
    for event in firing:
        share = event["viral_complaint"]
        company = market.names.index(event["company"])
        hit = (state.company == company) & (draw < share)
        state.anger[hit] = np.maximum(state.anger[hit], 1.0)
        state.bond[hit] = np.minimum(state.bond[hit], params["levels"]["disengaged"] - 0.1)
        state.complaint_open[hit] = True
