"""Social networks as compressed neighbour lists (CSR), seeded from the run's stream.

Word of mouth only needs, for each person, a random contact per conversation, so the network is
stored as `indptr`/`indices` arrays (the CSR layout of scipy.sparse, which `to_scipy` returns) and
never as Python objects. The neighbour lists are filled by a compiled counting sort in int32
(sim.kernels.compiled); the Watts-Strogatz lattice is read edge by edge as the lists are filled, never
stored, and Erdos-Renyi draws its edges as arrays, so a million-person network builds in a third of a
second with 10 MB beyond its own 48 MB (tests/test_model.py checks the lattice against the plain
construction).
Barabasi-Albert uses networkx (sequential by nature, slower at that scale). The complete network is
implicit: a random contact is any other person.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import kernels
from .state import BLOCK


@dataclass
class Network:
    """Undirected contacts of n people; `complete` networks hold no arrays."""

    n: int
    indptr: np.ndarray | None = None
    indices: np.ndarray | None = None
    kind: str = ""

    @property
    def complete(self) -> bool:
        return self.indptr is None

    def degrees(self) -> np.ndarray:
        if self.complete:
            return np.full(self.n, self.n - 1, dtype=np.int64)
        return np.diff(self.indptr)

    def random_contact(self, uniform: np.ndarray, people: np.ndarray | None = None) -> np.ndarray:
        """One contact for each of `people` (default: everyone), chosen by their uniform draws; -1 if none."""
        people = np.arange(self.n) if people is None else people
        if self.complete:
            contact = np.minimum((uniform * (self.n - 1)).astype(np.int64), self.n - 2)
            contact += contact >= people
            return contact
        start = self.indptr[people]
        degree = self.indptr[people + 1] - start
        offset = np.minimum((uniform * degree).astype(np.int64), np.maximum(degree - 1, 0))
        contact = self.indices[start + offset].astype(np.int64)
        contact[degree == 0] = -1
        return contact

    def to_scipy(self):
        """The adjacency matrix as scipy.sparse CSR (for network arithmetic outside the model)."""
        import scipy.sparse as sparse

        if self.complete:
            raise ValueError("the complete network is implicit; build it with to_networkx() if you must")
        return sparse.csr_matrix((np.ones(self.indices.size, np.int8), self.indices, self.indptr), (self.n, self.n))

    def to_networkx(self):
        """The network as a networkx Graph (for drawing and for Mesa's network space)."""
        import networkx as nx

        if self.complete:
            return nx.complete_graph(self.n)
        graph = nx.Graph()
        graph.add_nodes_from(range(self.n))
        rows = np.repeat(np.arange(self.n), np.diff(self.indptr))
        mask = rows < self.indices
        graph.add_edges_from(zip(rows[mask].tolist(), self.indices[mask].tolist()))
        return graph


# the arguments `unsorted_lists` does not read: no edge arrays (a lattice), or no lattice (edge arrays)
_NONE_BOOL, _NONE_INT = np.zeros(0, np.bool_), np.zeros(0, np.int32)


def from_edges(n: int, edges: list, kind: str) -> Network:
    """The network of undirected `edges`, a list [sources, targets] that this empties: with no other reference
    to them, the edge arrays are let go of before the lists are sorted (at a million people they weigh as
    much as the lists)."""
    sources, targets = edges.pop(0), edges.pop(0)
    indptr, indices = kernels.fast.unsorted_lists(n, sources.astype(np.int32, copy=False),
                                                  targets.astype(np.int32, copy=False), 1, _NONE_BOOL, _NONE_INT)
    del sources, targets
    return _sorted(n, indptr, indices, kind)


def _sorted(n: int, indptr: np.ndarray, indices: np.ndarray, kind: str) -> Network:
    count = kernels.fast.sort_lists(indptr, indices)
    # repeated edges are rare: the few unused places at the end are not worth copying the lists for
    return Network(n, indptr, indices[:count] if count < indices.size else indices, kind)


def watts_strogatz(n: int, degree: int, rewiring: float, rng: np.random.Generator) -> Network:
    """Ring lattice with `degree` nearest neighbours, each edge's far end rewired with probability `rewiring`."""
    half = max(degree // 2, 1)
    # edge e joins e // half to the (e % half + 1)-th next person; its far end is rewired where its draw is below
    # `rewiring`. The draws come in blocks (the same numbers as one call), the lattice is never stored
    rewired = np.empty(n * half, np.bool_)
    for low in range(0, rewired.size, BLOCK):
        high = min(low + BLOCK, rewired.size)
        rewired[low:high] = rng.random(high - low, dtype=np.float32) < rewiring
    replacement = rng.integers(0, n, int(np.count_nonzero(rewired)), dtype=np.int32)
    indptr, indices = kernels.fast.unsorted_lists(n, _NONE_INT, _NONE_INT, half, rewired, replacement)
    del rewired, replacement
    return _sorted(n, indptr, indices, "watts_strogatz")


def erdos_renyi(n: int, degree: float, rng: np.random.Generator) -> Network:
    """G(n, m) with m = n * degree / 2 random edges (self-loops and repeats dropped)."""
    m = int(round(n * degree / 2))
    return from_edges(n, [rng.integers(0, n, m, dtype=np.int32), rng.integers(0, n, m, dtype=np.int32)], "erdos_renyi")


def barabasi_albert(n: int, degree: int, rng: np.random.Generator) -> Network:
    """Preferential attachment (networkx), each new node bringing degree/2 edges."""
    import networkx as nx

    m = max(degree // 2, 1)
    graph = nx.barabasi_albert_graph(n, min(m, n - 1), seed=int(rng.integers(2**31)))
    edges = np.array(graph.edges(), dtype=np.int64).reshape(-1, 2)
    return from_edges(n, [edges[:, 0], edges[:, 1]], "barabasi_albert")


def edge_list(n: int, path: str | Path) -> Network:
    """Read 'source target' pairs (whitespace or comma separated, '#' comments) of customer indices."""
    path = Path(path)
    pairs = []
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        text = line.split("#", 1)[0].replace(",", " ").split()
        if not text:
            continue
        if len(text) < 2 or not all(t.lstrip("-").isdigit() for t in text[:2]):
            raise ValueError(f"{path}:{number}: expected two customer indices, got {line.strip()!r}")
        a, b = int(text[0]), int(text[1])
        if not (0 <= a < n and 0 <= b < n):
            raise ValueError(f"{path}:{number}: customer index out of range 0..{n - 1}: {line.strip()!r}")
        pairs.append((a, b))
    edges = np.array(pairs, dtype=np.int64).reshape(-1, 2)
    return from_edges(n, [edges[:, 0], edges[:, 1]], "edge_list")


def build(config: dict, n: int, rng: np.random.Generator, base_dir: Path | None = None) -> Network:
    kind = config["kind"]
    if kind == "watts_strogatz":
        return watts_strogatz(n, config["degree"], config["rewiring"], rng)
    if kind == "erdos_renyi":
        return erdos_renyi(n, config["degree"], rng)
    if kind == "barabasi_albert":
        return barabasi_albert(n, config["degree"], rng)
    if kind == "complete":
        return Network(n, kind="complete")
    path = Path(config["path"])
    if base_dir is not None and not path.is_absolute():
        path = base_dir / path
    return edge_list(n, path)


