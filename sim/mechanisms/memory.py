"""Remembered experience: the peak-end rule and rising expectations.

Concept: people remember the most intense moment and the last one, not the average, and neglect how
long it lasted (Kahneman). A good experience becomes the expected baseline: expectations follow what
is experienced and what the best company on the market offers, so constant good quality is
satisfying at first and then merely neutral.

- `remember`: the peak is replaced by any experience at least as intense; the end is the latest.
  Remembered experience = `peak_weight` x peak + (1 - peak_weight) x end.
  Test: tests/test_properties.py::test_property_holds[peak-end memory] (same mean, different peak or end,
  remembered differently; a longer sequence with the same peak and end, remembered the same).
- `adapt_expectations`: expectation moves by the personal adaptation rate towards a mix of the
  quality experienced and the best quality on the market.
  Test: tests/test_properties.py::test_property_holds[rising expectations].
- `step`: the remembered peak fades slowly (`memory.peak_fading`), and so does the count of recent
  failures that makes a repeated failure feel worse (`memory.failure_fading`).
"""

from __future__ import annotations

import numpy as np


def remember(state, rows: np.ndarray, experience: np.ndarray) -> None:
    """Record one experience for each person in `rows`."""
    peak = state.peak[rows]
    state.peak[rows] = np.where(np.abs(experience) >= np.abs(peak), experience, peak)
    state.end[rows] = experience


def remembered(peak: np.ndarray, end: np.ndarray, peak_weight: float) -> np.ndarray:
    return peak_weight * peak + (1 - peak_weight) * end


def peak_end(sequence, peak_weight: float = 0.5) -> float:
    """Remembered value of a sequence of experiences (no fading): for teaching and tests."""
    peak = 0.0
    for value in sequence:
        if abs(value) >= abs(peak):
            peak = value
    return peak_weight * peak + (1 - peak_weight) * (sequence[-1] if len(sequence) else 0.0)


def adapt_expectations(state, rows: np.ndarray, quality: np.ndarray, best_quality: float, params: dict) -> None:
    weight = params["memory"]["benchmark_weight"]
    target = (1 - weight) * quality + weight * max(best_quality, 0.0)
    expectation = state.expectation[rows]
    state.expectation[rows] = expectation + state.adaptation_rate[rows] * (target - expectation)


def step(state, market, params, stream, tally) -> None:
    state.peak *= np.float32(1 - params["memory"]["peak_fading"])
    state.failures *= np.float32(1 - params["memory"]["failure_fading"])
