"""Performance benchmark: the vectorised model against a plain per-agent Mesa model of comparable rules.

What is measured, for each population size, each in a fresh subprocess (so peak memory is that run's
own and nothing is shared between sizes):
- set-up: seconds to build the model (population, network, agents);
- throughput: customer-steps per second over the timed steps, after a few warm-up steps (so
  just-in-time compilation and first-touch page faults are not counted);
- peak memory: the child process's high-water mark of resident memory (VmHWM), which includes the
  Python interpreter and the imported libraries (reported separately as `interpreter_mb`); the
  high-water mark is reset after set-up, so the peaks of set-up and of the steps are also reported.
The benchmark scenario is scenarios/baseline.yaml with every mechanism doing work: participation,
appreciation and sensation programmes at the focal company, promotions by both rivals, advertising
by all, and a viral complaint at step 1 so that hostile customers warn others from the start.
The plain per-agent model (benchmarks/per_agent_model.py) runs the same scenario; the ratio is the
vectorised throughput divided by the per-agent throughput at the same population size.

Command: `python -m sim bench [--sizes ...] [--steps N] [--quick] [--full-year] [--out FILE]`.
"""

from __future__ import annotations

import importlib.util
import json
import math
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from ..levels import LEVELS

ROOT = Path(__file__).resolve().parents[2]
BASELINE = ROOT / "sim" / "scenarios" / "baseline.yaml"
PER_AGENT_MODULE = ROOT / "benchmarks" / "per_agent_model.py"

SIZES = (10_000, 100_000, 1_000_000)
PER_AGENT_SIZES = (10_000, 100_000)
BREAKDOWN_SIZE = 100_000
WARMUP_STEPS = 3
TARGETS = {
    "throughput_100k": 10_000_000,  # customer-steps per second, all mechanisms, one process
    "ratio": 30,  # vectorised / plain per-agent Mesa
    "full_year_peak_mb": 500,  # 1,000,000 customers x 365 steps
    "setup_1m_seconds": 60,  # "built in seconds, not minutes"
}
# Counters (timeseries columns NAME_<count>) that show each mechanism did work in the timed steps.
ACTIVITY = ("interactions", "failures", "complaints", "recoveries", "abandoned_complaints", "programme_touches",
            "ad_exposures", "praise", "warnings", "lost", "acquired", "referrals")


def benchmark_overrides(customers: int, steps: int) -> dict:
    """Overrides of baseline.yaml that switch every mechanism on (programmes, promotions, advertising)."""
    return {
        "customers": int(customers),
        "steps": max(int(steps), 1),
        "companies.focal.programmes.participation.reach": 0.3,
        "companies.focal.programmes.participation.target": "all",
        "companies.focal.programmes.appreciation.reach": 0.3,
        "companies.focal.programmes.appreciation.target": "involved",
        "companies.focal.programmes.appreciation.frequency": 0.05,
        "companies.focal.programmes.sensation.reach": 0.1,
        "companies.focal.programmes.sensation.target": "random",
        "companies.focal.programmes.sensation.frequency": 0.01,
        "companies.challenger.promotion.discount": 0.15,
        "companies.challenger.promotion.reach": 0.02,
        "interventions": [{"at": 1, "company": "focal", "viral_complaint": 0.05}],
    }


def benchmark_scenario(customers: int, steps: int, changes: dict | None = None):
    """The benchmark scenario, with optional further dotted-key `changes`."""
    from .. import scenario as scenarios

    return scenarios.load(BASELINE, {**benchmark_overrides(customers, steps), **(changes or {})})


def load_per_agent_module():
    """benchmarks/per_agent_model.py (next to the package in the repository), imported by path."""
    if "per_agent_model" in sys.modules:
        return sys.modules["per_agent_model"]
    spec = importlib.util.spec_from_file_location("per_agent_model", PER_AGENT_MODULE)
    module = importlib.util.module_from_spec(spec)
    sys.modules["per_agent_model"] = module
    spec.loader.exec_module(module)
    return module


