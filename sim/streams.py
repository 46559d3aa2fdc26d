"""Random streams: one per mechanism and step, so policies can be compared under common random numbers.

Each mechanism asks for its stream at each step and draws full arrays (one value per customer),
whether or not every customer uses its value. A draw therefore depends only on (run seed, mechanism,
step, customer), never on what another mechanism did or how many draws it made: a policy that
changes one lever leaves every other draw as it was (as in Starsim). A mechanism with nothing to do
in a step (no open complaints, no programme running) may skip its draw: no other stream notices.

The key of a stream comes from NumPy's SeedSequence (run entropy, mechanism name, step). Its values
are the SplitMix64 sequence from that key (the generator behind Java's SplittableRandom, which passes
BigCrush), filled by a numba loop: several times faster than a NumPy Generator for the
single-precision arrays the mechanisms use, with no generator object to build each step.
Set-up (population, network) uses ordinary NumPy Generators from the same keys (`generator`).
"""

from __future__ import annotations

import zlib

import numba
import numpy as np

GOLDEN = np.uint64(0x9E3779B97F4A7C15)
MIX1 = np.uint64(0xBF58476D1CE4E5B9)
MIX2 = np.uint64(0x94D049BB133111EB)
PARALLEL_FROM = 200_000


def _fill(flat, key):
    """flat[i] = the i-th SplitMix64 output for `key`, as a float32 uniform on [0, 1)."""
    scale = np.float32(1.0 / 16777216.0)
    for i in numba.prange(flat.size):
        z = key + np.uint64(i + 1) * GOLDEN
        z = (z ^ (z >> np.uint64(30))) * MIX1
        z = (z ^ (z >> np.uint64(27))) * MIX2
        z = z ^ (z >> np.uint64(31))
        flat[i] = np.float32(np.int32(z >> np.uint64(40))) * scale  # 24 bits, via int32 (fast to convert)


_fill_serial = numba.njit(cache=True, nogil=True)(_fill)
_fill_parallel = numba.njit(cache=True, nogil=True, parallel=True)(_fill)


class Stream:
    """The random stream of one mechanism at one step."""

    def __init__(self, key: int):
        self.key = np.uint64(key)

    def uniform(self, shape) -> np.ndarray:
        """A full array of float32 uniforms on [0, 1); the same shape always gives the same values."""
        out = np.empty(shape, np.float32)
        (_fill_parallel if out.size >= PARALLEL_FROM else _fill_serial)(out.reshape(-1), self.key)
        return out


class Streams:
    """Independent, reproducible streams keyed by mechanism name and step."""

    def __init__(self, root_entropy: int):
        self.root_entropy = int(root_entropy)

    def _sequence(self, name: str, step: int) -> np.random.SeedSequence:
        return np.random.SeedSequence(self.root_entropy, spawn_key=(zlib.crc32(name.encode()), int(step)))

    def stream(self, name: str, step: int) -> Stream:
        """The stream a mechanism draws its per-step arrays from."""
        return Stream(int(self._sequence(name, step).generate_state(1, np.uint64)[0]))

    def generator(self, name: str, step: int) -> np.random.Generator:
        """A NumPy Generator for set-up work that needs other distributions (population, network)."""
        return np.random.Generator(np.random.SFC64(self._sequence(name, step)))


def uniform(rng: Stream | np.random.Generator, size) -> np.ndarray:
    """A full array of float32 uniforms from a Stream (or, for tests and notebooks, a NumPy Generator)."""
    if isinstance(rng, Stream):
        return rng.uniform(size)
    return rng.random(size, dtype=np.float32)
