"""Service touchpoints and failures: the customer's own experience, which weighs most.

Concept: each step a customer has a service interaction with probability `touchpoint_rate`. Its
quality is the company's service quality plus noise; felt experience is quality minus expectation.
With probability `failure_rate` (or the outage rate, for the share an outage hits) the interaction
fails and feels like minus `failure_severity`, made worse for each earlier failure with the same
company (`memory.repeat_amplification` per recent failure: a second failure confirms a pattern).
Good interactions build trust slowly, failures break it quickly (sim.mechanisms.trust); experiences
enter peak-end memory and expectations (sim.mechanisms.memory). A failure leaves a grievance until it
is put right, and is passed on to the complaints mechanism. Every interaction costs money.
Tests: tests/test_properties.py::test_property_holds[trust asymmetry], ::test_property_holds[rising expectations].
"""

from __future__ import annotations

import numpy as np

from ..streams import uniform
from . import memory, trust


def step(state, market, params, stream, tally) -> None:
    draw = uniform(stream, (3, state.n))
    company = state.company
    touched = np.flatnonzero((company < market.no_company) & (draw[0] < market.touchpoint_rate[company]))
    brand = company[touched]
    quality = market.quality[brand] + market.quality_spread[brand] * (2 * draw[1, touched] - 1)
    hit_by_outage = state.outage_draw[touched] < market.outage_share[brand]
    failure_rate = np.where(hit_by_outage, market.outage_failure_rate[brand], market.failure_rate[brand])
    failed = draw[2, touched] < failure_rate

    amplification = params["memory"]["repeat_amplification"]
    severity = market.failure_severity[brand] * (1 + amplification * np.minimum(state.failures[touched], 3))
    experience = np.where(failed, -np.minimum(severity, 1), quality - state.expectation[touched])
    memory.remember(state, touched, experience.astype(np.float32))

    good, bad = touched[~failed], touched[failed]
    memory.adapt_expectations(state, good, quality[~failed], market.best_quality, params)
    gain, loss = params["trust"]["gain"], params["trust"]["loss"]
    trust.update_current(state, good, lambda t, rows: trust.build(t, state.trust_rate[rows], gain))
    trust.update_current(state, bad, lambda t, rows: trust.lose(t, loss))
    state.failures[bad] += 1
    # a problem leaves a grievance until it is put right (sim.mechanisms.complaints clears it on recovery)
    state.grievance[bad] = np.maximum(state.grievance[bad], np.minimum(severity[failed], 1)).astype(np.float32)

    tally.failed = np.zeros(state.n, bool)
    tally.failed[bad] = True
    tally.count("interactions", brand)
    tally.count("failures", company[bad])
    tally.money["cost_service"] += np.bincount(brand, minlength=market.no_company + 1) * market.touchpoint_cost
