"""Performance benchmark (`python -m sim bench`): every figure of the performance targets, with its goal.

Figures, each measured in fresh processes (sim.experiments.benchmark_measure runs inside the children):
- whole run: `python -m sim run` of the benchmark scenario at 100,000 customers for a year (imports,
  set-up, the 730-step burn-in, 365 recorded steps, tables and plots), as customer-steps per second
  counting the recorded year, and counting every step computed (the burn-in too); the fastest of three,
  with the cache of states at rest off; and again with the state at rest read from the cache (a second
  run of the market, sim.experiments.rest_cache);
- the same against the plain per-agent Mesa model (benchmarks/per_agent_model.py, same scenario and
  population, from the same market at rest), per customer-step: its step loop's seconds per
  customer-step over the whole run's (every step computed); and step loop against step loop;
- step loop alone: the difference between a 365-step and a 35-step whole run, per recorded step (both
  from the cached state at rest, timed in turn, three times; the median of the three differences), checked
  against the same steps timed in one process after each pair;
- start: `python -m sim --help`, median of several; and numba's start in a fresh process (its import, then the
  first call of a compiled function read from the disk cache), beside the same with numba's own loading of its
  cache (sim/kernels/cache.py);
- baseline run: `python -m sim run scenarios/baseline.yaml` (10,000 customers), with and without burn-in,
  and from its cached state at rest;
- its plots in one process: the frames, rendered while the model runs, and the data drawn over them;
- scale: 1,000,000 customers for 365 steps in one process, peak memory (whole process);
- set-up of 1,000,000 customers (population, network, agents; the burn-in is reported apart);
- cost per step of each mechanism (the reference engine) and of each pass of the fused step, at 100,000.
The benchmark scenario is scenarios/baseline.yaml with every mechanism doing work (`benchmark_overrides`).

Command: `python -m sim bench [--quick] [--out FILE] [--threads N] [--quiet]`.
"""

from __future__ import annotations

import importlib.util
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from ..kernels import THREADED_FROM

ROOT = Path(__file__).resolve().parents[2]
BASELINE = ROOT / "sim" / "scenarios" / "baseline.yaml"
PER_AGENT_MODULE = ROOT / "benchmarks" / "per_agent_model.py"

# (figure, comparison, goal): what the brief and issue 13 ask for
GOALS = {
    "whole_run": (">=", 10e6), "ratio": (">=", 30.0), "step_loop": (">=", 20e6), "help_seconds": ("<=", 0.4),
    "baseline_run_seconds": ("<=", 1.5), "year_peak_mb": ("<", 400.0), "setup_1m_seconds": ("<", 1.0),
    # the same goals for a second run of a market, whose state at rest is read from the cache (run --no-cache: none)
    "whole_run_cached": (">=", 10e6), "baseline_run_cached_seconds": ("<=", 1.5),
}
FULL = {"large": 100_000, "small": 10_000, "million": 1_000_000, "year": 365, "short": 35, "per_agent": 100_000,
        "per_agent_steps": 3, "mechanism_steps": 20, "help_runs": 7, "cutover": [10_000, 20_000, 50_000, 100_000],
        "repeats": 3}
QUICK = {"large": 100_000, "small": 10_000, "million": 1_000_000, "year": 365, "short": 35, "per_agent": 10_000,
         "per_agent_steps": 3, "mechanism_steps": 5, "help_runs": 3, "million_steps": 0,
         "cutover": [10_000, 50_000, 100_000], "repeats": 2}
# seconds, with small populations: checks that every figure is produced (tests); the figures mean nothing
SMOKE = {"large": 3000, "small": 2000, "million": 5000, "year": 20, "short": 5, "per_agent": 1000, "per_agent_steps": 2,
         "mechanism_steps": 2, "help_runs": 1, "million_steps": 3, "burn_in": 10, "cutover": [2000, 5000],
         "plot_repeats": 1}
