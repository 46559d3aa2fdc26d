"""The performance benchmark (`python -m sim bench`) and its yardstick, the plain per-agent Mesa model.

These are smoke and behaviour tests on small populations; the figures themselves are measured by the
benchmark, never asserted in tests (speed depends on the machine).
"""

from __future__ import annotations

import json
import subprocess
import sys

import mesa
import numpy as np
import pytest

from sim.cli import main as cli_main
from sim.experiments import benchmark as bench
from sim.levels import LEVELS
from sim.model import STEP_ORDER, EngagementModel

per_agent_model = bench.load_per_agent_module()
# the machine of a report built by hand (the report's figures do not depend on it)
MACHINE = {"cpus": 2, "processor": "x", "python": "3", "numpy": "2", "numba": "0", "mesa": "3",
           "load_average_before": [1.0]}


def test_benchmark_reports_every_figure_with_its_goal(tmp_path):
    out = tmp_path / "bench.json"
    completed = subprocess.run([sys.executable, "-m", "sim", "bench", "--smoke", "--quiet", "--out", str(out)],
                               capture_output=True, text=True, timeout=900)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    report = json.loads(out.read_text())
    figures = report["figures"]
    for name in bench.GOALS:  # every figure of the targets table, with its goal and whether it is met
        assert figures[name]["goal"] == bench.GOALS[name][1], name
        if name == "step_loop" and figures[name]["value"] is None:  # a smoke run's 15 steps can drown in noise
            assert "noise" in figures[name]["note"]
            continue
        assert figures[name]["value"] > 0, name
        assert isinstance(figures[name]["met"], bool)
    for name in ("whole_run_all_steps", "ratio_step_loops", "baseline_run_no_burn_in_seconds", "burn_in_1m_seconds",
                 "numba_start_seconds", "plots_data_seconds"):
        assert figures[name]["value"] > 0, name
    drawn = report["plots"]  # the plots' data drawn over frames rendered beforehand, apart from the frames
    assert drawn["frames_seconds"] > 0 and drawn["data_seconds"] == pytest.approx(
        drawn["levels_seconds"] + drawn["transitions_seconds"] + drawn["money_seconds"])
    assert "frames" in figures["plots_data_seconds"]["note"]
    start = report["numba_start"]  # numba's start, measured in a fresh process: its import, then a first call
    own = start["numba_loading"]  # the same with numba's own loading of its cache (SIM_NUMBA_REFRESH=1)
    assert start["import_seconds"] > 0 and start["first_call_seconds"] > 0 and own["first_call_seconds"] > 0
    assert start["light"] and not own["light"]
    # read lightly, the cached kernels need none of numba's registries, so its probe for BLAS never runs
    assert not start["scipy_linalg_imported"] and own["scipy_linalg_imported"]
    assert start["modules"] < own["modules"]
    assert "first compiled function" in figures["numba_start_seconds"]["note"]
    assert "numba's own loading" in figures["numba_start_seconds"]["note"]
    text = completed.stdout
    for name in ("whole `run`", "per-agent", "step loop", "--help", "baseline.yaml", "peak memory", "set-up"):
        assert name in text, name
    assert "Cost per step of each mechanism" in text and "Cost per step of each pass" in text
    assert set(report["reference"]["timings"]) == {name for name, _ in STEP_ORDER}
    assert report["command"] == f"python -m sim bench --smoke --out {out}"
    assert report["help"]["imports"]["heavy_modules"] == []  # building the parser imports none of them
    # Every mechanism does work in the timed steps of the step-loop measurement (after a viral complaint at
    # step 1, at 3,000 customers and 10 steps even the rarest of these are expected in the tens).
    for count in ("interactions", "failures", "complaints", "recoveries", "programme_touches", "ad_exposures",
                  "praise", "warnings", "lost"):
        assert report["fused"]["activity"][count] > 0, count


def test_bad_threads_and_out_are_one_line_errors(tmp_path, capsys):
    assert cli_main(["bench", "--threads", "0"]) == 2
    assert capsys.readouterr().err.strip().count("\n") == 0
    assert cli_main(["bench", "--out", str(tmp_path)]) == 2
    error = capsys.readouterr().err
    assert "--out" in error and "folder" in error
    assert list(tmp_path.iterdir()) == []


