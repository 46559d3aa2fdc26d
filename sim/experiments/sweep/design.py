"""Designs of a sweep: a full-factorial grid, a Latin hypercube (scipy) or a Saltelli sample for Sobol
indices (SALib). Each gives the design points in order, one {key path: value} per point."""

from __future__ import annotations

import itertools

import numpy as np

DEFAULT_LEVELS = 5


def design_points(sweep) -> list[dict]:
    """The design points, in order: one {key path: value} per point."""
    kind = sweep.design["kind"]
    if kind == "grid":
        for p in sweep.parameters:
            if p.values is None and p.levels is None:
                p.levels = sweep.design.get("levels", DEFAULT_LEVELS)
        paths, grids = [p.path for p in sweep.parameters], [p.grid() for p in sweep.parameters]
        return [dict(zip(paths, combo, strict=True)) for combo in itertools.product(*grids)]
    unit = unit_sample(kind, len(sweep.parameters), sweep.design["samples"], sweep.design["seed"])
    return [{p.path: p.from_unit(u) for p, u in zip(sweep.parameters, row, strict=True)} for row in unit]


def unit_sample(kind: str, dimensions: int, samples: int, seed: int) -> np.ndarray:
    """Points in the unit cube: a Latin hypercube (scipy) or a Saltelli/Sobol sample (SALib).

    The Sobol sample has samples x (dimensions + 2) rows (first-order and total indices only).
    """
    if kind == "lhs":
        from scipy.stats import qmc

        return qmc.LatinHypercube(d=dimensions, rng=np.random.default_rng(seed)).random(samples)
    from SALib.sample import sobol

    problem = sobol_problem([f"x{i}" for i in range(dimensions)])
    return sobol.sample(problem, samples, calc_second_order=False, seed=seed)


def sobol_problem(names: list[str]) -> dict:
    """The SALib problem on the unit cube (parameters are mapped from [0, 1) to their values)."""
    return {"num_vars": len(names), "names": list(names), "bounds": [[0.0, 1.0]] * len(names)}
