"""The kernels compiled ahead of time (sim/kernels/ahead.py) are numba's functions without numba.

Each check runs fresh processes, since whether a process uses them is decided once per process: with them
(SIM_AHEAD unset) a small market must give the bytes it gives with numba's just-in-time functions (SIM_AHEAD=0)
and import no numba; the declared argument types must be those the model calls the functions with; a call with
other types must go to numba instead of reading the arrays as the wrong type; and where the module cannot be
built the model runs on numba, and no later process tries again.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from sim.kernels import ahead

# A market in a fresh process: its timeseries and final state hashed, and whether numba was imported.
_MARKET = """
import hashlib, json, sys
import numpy as np
import sim
from sim import state as states
from tests.test_fused import busy
digest = hashlib.sha256()
for seed, customers, changes in json.loads(sys.argv[1]):
    overrides = {**busy(customers, steps=12, burn_in=6), **changes}
    model = sim.EngagementModel("baseline", rng=seed, overrides=overrides)
    model.run(12)
    digest.update(model.records.tobytes())
    for name in states.field_names():
        digest.update(np.ascontiguousarray(getattr(model.state, name)).tobytes())
from sim import streams
digest.update(streams.Stream(7).uniform(streams.PARALLEL_FROM + 5).tobytes())  # as big markets' interventions draw
import sim.kernels as kernels
print(json.dumps({"digest": digest.hexdigest(), "numba": "numba" in sys.modules, "ahead": kernels.fast.ahead,
                  "threaded": model._fused_step().threaded}))
"""

MARKETS = [[3, 1500, {}], [11, 2500, {"network.kind": "complete"}],
           [5, 1200, {"network.kind": "erdos_renyi", "network.degree": 6}],
           [7, 900, {"network.kind": "barabasi_albert", "network.degree": 3}]]
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _run(script: str, *arguments: str, **env) -> subprocess.CompletedProcess:
    environment = {**os.environ, "SIM_THREADED_FROM": "1000000", **env}
    return subprocess.run([sys.executable, "-c", script, *arguments], capture_output=True, text=True, timeout=900,
                          cwd=ROOT, env=environment)


def _market(markets=MARKETS, **env) -> dict:
    completed = _run(_MARKET, json.dumps(markets), **env)
    assert completed.returncode == 0, completed.stderr[-3000:]
    return json.loads(completed.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def built():
    """The module for this checkout, built if it is not there yet (a fresh clone: about 15 to 30 s)."""
    table = ahead.load()
    if table is None:
        pytest.fail(f"the kernels could not be compiled ahead of time: {ahead.failure()}")
    return table


def test_small_markets_give_numbas_bytes_without_numba(built):
    """Four markets (every mechanism busy, events, each kind of network) on the module and on numba's functions:
    the same timeseries and state, and the module's process imports no numba."""
    on_module, on_numba = _market(), _market(SIM_AHEAD="0")
    assert on_module["ahead"] and not on_numba["ahead"]
    assert on_module["digest"] == on_numba["digest"]
    assert not on_module["numba"]
    assert on_numba["numba"]


def test_threaded_markets_give_numbas_bytes_without_numba(built):
    """From THREADED_FROM people the passes (and a draw for everyone) are split between threads (sim.kernels.split):
    the module's functions give numba's bytes there too, and still no numba."""
    markets = [[3, 3 * 4096 + 77, {}], [11, 9000, {"network.kind": "complete"}]]
    on_module = _market(markets, SIM_THREADED_FROM="1000")
    if not on_module["threaded"]:
        pytest.skip("one core: no threads to split a pass between")
    on_numba = _market(markets, SIM_THREADED_FROM="1000", SIM_AHEAD="0")
    assert on_module["ahead"] and not on_numba["ahead"] and on_numba["threaded"]
    assert on_module["digest"] == on_numba["digest"]
    assert not on_module["numba"]


def test_a_run_command_of_a_small_market_imports_no_numba(built, tmp_path):
    script = ("import runpy, sys\nsys.argv = ['sim', 'run', 'baseline', '--set', 'customers=3000', '--quiet',"
              f" '--out', {str(tmp_path / 'out')!r}, '--no-plots']\n"
              "try:\n    runpy.run_module('sim', run_name='__main__')\nexcept SystemExit as end:\n"
              "    assert not end.code, end.code\nprint('numba' in sys.modules)")
    completed = _run(script)
    assert completed.returncode == 0, completed.stderr[-3000:]
    assert completed.stdout.strip().splitlines()[-1] == "False"
    assert (tmp_path / "out" / "timeseries.csv").exists()


