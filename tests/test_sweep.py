"""Parameter sweeps: validation, designs, identical results on both executors, a killed Dask worker,
resuming after an interruption, and the analysis of each design.

Runs use a tiny market (300 customers, 20 steps) so the whole file takes well under a minute.
A real Dask LocalCluster on 127.0.0.1 (two worker processes) is started once for the module.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.cli import main as cli_main
from sim.experiments import sweep as sweeps
from sim.experiments.executors import DaskExecutor, LocalExecutor
from sim.experiments.sweep.analysis import analyze, influence_ranking, point_means, sobol_indices

TINY = """\
name: tiny
scenario: baseline
set: {customers: 300, steps: 20, network: {degree: 6}}
parameters:
  companies.focal.price: {low: 0.8, high: 1.2, levels: 3}
  companies.focal.complaint_handling: {values: [0.2, 0.8]}
design: {kind: grid, seed: 4}
replications: 2
outputs:
  - {name: fans, metric: share_passionate}
  - {name: share_day10, metric: market_share, at: 10}
  - {name: mean_hostile, column: focal_hostile_share, summary: mean, from: 5}
  - {name: lost, column: focal_lost, summary: sum}
"""


def write(folder: Path, text: str, name: str = "sweep.yaml") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> sweeps.Sweep:
    return sweeps.load(write(tmp_path_factory.mktemp("tiny"), TINY))


@pytest.fixture(scope="module")
def local_executor():
    with LocalExecutor(2) as executor:
        yield executor


@pytest.fixture(scope="module")
def cluster():
    from distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None) as cluster:
        yield cluster


@pytest.fixture(scope="module")
def local_table(tiny, local_executor, tmp_path_factory) -> pd.DataFrame:
    """The reference: the tiny sweep run without interruption on the local process pool."""
    result = sweeps.run(tiny, tmp_path_factory.mktemp("local") / "out", local_executor, progress=False)
    assert result.computed == tiny.runs == 12 and result.table is not None
    return pd.read_parquet(result.table)


# --- validation --------------------------------------------------------------------------------

BAD = [
    ("parameters:\n  companies.focal.prise: {low: 0.8, high: 1.2}\n", 5,
     "parameters.companies.focal.prise: not a scenario key path: no key 'prise' here (did you mean 'price'?)"),
    ("parameters:\n  companies.focal.price: {low: 1.2, high: 0.8}\n", 5, "parameters.companies.focal.price.high"),
    ("parameters:\n  companies.focal.failure_rate: {low: 0.0, high: 1.5}\n", 5, "expected a value of at most 1"),
    ("parameters:\n  companies.nobody.price: {low: 0.8, high: 1.2}\n", 5, "companies.NAME.KEY"),
    ("parameters:\n  network.kind: {low: 1, high: 2}\n", 5, "takes {values: [...]}"),
    ("parameters:\n  network.kind: {values: [ring]}\n", 5, "expected one of"),
    ("parameters:\n  seed: {values: [1, 2]}\n", 5, "cannot be varied"),
    ("parameters:\n  companies.focal.advertising: {low: 0, high: 1}\n", 5, "is a group of keys"),
]
GOOD_PARAMETERS = "parameters:\n  companies.focal.price: {low: 0.8, high: 1.2}\n"
HEAD = "name: bad\nscenario: baseline\nset: {customers: 300, steps: 20}\n"
TAIL_DESIGN = "design: {kind: lhs, samples: 4}\n"
TAIL_OUTPUTS = "outputs:\n  - {name: fans, metric: share_passionate}\n"


@pytest.mark.parametrize("parameters, line, message", BAD)
def test_bad_parameters_are_named_with_file_and_line(tmp_path, parameters, line, message):
    path = write(tmp_path, HEAD + parameters + TAIL_DESIGN + TAIL_OUTPUTS)
    with pytest.raises(sweeps.SweepError) as error:
        sweeps.load(path)
    text = str(error.value)
    assert text.startswith(f"{path}:{line}: ") and message in text and "\n" not in text


@pytest.mark.parametrize("tail, line, message", [
    ("design: {kind: lhs}\n" + TAIL_OUTPUTS, 6, "expected 'samples: N'"),
    ("design: {kind: sobol, samples: 10}\n" + TAIL_OUTPUTS, 6, "design.samples: expected a power of 2"),
    ("design: {kind: grid, samples: 10}\n" + TAIL_OUTPUTS, 6, "not used by a grid"),
    ("design: {kind: factorial}\n" + TAIL_OUTPUTS, 6, "expected one of grid, lhs, sobol"),
    (TAIL_DESIGN + "outputs:\n  - {name: fans, metric: passion}\n", 8, "unknown metric 'passion'"),
    (TAIL_DESIGN + "outputs:\n  - {name: fans, metric: churn, at: 99}\n", 8, "expected a value of at most 20"),
    (TAIL_DESIGN + "outputs:\n  - {name: x, column: focal_hostile_shar, summary: mean}\n", 8, "no timeseries column"),
    (TAIL_DESIGN + "outputs:\n  - {name: x, column: focal_hostile, summary: median}\n", 8, "expected one of mean"),
    (TAIL_DESIGN + "outputs:\n  - {name: run, metric: churn}\n", 8, "already a column"),
    (TAIL_DESIGN + TAIL_OUTPUTS + "replicatons: 2\n", 9, "unknown key (did you mean 'replications'?)"),
])
def test_bad_design_and_outputs_are_named_with_file_and_line(tmp_path, tail, line, message):
    path = write(tmp_path, HEAD + GOOD_PARAMETERS + tail)
    with pytest.raises(sweeps.SweepError) as error:
        sweeps.load(path)
    assert str(error.value).startswith(f"{path}:{line}: ") and message in str(error.value)


def test_bad_set_value_and_bad_point_name_the_sweep_line(tmp_path):
    path = write(tmp_path, HEAD.replace("steps: 20", "steps: -3") + GOOD_PARAMETERS + TAIL_DESIGN + TAIL_OUTPUTS)
    with pytest.raises(sweeps.SweepError, match=rf"^{path}:3: steps: expected a value of at least 1"):
        sweeps.load(path)
    # levels.involved swept above levels.passionate breaks a cross-key rule at some points only
    path = write(tmp_path, HEAD + "parameters:\n  levels.involved: {values: [0.2, 0.9]}\n" + TAIL_DESIGN
                 + TAIL_OUTPUTS)
    expected = rf"^{path}:4: levels.passionate: .*\(design point 1: levels.involved=0.9\)"
    with pytest.raises(sweeps.SweepError, match=expected):
        sweeps.load(path)


def test_cli_reports_a_bad_sweep_in_one_line_with_exit_2_and_writes_nothing(tmp_path, capsys):
    path = write(tmp_path, HEAD + BAD[0][0] + TAIL_DESIGN + TAIL_OUTPUTS)
    out = tmp_path / "results"
    assert cli_main(["sweep", str(path), "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"error: {path}:5: ") and "\n" not in err
    assert not out.exists()
    assert cli_main(["analyze", str(tmp_path)]) == 2  # not a sweep folder


# --- designs -----------------------------------------------------------------------------------

def test_grid_is_the_full_factorial_in_order(tiny):
    assert len(tiny.points) == 3 * 2
    prices = sorted({p["companies.focal.price"] for p in tiny.points})
    assert prices == pytest.approx([0.8, 1.0, 1.2])
    assert [p["companies.focal.complaint_handling"] for p in tiny.points[:2]] == [0.2, 0.8]


def test_latin_hypercube_puts_one_point_in_each_stratum(tmp_path):
    text = (HEAD + "parameters:\n  companies.focal.price: {low: 0.5, high: 1.5}\n"
            "  traits.introversion.mean: {low: 0.2, high: 0.6}\n  network.kind: {values: [watts_strogatz, complete]}\n"
            "design: {kind: lhs, samples: 10, seed: 9}\n" + TAIL_OUTPUTS)
    sweep = sweeps.load(write(tmp_path, text))
    prices = np.array([p["companies.focal.price"] for p in sweep.points])
    assert sorted(np.floor((prices - 0.5) * 10).astype(int)) == list(range(10))  # the Latin property
    kinds = [p["network.kind"] for p in sweep.points]
    assert kinds.count("complete") == 5  # a list of 2 values gets half the strata each
    assert sweeps.load(write(tmp_path, text)).points == sweep.points  # the seed fixes the design


def test_sobol_design_has_saltelli_size(tmp_path):
    text = (HEAD + "parameters:\n  companies.focal.price: {low: 0.5, high: 1.5}\n"
            "  companies.focal.failure_rate: {low: 0.0, high: 0.1}\n"
            "design: {kind: sobol, samples: 8, seed: 2}\n" + TAIL_OUTPUTS)
    sweep = sweeps.load(write(tmp_path, text))
    assert len(sweep.points) == 8 * (2 + 2)  # N x (D + 2) without second-order terms
    prices = [p["companies.focal.price"] for p in sweep.points]
    assert 0.5 <= min(prices) and max(prices) <= 1.5


def _price_and_failure_design(tmp_path, design: str) -> tuple[dict, pd.DataFrame]:
    """A sweep over focal price and failure rate with `design`: its description and a frame of its points."""
    text = (HEAD + "parameters:\n  companies.focal.price: {low: 0.5, high: 1.5}\n"
            "  companies.focal.failure_rate: {low: 0.0, high: 0.1}\n"
            f"design: {design}\n" + TAIL_OUTPUTS)
    spec = sweeps.load(write(tmp_path, text)).describe()
    return spec, pd.DataFrame(spec["points"]).assign(point=lambda f: f.index)


def test_sobol_indices_find_the_parameter_that_drives_the_output(tmp_path):
    """Synthetic output y = 10 * price + 0 * failure_rate: S1(price) near 1, S1/ST(failure) near 0."""
    spec, means = _price_and_failure_design(tmp_path, "{kind: sobol, samples: 256, seed: 2}")
    means["fans"] = 10 * means["companies.focal.price"]
    indices = sobol_indices(spec, means, resamples=200).set_index("parameter")
    # tolerance 0.1: Saltelli estimators with N = 256 are within a few hundredths for a linear function
    assert indices.loc["companies.focal.price", "S1"] == pytest.approx(1.0, abs=0.1)
    assert abs(indices.loc["companies.focal.failure_rate", "ST"]) < 0.1
    assert (indices["S1_conf"] >= 0).all()


def test_ranking_puts_the_influential_parameter_first(tmp_path):
    spec, means = _price_and_failure_design(tmp_path, "{kind: lhs, samples: 30, seed: 1}")
    means["fans"] = -means["companies.focal.failure_rate"] + 0.001 * np.sin(np.arange(30))
    ranking = influence_ranking(spec, means)
    first = ranking.iloc[0]
    assert first["parameter"] == "companies.focal.failure_rate" and first["spearman"] < -0.9


# --- running: executors, a killed worker, resuming -----------------------------------------------

def test_local_and_dask_executors_give_identical_tables(tiny, local_table, cluster, tmp_path):
    with DaskExecutor(address=cluster.scheduler_address) as executor:
        result = sweeps.run(tiny, tmp_path / "out", executor, progress=False)
    dask_table = pd.read_parquet(result.table)
    pd.testing.assert_frame_equal(dask_table, local_table, check_exact=True)
    assert list(local_table.columns[:4]) == ["run", "point", "companies.focal.price",
                                             "companies.focal.complaint_handling"]
    assert local_table["fans"].between(0, 1).all() and local_table["run"].tolist() == list(range(12))
    # the same point with different replications differs (seeds differ), so equality above is not trivial
    assert local_table.groupby("point")["lost"].nunique().max() > 1


def test_a_killed_dask_worker_does_not_lose_the_sweep(tiny, local_table, cluster, tmp_path):
    with DaskExecutor(address=cluster.scheduler_address) as executor:
        pids = executor.client.run(os.getpid)  # worker address -> process id
        killed: list[tuple[int, int]] = []  # (pid, tasks it was processing)

        def kill_a_busy_worker(run: int) -> None:
            if killed:
                return
            busy = {address: keys for address, keys in executor.client.processing().items() if keys}
            if busy:  # a worker with tasks in flight: kill its process outright
                address, keys = next(iter(busy.items()))
                os.kill(pids[address], signal.SIGKILL)
                killed.append((pids[address], len(keys)))

        result = sweeps.run(tiny, tmp_path / "out", executor, progress=False, on_run=kill_a_busy_worker)
        executor.client.wait_for_workers(2, timeout=60)  # the nanny restarts it; leave the cluster whole
        assert killed and killed[0][1] > 0 and killed[0][0] not in executor.client.run(os.getpid).values()
    assert result.computed == tiny.runs
    pd.testing.assert_frame_equal(pd.read_parquet(result.table), local_table, check_exact=True)


def test_cli_sweep_on_a_dask_scheduler_then_analyze(tiny, local_table, cluster, tmp_path, capsys):
    out = tmp_path / "out"
    command = ["sweep", tiny.source, "--scheduler", cluster.scheduler_address, "--out", str(out)]
    assert cli_main([*command, "--quiet"]) == 0
    pd.testing.assert_frame_equal(pd.read_parquet(out / "table.parquet"), local_table, check_exact=True)
    capsys.readouterr()
    assert cli_main(command) == 0  # everything is done: nothing is recomputed
    said = capsys.readouterr().out
    assert "nothing to run: all 12 runs are already in" in said and "no cluster was started" in said
    assert cli_main(["analyze", str(out), "--no-plots"]) == 0
    assert len(pd.read_csv(out / "analysis" / "table.csv")) == tiny.runs


def test_an_interrupted_sweep_resumes_without_recomputing(tiny, local_table, local_executor, tmp_path):
    out = tmp_path / "out"

    def stop_after_four(run: int) -> None:
        if len(list((out / "parts").glob("run-*.parquet"))) >= 4:
            raise KeyboardInterrupt  # what Ctrl-C does in the middle of a sweep

    with pytest.raises(KeyboardInterrupt):
        sweeps.run(tiny, out, local_executor, progress=False, on_run=stop_after_four)
    assert not (out / "table.parquet").exists()
    parts = {p: (p.stat().st_mtime_ns, p.stat().st_ino) for p in (out / "parts").glob("run-*.parquet")}
    assert 4 <= len(parts) < tiny.runs
    time.sleep(0.05)  # so a rewritten part would get a new mtime
    result = sweeps.run(tiny, out, local_executor, progress=False)
    assert result.skipped == len(parts) and result.computed == tiny.runs - len(parts)
    assert {p: (p.stat().st_mtime_ns, p.stat().st_ino) for p in parts} == parts  # finished parts untouched
    pd.testing.assert_frame_equal(pd.read_parquet(result.table), local_table, check_exact=True)
    again = sweeps.run(tiny, out, local_executor, progress=False)
    assert again.computed == 0 and again.skipped == tiny.runs


def test_a_results_folder_of_another_sweep_is_refused_and_changed_code_is_flagged(tiny, tmp_path, capsys):
    other = sweeps.load(write(tmp_path, TINY.replace("replications: 2", "replications: 3"), "other.yaml"))
    out = tmp_path / "out"
    sweeps.SweepFolder(out, tiny)
    with pytest.raises(sweeps.SweepError, match="different sweep"):
        sweeps.run(other, out, progress=False)
    described = json.loads((out / "sweep.json").read_text())
    (out / "sweep.json").write_text(json.dumps({**described, "code": "an older version"}))
    capsys.readouterr()
    sweeps.SweepFolder(out, tiny)
    assert "code (sim/*.py) changed" in capsys.readouterr().err


@pytest.mark.slow
def test_killing_the_sweep_command_and_rerunning_it_completes_the_same_table(tiny, local_table, tmp_path):
    out = tmp_path / "out"
    command = [sys.executable, "-m", "sim", "sweep", tiny.source, "--workers", "2", "--out", str(out), "--quiet"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while len(list((out / "parts").glob("run-*.parquet"))) < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait(30)
    assert not (out / "table.parquet").exists()
    finished = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert finished.returncode == 0, finished.stderr
    pd.testing.assert_frame_equal(pd.read_parquet(out / "table.parquet"), local_table, check_exact=True)


# --- analysis ------------------------------------------------------------------------------------

def test_analyze_a_grid_writes_table_plots_heatmaps_and_summary(tiny, local_table, tmp_path):
    folder = tmp_path / "grid"
    results = sweeps.SweepFolder(folder, tiny)
    for job, (_, row) in zip(sweeps.jobs(tiny), local_table.iterrows(), strict=True):
        results.parts.write(job.key, job.fingerprint, row.to_frame().T.astype(local_table.dtypes.to_dict()))
    assert results.write_table(sweeps.jobs(tiny)) is not None
    target = analyze(folder)
    table = pd.read_csv(target / "table.csv")
    assert len(table) == tiny.runs and {"run", "point", "replication", "fans"} <= set(table.columns)
    pd.testing.assert_frame_equal(pd.read_parquet(target / "table.parquet"), local_table)
    for name in ("fans", "share_day10", "mean_hostile", "lost"):
        assert (target / f"grid_{name}.png").stat().st_size > 0
        assert (target / f"heatmap_{name}.png").stat().st_size > 0
    means = point_means(tiny.describe(), local_table)
    assert len(means) == 6 and (means["replications"] == 2).all()
    assert "runs: 12 of 12" in (target / "summary.md").read_text()


@pytest.mark.parametrize("design, files", [
    ("{kind: lhs, samples: 6, seed: 1}", ["ranking.csv", "scatter_fans.png"]),
    ("{kind: sobol, samples: 2, seed: 1}", ["sobol.csv", "sobol.png"]),
])
def test_analyze_lhs_and_sobol_sweeps(tmp_path, local_executor, design, files):
    text = (HEAD.replace("steps: 20", "steps: 10") + "parameters:\n  companies.focal.price: {low: 0.5, high: 1.5}\n"
            "  network.kind: {values: [watts_strogatz, erdos_renyi]}\n"
            f"design: {design}\n" + TAIL_OUTPUTS + "  - {name: lost, column: focal_lost, summary: sum}\n")
    sweep = sweeps.load(write(tmp_path, text))
    result = sweeps.run(sweep, tmp_path / "out", local_executor, progress=False)
    target = analyze(result.folder)
    for name in files:
        assert (target / name).stat().st_size > 0
    if "sobol.csv" in files:
        indices = pd.read_csv(target / "sobol.csv")
        assert set(indices["parameter"]) == {"companies.focal.price", "network.kind"}
        assert {"S1", "S1_conf", "ST", "ST_conf"} <= set(indices.columns)
    else:
        ranking = pd.read_csv(target / "ranking.csv")
        assert sorted(ranking["output"].unique()) == ["fans", "lost"]
        assert sorted(ranking[ranking["output"] == "lost"]["rank"]) in ([1, 2], [1, 1])
