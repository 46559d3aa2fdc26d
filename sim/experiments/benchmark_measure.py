"""The measurements of `python -m sim bench` that run inside a child process (one fresh process each).

- `steps`: a model built (set-up, burn-in) and stepped, timing the set-up, the burn-in, and a number of
  steps after a few warm-up steps (just-in-time compiled code and first-touch page faults are not
  counted); with `engine="reference"` the timed steps run the NumPy mechanisms one by one, which gives
  the cost of each mechanism (the burn-in always runs the fused step: the state is the same either way).
- `per_agent`: the plain per-agent Mesa model (benchmarks/per_agent_model.py) on the same scenario, from
  the same market at rest, timing its steps.
- `year`: one run of `steps` steps with its timeseries, measuring the whole process's peak memory.
- `plots`: a run's three plots, their frames and their data apart (medians).
Peak memory is the process's high-water mark of resident memory (VmHWM), Python and libraries included.
"""

from __future__ import annotations

import resource
import time
from pathlib import Path

import numpy as np

# Counters (timeseries columns NAME_<count>) that show each mechanism did work in the timed steps.
ACTIVITY = ("interactions", "failures", "complaints", "recoveries", "abandoned_complaints", "programme_touches",
            "ad_exposures", "praise", "warnings", "lost", "acquired", "referrals")


def memory_mb(key: str = "VmHWM") -> float:
    """This process's resident memory in MB: peak (VmHWM) or current (VmRSS); ru_maxrss if no /proc."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _activity(model, first: int) -> dict[str, int]:
    records = model.records[first:]
    found = {}
    for count in ACTIVITY:
        columns = [model.columns.index(f"{name}_{count}") for name in model.market.names]
        found[count] = int(records[:, columns].sum())
    return found


def steps(customers: int, steps: int, warmup: int = 3, engine: str = "fused", burn_in: int | None = None,
          rest_file: str | None = None) -> dict:
    """Build the benchmark model and time `steps` steps after `warmup` steps (`rest_file`: its state at rest kept
    there, as EngagementModel does, so that repeated measurements skip the burn-in)."""
    from ..model import EngagementModel
    from .benchmark import benchmark_scenario

    interpreter = memory_mb("VmRSS")
    changes = {} if burn_in is None else {"burn_in": burn_in}
    model = EngagementModel(benchmark_scenario(customers, warmup + steps, changes), rest_file=rest_file)
    model.engine = engine
    for _ in range(warmup):
        model.step()
    model.reset_timings()
    first = len(model.records)
    start, cpu = time.perf_counter(), time.process_time()
    for _ in range(steps):
        model.step()
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    timings = {name: seconds / steps for name, seconds in model.timings.items()}
    return {
        "customers": customers, "steps": steps, "warmup_steps": warmup, "engine": engine,
        "setup_seconds": model.setup_seconds, "burn_in_seconds": model.burn_in_seconds,
        "burn_in_steps": model.params["burn_in"], "step_seconds": elapsed, "cpu_seconds": cpu,
        "customer_steps_per_second": customers * steps / elapsed,
        "timings": timings, "recording_seconds_per_step": max(elapsed / steps - sum(timings.values()), 0.0),
        "peak_mb": memory_mb("VmHWM"), "interpreter_mb": interpreter, "state_mb": model.state.nbytes() / 2**20,
        "activity": _activity(model, first), "fallback": model.fallback_reason,
    }


def per_agent(customers: int, steps: int, warmup: int = 1, burn_in: int | None = None) -> dict:
    """The plain per-agent Mesa model from the array model's market at rest: time `steps` steps."""
    from .benchmark import benchmark_scenario, load_per_agent_module

    module = load_per_agent_module()
    scenario = benchmark_scenario(customers, warmup + steps, {} if burn_in is None else {"burn_in": burn_in})
    start = time.perf_counter()
    model = module.PerAgentModel(scenario)
    setup = time.perf_counter() - start
    for _ in range(warmup):
        model.step()
    start, cpu = time.perf_counter(), time.process_time()
    for _ in range(steps):
        model.step()
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    return {"customers": customers, "steps": steps, "warmup_steps": warmup, "setup_seconds": setup,
            "step_seconds": elapsed, "cpu_seconds": cpu, "customer_steps_per_second": customers * steps / elapsed,
            "peak_mb": memory_mb("VmHWM"), "level_counts": model.level_counts().tolist()}


