"""Random streams: one per mechanism and step, so policies can be compared under common random numbers.

Each mechanism asks for its stream at each step. The reference mechanisms draw full arrays (one value
per customer) whether or not every customer uses its value; the fused step (sim.fused) computes only
the values it uses. Both give the same numbers, because the stream is counter-based: value k of a
stream is SplitMix64(key + (k + 1) x golden ratio), which can be computed on its own. A draw therefore
depends only on (run seed, mechanism, step, position), never on what another mechanism did or how many
draws it made: a policy that changes one lever leaves every other draw as it was (as in Starsim). A
mechanism with nothing to do in a step (no open complaints, no programme running) may skip its draw:
no other stream notices.

The key of a stream comes from NumPy's SeedSequence (run entropy, mechanism name, step), computed by a
compiled copy of its hash (sim.kernels.compiled.stream_keys, checked against NumPy in
tests/test_streams.py) because a step needs a key for each mechanism. SplitMix64 is the generator
behind Java's SplittableRandom (passes BigCrush). Set-up (population, network) uses ordinary NumPy
Generators from the same seed (`generator`). Nothing here imports numba until a value is drawn.
"""

from __future__ import annotations

import zlib

import numpy as np

PARALLEL_FROM = 200_000


def crc(name: str) -> int:
    """The spawn word of a stream name."""
    return zlib.crc32(name.encode())


class Stream:
    """The random stream of one mechanism at one step."""

    def __init__(self, key: int):
        self.key = np.uint64(key)

    def uniform(self, shape) -> np.ndarray:
        """A full array of float32 uniforms on [0, 1); the same shape always gives the same values."""
        from .kernels import fast, threads
        from .kernels.split import split

        out = np.empty(shape, np.float32)
        flat = out.reshape(-1)
        parts = threads() if out.size >= PARALLEL_FROM else 1
        split(parts, fast.fill_uniform_chunks, -(-flat.size // fast.CHUNK), flat, self.key)
        return out


class Streams:
    """Independent, reproducible streams keyed by mechanism name and step."""

    def __init__(self, root_entropy: int):
        self.root_entropy = int(root_entropy)
        if not 0 <= self.root_entropy < 2**128:
            raise ValueError("root entropy must be a non-negative integer below 2**128")
        words = [(self.root_entropy >> (32 * i)) & 0xFFFFFFFF for i in range(4)]
        self._root_words = np.array(words, np.uint64)  # SeedSequence's entropy, padded to its pool of 4 words
        self._crcs: dict[tuple, np.ndarray] = {}

    def _sequence(self, name: str, step: int) -> np.random.SeedSequence:
        return np.random.SeedSequence(self.root_entropy, spawn_key=(crc(name), int(step)))

    def keys(self, names, steps) -> np.ndarray:
        """Keys of the streams of `names` at each of `steps`: an array [step, name] of uint64."""
        from .kernels import fast

        steps = np.asarray(steps, np.int64).reshape(-1)
        if steps.size and (steps.min() < 0 or steps.max() >= 2**32):
            raise ValueError("stream steps must be in 0 .. 2**32 - 1")
        names = tuple(names)
        crcs = self._crcs.get(names)
        if crcs is None:
            crcs = self._crcs[names] = np.array([crc(name) for name in names], np.uint64)
        return fast.stream_keys(self._root_words, crcs, steps.astype(np.uint64))

    def stream(self, name: str, step: int) -> Stream:
        """The stream a mechanism draws its per-step arrays from."""
        return Stream(int(self.keys((name,), (step,))[0, 0]))

    def generator(self, name: str, step: int) -> np.random.Generator:
        """A NumPy Generator for set-up work that needs other distributions (population, network)."""
        return np.random.Generator(np.random.SFC64(self._sequence(name, step)))


def uniform(rng: Stream | np.random.Generator, size) -> np.ndarray:
    """A full array of float32 uniforms from a Stream (or, for tests and notebooks, a NumPy Generator)."""
    if isinstance(rng, Stream):
        return rng.uniform(size)
    return rng.random(size, dtype=np.float32)
