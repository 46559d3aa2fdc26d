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


def test_benchmark_runs_and_reports_every_figure(tmp_path):
    out = tmp_path / "bench.json"
    completed = subprocess.run(
        [sys.executable, "-m", "sim", "bench", "--sizes", "5000", "--steps", "10", "--per-agent-sizes", "5000",
         "--per-agent-steps", "2", "--quiet", "--out", str(out)],
        capture_output=True, text=True, timeout=300)
    assert completed.returncode == 0, completed.stderr
    text = completed.stdout
    for heading in ("customer-steps/s", "set-up s", "peak MB", "ratio", "Time per step by mechanism"):
        assert heading in text
    assert "5,000" in text

    report = json.loads(out.read_text())
    [vector] = report["vectorised"]
    [plain] = report["per_agent"]
    assert vector["customers"] == plain["customers"] == 5000
    assert vector["steps"] == 10 and plain["steps"] == 2
    for row in (vector, plain):
        assert row["customer_steps_per_second"] > 0 and row["customer_steps_per_cpu_second"] > 0
        assert row["setup_seconds"] > 0
        assert row["peak_mb"] >= row["interpreter_mb"] > 0
    assert plain["ratio"] == pytest.approx(vector["customer_steps_per_second"] / plain["customer_steps_per_second"])
    assert set(report["breakdown"]["seconds_per_step"]) == {name for name, _ in STEP_ORDER}
    assert report["command"].startswith("python -m sim bench --sizes 5000")
    # Every mechanism does work in the timed steps. At 5,000 customers x 10 steps the rarest of these
    # (warnings, after the viral complaint of step 1) are expected in the tens, so zero means a
    # mechanism is switched off, not bad luck.
    for count in ("interactions", "failures", "complaints", "recoveries", "programme_touches", "ad_exposures",
                  "praise", "warnings", "lost", "acquired"):
        assert vector["activity"][count] > 0, count


def test_bad_sizes_and_out_are_one_line_errors(tmp_path, capsys):
    assert cli_main(["bench", "--sizes", "5"]) == 2
    assert capsys.readouterr().err.strip().count("\n") == 0
    assert cli_main(["bench", "--sizes", "1000", "--out", str(tmp_path)]) == 2
    error = capsys.readouterr().err
    assert "--out" in error and "folder" in error
    assert list(tmp_path.iterdir()) == []


def test_report_shows_failures_and_targets():
    report = {"machine": {"cpus": 2, "processor": "x", "python": "3", "numpy": "2", "mesa": "3",
                          "load_average_before": [1.0]},
              "vectorised": [{"model": "vectorised", "customers": 1_000_000, "steps": 10, "error": "exit code -9"}],
              "per_agent": [], "full_year": None}
    bench.add_ratios_and_targets(report)
    text = bench.format_report(report)
    assert "failed: exit code -9" in text
    assert report["targets"] == {} and report["breakdown"] is None


def small_scenario(changes=None):
    return bench.benchmark_scenario(1500, 30, changes)


def test_per_agent_model_is_a_plain_mesa_model_with_level_counts():
    scenario = small_scenario()
    model = per_agent_model.PerAgentModel(scenario)
    vector = EngagementModel(scenario)
    assert len(model.agents) == 1500 and all(isinstance(a, mesa.Agent) for a in model.agents)
    assert all(type(a).step is not mesa.Agent.step for a in model.agents)
    # the same starting population as the vectorised model: the same people at each company
    assert np.array_equal(model.level_counts().sum(axis=1), vector.level_counts().sum(axis=1))
    for _ in range(5):
        model.step()
    counts = model.level_counts()
    assert counts.shape == (len(model.names), len(LEVELS)) == vector.level_counts().shape
    customers = sum(1 for a in model.customers if a.company >= 0)
    assert counts.sum() == customers and len(model.records) == 6
    assert model.steps == 5


def test_per_agent_model_responds_to_service_like_the_engagement_model():
    """Bad service (many failures, complaints left open) makes more disengaged and hostile customers."""

    def unhappy_share(failure_rate, handling):
        changes = {f"companies.{name}.{key}": value for name in ("focal", "budget", "challenger")
                   for key, value in (("failure_rate", failure_rate), ("complaint_handling", handling))}
        model = per_agent_model.PerAgentModel(small_scenario(changes))
        for _ in range(30):
            model.step()
        counts = model.level_counts()
        return counts[:, 3:].sum() / counts.sum()

    good, bad = unhappy_share(0.0, 0.9), unhappy_share(0.5, 0.05)
    # with half the interactions failing for 30 steps nearly everyone has failed several times; the
    # gap is tens of percentage points, so 0.1 leaves a wide margin for tuning of the defaults
    assert bad > good + 0.1
