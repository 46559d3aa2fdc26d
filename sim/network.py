"""Social networks as compressed neighbour lists (CSR), seeded from the run's stream.

Word of mouth only needs, for each person, a random contact per conversation, so the network is
stored as `indptr`/`indices` arrays (the CSR layout of scipy.sparse, which `to_scipy` returns) and
never as Python objects. The neighbour lists are filled by a compiled counting sort in int32; the
Watts-Strogatz lattice is read edge by edge as the lists are filled, never stored, and Erdos-Renyi
draws its edges as arrays, so a million-person network builds in a third of a second with 10 MB
beyond its own 48 MB (tests/test_model.py checks the lattice against the plain construction).
Barabasi-Albert uses networkx (sequential by nature, slower at that scale). The complete network is
implicit: a random contact is any other person.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numba
import numpy as np

from .kernels.cache import read_lightly
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


@numba.njit(cache=True, nogil=True)
def _edge(e, sources, targets, half, n, rewired, replacement, k):
    """Edge e's ends: from the arrays, or (when `sources` is empty) the ring lattice's edge e, whose far end is
    the next unused `replacement` if `rewired[e]`; returns (a, b, the replacements used so far)."""
    if sources.size:
        return sources[e], targets[e], k
    a = e // half
    if rewired[e]:
        return a, replacement[k], k + 1
    return a, (a + e % half + 1) % n, k


@numba.njit(cache=True, nogil=True)
def _unsorted_lists(n, sources, targets, half, rewired, replacement):
    """Undirected edges to neighbour lists in edge order (counting sort; self-loops dropped): (start, lists).
    The edges are the arrays (sources, targets), or, with `sources` empty, a ring lattice of n * half edges
    (see `_edge`): a million people's lattice then needs no edge arrays beside its lists."""
    edges = sources.size if sources.size else n * half
    start = np.zeros(n + 1, np.int64)
    k = 0
    for e in range(edges):
        a, b, k = _edge(e, sources, targets, half, n, rewired, replacement, k)
        if a != b:
            start[a + 1] += 1
            start[b + 1] += 1
    for i in range(n):  # a running sum in place (np.cumsum's code would import numba's BLAS probe: kernels/cache.py)
        start[i + 1] += start[i]
    fill = start[:-1].copy()
    indices = np.empty(start[-1], np.int32)
    k = 0
    for e in range(edges):
        a, b, k = _edge(e, sources, targets, half, n, rewired, replacement, k)
        if a != b:
            indices[fill[a]] = b
            fill[a] += 1
            indices[fill[b]] = a
            fill[b] += 1
    return start, indices


@numba.njit(cache=True, nogil=True)
def _sort_lists(start, indices):
    """Each list sorted and its repeats dropped, in place: `start` becomes the CSR indptr; returns the count."""
    write = 0
    lo = start[0]
    for i in range(start.size - 1):
        hi = start[i + 1]  # read before this row's indptr overwrites it
        if hi - lo > 32:
            indices[lo:hi].sort()
        else:  # rows are short: an insertion sort in place, without allocating a sorted copy per person
            for k in range(lo + 1, hi):
                value = indices[k]
                j = k - 1
                while j >= lo and indices[j] > value:
                    indices[j + 1] = indices[j]
                    j -= 1
                indices[j + 1] = value
        last = -1
        for k in range(lo, hi):  # compacting in place: the write position never passes the read position
            value = indices[k]
            if value != last:
                indices[write] = value
                write += 1
                last = value
        start[i + 1] = write
        lo = hi
    return write


# the arguments `_unsorted_lists` does not read: no edge arrays (a lattice), or no lattice (edge arrays)
_NONE_BOOL, _NONE_INT = np.zeros(0, np.bool_), np.zeros(0, np.int32)


def from_edges(n: int, edges: list, kind: str) -> Network:
    """The network of undirected `edges`, a list [sources, targets] that this empties: with no other reference
    to them, the edge arrays are let go of before the lists are sorted (at a million people they weigh as
    much as the lists)."""
    sources, targets = edges.pop(0), edges.pop(0)
    indptr, indices = _unsorted_lists(n, sources.astype(np.int32, copy=False), targets.astype(np.int32, copy=False),
                                      1, _NONE_BOOL, _NONE_INT)
    del sources, targets
    return _sorted(n, indptr, indices, kind)


def _sorted(n: int, indptr: np.ndarray, indices: np.ndarray, kind: str) -> Network:
    count = _sort_lists(indptr, indices)
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
    indptr, indices = _unsorted_lists(n, _NONE_INT, _NONE_INT, half, rewired, replacement)
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


read_lightly(globals())  # cached machine code without numba's compiler set-up (sim/kernels/cache.py)
