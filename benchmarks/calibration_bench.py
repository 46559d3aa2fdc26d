"""Calibration speed (the brief: a point fit of 4 parameters to 5 targets at 10,000 customers over a year
in 10 minutes on 2 cores; an ABC-SMC posterior in 30), and how close the fits come to a known answer.

The problem: the baseline market (10,000 people, a year of daily steps after its burn-in of 730 steps),
four parameters (the focal company's appeal, failure rate and complaint handling, and the market's base
hazard of leaving) and five targets (shares passionate, disengaged or hostile, and hostile, churn and
market share), whose observed values are the mean of 4 runs at a known truth on seeds the fits never use.
Each method runs as the whole command (`python -m sim calibrate ...` in a fresh process: imports, pool,
fit, check runs, files and plots), timed from outside. Printed per method: wall time, runs used, runs/s,
core-seconds per run, and the recovery (point estimate's error as a share of each prior range; whether
each truth lies in the 90% posterior interval). The load average and idle cores are printed too: other
work on the same cores slows every run.

    python benchmarks/calibration_bench.py                       # both methods (about 13 minutes, idle 2 cores)
    python benchmarks/calibration_bench.py --method optuna       # the point fit only
    python benchmarks/calibration_bench.py --customers 2000 --steps 120 --burn-in 150 --budget-abc 400   # a smoke run
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PRIORS = {"companies.focal.appeal": {"low": -0.2, "high": 0.5},
          "companies.focal.failure_rate": {"low": 0.002, "high": 0.05, "scale": "log"},
          "companies.focal.complaint_handling": {"low": 0.05, "high": 0.95},
          "switching.base_hazard": {"low": 0.0001, "high": 0.003, "scale": "log"}}
TRUTH = {"companies.focal.appeal": 0.2, "companies.focal.failure_rate": 0.012,
         "companies.focal.complaint_handling": 0.4, "switching.base_hazard": 0.0008}
SDS = {"share_passionate": 0.02, "share_disengaged_or_hostile": 0.02, "share_hostile": 0.005, "churn": 0.02,
       "market_share": 0.02}


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--method", choices=("both", "optuna", "abc"), default="both")
    parser.add_argument("--customers", type=int, default=10_000)
    parser.add_argument("--steps", type=int, default=365)
    parser.add_argument("--burn-in", type=int, default=730, help="the baseline market's own: 730")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--budget-optuna", type=int, default=200, help="runs for the point fit (calibrate's default)")
    parser.add_argument("--budget-abc", type=int, default=900, help="runs for the ABC fit")
    parser.add_argument("--population", type=int, default=50, help="ABC particles per generation")
    parser.add_argument("--generations", type=int, default=4, help="ABC generations at most")
    parser.add_argument("--folder", help="where to keep the problem and the results (default: a temporary folder)")
    parser.add_argument("--out", help="also write the figures as JSON here")
    return parser.parse_args(argv)


def load() -> tuple[float, float]:
    """(load average over the last minute, cores left idle by everything else over one second)."""
    def sample() -> tuple[int, int]:
        fields = [int(v) for v in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
        return fields[3] + fields[4], sum(fields)

    idle0, total0 = sample()
    time.sleep(1.0)
    idle1, total1 = sample()
    return os.getloadavg()[0], (os.cpu_count() or 1) * (idle1 - idle0) / max(total1 - total0, 1)


def make_problem(folder: Path, args) -> Path:
    """The market and a targets file whose observations are simulated at TRUTH."""
    from sim.experiments import calibrate as calibration
    from sim.experiments.calibrate import synthetic
    from sim.experiments.executors import make_executor
    from sim.experiments.store import PartStore

    (folder / "market.yaml").write_text(f"extends: baseline\nname: bench\ncustomers: {args.customers}\n"
                                        f"steps: {args.steps}\nburn_in: {args.burn_in}\n")
    path = folder / "targets.yaml"
    path.write_text(synthetic.targets_yaml("market.yaml", PRIORS, dict.fromkeys(SDS, 0.1), SDS))
    with make_executor("local", args.workers) as executor:
        observed = synthetic.observe(calibration.load_targets(path), TRUTH, PartStore(folder / "truth"), executor,
                                     runs=4)
    path.write_text(synthetic.targets_yaml("market.yaml", PRIORS, observed, SDS))
    return path


def run_method(method: str, targets: Path, out: Path, args) -> dict:
    """Time the whole command in a fresh process; read what it did from its folder."""
    import pandas as pd

    from sim.experiments import calibrate as calibration
    from sim.experiments.calibrate import synthetic

    command = [sys.executable, "-m", "sim", "calibrate", str(targets), "--method", method, "--workers",
               str(args.workers), "--out", str(out), "--quiet"]
    if method == "optuna":
        command += ["--budget", str(args.budget_optuna)]
    else:
        command += ["--budget", str(args.budget_abc), "--population", str(args.population), "--generations",
                    str(args.generations)]
    average, idle = load()
    started = time.perf_counter()
    finished = subprocess.run(command, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if finished.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{finished.stdout}\n{finished.stderr}")
    manifest = json.loads((out / "manifest.json").read_text())
    targets_file = calibration.load_targets(targets)
    parameters = pd.read_csv(out / "parameters.csv").set_index("parameter")
    point = {key: float(parameters.loc[key, "point"]) for key in TRUTH}
    found = {"method": method, "command": " ".join(command[1:]).replace(sys.executable, "python"),
             "wall_seconds": round(seconds, 1), "runs_used": manifest["runs_used"],
             "runs_computed": manifest["runs_computed"],
             "runs_per_second": round(manifest["runs_computed"] / seconds, 3),
             "core_seconds_per_run": round(args.workers * seconds / max(manifest["runs_computed"], 1), 2),
             "discrepancy": round(manifest["discrepancy"], 3),
             "point_error_share_of_prior": {k: round(v, 3) for k, v in
                                            synthetic.relative_error(targets_file, point, TRUTH).items()},
             "load_average_before": round(average, 2), "idle_cores_before": round(idle, 2)}
    if method == "abc":
        found["truth_in_90_interval"] = {key: synthetic.inside(TRUTH[key], parameters.loc[key, "posterior_low"],
                                                               parameters.loc[key, "posterior_high"])
                                         for key in TRUTH}
        found["interval_ratio"] = {key: round(float(parameters.loc[key, "interval_ratio"]), 2) for key in TRUTH}
        generations = pd.read_csv(out / "generations.csv")
        found["generations"] = len(generations)
        found["final_temperature"] = float(generations["temperature"].iloc[-1])
    return found


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    folder = Path(args.folder) if args.folder else Path(tempfile.mkdtemp(prefix="calibration-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    print(f"problem: baseline market, {args.customers:,} customers, {args.burn_in} + {args.steps} steps; "
          f"{len(PRIORS)} parameters, {len(SDS)} targets; {args.workers} workers; folder {folder}", flush=True)
    started = time.perf_counter()
    targets = make_problem(folder, args)
    print(f"observations simulated at the truth (4 runs): {time.perf_counter() - started:.0f} s", flush=True)
    results = []
    for method in (("optuna", "abc") if args.method == "both" else (args.method,)):
        found = run_method(method, targets, folder / method, args)
        results.append(found)
        print(json.dumps(found, indent=2), flush=True)
    target = {"optuna": 600, "abc": 1800}
    for found in results:
        limit = target[found["method"]]
        print(f"{found['method']:>6}: {found['wall_seconds'] / 60:.1f} min (target {limit // 60} min: "
              f"{'met' if found['wall_seconds'] <= limit else 'NOT met'}), {found['runs_used']} runs, "
              f"{found['runs_per_second']:.2f} runs/s, {found['core_seconds_per_run']:.1f} core-s per run, "
              f"load {found['load_average_before']} before")
    if args.out:
        Path(args.out).write_text(json.dumps({"customers": args.customers, "steps": args.steps,
                                              "burn_in": args.burn_in, "workers": args.workers,
                                              "results": results}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