def year(customers: int, steps: int, burn_in: int | None = None) -> dict:
    """One run of `steps` steps and its timeseries, in one process: times and the process's peak memory."""
    from ..model import EngagementModel
    from .benchmark import benchmark_scenario

    interpreter = memory_mb("VmRSS")
    start = time.perf_counter()
    model = EngagementModel(benchmark_scenario(customers, steps, {} if burn_in is None else {"burn_in": burn_in}))
    built = time.perf_counter() - start
    start = time.perf_counter()
    model.run()
    stepped = time.perf_counter() - start
    run_peak = memory_mb("VmHWM")
    state_mb, network = model.state.nbytes() / 2**20, model.market.network
    network_mb = sum(a.nbytes for a in (network.indptr, network.indices) if a is not None) / 2**20
    model.release()  # as a job does before keeping its table
    from .columns import to_arrow

    frame = to_arrow(model.timeseries_arrays())  # the table as a run's job keeps it (no pandas)
    return {"customers": customers, "steps": steps, "setup_seconds": model.setup_seconds,
            "burn_in_seconds": model.burn_in_seconds, "burn_in_steps": model.params["burn_in"],
            "build_seconds": built, "step_seconds": stepped, "rows": len(frame),
            "customer_steps_per_second": customers * steps / stepped, "peak_mb": memory_mb("VmHWM"),
            "run_peak_mb": run_peak, "interpreter_mb": interpreter, "state_mb": state_mb, "network_mb": network_mb,
            # pages of shared libraries mapped from disk (mostly numba's libllvmlite.so, 170 MB on disk): the
            # kernel counted 95 to 210 MB of them as resident, depending on the install, so the same run's
            # peak differs by that much between two installs; private memory is the rest
            "file_mb": memory_mb("RssFile")}


def cutover(sizes: list[int], steps: int = 10, rounds: int = 3, burn_in: int = 0) -> dict:
    """Seconds per step of the fused step on one thread and on all, by population: where threads pay off
    (sim.kernels.THREADED_FROM). Serial and threaded runs alternate, and each keeps its best round."""
    from ..model import EngagementModel
    from .benchmark import benchmark_scenario

    rows = []
    for customers in sizes:
        model = EngagementModel(benchmark_scenario(customers, 10_000, {"burn_in": burn_in}))
        fused = model._fused_step()
        model.run(3)
        best = {False: float("inf"), True: float("inf")}
        for _ in range(rounds):
            for threaded in (False, True):
                fused.threaded = threaded
                start = time.perf_counter()
                model.run(steps)
                best[threaded] = min(best[threaded], (time.perf_counter() - start) / steps)
        rows.append({"customers": customers, "serial_seconds": best[False], "threaded_seconds": best[True],
                     "speed_up": best[False] / best[True]})
    from ..kernels import THREADED_FROM, threads

    return {"rows": rows, "threads": threads(), "threaded_from": THREADED_FROM}


def imports() -> dict:
    """What importing the package and parsing the command line pulls in (for the start-time figure)."""
    import sys

    start = time.perf_counter()
    from ..cli import build_parser

    build_parser()
    heavy = sorted(name for name in ("pandas", "matplotlib", "networkx", "scipy", "solara", "dask", "pyarrow",
                                      "numba", "mesa") if name in sys.modules)
    return {"seconds": time.perf_counter() - start, "heavy_modules": heavy, "numpy": "numpy" in sys.modules}


