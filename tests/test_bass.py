"""The Bass (1969) limit of the model and the mapping from scenario to (p, q) (the report that shows it is
tested in tests/test_validation_report.py).

The complete-graph check compares the adopter share with the discrete Bass recursion. Its tolerance is
derived, not tuned: new adopters in a step are binomial, so the simulated share scatters around the
recursion with a standard deviation that `bass_noise_sd` computes by propagating each step's binomial
variance (1 - F) h (1 - h) / N through the recursion (the "binomial standard error accumulates").
The maximum over a run of a strongly autocorrelated Gaussian path rarely exceeds 3 such deviations;
we allow 5, plus 2/N for the A/(N-1) versus A/N contact bias. A wrong mapping (q off by half) lands
far outside, which the test checks too, so the tolerance can fail.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim import scenario as scenarios
from sim.validation import bass

N, STEPS = 20_000, 60


def tolerance(p: float, q: float, steps: int, customers: int) -> float:
    return 5 * float(bass.bass_noise_sd(p, q, steps, customers).max()) + 2 / customers


def test_bass_scenario_maps_to_p_and_q():
    data = scenarios.load(bass.BASS_SCENARIO).data
    p, q = bass.bass_coefficients(data)
    assert p == pytest.approx(0.1 * 0.1)  # reach x conversion
    assert q == pytest.approx(1.0 * 0.5 * 0.4)  # conversation_rate x praise_rate x referral_conversion
    assert bass.bass_conditions(data) == []


@pytest.mark.parametrize("p, q", [(0.01, 0.2), (0.03, 0.4), (0.005, 0.5)])
def test_overrides_give_the_requested_p_and_q(p, q):
    data = bass.bass_scenario(p, q, 1000, 10).data
    assert bass.bass_coefficients(data) == pytest.approx((p, q))
    assert bass.bass_conditions(data) == []


def test_introversion_damps_q_and_breaks_the_exact_limit_only_if_it_varies():
    data = scenarios.load(bass.BASS_SCENARIO, {"traits.introversion.mean": 0.5, "traits.introversion.spread": 0.1}).data
    _, q = bass.bass_coefficients(data)
    assert q == pytest.approx(0.2 * (1 - 0.9 * 0.5))
    assert any("introversion" in problem for problem in bass.bass_conditions(data))


@pytest.mark.parametrize("change, key", [
    ({"network.kind": "watts_strogatz"}, "network.kind"),
    ({"switching.base_hazard": 0.002}, "switching.base_hazard"),
    ({"companies.brand.touchpoint_rate": 0.1}, "touchpoint_rate"),
    ({"bond.identification_weight": 0.3}, "levels.passionate"),
    ({"initial.trust.mean": 0.3}, "trust.gate"),
    ({"identification.fit_spread": 0.2}, "identification.fit_spread"),
    ({"burn_in": 100}, "burn_in"),
    ({"switching.distrust_hazard": 0.01}, "switching.distrust_hazard"),
    ({"traits.relationships.mean": 5.0}, "relationships"),
    ({"word_of_mouth.referral_conversion": 0.95}, "referral_conversion <= 1"),
])
def test_conditions_name_what_breaks_the_limit(change, key):
    problems = bass.bass_conditions(scenarios.load(bass.BASS_SCENARIO, change).data)
    assert any(key in problem for problem in problems), problems


def test_discrete_recursion_and_closed_form_agree_only_when_steps_are_short():
    t = np.arange(2001)
    small = np.abs(bass.bass_discrete(0.0005, 0.01, 2000) - bass.bass_continuous(0.0005, 0.01, t)).max()
    large = np.abs(bass.bass_discrete(0.005, 0.5, 40) - bass.bass_continuous(0.005, 0.5, t[:41])).max()
    assert small < 0.01 < 0.1 < large


@pytest.mark.parametrize("p, q", [(0.01, 0.2), (0.03, 0.4)])
@pytest.mark.parametrize("seed", [0, 1])
def test_complete_graph_follows_discrete_bass(p, q, seed):
    share = bass.run_bass(p, q, N, STEPS, seed)
    allowed = tolerance(p, q, STEPS, N)
    assert np.abs(share - bass.bass_discrete(p, q, STEPS)).max() < allowed
    # the check can fail: the curve for a q off by half is far outside the same tolerance
    assert np.abs(share - bass.bass_discrete(p, q / 2, STEPS)).max() > 3 * allowed


def test_ring_lattice_is_slower_than_complete_graph():
    p, q = 0.01, 0.2
    complete = bass.run_bass(p, q, N, STEPS, 0)
    ring = bass.run_bass(p, q, N, STEPS, 0, {"kind": "watts_strogatz", "degree": 10, "rewiring": 0.0})
    lead = complete - ring
    noise = tolerance(p, q, STEPS, N)
    assert lead.max() > 0.05  # clearly slower (about 0.1 at the steepest part)
    assert lead.min() > -noise  # never meaningfully ahead: the complete graph is an upper bound


def test_noise_sd_shrinks_like_one_over_sqrt_n():
    small, large = (bass.bass_noise_sd(0.01, 0.2, 60, n).max() for n in (1_000, 100_000))
    assert small / large == pytest.approx(10, rel=1e-6)
