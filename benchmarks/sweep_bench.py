"""Sweep throughput and parallel efficiency on the local cores (target: efficiency >= 80%).

Runs one fixed sweep (a Latin hypercube over four parameters of the baseline market, 1,000
customers x 120 steps, every run a separate task) with 1 worker and with N workers, and prints runs
per second, the speedup, the parallel efficiency = speedup / N, and how busy the workers were (time
inside runs / (workers x wall time); scheduling and writing overhead shows as idle time). The pool
is started and warmed up (one task per worker) before timing, as in a long sweep where start-up is
paid once; the cold time including the pool start is printed too. The load average is printed,
because other processes on the same cores lower the efficiency.

    python benchmarks/sweep_bench.py                      # 1 and all local cores
    python benchmarks/sweep_bench.py --workers 1 2 --runs 32 --executor dask
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

from sim.experiments import sweep as sweeps
from sim.experiments.executors import make_executor
from sim.experiments.jobs import execute
from sim.experiments.store import PartStore

SWEEP = """\
name: bench
scenario: baseline
set: {{customers: {customers}, steps: {steps}}}
parameters:
  companies.focal.price: {{low: 0.8, high: 1.2}}
  companies.focal.service_quality: {{low: 0.5, high: 0.8}}
  companies.focal.complaint_handling: {{low: 0.2, high: 0.9}}
  word_of_mouth.conversation_rate: {{low: 0.1, high: 0.5}}
design: {{kind: lhs, samples: {runs}, seed: 1}}
replications: 1
outputs:
  - {{name: fans, metric: share_passionate}}
  - {{name: profit, metric: profit}}
  - {{name: mean_hostile, column: focal_hostile_share, summary: mean}}
"""


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workers", type=int, nargs="+", default=[1, os.cpu_count() or 1])
    parser.add_argument("--runs", type=int, default=24, help="runs per measured sweep")
    parser.add_argument("--customers", type=int, default=1000)
    parser.add_argument("--steps", type=int, default=120)
    parser.add_argument("--executor", choices=("local", "dask"), default="local")
    return parser.parse_args(argv)


def idle_cores(seconds: float = 1.0) -> float:
    """Cores left idle by everything else on the machine, measured over `seconds` (Linux /proc/stat)."""
    def sample() -> tuple[int, int]:
        fields = [int(v) for v in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
        return fields[3] + fields[4], sum(fields)  # idle + iowait, total (in clock ticks over all cores)

    try:
        idle0, total0 = sample()
        time.sleep(seconds)
        idle1, total1 = sample()
    except (OSError, ValueError, IndexError):
        return float("nan")
    return (os.cpu_count() or 1) * (idle1 - idle0) / max(total1 - total0, 1)


def measure(sweep: sweeps.Sweep, kind: str, workers: int, folder: Path) -> dict:
    """Time one whole sweep on a warmed-up pool of `workers`; also the cold time with pool start."""
    idle = idle_cores()
    started = time.perf_counter()
    with make_executor(kind, workers) as executor:
        # one run per worker before timing (imports, compiled kernels): not kept, the sweep computes them again
        warm = [executor.submit(execute, job, key=f"warm-up-{k}") for k, job in enumerate(sweeps.jobs(sweep)[:workers])]
        for future in warm:
            future.result()
        ready = time.perf_counter()
        result = sweeps.run(sweep, folder, executor, progress=False)
        finished = time.perf_counter()
    assert result.computed == sweep.runs
    seconds = finished - ready
    parts = PartStore(folder / "parts")  # each part keeps its run's wall and CPU seconds
    timings = [parts.timing(job.key) for job in sweeps.jobs(sweep)]
    busy = sum(timing["seconds"] for timing in timings)
    cpu = sum(timing["cpu_seconds"] for timing in timings)
    return {"workers": workers, "seconds": seconds, "runs_per_s": sweep.runs / seconds,
            "cold_seconds": finished - started, "utilisation": busy / (workers * seconds),
            "cpu_per_run": cpu / sweep.runs, "cores_used": cpu / seconds, "idle_before": idle}


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "bench.yaml"
        path.write_text(SWEEP.format(customers=args.customers, steps=args.steps, runs=args.runs))
        sweep = sweeps.load(path)
        print(f"sweep: {sweep.runs} runs of {args.customers} customers x {args.steps} steps, {args.executor} "
              f"executor, {os.cpu_count()} cores, load average before {os.getloadavg()[0]:.1f}")
        rows = [measure(sweep, args.executor, w, Path(scratch) / f"out{w}") for w in args.workers]
    base = next((r for r in rows if r["workers"] == 1), rows[0])
    print(f"{'workers':>7} {'seconds':>8} {'runs/s':>7} {'speedup':>7} {'efficiency':>10} {'busy':>5} "
          f"{'cpu s/run':>9} {'cpu-based':>9} {'cold s':>7} {'idle cores before':>17} {'cores used':>10}")
    for row in rows:
        speedup = row["runs_per_s"] / base["runs_per_s"] * base["workers"]
        efficiency = speedup / row["workers"]
        cpu_based = row["utilisation"] * base["cpu_per_run"] / row["cpu_per_run"]
        print(f"{row['workers']:>7} {row['seconds']:>8.2f} {row['runs_per_s']:>7.2f} {speedup:>7.2f} "
              f"{efficiency:>10.0%} {row['utilisation']:>5.0%} {row['cpu_per_run']:>9.3f} {cpu_based:>9.0%} "
              f"{row['cold_seconds']:>7.2f} {row['idle_before']:>17.2f} {row['cores_used']:>10.2f}")
    print("efficiency = speedup / workers (wall clock; lowered by anything else running on the cores)\n"
          "busy = worker time spent inside runs / (workers x wall time): what scheduling and writing leave idle\n"
          "cpu-based = busy x (CPU seconds per run with 1 worker / with N): the efficiency the cores would give "
          "if nothing else ran on them (contention for memory and caches shows as more CPU per run)\n"
          "idle cores before = cores nobody used in the second before; cores used = CPU seconds of runs / wall time")
    print(f"load average after: {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