def numba_start() -> dict:
    """numba's cost to a fresh process before its first step: importing numba, then importing the kernels' module
    and calling one of its functions, read from the disk cache: what a process pays where the kernels could not
    be compiled ahead of time (sim/kernels/ahead.py), and for the NumPy reference engine's kernels. With
    SIM_NUMBA_REFRESH=1 numba loads the cache its own way, setting up every typing and lowering registry first
    (sim/kernels/cache.py), which the benchmark measures beside it."""
    import sys

    start = time.perf_counter()
    import numba  # noqa: F401

    imported = time.perf_counter()
    from ..kernels import cache, compiled

    compiled.stream_keys(np.zeros(4, np.uint64), np.zeros(1, np.uint64), np.zeros(1, np.uint64))
    return {"import_seconds": imported - start, "first_call_seconds": time.perf_counter() - imported,
            "light": cache.enabled(), "scipy_linalg_imported": "scipy.linalg" in sys.modules,
            "modules": len(sys.modules)}


def ahead_start() -> dict:
    """The kernels compiled ahead of time (sim/kernels/ahead.py) in a fresh process: loading them and the first
    call, which is what a run pays instead of numba's start wherever the module could be built."""
    import sys

    start = time.perf_counter()
    from ..kernels import ahead, fast

    in_use = fast.ahead
    loaded = time.perf_counter()
    fast.stream_keys(np.zeros(4, np.uint64), np.zeros(1, np.uint64), np.zeros(1, np.uint64))
    return {"in_use": in_use, "load_seconds": loaded - start, "first_call_seconds": time.perf_counter() - loaded,
            "numba_imported": "numba" in sys.modules, "reason": "" if in_use else ahead.failure()}


def plots(customers: int = 10_000, steps: int = 365, repeats: int = 12) -> dict:
    """A run's three plots in one process, as `run`'s plotting child makes them: the frames (rendered before the
    data arrive, while the model runs) and each plot's data drawn over its frame (what `run` waits for, beside
    writing its tables); medians of `repeats`, on the baseline market (its values do not matter here)."""
    import statistics
    import tempfile

    from .. import model as models
    from . import plots as drawing

    model = models.EngagementModel("baseline", rng=1, overrides={"customers": customers, "steps": steps,
                                                                  "burn_in": 0, "customer_agents": 0})
    model.run()
    companies = model.market.names
    data = drawing.plot_columns(model.timeseries_arrays(), companies)
    seconds: dict[str, list[float]] = {"frames": [], "levels": [], "transitions": [], "money": []}
    with tempfile.TemporaryDirectory(prefix="sim-plots-") as scratch:
        folder = Path(scratch)
        for _ in range(repeats):
            start = time.perf_counter()
            levels, transitions, money = drawing.layouts(companies, steps)
            seconds["frames"].append(time.perf_counter() - start)
            for name, draw, arguments in (
                    ("levels", drawing.levels_over_time, (data, companies, folder / "l.png", levels)),
                    ("transitions", drawing.transitions, (data, folder / "t.png", transitions)),
                    ("money", drawing.money, (data, companies, folder / "m.png", money))):
                start = time.perf_counter()
                draw(*arguments)
                seconds[name].append(time.perf_counter() - start)
    medians = {f"{name}_seconds": statistics.median(values) for name, values in seconds.items()}
    medians["data_seconds"] = medians["levels_seconds"] + medians["transitions_seconds"] + medians["money_seconds"]
    return {"customers": customers, "steps": steps, "repeats": repeats, **medians}


MEASURES = {"steps": steps, "per_agent": per_agent, "year": year, "imports": imports, "cutover": cutover,
            "numba_start": numba_start, "ahead_start": ahead_start, "plots": plots}


def as_plain(value):
    """JSON-friendly numbers (numpy scalars to Python)."""
    if isinstance(value, dict):
        return {k: as_plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [as_plain(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value