PLANS = {"full": FULL, "quick": QUICK, "smoke": SMOKE}


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


# --- processes -----------------------------------------------------------------------------------------
def _environment(threads: int | None, extra: dict | None = None) -> dict:
    # measured as Python runs by default: the package's modules compiled to bytecode by the first run and read
    # from __pycache__ after. A shell with PYTHONDONTWRITEBYTECODE=1 (the development machines have one) would
    # compile the 52 modules `run` imports from source in every process, 0.1 to 0.2 s.
    environment = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    return dict(environment, **({"NUMBA_NUM_THREADS": str(threads)} if threads else {}), **(extra or {}))


def run_child(kind: str, threads: int | None = None, env: dict | None = None, **arguments) -> dict:
    """One measurement of benchmark_measure in a fresh Python process (`env`: variables to set in it): its result,
    or {"error": ...}."""
    spec = json.dumps({"kind": kind, "arguments": arguments})
    command = [sys.executable, "-m", "sim.experiments.benchmark", "--child", spec]
    started = time.perf_counter()
    completed = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, env=_environment(threads, env))
    lines = [line for line in completed.stdout.splitlines() if line.startswith("{")]
    if completed.returncode != 0 or not lines:
        detail = (completed.stderr or "").strip().splitlines()[-1:]
        return {"error": f"exit code {completed.returncode}" + (f": {detail[0]}" if detail else ""), **arguments}
    result = json.loads(lines[-1])
    result["wall_seconds"] = time.perf_counter() - started
    return result


def timed_command(arguments: list[str], threads: int | None = None, cwd: Path | None = None,
                  env: dict | None = None) -> dict:
    """Wall seconds and peak memory (MB, the process itself) of `python -m sim ARGUMENTS`."""
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-m", "sim", *arguments], stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, cwd=cwd or ROOT, env=_environment(threads, env))
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    error = process.stderr.read().decode(errors="replace").strip().splitlines()[-1:] if status else []
    process.stderr.close()
    process.returncode = os.waitstatus_to_exitcode(status)
    result = {"command": "python -m sim " + " ".join(arguments), "seconds": seconds, "peak_mb": usage.ru_maxrss / 1024,
              "cpu_seconds": usage.ru_utime + usage.ru_stime}  # the process and the children it waited for
    if status:
        result["error"] = f"exit code {process.returncode}" + (f": {error[0]}" if error else "")
    return result


def scenario_file(folder: Path, customers: int, steps: int, changes: dict | None = None) -> Path:
    """The benchmark scenario as a YAML file (baseline.yaml extended), for whole `python -m sim run` commands."""
    import yaml

    data: dict = {"extends": str(BASELINE), "name": f"bench_{customers}"}
    for key, value in {**benchmark_overrides(customers, steps), **(changes or {})}.items():
        node = data
        *parents, last = key.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[last] = value
    path = folder / f"bench_{customers}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    benchmark_scenario(customers, steps, changes)  # the same scenario: an error here names the overrides
    return path


# --- the benchmark -------------------------------------------------------------------------------------------
def machine() -> dict:
    from importlib import metadata

    versions = {name: metadata.version(name) for name in ("numpy", "numba", "mesa")}
    return {"python": platform.python_version(), **versions, "platform": platform.platform(),
            "processor": cpu_model() or platform.processor() or platform.machine(), "cpus": os.cpu_count(),
            "load_average_before": list(os.getloadavg())}


