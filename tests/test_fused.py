"""The fused step (sim.fused) does exactly what the reference mechanisms do.

Each case runs the same scenario and seed twice, with the reference engine and the fused one, and after
the burn-in and after every recorded step compares every array of the customer state (bit for bit), the
timeseries row, and the step's tally (counts, money, transitions, and the signals analyses read). The
cases switch on every mechanism: interventions (outage, promotion, price, a viral complaint), programmes
of every kind and target, promotions, advertising to prospects, a complete network, a burn-in, a policy
started from another market at rest, several chunks of rows, and the threaded build.
"""

from __future__ import annotations

import numpy as np
import pytest

import sim
from sim import fused
from sim import state as states
from sim.experiments.benchmark import benchmark_overrides
from sim.kernels import fast  # the layout and serial kernels: compiled ahead of time, or numba's

EVENTS = [{"at": 1, "company": "focal", "viral_complaint": 0.08},
          {"at": 3, "until": 12, "company": "budget", "outage": {"failure_rate": 0.6, "share": 0.5}},
          {"at": 5, "until": 25, "company": "challenger", "promotion": {"discount": 0.3, "reach": 0.3}},
          {"at": 8, "company": "focal", "price": 0.8, "complaint_handling": 0.9}]


def busy(customers: int, steps: int = 30, burn_in: int = 20, **changes) -> dict:
    """Every mechanism doing work (the benchmark's overrides), with events and a short burn-in."""
    overrides = {**benchmark_overrides(customers, steps), "burn_in": burn_in, "interventions": EVENTS}
    overrides.update({"companies.budget.advertising.reach": 0.05, "companies.budget.advertising.conversion": 0.1,
                      "companies.focal.programmes.sensation.target": "passionate"})
    overrides.update(changes)
    return overrides


def differences(reference, fused_model) -> list[str]:
    """Where the two models differ now (state arrays, last timeseries row, last tally)."""
    found = []
    for name in states.field_names():
        a, b = getattr(reference.state, name), getattr(fused_model.state, name)
        if not np.array_equal(a, b, equal_nan=True):
            rows = np.flatnonzero((a != b).reshape(a.shape[0], -1).any(axis=1))
            found.append(f"state.{name} differs in {rows.size} rows, e.g. {rows[:3].tolist()}")
    if not np.array_equal(reference.records, fused_model.records):
        columns = np.flatnonzero((reference.records != fused_model.records).any(axis=0))
        found.append(f"timeseries differs in {[reference.columns[c] for c in columns[:5]]}")
    ta, tb = reference.last_tally, fused_model.last_tally
    for name in ta.counts:
        if not np.array_equal(ta.counts[name], tb.counts[name]):
            found.append(f"count {name}: {ta.counts[name]} != {tb.counts[name]}")
    for name in ta.money:
        if not np.array_equal(ta.money[name], tb.money[name]):
            found.append(f"money {name}: {ta.money[name]} != {tb.money[name]}")
    for name in ("transitions", "praise_by_level", "warnings_by_level", "lost_by_level", "warnings_about_former"):
        if not np.array_equal(getattr(ta, name), getattr(tb, name)):
            found.append(f"tally.{name} differs")
    if ta.failed is not None and not np.array_equal(ta.failed, tb.failed):
        found.append("tally.failed differs")
    if ta.complaint_outcomes is not None:
        for field in ("complained", "resolved", "quick", "gave_up", "recovery_value"):
            if not np.array_equal(getattr(ta.complaint_outcomes, field), getattr(tb.complaint_outcomes, field)):
                found.append(f"complaint_outcomes.{field} differs")
    if ta.speakers is not None and not np.array_equal(ta.speakers, tb.speakers):
        found.append("tally.speakers differs")
    if ta.warned is not None and not all(np.array_equal(a, b) for a, b in zip(ta.warned, tb.warned)):
        found.append("tally.warned differs")
    return found


def compare(scenario, seed: int, steps: int | None = None, threaded: bool | None = None, **options) -> list[str]:
    """Run both engines side by side; the differences found at the first moment they differ (or [])."""
    reference = sim.EngagementModel(scenario, rng=seed, engine="reference", **options)
    model = sim.EngagementModel(scenario, rng=seed, engine="fused", **options)
    found = [f"after the burn-in: {d}" for d in differences(reference, model)]
    if threaded is not None:
        model._fused_step().threaded = threaded
    for number in range(1, (steps or reference.params["steps"]) + 1):
        if found:
            break
        reference.step()
        model.step()
        assert model.fallback_reason is None
        found = [f"step {number}: {d}" for d in differences(reference, model)]
    return found


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
@pytest.mark.parametrize("customers", [300, 2500, 9000])
def test_fused_step_equals_the_reference_with_every_mechanism_at_work(customers, seed):
    assert compare("baseline", seed, overrides=busy(customers)) == []


@pytest.mark.parametrize("scenario,changes", [
    ("classroom", {"network.kind": "complete", "customers": 400}),
    ("baseline", {"network.kind": "erdos_renyi", "customers": 1500,
                  "companies.focal.programmes.appreciation.target": "indifferent"}),
    ("hostile_cascade", {"customers": 1500}),
    ("fan_programme", {"customers": 1500}),
    ("recovery_paradox", {"customers": 1500}),
    ("baseline", {"customers": 1200, "trust.gate": 0.0, "complaints.give_up": 0.0, "word_of_mouth.contagion": 1.0}),
    ("bass", {"customers": 800}),
])
def test_fused_step_equals_the_reference_on_the_bundled_scenarios(scenario, changes):
    overrides = {"steps": 40, "burn_in": 30, **changes}
    for seed in (5, 6):
        assert compare(scenario, seed, overrides=overrides) == []