def memory_mb(key: str = "VmHWM") -> float:
    """This process's resident memory in MB: peak (VmHWM) or current (VmRSS); ru_maxrss if no /proc."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def reset_peak_memory() -> bool:
    """Reset this process's VmHWM to the current resident size (Linux), so phases can be measured apart."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def auto_steps(customers: int, budget: float = 5e6, low: int = 10, high: int = 365) -> int:
    """Timed steps for a population: about `budget` customer-steps, between `low` and `high` steps."""
    return int(min(max(math.ceil(budget / customers), low), high))


# --- measurements (run inside a child process) ---------------------------------------------------------
def measure_vectorised(customers: int, steps: int, warmup: int = WARMUP_STEPS, progress: bool = False) -> dict:
    """Build sim.EngagementModel on the benchmark scenario, step `warmup` times, then time `steps` steps."""
    from tqdm.auto import tqdm

    from ..model import EngagementModel

    interpreter = memory_mb("VmRSS")
    scenario = benchmark_scenario(customers, warmup + steps)
    start = time.perf_counter()
    model = EngagementModel(scenario)
    setup = time.perf_counter() - start
    setup_peak = memory_mb("VmHWM")
    separate = reset_peak_memory()
    for _ in range(warmup):
        model.step()
    model.timings = dict.fromkeys(model.timings, 0.0)
    first = len(model.records)
    start, cpu = time.perf_counter(), time.process_time()
    for _ in tqdm(range(steps), disable=not progress, desc=f"vectorised {customers:,}", unit="step", leave=False):
        model.step()
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    records = np.vstack(model.records[first:])
    activity = {}
    for count in ACTIVITY:
        columns = [model.columns.index(f"{name}_{count}") for name in model.market.names]
        activity[count] = int(records[:, columns].sum())
    mechanisms = sum(model.timings.values())
    return {
        "model": "vectorised", "customers": customers, "steps": steps, "warmup_steps": warmup,
        "setup_seconds": setup, "step_seconds": elapsed, "customer_steps_per_second": customers * steps / elapsed,
        "cpu_seconds": cpu, "customer_steps_per_cpu_second": customers * steps / max(cpu, 1e-9),
        "peak_mb": max(setup_peak, memory_mb("VmHWM")), "interpreter_mb": interpreter,
        "setup_peak_mb": setup_peak, "step_peak_mb": memory_mb("VmHWM") if separate else None,
        "state_mb": model.state.nbytes() / 2**20,
        "timings": {name: seconds / steps for name, seconds in model.timings.items()},
        "recording_seconds_per_step": max(elapsed - mechanisms, 0.0) / steps,
        "activity": activity,
    }


def measure_per_agent(customers: int, steps: int, warmup: int = 1, progress: bool = False) -> dict:
    """Build the plain per-agent Mesa model on the benchmark scenario and time `steps` steps."""
    from tqdm.auto import tqdm

    module = load_per_agent_module()
    interpreter = memory_mb("VmRSS")
    scenario = benchmark_scenario(customers, warmup + steps)
    start = time.perf_counter()
    model = module.PerAgentModel(scenario)
    setup = time.perf_counter() - start
    for _ in range(warmup):
        model.step()
    start, cpu = time.perf_counter(), time.process_time()
    for _ in tqdm(range(steps), disable=not progress, desc=f"per-agent {customers:,}", unit="step", leave=False):
        model.step()
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    counts = model.level_counts()
    return {
        "model": "per_agent", "customers": customers, "steps": steps, "warmup_steps": warmup,
        "setup_seconds": setup, "step_seconds": elapsed, "customer_steps_per_second": customers * steps / elapsed,
        "cpu_seconds": cpu, "customer_steps_per_cpu_second": customers * steps / max(cpu, 1e-9),
        "peak_mb": memory_mb("VmHWM"), "interpreter_mb": interpreter,
        "level_counts": {name: dict(zip(LEVELS, map(int, counts[i]), strict=True))
                         for i, name in enumerate(model.names)},
    }