_SIGNATURES = """
import json
import sim
from numba.core import sigutils
from sim import streams
from sim.kernels import ahead, compiled, fast
from tests.test_ahead import MARKETS
from tests.test_fused import busy
fast.__dict__["table"] = {}  # the paths taken with the module, on numba's functions (SIM_AHEAD=0), which record types
for seed, customers, changes in MARKETS:
    overrides = {**busy(customers, steps=3, burn_in=2), **changes}
    sim.EngagementModel("baseline", rng=seed, overrides=overrides).run(3)
streams.Stream(7).uniform(streams.PARALLEL_FROM)  # a draw as large as a big market's interventions make
seen = {name: [str(s) for s in getattr(compiled, name).signatures] for name in ahead.EXPORTS}
declared = {name: str(sigutils.normalize_signature(text)[0]) for name, text in ahead.EXPORTS.items()}
print(json.dumps({"seen": seen, "declared": declared}))
"""


def test_the_declared_types_are_those_the_model_calls_with():
    """On numba's functions, every exported function is called with exactly the declared types (and only those):
    a model whose arrays changed type would otherwise leave the module unused, or call it with the wrong one."""
    completed = _run(_SIGNATURES, SIM_AHEAD="0")
    assert completed.returncode == 0, completed.stderr[-3000:]
    found = json.loads(completed.stdout.strip().splitlines()[-1])
    for name, declared in found["declared"].items():
        assert found["seen"][name] == [declared], name


_OTHER_TYPES = """
import numpy as np
import sys
from sim.kernels import fast
assert fast.ahead
company = np.array([0, 1, 2, 3, 1, 0], np.int8)
price = np.array([10, 20, 30, 0], np.float32)
totals = np.zeros(4)
fast.revenue(company, np.linspace(-1, 1, 6), price, 0.5, 3, totals)  # bond in float64, not float32
fast.revenue(company, np.linspace(-1, 1, 12, dtype=np.float32)[::2], price, 0.5, 3, totals)  # not contiguous
fast.revenue(company, np.linspace(-1, 1, 6, dtype=np.float32), price, np.float32(0.5), 3, totals)  # a float32
print(repr(totals.tolist()), "numba" in sys.modules)
"""


def test_a_call_with_other_types_goes_to_numba(built):
    """Arguments that are not of the declared types are numba's to handle, with the results numba gives (run in
    another process: the module itself would read a float64 array as float32, or crash)."""
    on_module, on_numba = _run(_OTHER_TYPES), _run(_OTHER_TYPES.replace("assert fast.ahead", ""), SIM_AHEAD="0")
    assert on_module.returncode == 0, on_module.stderr[-3000:]
    assert on_numba.returncode == 0, on_numba.stderr[-3000:]
    totals, imported = on_module.stdout.split()[:-1], on_module.stdout.split()[-1]
    assert totals == on_numba.stdout.split()[:-1]
    assert imported == "True"


def test_without_a_compiler_the_model_runs_on_numba_and_no_later_process_tries_again(tmp_path):
    cache = str(tmp_path / "kernels")
    first = _market(SIM_KERNELS_CACHE=cache, CC="/nonexistent/cc")
    failed = list((tmp_path / "kernels").glob("*.failed"))
    assert [path.read_text().strip() for path in failed] == ["RuntimeError: no C compiler: /nonexistent/cc not found"]
    assert not first["ahead"] and first["numba"]
    stamp = failed[0].stat().st_mtime_ns
    second = _market(SIM_KERNELS_CACHE=cache)  # a compiler now, but the failure is remembered
    assert not second["ahead"] and second["digest"] == first["digest"]
    assert failed[0].stat().st_mtime_ns == stamp
    assert not list((tmp_path / "kernels").glob("*.so"))


def test_the_fused_step_checks_again_when_a_state_array_is_replaced(built, monkeypatch):
    """The fused step calls the module's functions without their checks only while the state's arrays are the
    objects the checks accepted: a replaced array (a state at rest read back, a notebook's own array) goes through
    the checks again, so an array of another type would go to numba."""
    import numpy as np

    import sim
    from sim.kernels import fast

    model = sim.EngagementModel("baseline", rng=5, overrides={"customers": 600, "burn_in": 2, "steps": 10})
    model.step()  # through the checks: accepted
    calls = []
    checked = fast.count_advocacy

    def spy(*args):
        calls.append(args[2])
        return checked(*args)

    monkeypatch.setattr(fast, "count_advocacy", spy)
    model.step()
    assert calls == [], "the second step should call the function directly"
    model.state.advocacy = np.array(model.state.advocacy)  # the same values and type, another object
    model.step()
    assert len(calls) == 1 and calls[0] is model.state.advocacy
