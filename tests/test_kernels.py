"""The fused numba kernels agree with plain NumPy versions of the formulas in the mechanisms' docstrings."""

import numpy as np
import pytest

import sim
from sim.levels import PROSPECT
from sim.mechanisms import bond, levels, switching

from .reference import leaving_pressure as reference_pressure


@pytest.fixture(scope="module")
def busy_model():
    model = sim.EngagementModel("baseline", rng=3, customers=3000, overrides={
        "companies.focal.programmes.participation.reach": 0.5, "companies.budget.promotion.reach": 0.3,
        "customers": 3000})
    model.run(40)
    return model


def test_leaving_pressure_matches_numpy(busy_model):
    m = busy_model
    draw = np.random.default_rng(0).random(m.state.n).astype(np.float32)
    pressure, sensitivity, leaves = switching.leaving_pressure(m.state, m.market, m.params, draw, draw)
    expected_pressure, _, expected_sensitivity = reference_pressure(m.state, m.market, m.params, draw)
    np.testing.assert_allclose(sensitivity, expected_sensitivity, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(pressure, expected_pressure, rtol=1e-4, atol=1e-9)
    assert (pressure[m.state.company == m.market.no_company] == 0).all()
    np.testing.assert_array_equal(leaves, draw < -np.expm1(-pressure.astype(np.float64)))


def test_bond_kernel_matches_numpy(busy_model):
    m = busy_model
    state = m.state
    before = state.bond.copy()
    b = m.params["bond"]
    gap = bond.target(state, m.params) - before
    beyond = np.sign(gap) * np.maximum(np.abs(gap) - b["inertia"], 0)  # the latitude of acceptance
    expected = before + np.where(gap > 0, b["rate"], b["fall_rate"]) * beyond
    bond.step(state, m.market, m.params, None, None)
    actual = state.bond.copy()
    state.bond[:] = expected
    bond.cap(state, m.params)
    np.testing.assert_allclose(actual, state.bond, rtol=1e-5, atol=1e-6)


def test_levels_kernel_matches_reading(busy_model):
    m = busy_model
    state = m.state
    expected = levels.current(state, m.params, m.market.no_company)
    previous = state.level.copy()

    class Tally:
        company_before = state.company.copy()
        transitions = np.zeros((5, 5), np.int64)

    levels.step(state, m.market, m.params, None, Tally)
    np.testing.assert_array_equal(state.level, expected)
    stayed = (state.company < m.market.no_company) & (previous < PROSPECT)
    counts = np.zeros((5, 5), np.int64)
    np.add.at(counts, (previous[stayed], expected[stayed]), 1)
    np.testing.assert_array_equal(Tally.transitions, counts)


def test_threaded_and_serial_kernels_agree(busy_model):
    """The threaded build (used for large populations) gives the same bytes as the serial one."""
    from sim import kernels

    m = busy_model
    draw = np.random.default_rng(1).random(m.state.n).astype(np.float32)
    args = switching.pressure_arguments(m.state, m.market, m.params, draw, draw)
    serial, threaded = kernels.leaving_pressure.serial(*args), kernels.leaving_pressure.threaded(*args)
    assert all(np.array_equal(a, b) for a, b in zip(serial, threaded))


@pytest.mark.parametrize(("companies", "n"), [(1, 5), (2, 4096), (3, 10_001), (4, 777), (5, 9000), (8, 4097)])
def test_a_fitting_round_sums_each_column_in_row_order(companies, n):
    """One round of the starting companies' fitting (sim.state.choose_companies) gives the column means of the
    normalised [pull, 1] x scale to the last bit, each column summed top to bottom (np.cumsum's order), also
    when the compiled round sums four columns at a time (five and eight companies) and over several chunks."""
    from sim.kernels import compiled

    rng = np.random.default_rng(companies * n)
    pull = np.exp(3.0 * rng.standard_normal((companies, n)))  # stored company by company, as choose_companies does
    scale = rng.uniform(0.2, 5.0, companies + 1)
    p = np.hstack([pull.T, np.ones((n, 1))]) * scale
    p /= p.sum(axis=1, keepdims=True)
    assert np.array_equal(compiled.share_fitting(pull, scale), np.cumsum(p, axis=0)[-1] / n)


# A fresh process runs the model from numba's disk cache: a serial market and a threaded one (from 20,000 people,
# sim.kernels.THREADED_FROM), then reports its timeseries' bytes and which of numba's registries it imported.
_FROM_THE_CACHE = """
import hashlib, json, sys
import sim
digest = hashlib.sha256()
for customers in (2000, 25000):
    model = sim.EngagementModel("baseline", rng=5, customers=customers,
                                overrides={"burn_in": 10, "customers": customers})
    model.run(10)
    digest.update(model.timeseries(0).to_csv().encode())
print(json.dumps({"digest": digest.hexdigest(), "registries": sorted(
    name for name in ("numba.np.arraymath", "numba.core.typing.cffi_utils", "scipy.linalg") if name in sys.modules)}))
"""


def _from_the_cache(**env) -> dict:
    import json
    import os
    import subprocess
    import sys

    # numba's functions for every kernel, also those compiled ahead of time for serial markets (tests/test_ahead.py)
    completed = subprocess.run([sys.executable, "-c", _FROM_THE_CACHE], capture_output=True, text=True, timeout=600,
                               env={**os.environ, "SIM_AHEAD": "0", **env})
    assert completed.returncode == 0, completed.stderr
    return json.loads(completed.stdout.strip().splitlines()[-1])


def test_cached_kernels_are_read_without_numba_registries():
    """sim/kernels/cache.py: read lightly from the cache, the kernels give the bytes numba's own loading gives, and
    the process imports none of the registries numba sets up to compile (nor scipy.linalg, its probe for BLAS)."""
    _from_the_cache()  # compiles into the cache whatever is not there yet (a fresh clone)
    light, own = _from_the_cache(SIM_NUMBA_REFRESH=""), _from_the_cache(SIM_NUMBA_REFRESH="1")
    assert light["digest"] == own["digest"]
    assert light["registries"] == []
    assert own["registries"] == ["numba.core.typing.cffi_utils", "numba.np.arraymath", "scipy.linalg"]