MEASURES = {"vectorised": measure_vectorised, "per_agent": measure_per_agent}


def run_child(kind: str, customers: int, steps: int, warmup: int, progress: bool = False,
              threads: int | None = None) -> dict:
    """Run one measurement in a fresh Python process and return its result (or an `error`).

    `threads` sets NUMBA_NUM_THREADS in the child (threads of the parallel kernels; default: all cores).
    """
    spec = json.dumps({"kind": kind, "customers": customers, "steps": steps, "warmup": warmup, "progress": progress})
    command = [sys.executable, "-m", "sim.experiments.benchmark", "--child", spec]
    env = dict(os.environ, **({"NUMBA_NUM_THREADS": str(threads)} if threads else {}))
    started = time.perf_counter()
    completed = subprocess.run(command, stdout=subprocess.PIPE, stderr=None if progress else subprocess.PIPE,
                               text=True, cwd=ROOT, env=env)
    lines = [line for line in completed.stdout.splitlines() if line.startswith("{")]
    if completed.returncode != 0 or not lines:
        detail = (completed.stderr or "").strip().splitlines()[-1:] if completed.stderr else []
        return {"model": kind, "customers": customers, "steps": steps,
                "error": f"exit code {completed.returncode}" + (f": {detail[0]}" if detail else "")}
    result = json.loads(lines[-1])
    result["wall_seconds"] = time.perf_counter() - started
    return result


def kernel_threads() -> int | None:
    """Threads available to numba's parallel kernels in this process (None without numba)."""
    try:
        import numba
    except ImportError:
        return None
    return int(numba.get_num_threads())


def child_main(spec_text: str) -> int:
    spec = json.loads(spec_text)
    measure = MEASURES[spec["kind"]]
    result = measure(spec["customers"], spec["steps"], spec["warmup"], progress=spec.get("progress", False))
    result["threads"] = kernel_threads()
    print(json.dumps(result))
    return 0


# --- the whole benchmark ---------------------------------------------------------------------------------
def machine() -> dict:
    import mesa

    return {"python": platform.python_version(), "numpy": np.__version__, "mesa": mesa.__version__,
            "platform": platform.platform(), "processor": platform.processor() or platform.machine(),
            "cpus": os.cpu_count(), "load_average_before": list(os.getloadavg())}


