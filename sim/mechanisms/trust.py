"""Trust: built slowly, lost quickly, and a gate on the way up.

Concept: trust is the first rung of a Maslow-like ladder. Without it nobody climbs above indifferent,
however good the experiences; with it, nothing is guaranteed (most people trust their bank and feel
nothing for it).

- Asymmetry: a good interaction closes `trust.gain` x the customer's trust rate of the distance to
  full trust; a failure removes `trust.loss` of the trust held. With the defaults one failure costs
  several good interactions. Test: tests/test_properties.py::test_property_holds[trust asymmetry].
- Gate: the bond is capped below the involved threshold while trust is under `trust.gate` (the cap
  rises in proportion to trust, so it stays continuous below the gate).
  Test: tests/test_properties.py::test_property_holds[trust gate].
"""

from __future__ import annotations

import numpy as np


def build(trust: np.ndarray, rate: np.ndarray, gain: float) -> np.ndarray:
    """Trust after one good experience, for the given trust values and personal rates."""
    return trust + gain * rate * (1 - trust)


def lose(trust: np.ndarray, loss: float) -> np.ndarray:
    """Trust after one failure."""
    return trust * (1 - loss)


def ceiling(trust: np.ndarray, gate: float, involved: float) -> np.ndarray:
    """Highest bond allowed by a level of trust: just under `involved` below the gate, 1 above it."""
    below = involved * np.minimum(trust / max(gate, 1e-9), 1.0) * 0.999
    return np.where(trust >= gate, np.float32(1.0), below).astype(np.float32)


def update_current(state, rows: np.ndarray, new_values_fn) -> None:
    """Apply a trust update to the current company's trust of the people in `rows`."""
    brand = state.company[rows]
    state.trust[rows, brand] = np.clip(new_values_fn(state.trust[rows, brand], rows), 0, 1)