def cpu_model() -> str | None:
    """The processor's name and architecture from /proc/cpuinfo ("AMD EPYC, x86_64"): figures depend on it."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            name = next((line.split(":", 1)[1].strip() for line in info if line.startswith("model name")), None)
    except OSError:
        return None
    return f"{name}, {platform.machine()}" if name else None


def run(plan: str = "full", threads: int | None = None, log=print, command: str | None = None) -> dict:
    """Measure every figure (each in fresh processes) and return the report (see `format_report`).

    `plan`: "full", "quick" (shorter: the per-agent model at 10,000, a million customers set up but not run)
    or "smoke" (small populations, for tests).
    """
    name, plan = plan, PLANS[plan]
    burn_in = plan.get("burn_in", 730)
    changes = {} if "burn_in" not in plan else {"burn_in": burn_in}
    say = log or (lambda *a, **k: None)
    report = {"machine": machine(), "command": command, "plan": name}
    with tempfile.TemporaryDirectory(prefix="sim-bench-") as tmp:
        folder = Path(tmp)
        large = scenario_file(folder, plan["large"], plan["year"], changes)

        say(f"  start: python -m sim --help, {plan['help_runs']} times ...", flush=True)
        timed_command(["--help"])  # the first run after an install compiles .pyc files
        helps = [timed_command(["--help"])["seconds"] for _ in range(plan["help_runs"])]
        report["help"] = {"seconds": statistics.median(helps), "runs": helps, "imports": run_child("imports")}
        run_child("numba_start")  # the first call after an install compiles the function into numba's cache
        report["numba_start"] = {**run_child("numba_start", env={"SIM_NUMBA_REFRESH": ""}),
                                 "numba_loading": run_child("numba_start", env={"SIM_NUMBA_REFRESH": "1"})}
        run_child("ahead_start")  # the first need after an install or an edit builds the module (about 15 to 30 s)
        report["ahead_start"] = run_child("ahead_start")

        repeats = plan.get("repeats", 1)
        say(f"  whole run: {plan['large']:,} customers x {plan['year']} steps, {repeats} times; then from a cached "
            f"state at rest, x {plan['year']} and x {plan['short']} steps in turn, {repeats} times ...", flush=True)

        cold = {"SIM_REST_CACHE": "off"}  # every run plays its burn-in
        warm = {"SIM_REST_CACHE": str(folder / "rest-cache")}  # runs after the first read their state at rest

        def best(name: str, arguments: list[str], cache: dict) -> dict:
            """The fastest of `repeats` runs of a command (each into its own folder: the same --out would resume):
            the figure least disturbed by whatever else the machine does, with every run's seconds beside it."""
            return _fastest([timed_command(["run", *arguments, "--out", str(folder / f"{name}{k}"), "--quiet"],
                                           threads, env=cache) for k in range(repeats)])

        years = [timed_command(["run", str(large), "--out", str(folder / f"year{k}"), "--quiet"], threads, env=cold)
                 for k in range(repeats)]
        report["whole_run"] = {"customers": plan["large"], "steps": plan["year"], "burn_in": burn_in, **_fastest(years)}
        timed_command(["run", str(large), "--out", str(folder / "fill"), "--quiet", "--no-plots"], threads, env=warm)
        # from the cached state at rest, the year and the short run in turn, so that each pair meets the same load;
        # the step loop is the median of the pairs' differences (the fastest of each, taken apart, can pair a calm
        # year with a busy short run). Without the burn-in in both, a difference carries the noise of 3 s runs,
        # not of 8 s ones. After each pair, the same steps timed alone in one process: the machine's speed at
        # that moment, which the pairs' figure is checked against (the machine's speed changes within minutes).
        pairs, alone = [], []
        for k in range(repeats):
            pairs.append((timed_command(["run", str(large), "--out", str(folder / f"cached{k}"), "--quiet"], threads,
                                        env=warm),
                          timed_command(["run", str(large), "--out", str(folder / f"short{k}"), "--quiet", "--steps",
                                         str(plan["short"])], threads, env=warm)))
            measured = run_child("steps", threads, customers=plan["large"], steps=plan["mechanism_steps"] * 5,
                                 rest_file=str(folder / "alone-rest.npz"), **changes)
            if "error" not in measured:
                alone.append(measured["customer_steps_per_second"])
        differences = [year["seconds"] - short["seconds"] for year, short in pairs
                       if "error" not in year and "error" not in short]
        report["whole_run_cached"] = {"customers": plan["large"], "steps": plan["year"], "burn_in": burn_in,
                                      **_fastest([year for year, _ in pairs])}
        report["short_run"] = {"customers": plan["large"], "steps": plan["short"], "burn_in": burn_in,
                               **_fastest([short for _, short in pairs]), "differences": differences,
                               "alone": alone}

        say(f"  baseline run: {plan['small']:,} customers (scenarios/baseline.yaml), with and without burn-in, "
            "and from a cached state at rest ...", flush=True)
        sized = [] if plan["small"] == 10_000 else ["--set", f"customers={plan['small']}"]
        sized += [f"--set=burn_in={burn_in}"] if "burn_in" in plan else []
        report["baseline_run"] = best("small", [str(BASELINE), *sized], cold)
        report["baseline_run_no_burn_in"] = best("small0", [str(BASELINE), *sized, "--set", "burn_in=0"], cold)
        timed_command(["run", str(BASELINE), *sized, "--out", str(folder / "fill_small"), "--quiet", "--no-plots"],
                      threads, env=warm)
        report["baseline_run_cached"] = best("small_cached", [str(BASELINE), *sized], warm)
        report["plots"] = run_child("plots", customers=plan["small"], steps=365, repeats=plan.get("plot_repeats", 12))

    say(f"  step loop and mechanisms at {plan['large']:,} customers (fused and reference engines) ...", flush=True)
    report["fused"] = run_child("steps", threads, customers=plan["large"], steps=plan["mechanism_steps"] * 5,
                                **changes)
    report["reference"] = run_child("steps", threads, customers=plan["large"], steps=plan["mechanism_steps"],
                                    engine="reference", **changes)
    say(f"  plain per-agent Mesa model: {plan['per_agent']:,} customers x {plan['per_agent_steps']} steps ...",
        flush=True)
    report["per_agent"] = run_child("per_agent", threads, customers=plan["per_agent"], steps=plan["per_agent_steps"],
                                    **changes)
    if plan["per_agent"] != plan["large"]:  # the array model's step loop at the per-agent model's size
        report["fused_small"] = run_child("steps", threads, customers=plan["per_agent"], steps=50, **changes)
    say(f"  threads: the fused step on one thread and on all, at {', '.join(f'{n:,}' for n in plan['cutover'])} "
        "customers ...", flush=True)
    report["cutover"] = run_child("cutover", threads, sizes=plan["cutover"], steps=plan["mechanism_steps"] * 2)
    million_steps = plan.get("million_steps", plan["year"])
    say(f"  scale: {plan['million']:,} customers x {million_steps} steps in one process ...", flush=True)
    report["million"] = run_child("year", threads, customers=plan["million"], steps=max(million_steps, 1),
                                  **({"burn_in": 0} if not million_steps else changes))
    report["machine"]["load_average_after"] = list(os.getloadavg())
    add_figures(report)
    return report