def test_the_threaded_build_gives_the_same_bytes():
    """Chunks run on two threads in any order: counts are per chunk, so nothing depends on the order."""
    assert compare("baseline", 7, overrides=busy(3 * fast.CHUNK + 77, steps=15, burn_in=5), threaded=True) == []


def test_a_policy_started_from_another_market_at_rest():
    market = sim.scenario.resolve("baseline", busy(2000, burn_in=25))
    policy = sim.scenario.resolve("baseline", {**busy(2000, burn_in=25), "companies.focal.price": 0.85,
                                               "companies.focal.programmes.participation.reach": 0.6})
    assert compare(policy, 8, rest=market) == []


def test_the_whole_burn_in_is_the_same():
    """730 steps of burn-in (the default) and a year: the two engines leave the same market."""
    assert compare("baseline", 9, steps=365, overrides={"customers": 1500}) == []


def test_the_comparison_notices_a_fused_step_that_is_off_by_one_bit(monkeypatch):
    """A test that could not fail would prove nothing: nudge one parameter of the compiled step by one unit in
    the last place and the comparison must see it."""
    vector = fused.parameter_vector

    def nudged(params):
        values = vector(params)
        values[fast.P_TRUST_GAIN] = np.nextafter(np.float32(values[fast.P_TRUST_GAIN]), np.float32(1))
        return values

    monkeypatch.setattr(fused, "parameter_vector", nudged)
    assert compare("baseline", 1, overrides=busy(2000, burn_in=0)) != []


def test_a_patched_mechanism_runs_the_reference(monkeypatch):
    """A mutation of a reference function is not in the compiled code: the model runs the reference step."""
    from sim.mechanisms import memory

    def averaging(state, rows, experience):
        state.peak[rows] = 0.5 * state.peak[rows] + 0.5 * experience
        state.end[rows] = experience

    monkeypatch.setattr(memory, "remember", averaging)
    reference = sim.EngagementModel({"customers": 500, "steps": 5, "burn_in": 5}, rng=1, engine="reference").run()
    model = sim.EngagementModel({"customers": 500, "steps": 5, "burn_in": 5}, rng=1).run()
    assert model.fallback_reason == "sim.mechanisms.memory.remember was replaced"
    assert np.array_equal(reference.records, model.records)
    monkeypatch.undo()
    assert sim.EngagementModel({"customers": 500, "steps": 1, "burn_in": 0}, rng=1).run().fallback_reason is None


def test_the_fused_step_reads_who_praises_and_warns_at_each_step(monkeypatch):
    """word_of_mouth.PRAISING and WARNING are data the fused step reads each step (the validation's mutations
    change them)."""
    from sim.levels import Level
    from sim.mechanisms import word_of_mouth

    monkeypatch.setattr(word_of_mouth, "PRAISING", (Level.INVOLVED, Level.PASSIONATE))
    assert compare("baseline", 3, overrides=busy(1500, steps=10, burn_in=5)) == []


def test_the_engine_is_chosen_explicitly():
    with pytest.raises(ValueError, match="engine"):
        sim.EngagementModel({"customers": 100}, engine="fast")
    model = sim.EngagementModel({"customers": 300, "steps": 2, "burn_in": 0}, rng=1).run()
    assert model.engine == "fused" and set(model.timings) == set(fused.PASSES)
    model = sim.EngagementModel({"customers": 300, "steps": 2, "burn_in": 0}, rng=1, engine="reference").run()
    assert set(model.timings) == {name for name, _ in sim.STEP_ORDER}


def test_a_tally_kept_for_later_still_reads_its_own_step():
    """The fused step writes its event buffers again every step; a tally someone keeps decodes its signals
    before its buffers are written again, so it still describes its own step."""
    overrides = busy(2000, steps=6, burn_in=5)
    reference = sim.EngagementModel("baseline", rng=4, engine="reference", overrides=overrides)
    model = sim.EngagementModel("baseline", rng=4, overrides=overrides)
    kept = []
    for _ in range(6):
        reference.step()
        model.step()
        kept.append((reference.last_tally, model.last_tally))
    for expected, found in kept:
        assert np.array_equal(expected.failed, found.failed)
        assert np.array_equal(expected.speakers, found.speakers)
        assert np.array_equal(expected.complaint_outcomes.resolved, found.complaint_outcomes.resolved)
        assert all(np.array_equal(a, b) for a, b in zip(expected.warned, found.warned))


def test_serial_and_threaded_builds_are_cached_apart():
    """numba's disk cache keys a function by name and line, not by parallel=True: a threaded build sharing its
    serial twin's name would be loaded from the twin's cache entry and run on one thread. (The fused passes'
    one-thread builds are other functions, `pass_*_chunks`.)"""
    from sim.kernels import compiled

    pairs = [(getattr(compiled, name), getattr(compiled, name.replace("_serial", "_threaded")))
             for name in dir(compiled) if name.endswith("_serial")]
    assert len(pairs) == 2
    for serial, threaded in pairs:
        assert serial.py_func.__qualname__ != threaded.py_func.__qualname__, serial.py_func.__qualname__
        assert threaded.targetoptions.get("parallel") and not serial.targetoptions.get("parallel")
