"""Random streams: reproducible, independent per mechanism and step, uniform, prefix-stable."""

import numpy as np
from scipy import stats

from sim.streams import Streams


def test_same_key_same_values_and_prefix_stable():
    streams = Streams(12345)
    a = streams.stream("service", 7).uniform((3, 1000))
    b = streams.stream("service", 7).uniform((3, 1000))
    assert np.array_equal(a, b)
    # the i-th value does not depend on how many are drawn (common random numbers per customer)
    assert np.array_equal(streams.stream("service", 7).uniform(500), a.ravel()[:500])


def test_streams_differ_by_mechanism_step_and_seed():
    values = [Streams(seed).stream(name, step).uniform(1000) for seed, name, step in
              [(1, "service", 1), (1, "service", 2), (1, "complaints", 1), (2, "service", 1)]]
    for i in range(len(values)):
        for j in range(i + 1, len(values)):
            assert abs(np.corrcoef(values[i], values[j])[0, 1]) < 0.1


def test_values_are_uniform_and_threaded_fill_matches():
    sample = Streams(3).stream("word_of_mouth", 11).uniform(400_000)  # large: the threaded fill
    assert sample.min() >= 0 and sample.max() < 1
    assert stats.kstest(sample[:50_000], "uniform").pvalue > 0.001
    small = Streams(3).stream("word_of_mouth", 11).uniform(1000)  # serial fill, same values
    assert np.array_equal(small, sample[:1000])
    counts = np.bincount((sample * 100).astype(int), minlength=100)
    assert stats.chisquare(counts).pvalue > 0.001


def test_stream_keys_are_numpys_seed_sequence():
    """The compiled key of a (mechanism, step) stream is what NumPy's SeedSequence gives for it."""
    import zlib

    rng = np.random.default_rng(5)
    for root in [0, 1, 2**32 - 1, 2**32, 2**63 - 1, *rng.integers(0, 2**63, 5).tolist()]:
        names, steps = ["service", "burn_in/word_of_mouth", "x"], [0, 1, 365, 99_999, 2**32 - 1]
        keys = Streams(root).keys(names, steps)
        for a, step in enumerate(steps):
            for b, name in enumerate(names):
                expected = np.random.SeedSequence(root, spawn_key=(zlib.crc32(name.encode()), step))
                assert keys[a, b] == expected.generate_state(1, np.uint64)[0]


def test_any_value_of_a_stream_can_be_computed_on_its_own():
    """Counter-based: value k is the same whether the whole array is drawn or only value k (the fused step)."""
    from sim.kernels.compiled import uniform_at

    stream = Streams(77).stream("complaints", 12)
    whole = stream.uniform((3, 5000))
    for k in (0, 1, 4999, 5000, 14_999):
        assert uniform_at(stream.key, k) == whole.reshape(-1)[k]


def test_a_models_steps_draw_from_the_keys_of_their_own_step():
    """The model computes its steps' stream keys a block at a time: every step, across blocks and past the
    scenario's steps, gets the keys `Streams.keys` gives for that step alone."""
    import sim
    from sim.fused import KEY_NAMES

    model = sim.EngagementModel("baseline", rng=5, overrides={"customers": 50, "steps": 1200, "burn_in": 0})
    for step in (1, 2, 999, 1000, 1001, 1002, 1199, 1200, 1201, 1500, 3):
        assert np.array_equal(model._step_keys(KEY_NAMES, step), model.streams.keys(KEY_NAMES, (step,))[0]), step
    assert np.array_equal(model._step_keys(KEY_NAMES[:2], 7), model.streams.keys(KEY_NAMES[:2], (7,))[0])
