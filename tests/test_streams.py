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
