"""Where each customer sits in the network picture: node positions and edges, computed once per network.

Positions are in the unit square; the network picture (sim.app.network_picture) and the browser's
canvas (sim.app.network_view) draw from them, so both put a customer in the same place. A
layout is cached by the network's contents: every frame only recolours the dots.
"""

from __future__ import annotations

import numpy as np

_LAYOUTS: dict[tuple, tuple[np.ndarray, np.ndarray]] = {}


def network_layout(network, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Node positions (n x 2 in [0, 1]) and edges (m x 2) of a network, cached by its contents.

    Fruchterman-Reingold force layout. Small networks use networkx's spring_layout; above 600 nodes
    the repulsion is estimated from a random sample of 150 nodes per iteration, which keeps a
    3,000-node layout to a few seconds. Computed once: every frame only recolours the dots.
    """
    n = network.n
    if network.complete:
        key = ("complete", n, seed)
    else:
        key = (n, seed, hash(network.indptr.tobytes()), hash(network.indices.tobytes()))
    if key in _LAYOUTS:
        return _LAYOUTS[key]
    if network.complete:
        angle = 2 * np.pi * np.arange(n) / max(n, 1)
        positions = np.column_stack([np.cos(angle), np.sin(angle)])
        edges = np.zeros((0, 2), np.int64)
    else:
        rows = np.repeat(np.arange(n), np.diff(network.indptr))
        mask = rows < network.indices
        edges = np.column_stack([rows[mask], network.indices[mask]]).astype(np.int64)
        positions = _force_layout(n, edges, seed)
    low, high = positions.min(0), positions.max(0)
    positions = (positions - low) / np.where(high > low, high - low, 1)
    _LAYOUTS[key] = (positions.astype(np.float32), edges)
    return _LAYOUTS[key]


def _force_layout(n: int, edges: np.ndarray, seed: int, iterations: int = 50) -> np.ndarray:
    rng = np.random.default_rng(seed)
    if n <= 600:
        import networkx as nx

        graph = nx.Graph()
        graph.add_nodes_from(range(n))
        graph.add_edges_from(edges.tolist())
        layout = nx.spring_layout(graph, seed=seed, iterations=iterations)
        return np.array([layout[i] for i in range(n)])
    pos = rng.random((n, 2))
    k2 = 1.0 / n
    k = np.sqrt(k2)
    sample = 150
    temperature, cooling = 0.1, 0.1 / (iterations + 1)
    a, b = edges[:, 0], edges[:, 1]
    for _ in range(iterations):
        others = pos[rng.choice(n, sample, replace=False)]
        delta = pos[:, None, :] - others[None, :, :]
        dist2 = np.maximum((delta * delta).sum(-1), 1e-6)
        disp = (delta * (k2 / dist2)[..., None]).sum(1) * (n / sample)
        e = pos[a] - pos[b]
        pull = e * np.sqrt((e * e).sum(-1, keepdims=True)) / k
        for axis in range(2):
            disp[:, axis] -= np.bincount(a, pull[:, axis], n) - np.bincount(b, pull[:, axis], n)
        length = np.maximum(np.sqrt((disp * disp).sum(-1, keepdims=True)), 1e-9)
        pos += disp / length * np.minimum(length, temperature)
        temperature -= cooling
    return pos
