"""Random streams: one per mechanism and step, so policies can be compared under common random numbers.

Each mechanism asks for its generator at each step and draws full arrays (one value per customer),
whether or not every customer uses its value. A draw therefore depends only on (run seed, mechanism,
step, customer), never on what another mechanism did or how many draws it made: a policy that
changes one lever leaves every other draw as it was (as in Starsim). A mechanism with nothing to do
in a step (no open complaints, no programme running) may skip its draw: no other stream notices.
"""

from __future__ import annotations

import zlib

import numpy as np


class Streams:
    """Independent, reproducible generators keyed by mechanism name and step."""

    def __init__(self, root_entropy: int):
        self.root_entropy = int(root_entropy)

    def generator(self, name: str, step: int) -> np.random.Generator:
        key = (zlib.crc32(name.encode()), int(step))
        sequence = np.random.SeedSequence(self.root_entropy, spawn_key=key)
        return np.random.Generator(np.random.SFC64(sequence))


def uniform(rng: np.random.Generator, size) -> np.ndarray:
    """A full array of uniforms on [0, 1) in single precision (half the cost of doubles)."""
    return rng.random(size, dtype=np.float32)