def test_report_shows_failures_and_unmet_goals():
    report = {"machine": MACHINE,
              "whole_run": {"customers": 100_000, "steps": 365, "burn_in": 730, "seconds": 73.0, "cpu_seconds": 80.0},
              "million": {"error": "exit code -9"}}
    bench.add_figures(report)
    text = bench.format_report(report)
    assert "failed: million: exit code -9" in text
    assert report["figures"]["whole_run"]["value"] == 500_000 and report["figures"]["whole_run"]["met"] is False
    assert "year_peak_mb" not in report["figures"]


def test_a_step_loop_lost_in_noise_is_said_so_not_shown_as_a_number():
    report = {"machine": MACHINE,
              "whole_run": {"customers": 3000, "steps": 20, "burn_in": 10, "seconds": 2.0, "cpu_seconds": 2.5},
              "short_run": {"customers": 3000, "steps": 5, "burn_in": 10, "seconds": 2.1, "cpu_seconds": 2.6}}
    bench.add_figures(report)
    figure = report["figures"]["step_loop"]
    assert figure["value"] is None and figure["met"] is None and "noise" in figure["note"]
    assert "noise" in bench.format_report(report)


def small_scenario(changes=None):
    return bench.benchmark_scenario(1500, 30, {"burn_in": 60, **(changes or {})})


def test_per_agent_model_is_a_plain_mesa_model_from_the_same_market_at_rest():
    scenario = small_scenario()
    model = per_agent_model.PerAgentModel(scenario)
    vector = EngagementModel(scenario)
    assert len(model.agents) == 1500 and all(isinstance(a, mesa.Agent) for a in model.agents)
    assert all(type(a).step is not mesa.Agent.step for a in model.agents)
    # the same starting population: the array model's market at rest, person by person
    assert np.array_equal(model.level_counts(), vector.level_counts())
    assert [a.bond for a in model.customers] == vector.state.bond.tolist()
    for _ in range(5):
        model.step()
    counts = model.level_counts()
    assert counts.shape == (len(model.names), len(LEVELS)) == vector.level_counts().shape
    customers = sum(1 for a in model.customers if a.company >= 0)
    assert counts.sum() == customers and len(model.records) == 6
    assert model.steps == 5
    for name in ("interactions", "praise", "warnings", "ad_exposures", "programme_touches"):
        assert sum(model.counts.get(name, [0])) > 0, name  # its rules do the same kinds of work


def test_per_agent_model_responds_to_service_like_the_engagement_model():
    """Bad service (many failures, complaints left open) makes more disengaged and hostile customers."""

    def unhappy_share(failure_rate, handling):
        changes = {f"companies.{name}.{key}": value for name in ("focal", "budget", "challenger")
                   for key, value in (("failure_rate", failure_rate), ("complaint_handling", handling))}
        model = per_agent_model.PerAgentModel(small_scenario({**changes, "burn_in": 0}))
        for _ in range(30):
            model.step()
        counts = model.level_counts()
        return counts[:, 3:].sum() / counts.sum()

    good, bad = unhappy_share(0.0, 0.9), unhappy_share(0.5, 0.05)
    # with half the interactions failing for 30 steps nearly everyone has failed several times; the
    # gap is tens of percentage points, so 0.1 leaves a wide margin for tuning of the defaults
    assert bad > good + 0.1