def _fastest(results: list[dict]) -> dict:
    """The fastest of several timed runs of one command (a failed one only if all failed), with every run's seconds."""
    fastest = min(results, key=lambda result: ("error" in result, result["seconds"]))
    return {**fastest, "runs": [result["seconds"] for result in results]}


def _runs(result: dict) -> str:
    """'3 runs: 6.2, 6.5, 7.0 s' from a `best` result (one run if it was measured once)."""
    seconds = result.get("runs", [result["seconds"]])
    return f"{len(seconds)} run{'s' if len(seconds) > 1 else ''}: " + ", ".join(f"{x:.1f}" for x in seconds) + " s"


def _ok(report: dict, *keys) -> bool:
    return all(key in report and "error" not in report[key] for key in keys)


def add_figures(report: dict) -> None:
    """The figures of the targets table, each with its goal and whether it is met."""
    figures = {}

    def put(name, label, value, unit, note=""):
        comparison, goal = GOALS.get(name, (None, None))
        met = None
        if goal is not None and value is not None:
            met = {"<=": value <= goal, ">=": value >= goal, "<": value < goal}[comparison]
        figures[name] = {"label": label, "value": value, "unit": unit, "goal": goal, "comparison": comparison,
                         "met": met, "note": note}

    if _ok(report, "whole_run"):
        run_ = report["whole_run"]
        cs = run_["customers"] * run_["steps"]
        put("whole_run", f"whole `run`, {run_['customers']:,} customers x {run_['steps']} recorded steps",
            cs / run_["seconds"], "customer-steps/s",
            f"{run_['seconds']:.1f} s ({run_['cpu_seconds']:.1f} s of CPU): imports, set-up, {run_['burn_in']} burn-in "
            f"+ {run_['steps']} steps, files, plots; the fastest of {_runs(run_)}")
        computed = run_["customers"] * (run_["steps"] + run_["burn_in"])
        put("whole_run_all_steps", f"  the same, counting the {run_['burn_in']} burn-in steps too",
            computed / run_["seconds"], "customer-steps/s")
        if _ok(report, "whole_run_cached"):
            cached = report["whole_run_cached"]
            put("whole_run_cached", "  the same market again: its state at rest read from the cache",
                cs / cached["seconds"], "customer-steps/s",
                f"{cached['seconds']:.1f} s; the fastest of {_runs(cached)}")
        if _ok(report, "short_run"):
            short = report["short_run"]
            differences = short.get("differences") or [run_["seconds"] - short["seconds"]]
            delta = statistics.median(differences)
            steps = run_["steps"] - short["steps"]
            listed = ", ".join(f"{d:.1f}" for d in differences)
            rate = run_["customers"] * steps / delta if delta > 0 else None
            # the steps alone in one process, timed beside the pairs (older reports: only later in the benchmark)
            alone = report["fused"]["customer_steps_per_second"] if _ok(report, "fused") else None
            if short.get("alone"):
                alone = statistics.median(short["alone"])
            note = f"{delta:.1f} s for {steps} steps of {run_['customers']:,} customers (median of " \
                   f"{len(differences)} paired runs: {listed} s)"
            if rate is None:
                note = "the two runs differ by less than their noise: too few customers or steps to measure"
            elif max(differences) - min(differences) > delta:  # a difference of whole runs carries both runs' noise
                rate, note = None, (f"lost in noise: the {len(differences)} paired runs disagree by more than their "
                                    f"median ({listed} s for the same {steps} steps); measure on a quieter machine")
            elif alone and rate > 1.25 * alone:  # the steps cannot be faster in a whole run than on their own
                rate, note = None, (f"lost in noise: {rate / 1e6:.1f} M/s ({listed} s) would be faster than the step "
                                    f"loop alone in one process ({alone / 1e6:.1f} M/s); measure on a quieter machine")
            elif short.get("alone"):
                note += f"; {alone / 1e6:.1f} M/s alone in one process beside the pairs"
            put("step_loop", f"step loop ({run_['steps']}-step run - {short['steps']}-step run)", rate,
                "customer-steps/s", note)
        if _ok(report, "per_agent"):
            per_agent = report["per_agent"]
            put("ratio", "per customer-step, against a plain per-agent Mesa model",
                per_agent["step_seconds"] / (per_agent["customers"] * per_agent["steps"])
                / (run_["seconds"] / computed), "x",
                f"its step loop ({per_agent['customer_steps_per_second'] / 1e3:,.0f} k/s at "
                f"{per_agent['customers']:,}) against the whole run, every step computed")
    if _ok(report, "per_agent"):
        loop = report.get("fused_small") if _ok(report, "fused_small") else report.get("fused")
        if loop and "error" not in loop and loop["customers"] == report["per_agent"]["customers"]:
            put("ratio_step_loops", f"  step loop against step loop, {loop['customers']:,} customers",
                loop["customer_steps_per_second"] / report["per_agent"]["customer_steps_per_second"], "x")
    if _ok(report, "fused"):
        put("step_loop_in_process", f"  step loop in one process, {report['fused']['customers']:,} customers",
            report["fused"]["customer_steps_per_second"], "customer-steps/s")
    if _ok(report, "help"):
        put("help_seconds", "python -m sim --help (median)", report["help"]["seconds"], "s")
    if _ok(report, "baseline_run"):
        small = report["baseline_run"]
        put("baseline_run_seconds", "python -m sim run scenarios/baseline.yaml", small["seconds"], "s",
            f"{small['cpu_seconds']:.1f} s of CPU"
            + ("; 10,000 customers: burn-in and a year, tables and plots" if report.get("plan") != "smoke" else "")
            + f"; the fastest of {_runs(small)}")
    if _ok(report, "baseline_run_cached"):
        cached = report["baseline_run_cached"]
        put("baseline_run_cached_seconds", "  the same again: its state at rest read from the cache",
            cached["seconds"], "s", f"the fastest of {_runs(cached)}")
    if _ok(report, "baseline_run_no_burn_in"):
        put("baseline_run_no_burn_in_seconds", "  the same with --set burn_in=0",
            report["baseline_run_no_burn_in"]["seconds"], "s")
    if _ok(report, "plots"):
        drawn = report["plots"]
        put("plots_data_seconds", "  of which the plots, drawn once the data are there",
            drawn["data_seconds"], "s",
            f"one process: levels {drawn['levels_seconds']:.2f} s, transitions {drawn['transitions_seconds']:.2f} s, "
            f"money {drawn['money_seconds']:.2f} s (`run` draws the levels in a second process); their frames "
            f"{drawn['frames_seconds']:.2f} s, rendered while the model runs; medians of {drawn['repeats']}")
    if _ok(report, "ahead_start"):
        start = report["ahead_start"]
        label = "  of which loading the kernels compiled ahead of time"
        if start["in_use"]:
            put("ahead_start_seconds", label, start["load_seconds"] + start["first_call_seconds"], "s",
                f"a fresh process: {start['load_seconds'] * 1e3:.1f} ms to load, "
                f"{start['first_call_seconds'] * 1e3:.1f} ms the first call; numba "
                f"{'imported' if start['numba_imported'] else 'not imported'} (any market; threads of their own from "
                f"{THREADED_FROM:,} people)")
        else:
            put("ahead_start_seconds", label, None, "s", f"not in use: {start['reason']}; numba's start instead")
    if _ok(report, "numba_start"):
        start = report["numba_start"]
        own = start.get("numba_loading", {})
        put("numba_start_seconds", "numba's start in a fresh process (where nothing is compiled ahead of time)",
            start["import_seconds"] + start["first_call_seconds"], "s",
            f"import {start['import_seconds']:.2f} s, the first compiled function {start['first_call_seconds']:.2f} s"
            + (f"; {own['import_seconds'] + own['first_call_seconds']:.2f} s with numba's own loading of its cache "
               f"(SIM_NUMBA_REFRESH=1, first function {own['first_call_seconds']:.2f} s)" if "first_call_seconds" in own
               else ""))
    if _ok(report, "million"):
        million = report["million"]
        put("year_peak_mb", f"{million['customers']:,} customers x {million['steps']} steps, peak memory",
            million["peak_mb"], "MB", f"the whole process; {million['run_peak_mb']:.0f} MB before the table (Arrow, "
            f"as `run` keeps it); {million.get('file_mb', 0):.0f} MB of it shared libraries' pages mapped from disk, "
            "which vary by install")
        put("setup_1m_seconds", f"set-up of {million['customers']:,} customers", million["setup_seconds"], "s",
            "population, network, agents, recording")
        put("burn_in_1m_seconds", f"  its burn-in ({million['burn_in_steps']} steps, not set-up)",
            million["burn_in_seconds"], "s")
    report["figures"] = figures