def run(sizes=SIZES, steps: int | None = None, per_agent_sizes=PER_AGENT_SIZES, per_agent_steps: int | None = None,
        full_year: bool = False, quick: bool = False, progress: bool = True, log=print,
        command: str | None = None, threads: int | None = None) -> dict:
    """Measure every size in its own process; return the report (see `format_report`)."""
    sizes = sorted(set(sizes) | set(per_agent_sizes))
    plan = [("vectorised", n, steps or (auto_steps(n, 1e6, 5, 50) if quick else auto_steps(n)), WARMUP_STEPS)
            for n in sizes]
    plan += [("per_agent", n, per_agent_steps or (3 if quick else max(3, min(20, 200_000 // n))), 1)
             for n in sorted(per_agent_sizes)]
    if full_year:
        plan.append(("vectorised", 1_000_000, 365, 0))
    report = {"machine": machine(), "command": command, "vectorised": [], "per_agent": [], "full_year": None}
    for kind, n, timed, warmup in plan:
        label = "full year" if (kind, n, timed, warmup) == ("vectorised", 1_000_000, 365, 0) else kind
        if log:
            log(f"  {label}: {n:,} customers x {timed} steps (+{warmup} warm-up) ...", flush=True)
        result = run_child(kind, n, timed, warmup, progress=progress, threads=threads)
        if label == "full year":
            report["full_year"] = result
        else:
            report[kind].append(result)
    report["machine"]["load_average_after"] = list(os.getloadavg())
    report["machine"]["kernel_threads"] = next((r.get("threads") for r in report["vectorised"] if "threads" in r), None)
    add_ratios_and_targets(report)
    return report


def add_ratios_and_targets(report: dict) -> None:
    by_size = {r["customers"]: r for r in report["vectorised"] if "error" not in r}
    for row in report["per_agent"]:
        vector = by_size.get(row["customers"])
        if vector and "error" not in row:
            row["ratio"] = vector["customer_steps_per_second"] / row["customer_steps_per_second"]
            row["cpu_ratio"] = vector["customer_steps_per_cpu_second"] / row["customer_steps_per_cpu_second"]
    breakdown = by_size.get(BREAKDOWN_SIZE) or (by_size[max(by_size)] if by_size else None)
    report["breakdown"] = ({"customers": breakdown["customers"], "seconds_per_step": breakdown["timings"],
                            "recording_seconds_per_step": breakdown["recording_seconds_per_step"]}
                           if breakdown else None)
    targets = {}
    if BREAKDOWN_SIZE in by_size:
        value = by_size[BREAKDOWN_SIZE]["customer_steps_per_second"]
        targets["throughput_100k"] = {"target": TARGETS["throughput_100k"], "measured": value,
                                      "met": value >= TARGETS["throughput_100k"]}
    ratios = {row["customers"]: row["ratio"] for row in report["per_agent"] if "ratio" in row}
    if ratios:  # the brief's row is at 100,000 customers; otherwise the smallest ratio measured
        size = BREAKDOWN_SIZE if BREAKDOWN_SIZE in ratios else min(ratios, key=ratios.get)
        targets["ratio"] = {"target": TARGETS["ratio"], "measured": ratios[size], "customers": size,
                            "met": ratios[size] >= TARGETS["ratio"]}
    year = report.get("full_year")
    if year and "error" not in year:
        targets["full_year_peak_mb"] = {"target": TARGETS["full_year_peak_mb"], "measured": year["peak_mb"],
                                        "met": year["peak_mb"] < TARGETS["full_year_peak_mb"]}
    million = by_size.get(1_000_000) or (year if year and "error" not in year else None)
    if million:
        targets["setup_1m_seconds"] = {"target": TARGETS["setup_1m_seconds"], "measured": million["setup_seconds"],
                                       "met": million["setup_seconds"] < TARGETS["setup_1m_seconds"]}
    report["targets"] = targets


def _rate(value: float) -> str:
    return f"{value / 1e6:,.2f} M" if value >= 1e6 else f"{value / 1e3:,.0f} k"


def format_report(report: dict) -> str:
    """The report as plain-text tables."""
    lines = []
    m = report["machine"]
    lines.append(f"Machine: {m['cpus']} CPUs, {m['processor']}, Python {m['python']}, NumPy {m['numpy']}, "
                 f"Mesa {m['mesa']}; load average before {m['load_average_before'][0]:.1f}, "
                 f"after {m.get('load_average_after', [float('nan')])[0]:.1f}; "
                 f"numba threads {m.get('kernel_threads') or '-'}")
    lines.append("")
    lines.append("Vectorised model (sim.EngagementModel), all mechanisms on, one process")
    header = (f"{'customers':>11} {'steps':>6} {'set-up s':>9} {'customer-steps/s':>17} {'per CPU-s':>10} "
              f"{'ms/step':>9} {'peak MB':>8} {'(set-up':>8} {'steps)':>7}")
    lines += [header, "-" * len(header)]
    rows = list(report["vectorised"])
    if report.get("full_year"):
        rows.append(report["full_year"])
    for r in rows:
        year = r is report.get("full_year")
        if "error" in r:
            lines.append(f"{r['customers']:>11,} {r['steps']:>6}  failed: {r['error']}" + ("  (full year)" * year))
            continue
        phases = (f"{r['setup_peak_mb']:>8.0f} {r['step_peak_mb']:>7.0f}" if r.get("step_peak_mb") is not None
                  else f"{'':>8} {'':>7}")
        lines.append(f"{r['customers']:>11,} {r['steps']:>6} {r['setup_seconds']:>9.2f} "
                     f"{_rate(r['customer_steps_per_second']):>17} {_rate(r['customer_steps_per_cpu_second']):>10} "
                     f"{1000 * r['step_seconds'] / r['steps']:>9.1f} {r['peak_mb']:>8.0f} {phases}")
        if year:
            lines.append(f"{'':>11} full year in one run, no warm-up: set-up + 365 steps = "
                         f"{r['setup_seconds'] + r['step_seconds']:.0f} s")
    interpreter = [r["interpreter_mb"] for r in rows if "interpreter_mb" in r]
    if interpreter:
        lines.append(f"(peak MB is the whole process, including about {min(interpreter):.0f} MB of Python, Mesa and "
                     "libraries before the model is built; set-up and steps: peak of each phase)")
    lines.append("")
    lines.append("Plain per-agent Mesa model (benchmarks/per_agent_model.py: one mesa.Agent per customer, "
                 "shuffle_do('step'))")
    header = (f"{'customers':>11} {'steps':>6} {'set-up s':>9} {'customer-steps/s':>17} {'per CPU-s':>10} "
              f"{'peak MB':>8} {'ratio':>7} {'(CPU)':>7}")
    lines += [header, "-" * len(header)]
    for r in report["per_agent"]:
        if "error" in r:
            lines.append(f"{r['customers']:>11,} {r['steps']:>6}  failed: {r['error']}")
            continue
        ratio = f"{r['ratio']:>6.1f}x {r['cpu_ratio']:>6.1f}x" if "ratio" in r else f"{'-':>7} {'-':>7}"
        lines.append(f"{r['customers']:>11,} {r['steps']:>6} {r['setup_seconds']:>9.2f} "
                     f"{_rate(r['customer_steps_per_second']):>17} {_rate(r['customer_steps_per_cpu_second']):>10} "
                     f"{r['peak_mb']:>8.0f} {ratio}")
    lines.append("(ratio = vectorised customer-steps/s / per-agent customer-steps/s at the same size, by wall-clock "
                 "time; CPU: by the CPU time of each process, less affected by other load on the machine)")
    breakdown = report.get("breakdown")
    if breakdown:
        lines.append("")
        lines.append(f"Time per step by mechanism at {breakdown['customers']:,} customers")
        timings = dict(breakdown["seconds_per_step"])
        timings["(recording: level counts, timeseries row, DataCollector)"] = breakdown["recording_seconds_per_step"]
        total = sum(timings.values()) or 1.0
        for name, seconds in sorted(timings.items(), key=lambda item: -item[1]):
            lines.append(f"  {name:<58} {1000 * seconds:>8.2f} ms {seconds / total:>6.1%}")
    if report.get("targets"):
        lines.append("")
        lines.append("Targets (shared/BRIEF.md)")
        names = {"throughput_100k": "customer-steps/s at 100,000 customers >= 10 M",
                 "ratio": "vectorised / per-agent Mesa >= 30 at {customers:,} customers",
                 "full_year_peak_mb": "1,000,000 x 365 steps, peak memory < 500 MB",
                 "setup_1m_seconds": "1,000,000-customer set-up in seconds (< 60 s)"}
        for key, t in report["targets"].items():
            value = t["measured"]
            shown = _rate(value) if key == "throughput_100k" else f"{value:,.1f}"
            lines.append(f"  {names[key].format(**t):<62} measured {shown:>10}  {'met' if t['met'] else 'NOT met'}")
    return "\n".join(lines)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        sys.exit(child_main(sys.argv[2]))
    sys.exit("usage: python -m sim bench [--sizes ...] [--steps N] [--quick] [--full-year] [--out FILE]")