def test_the_sweep_benchmark_runs_on_both_executors(capsys):
    """benchmarks/sweep_bench.py drives the sweep engine directly: it must follow the engine's API (it once
    called functions the engine no longer had, and nothing noticed until the README's figures were rerun)."""
    import importlib.util

    from .conftest import ROOT

    spec = importlib.util.spec_from_file_location("sweep_bench", ROOT / "benchmarks" / "sweep_bench.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for executor in ("local", "dask"):
        assert module.main(["--workers", "1", "2", "--runs", "4", "--customers", "200", "--steps", "5",
                            "--executor", executor]) == 0
    printed = capsys.readouterr().out
    rows = [line.split() for line in printed.splitlines() if line.strip()[:1] in ("1", "2")]
    assert [row[0] for row in rows] == ["1", "2", "1", "2"]
    assert all(float(row[2]) > 0 and row[4].endswith("%") for row in rows)  # runs/s and efficiency


def test_a_step_loop_from_disagreeing_pairs_is_not_shown_as_a_number():
    """A busy machine once gave paired differences of 2.8, 0.1 and 0.9 s for the same 330 steps: their median
    made the step loop twice as fast as the same steps timed alone, and the goal 'met'."""
    run_ = {"customers": 100_000, "steps": 365, "burn_in": 730, "seconds": 7.5, "cpu_seconds": 13.4}
    for differences, alone, shown in (([2.8, 0.1, 0.9], 17e6, False), ([0.9, 1.0, 1.1], 17e6, False),
                                      ([1.0, 2.5, 4.0], 17e6, False),
                                      ([1.6, 2.2, 2.4], 17e6, True)):
        fused = {"customers": 100_000, "customer_steps_per_second": alone}
        report = {"machine": MACHINE, "whole_run": run_, "fused": fused,
                  "short_run": {"customers": 100_000, "steps": 35, "burn_in": 730, "seconds": 5.0, "cpu_seconds": 9.0,
                                "differences": differences}}
        bench.add_figures(report)
        figure = report["figures"]["step_loop"]
        assert (figure["value"] is not None) == shown, (differences, figure)
        if not shown:
            assert figure["met"] is None and "lost in noise" in figure["note"]


def test_a_step_loop_is_checked_against_the_steps_alone_timed_beside_its_pairs():
    """The machine's speed changes within minutes: pairs of 0.8, 1.4 and 1.3 s (25 M/s) were once rejected because
    the steps alone, timed a minute later at a slower moment, ran at 17 M/s. Timed beside the pairs, they decide."""
    run_ = {"customers": 100_000, "steps": 365, "burn_in": 730, "seconds": 5.9, "cpu_seconds": 11.0}
    for beside, shown in (([26e6, 27e6, 24e6], True), ([17e6, 18e6, 17e6], False)):
        report = {"machine": MACHINE, "whole_run": run_,
                  "fused": {"customers": 100_000, "customer_steps_per_second": 17.1e6},  # later, at a slower moment
                  "short_run": {"customers": 100_000, "steps": 35, "burn_in": 730, "seconds": 2.0, "cpu_seconds": 3.0,
                                "differences": [0.8, 1.4, 1.3], "alone": beside}}
        bench.add_figures(report)
        figure = report["figures"]["step_loop"]
        assert (figure["value"] is not None) == shown, (beside, figure)
        assert ("alone in one process beside the pairs" in figure["note"]) == shown


def _benchmark_script(name: str):
    import importlib.util

    from .conftest import ROOT

    spec = importlib.util.spec_from_file_location(name, ROOT / "benchmarks" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module, ROOT


def test_the_a_b_script_runs_two_checkouts_in_turn(capsys):
    """benchmarks/ab_run.py, the tool behind the README's A/B figures, on this checkout against itself."""
    module, root = _benchmark_script("ab_run")
    assert module.main([str(root), str(root), "--pairs", "2", "--", "--set", "customers=300", "--steps", "3",
                        "--no-plots"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(":")[0] for line in lines[:2]] == ["pair  1", "pair  2"]
    assert lines[2].startswith("median") and lines[2].endswith("of 2")


def test_the_plot_drawing_script_times_the_frames_and_each_plot(capsys):
    module, _ = _benchmark_script("plot_drawing")
    assert module.main(["--repeats", "1"]) == 0
    printed = capsys.readouterr().out
    for name in ("frames", "levels", "transitions", "money", "one process"):
        assert name in printed


def test_the_ahead_steps_script_compares_the_module_with_numba_in_turn(capsys):
    """benchmarks/ahead_steps.py: blocks on each in turn, and the module's own functions put back afterwards."""
    from sim.kernels import fast

    if not fast.ahead:
        pytest.skip("the kernels compiled ahead of time are not in use")
    before = fast.pass_a_chunks
    module, _ = _benchmark_script("ahead_steps")
    assert module.main(["--people", "400", "--blocks", "2"]) == 0  # the last block on numba
    printed = capsys.readouterr().out
    assert "400 people" in printed and "faster in" in printed and "of 2 blocks" in printed
    assert fast.pass_a_chunks is before