def _value(figure: dict) -> str:
    value, unit = figure["value"], figure["unit"]
    if value is None:
        return "-"
    if unit == "customer-steps/s":
        return f"{value / 1e6:,.2f} M/s"
    if unit == "x":
        return f"{value:,.0f}x"
    return f"{value:,.2f} {unit}" if unit == "s" else f"{value:,.0f} {unit}"


def _goal(figure: dict) -> str:
    if figure["goal"] is None:
        return ""
    goal = figure["goal"]
    shown = f"{goal / 1e6:,.0f} M/s" if figure["unit"] == "customer-steps/s" else (
        f"{goal:,.0f}x" if figure["unit"] == "x" else f"{goal:g} {figure['unit']}")
    return f"{figure['comparison']} {shown}"


def format_report(report: dict) -> str:
    """The report as plain text: the targets table, then the cost of each mechanism and pass."""
    m = report["machine"]
    lines = [f"Machine: {m['cpus']} CPUs, {m['processor']}, Python {m['python']}, NumPy {m['numpy']}, "
             f"numba {m['numba']}, Mesa {m['mesa']}; load average before {m['load_average_before'][0]:.1f}, "
             f"after {m.get('load_average_after', [float('nan')])[0]:.1f}", ""]
    header = f"{'figure':<64} {'measured':>11} {'goal':>12}  met"
    lines += [header, "-" * len(header)]
    for figure in report.get("figures", {}).values():
        met = "" if figure["met"] is None else ("yes" if figure["met"] else "NO")
        lines.append(f"{figure['label']:<64} {_value(figure):>11} {_goal(figure):>12}  {met}")
        if figure["note"]:
            lines.append(f"    {figure['note']}")
    failed = [f"{key}: {value['error']}" for key, value in report.items()
              if isinstance(value, dict) and "error" in value]
    lines += [f"failed: {text}" for text in failed]
    for engine, title in (("reference", "Cost per step of each mechanism (reference engine, NumPy)"),
                          ("fused", "Cost per step of each pass (fused engine)")):
        result = report.get(engine)
        if not result or "error" in result:
            continue
        timings = dict(result["timings"])
        timings["(recording, tally, DataCollector)"] = result["recording_seconds_per_step"]
        total = sum(timings.values()) or 1.0
        lines += ["", f"{title} at {result['customers']:,} customers, {1000 * total:.1f} ms a step"]
        for name, seconds in sorted(timings.items(), key=lambda item: -item[1]):
            lines.append(f"  {name:<52} {1000 * seconds:>8.2f} ms {seconds / total:>6.1%}")
    cutover = report.get("cutover")
    if cutover and "error" not in cutover:
        lines += ["", f"The fused step on one thread and on {cutover['threads']} (threads from "
                      f"{cutover['threaded_from']:,} customers; SIM_THREADED_FROM changes it)"]
        for row in cutover["rows"]:
            lines.append(f"  {row['customers']:>11,} customers: {1000 * row['serial_seconds']:7.2f} ms a step on one, "
                         f"{1000 * row['threaded_seconds']:7.2f} ms on all: x{row['speed_up']:.2f}")
    heavy = report.get("help", {}).get("imports", {}).get("heavy_modules")
    if heavy is not None:
        lines += ["", "Imported to build the command line: " + (", ".join(heavy) or "none of pandas, matplotlib, "
                                                                "networkx, scipy, solara, dask, pyarrow, numba, mesa")]
    return "\n".join(lines)


def child_main(spec_text: str) -> int:
    from . import benchmark_measure

    spec = json.loads(spec_text)
    result = benchmark_measure.MEASURES[spec["kind"]](**spec["arguments"])
    from ..kernels import threads

    result.setdefault("threads", threads())  # the threads a pass may use in that process (with numba or without)
    print(json.dumps(benchmark_measure.as_plain(result)))
    return 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        sys.exit(child_main(sys.argv[2]))
    sys.exit("usage: python -m sim bench [--quick] [--out FILE] [--threads N] [--quiet]")
