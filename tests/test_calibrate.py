"""Calibration (`python -m sim calibrate`, `compare --posterior`): targets files, figures, resume, outputs, recovery.

Three scales keep the file quick:
- no model runs: the targets file's checks (every mistake is one line, exit 2, nothing written);
- a tiny market (300 people, 30 + 30 steps, ~0.1 s a run) for the mechanics: resuming after an
  interruption gives the same fit as an uninterrupted one, on any executor; outputs; compare --posterior;
- a small market (1,000 people) for parameter recovery: observations simulated from known parameters
  are recovered by both methods (about a minute and a half on two cores).
The coverage study (>= 20 synthetic truths) is marked slow; its measured result is in docs/calibration.md.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from sim import cli
from sim import scenario as scenarios
from sim.experiments import calibrate as calibration
from sim.experiments.calibrate import figures, results, synthetic
from sim.experiments.calibrate.evaluation import Evaluation, Evaluator
from sim.experiments.executors import InProcess, make_executor
from sim.experiments.jobs import replication_seed
from sim.experiments.metrics import METRICS, summarize
from sim.experiments.replications import run_one
from sim.experiments.store import PartStore

TINY_MARKET = "extends: baseline\nname: tiny\ncustomers: 300\nburn_in: 30\nsteps: 30\n"
TARGETS = """\
market: market.yaml
company: focal
parameters:
  companies.focal.appeal: {low: -0.2, high: 0.5}
  companies.focal.failure_rate: {low: 0.002, high: 0.05, scale: log}
targets:
  share_passionate: {value: 0.25, sd: 0.03}
  share_disengaged_or_hostile: {value: 0.08, sd: 0.02}
  monthly_churn: {metric: churn, value: 0.02, sd: 0.01, window: {every: 10}}
"""


def write_problem(folder: Path, market: str = TINY_MARKET, targets: str = TARGETS) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "market.yaml").write_text(market)
    path = folder / "targets.yaml"
    path.write_text(targets)
    return path


def settings(method: str, budget: int, **changes) -> calibration.Settings:
    base = {"optuna": dict(replications=2, seed=3, batch=4, check=4),
            "abc": dict(replications=1, seed=3, batch=8, check=4, population=10, generations=3, pilot=4)}[method]
    return calibration.Settings(method, budget, **{**base, **changes})


def fit(targets_path: Path, chosen: calibration.Settings, out: Path, workers: int = 1, on_run=None,
        executor_kind: str = "local"):
    """A calibration through the library, as the command runs it (folder check, executor, calibrate)."""
    targets_file = calibration.load_targets(targets_path)
    resumed = calibration.check_folder(out, targets_file, chosen)
    with make_executor(executor_kind, workers) as executor:
        return calibration.calibrate(targets_file, chosen, out, executor, resumed, progress=False, on_run=on_run)


def stop_after(runs: int):
    """An on_run hook that raises KeyboardInterrupt (as Ctrl-C would) once `runs` runs are kept."""
    count = {"runs": 0}

    def hook():
        count["runs"] += 1
        if count["runs"] >= runs:
            raise KeyboardInterrupt

    return hook


def run_cli(*argv) -> int:
    return cli.main(["calibrate", *map(str, argv)])


# --------------------------------------------------------------------------- the targets file


BAD_FILES = [
    # (what is wrong, the targets text, the line, the start of the message after 'file:line: ')
    ("unknown top-level key", TARGETS.replace("company:", "compny:"), 2,
     "compny: unknown key (did you mean 'company'?)"),
    ("no targets", TARGETS.split("targets:")[0], 1, "(top level): expected a 'targets:' key"),
    ("no such market", TARGETS.replace("market.yaml", "nowhere.yaml"), 1, "market: nowhere.yaml: no such file"),
    ("unknown company", TARGETS.replace("company: focal", "company: fokal"), 2,
     "company: no company named 'fokal' in"),
    ("misspelt parameter", TARGETS.replace("focal.failure_rate", "focal.failur_rate"), 5,
     "parameters.companies.focal.failur_rate: unknown scenario key (did you mean 'companies.focal.failure_rate'?)"),
    ("parameter of an unknown company", TARGETS.replace("companies.focal.appeal", "companies.fokal.appeal"), 4,
     "parameters.companies.fokal.appeal: no company named 'fokal' in the market (did you mean 'focal'?)"),
    ("a key that defines the runs", TARGETS.replace("companies.focal.appeal", "customers"), 4,
     "parameters.customers: cannot be fitted"),
    ("a key that is not a number", TARGETS.replace("companies.focal.appeal",
                                                   "companies.focal.programmes.appreciation.target"), 4,
     "parameters.companies.focal.programmes.appreciation.target: is not a number (choice)"),
    ("low above high", TARGETS.replace("{low: -0.2, high: 0.5}", "{low: 0.5, high: 0.2}"), 4,
     "parameters.companies.focal.appeal.high: expected a value above low (0.5), got 0.2"),
    ("outside the key's range", TARGETS.replace("{low: -0.2, high: 0.5}", "{low: -1.5, high: 0.5}"), 4,
     "parameters.companies.focal.appeal.low: expected a value of at least -1 (the key's allowed range), got -1.5"),
    ("log scale through zero", TARGETS.replace("{low: -0.2, high: 0.5}", "{low: -0.2, high: 0.5, scale: log}"), 4,
     "parameters.companies.focal.appeal.low: expected a value above 0 for a log-scale prior, got -0.2"),
    ("unknown scale", TARGETS.replace("scale: log", "scale: logarithmic"), 5,
     "parameters.companies.focal.failure_rate.scale: expected linear or log, got the text 'logarithmic'"),
    ("unknown prior key", TARGETS.replace("{low: -0.2, high: 0.5}", "{low: -0.2, hgh: 0.5}"), 4,
     "parameters.companies.focal.appeal.hgh: unknown key (did you mean 'high'?)"),
    ("no high", TARGETS.replace("{low: -0.2, high: 0.5}", "{low: -0.2}"), 4,
     "parameters.companies.focal.appeal: expected 'high:'"),
    ("misspelt figure", TARGETS.replace("share_passionate:", "share_pasionate:"), 7,
     "targets.share_pasionate: unknown figure 'share_pasionate' (did you mean 'share_passionate'?)"),
    ("sd of zero", TARGETS.replace("sd: 0.03", "sd: 0"), 7,
     "targets.share_passionate.sd: expected a positive standard deviation, got 0"),
    ("no sd", TARGETS.replace(", sd: 0.03", ""), 7, "targets.share_passionate: expected 'sd:'"),
    ("a share above 1", TARGETS.replace("value: 0.25", "value: 25"), 7,
     "targets.share_passionate.value: expected a share_passionate between 0 and 1, got 25"),
    ("a sd that is text", TARGETS.replace("sd: 0.03", "sd: high"), 7,
     "targets.share_passionate.sd: expected a number, got the text 'high'"),
    ("window beyond the run", TARGETS.replace("{every: 10}", "{from: 0, to: 40}"), 9,
     "targets.monthly_churn.window.to: expected a step within the run (the market runs 30 steps), got 40"),
    ("window of nothing", TARGETS.replace("{every: 10}", "{from: 20, to: 20}"), 9,
     "targets.monthly_churn.window.to: expected a step after 'from' (20), got 20"),
    ("unknown window key", TARGETS.replace("{every: 10}", "{evry: 10}"), 9,
     "targets.monthly_churn.window.evry: unknown key (did you mean 'every'?)"),
    ("unknown target company", TARGETS.replace("metric: churn,", "metric: churn, company: nobody,"), 9,
     "targets.monthly_churn.company: no company named 'nobody' in the market"),
    ("a prior that breaks the market", TARGETS.replace("companies.focal.appeal: {low: -0.2, high: 0.5}",
                                                       "levels.involved: {low: 0.1, high: 0.7}"), 4,
     "parameters.levels.involved: with levels.involved = 0.7 the market is not valid: levels.passionate: expected "
     "a bond above"),
    ("malformed YAML", TARGETS.replace("company: focal", "company: [focal"), 3, "malformed YAML"),
]


@pytest.mark.parametrize("text, line, message", [case[1:] for case in BAD_FILES], ids=[c[0] for c in BAD_FILES])
def test_a_bad_targets_file_is_one_line_exit_2_and_nothing_written(tmp_path, capsys, text, line, message):
    path = write_problem(tmp_path, targets=text)
    out = tmp_path / "out"
    assert run_cli(path, "--out", out, "--quiet") == 2
    error = capsys.readouterr().err.strip()
    assert error.count("\n") == 0, error
    assert error.startswith(f"error: {path}:{line}: {message}"), error
    assert not out.exists()


def test_the_bundled_targets_files_are_valid():
    folder = scenarios.BUNDLED / "targets"
    paths = sorted(folder.glob("*.yaml"))
    assert len(paths) >= 2
    for path in paths:
        found = calibration.load_targets(path)
        assert found.parameters and found.targets
        assert "source" in path.read_text().lower()  # published figures, sources named in the file


@pytest.mark.parametrize("argv, message", [
    (["--budget", "5"], "--budget 5: expected at least 8 runs"),
    (["--replications", "0"], "--replications 0: expected at least 1"),
    (["--method", "abc", "--population", "5"], "--population 5: expected at least 10"),
    (["--executor", "local", "--scheduler", "tcp://127.0.0.1:1"], "--scheduler needs --executor dask"),
    (["--workers", "0"], "--workers 0: expected at least 1"),
])
def test_bad_options_are_one_line_exit_2_and_nothing_written(tmp_path, capsys, argv, message):
    path = write_problem(tmp_path)
    out = tmp_path / "out"
    assert run_cli(path, "--out", out, "--quiet", "--check", "4", *argv) == 2
    error = capsys.readouterr().err.strip()
    assert error.count("\n") == 0 and error.startswith(f"error: {message}"), error
    assert not out.exists()


def test_a_folder_holding_another_calibration_is_refused_and_left_alone(tmp_path, capsys):
    path = write_problem(tmp_path)
    out = tmp_path / "out"
    fit(path, settings("optuna", 12), out)
    before = sorted(p.name for p in out.iterdir())
    path.write_text(TARGETS.replace("value: 0.25", "value: 0.3"))
    assert run_cli(path, "--out", out, "--quiet", "--budget", "12", "--check", "4", "--seed", "3") == 2
    error = capsys.readouterr().err.strip()
    assert error.startswith(f"error: --out {out}: holds a different calibration (targets differ)"), error
    assert sorted(p.name for p in out.iterdir()) == before


# --------------------------------------------------------------------------- figures


@pytest.fixture(scope="module")
def tiny_run():
    # a high hazard of leaving, so that every 10-step period loses customers
    market = scenarios.load("baseline", {"customers": 300, "burn_in": 30, "steps": 30, "switching.base_hazard": 0.01})
    return run_one(market)


def target(name: str, window=figures.Window(), metric: str | None = None) -> figures.Target:
    return figures.Target(name, metric or name, 0.0, 1.0, "focal", window)


def test_whole_run_figures_are_the_metrics_run_reports(tiny_run):
    expected = summarize(tiny_run, "focal")
    for name in METRICS:
        value = target(name).compute(tiny_run)
        assert value == pytest.approx(expected[name], nan_ok=True), name
        assert target(name, figures.Window(0, 30)).compute(tiny_run) == pytest.approx(expected[name], nan_ok=True)


def test_level_shares_are_taken_at_the_end(tiny_run):
    last = tiny_run.iloc[-1]
    assert target("share_involved").compute(tiny_run) == pytest.approx(last["focal_involved_share"])
    assert target("share_disengaged_or_hostile").compute(tiny_run) == pytest.approx(
        last["focal_disengaged_share"] + last["focal_hostile_share"])
    at_ten = tiny_run[tiny_run["step"] == 10].iloc[0]
    assert target("share_passionate", figures.Window(0, 10)).compute(tiny_run) == pytest.approx(
        at_ten["focal_passionate_share"])


def test_a_window_counts_what_happened_after_its_first_step(tiny_run):
    lost = tiny_run.set_index("step")["focal_lost"]
    customers = tiny_run.set_index("step")["focal_customers"]
    expected = lost.loc[11:20].sum() / customers.loc[10]
    assert target("churn", figures.Window(10, 20)).compute(tiny_run) == pytest.approx(expected)
    periods = [lost.loc[a + 1:a + 10].sum() / customers.loc[a] for a in (0, 10, 20)]
    assert target("churn", figures.Window(every=10)).compute(tiny_run) == pytest.approx(np.mean(periods))
    assert min(periods) > 0 and len(set(periods)) == 3  # the periods differ, so the average is a real average


def test_discrepancy_is_the_rms_of_z_over_replication_means():
    targets = (target("a"), figures.Target("b", "b", 1.0, 0.5, "focal"))
    evaluation = Evaluation({}, pd.DataFrame({"a": [1.0, 3.0], "b": [1.0, 2.0]}))
    # a: mean 2, z = 2; b: mean 1.5, z = (1.5 - 1) / 0.5 = 1
    assert evaluation.z_scores(targets).tolist() == [2.0, 1.0]
    assert evaluation.discrepancy(targets) == pytest.approx(math.sqrt((4 + 1) / 2))
    assert Evaluation({}, pd.DataFrame({"a": [math.inf], "b": [1.0]})).discrepancy(targets) == math.inf


def test_every_candidate_runs_on_the_same_seeds(tmp_path):
    targets_file = calibration.load_targets(write_problem(tmp_path))
    evaluator = Evaluator(targets_file, PartStore(tmp_path / "parts"), InProcess(), budget=10)
    first = evaluator.jobs({"companies.focal.appeal": 0.1, "companies.focal.failure_rate": 0.01}, range(3))
    second = evaluator.jobs({"companies.focal.appeal": 0.3, "companies.focal.failure_rate": 0.02}, range(3))
    seed = targets_file.market.data["seed"]
    assert [j.seed for j in first] == [j.seed for j in second] == [replication_seed(seed, r) for r in range(3)]
    assert {j.key for j in first}.isdisjoint(j.key for j in second)


def test_log_scale_parameters_round_trip_and_stay_in_the_prior():
    p = calibration.Parameter("companies.focal.failure_rate", 0.002, 0.05, "log")
    assert p.from_fit_scale(p.to_fit_scale(0.013)) == pytest.approx(0.013)
    assert p.centre == pytest.approx(math.sqrt(0.002 * 0.05))
    assert p.from_fit_scale(p.fit_high + 1) == 0.05
    assert results.rounded(p, 0.0123456) == 0.01235


def test_weighted_quantiles_agree_with_repeated_values():
    values, weights = np.array([3.0, 1.0, 2.0]), np.array([1, 2, 1])
    repeated = np.repeat(values, weights)
    assert results.weighted_quantile(values, weights, 0.5) == pytest.approx(np.median(repeated), abs=0.5)
    assert results.weighted_quantile([5.0, 7.0], [1, 1], 0.5) == pytest.approx(6.0)


# --------------------------------------------------------------------------- resuming, executors, outputs


@pytest.fixture(scope="module")
def tiny_fits(tmp_path_factory):
    """Uninterrupted fits of the tiny problem on two local workers: optuna and abc."""
    folder = tmp_path_factory.mktemp("tiny")
    path = write_problem(folder)
    found = {"path": path, "optuna": (folder / "optuna", settings("optuna", 40)),
             "abc": (folder / "abc", settings("abc", 120, generations=2))}
    for method in ("optuna", "abc"):
        out, chosen = found[method]
        found[f"{method}_outcome"] = fit(path, chosen, out, workers=2)
    return found


@pytest.mark.parametrize("method, table", [("optuna", "trials.csv"), ("abc", "posterior.parquet")])
def test_an_interrupted_fit_resumes_to_the_same_result_on_another_executor(tmp_path, tiny_fits, method, table):
    out, chosen = tiny_fits[method]
    resumed = tmp_path / "resumed"
    stop = 13 if method == "optuna" else 25  # abc: past its pilot (3 seeds at 5 points), into generation 1
    with pytest.raises(KeyboardInterrupt):
        fit(tiny_fits["path"], chosen, resumed, workers=1, on_run=stop_after(stop))
    kept = list((resumed / "parts").rglob("*.parquet"))
    assert len(kept) >= stop  # finished runs are kept ...
    assert not (resumed / "calibrated.yaml").exists() and not (resumed / "report.md").exists()
    assert (resumed / ("optuna.journal" if method == "optuna" else "abc.db")).exists()
    outcome = fit(tiny_fits["path"], chosen, resumed, workers=1)  # ... and the same call resumes, in-process
    assert outcome.runs_computed < outcome.runs_used  # the kept runs were read back, not run again
    assert outcome.runs_used == tiny_fits[f"{method}_outcome"].runs_used
    read = pd.read_csv if table.endswith(".csv") else pd.read_parquet
    pd.testing.assert_frame_equal(read(resumed / table), read(out / table))
    assert (yaml.safe_load((resumed / "calibrated.yaml").read_text())["companies"]
            == yaml.safe_load((out / "calibrated.yaml").read_text())["companies"])


def test_the_budget_bounds_every_run_and_checks_use_fresh_seeds(tiny_fits):
    for method in ("optuna", "abc"):
        out, chosen = tiny_fits[method]
        outcome = tiny_fits[f"{method}_outcome"]
        assert outcome.runs_used <= chosen.budget
        parts = list((out / "parts").rglob("*.parquet"))
        assert len(parts) == outcome.runs_computed <= outcome.runs_used
    trials = pd.read_csv(tiny_fits["optuna"][0] / "trials.csv")
    assert len(trials) == (40 - 4) // 2  # (budget - check runs) / replications
    fit_seeds = {f"rep{r:04d}" for r in range(2)}
    check_seeds = {f"rep{r:04d}" for r in range(2, 6)}
    point = calibration.candidate_key(tiny_fits["optuna_outcome"].point)
    checked = {p.stem for p in (tiny_fits["optuna"][0] / "parts" / "candidates" / point).glob("*.parquet")}
    assert checked == check_seeds and not checked & fit_seeds


def test_a_point_fit_writes_a_scenario_that_run_and_compare_accept(tiny_fits, tmp_path):
    out, _ = tiny_fits["optuna"]
    outcome = tiny_fits["optuna_outcome"]
    text = (out / "calibrated.yaml").read_text()
    header = [line for line in text.splitlines() if line.startswith("#")]
    assert any("targets:" in line for line in header) and any("discrepancy:" in line for line in header)
    assert any("method: point fit, Optuna TPE" in line for line in header)
    assert any("date:" in line for line in header)
    calibrated = scenarios.load(out / "calibrated.yaml")
    market = calibration.load_targets(tiny_fits["path"]).market
    for key, value in outcome.point.items():
        assert calibrated.get(key) == value
    assert calibrated.data["customers"] == market.data["customers"] == 300  # the rest comes from the market
    assert cli.main(["run", str(out / "calibrated.yaml"), "--out", str(tmp_path / "run"), "--quiet",
                     "--no-plots"]) == 0
    assert (tmp_path / "run" / "summary.json").exists()
    fitted = pd.read_csv(out / "fit.csv")
    assert list(fitted["target"]) == ["share_passionate", "share_disengaged_or_hostile", "monthly_churn"]
    for column in ("observed", "sd", "simulated_mean", "simulated_low", "simulated_high", "z"):
        assert fitted[column].notna().all(), column
    assert (fitted["simulated_low"] <= fitted["simulated_mean"]).all()
    assert (fitted["simulated_mean"] <= fitted["simulated_high"]).all()
    manifest = json.loads((out / "manifest.json").read_text())
    for key in ("targets", "scenario", "method", "settings", "git_revision", "versions", "more_versions", "command",
                "replication_seeds"):
        assert key in manifest, key
    assert manifest["more_versions"]["optuna"]


def test_an_abc_fit_writes_its_posterior_and_flags_what_it_cannot_pin_down(tiny_fits):
    out, chosen = tiny_fits["abc"]
    posterior = pd.read_parquet(out / "posterior.parquet")
    keys = ["companies.focal.appeal", "companies.focal.failure_rate"]
    assert list(posterior.columns[:4]) == [*keys, "weight", "distance"]
    assert len(posterior) == chosen.population
    assert posterior["weight"].sum() == pytest.approx(1.0)
    assert (posterior["distance"] >= 0).all()
    assert posterior["companies.focal.failure_rate"].between(0.002, 0.05).all()
    parameters = pd.read_csv(out / "parameters.csv")
    assert (parameters["posterior_low"] <= parameters["posterior_median"]).all()
    assert (parameters["posterior_median"] <= parameters["posterior_high"]).all()
    report = (out / "report.md").read_text()
    for section in ("## Parameters", "## Fit", "## Search", "posterior.png", "fit.png", "progress.png"):
        assert section in report, section
    for _, row in parameters.iterrows():  # a warning exactly for each parameter the targets hardly narrow
        flagged = f"{row['parameter']}: the posterior's 90% interval is" in report
        assert flagged == (row["interval_ratio"] >= results.HARDLY_NARROWER)
    generations = pd.read_csv(out / "generations.csv")
    assert generations["temperature"].is_monotonic_decreasing
    fitted = pd.read_csv(out / "fit.csv")
    assert fitted["predictive_mean"].notna().all()


def test_a_parameter_whose_posterior_is_hardly_narrower_than_its_prior_is_flagged(tmp_path):
    targets_file = calibration.load_targets(write_problem(tmp_path))
    rng = np.random.default_rng(0)
    final = pd.DataFrame({"companies.focal.appeal": rng.uniform(0.1, 0.2, 400),  # a seventh of the prior range
                          "companies.focal.failure_rate": 10 ** rng.uniform(np.log10(0.002), np.log10(0.05), 400),
                          "weight": 1 / 400})
    point = {"companies.focal.appeal": 0.15, "companies.focal.failure_rate": 0.01}
    table = results.parameter_table(targets_file, point, final, None).set_index("parameter")
    assert table.loc["companies.focal.appeal", "identified"]
    assert table.loc["companies.focal.appeal", "interval_ratio"] == pytest.approx(0.1 * 0.9 / 0.7 / 0.9, rel=0.1)
    assert not table.loc["companies.focal.failure_rate", "identified"]  # uniform over the log prior: ratio ~1
    assert table.loc["companies.focal.failure_rate", "interval_ratio"] == pytest.approx(1.0, abs=0.06)


# --------------------------------------------------------------------------- compare --posterior


POLICIES = """\
policies:
  baseline: {}
  same_price:
    companies.focal.price: 1.0
  better_complaints:
    companies.focal.complaint_handling: 0.9
"""


def test_compare_with_a_posterior_pairs_the_draws_and_reports_both_intervals(tiny_fits, tmp_path, capsys):
    out, _ = tiny_fits["abc"]
    policies = tmp_path / "policies.yaml"
    policies.write_text(POLICIES)
    argv = ["compare", "--policies", str(policies), "--posterior", str(out), "--replications", "4", "--workers", "1",
            "--quiet"]
    assert cli.main([*argv, "--out", str(tmp_path / "first")]) == 0
    rows = pd.read_csv(tmp_path / "first" / "posterior_replications.csv")
    keys = ["companies.focal.appeal", "companies.focal.failure_rate"]
    for _, group in rows.groupby("replication"):  # replication i of every policy: the same draw, the same seed
        assert len(group) == 3 and group[keys + ["seed", "particle"]].nunique().max() == 1
    assert rows.groupby("replication")[keys[0]].first().nunique() > 1  # and the draws differ between replications
    point = pd.read_csv(tmp_path / "first" / "replications.csv")
    assert sorted(point["seed"].unique()) == sorted(rows["seed"].unique())
    summary = pd.read_csv(tmp_path / "first" / "posterior_summary.csv")
    same = summary[summary["policy"] == "same_price"]
    assert (same["posterior_difference"] == 0).all() and (same["p_better"] == 0).all() and (same["ties"] == 1).all()
    report = (tmp_path / "first" / "report.md").read_text()
    assert "## Under parameter uncertainty" in report and "P(better)" in report
    assert (tmp_path / "first" / "posterior.png").exists()
    # the same command draws the same parameter sets
    assert cli.main([*argv, "--out", str(tmp_path / "second")]) == 0
    pd.testing.assert_frame_equal(rows, pd.read_csv(tmp_path / "second" / "posterior_replications.csv"))


def test_compare_posterior_needs_a_posterior(tiny_fits, tmp_path, capsys):
    policies = tmp_path / "policies.yaml"
    policies.write_text(POLICIES)
    point_fit, _ = tiny_fits["optuna"]
    assert cli.main(["compare", "--policies", str(policies), "--posterior", str(point_fit), "--out",
                     str(tmp_path / "x")]) == 2
    error = capsys.readouterr().err.strip()
    assert error == (f"error: --posterior {point_fit}: holds a point fit (no posterior.parquet); run calibrate "
                     "--method abc for a posterior")
    assert not (tmp_path / "x").exists()
    assert cli.main(["compare", "--policies", str(policies), "--out", str(tmp_path / "x")]) == 2
    assert "expected a market SCENARIO" in capsys.readouterr().err


# --------------------------------------------------------------------------- parameter recovery


RECOVERY_MARKET = "extends: baseline\nname: small\ncustomers: 2000\nburn_in: 150\nsteps: 90\n"
RECOVERY_PRIORS = {"companies.focal.appeal": {"low": -0.2, "high": 0.5},
                   "companies.focal.failure_rate": {"low": 0.002, "high": 0.05, "scale": "log"}}
# share_hostile separates the failure rate from the brand's appeal (both move the other shares)
RECOVERY_SDS = {"share_passionate": 0.02, "share_disengaged_or_hostile": 0.015, "churn": 0.008, "share_hostile": 0.004}
TRUTH = {"companies.focal.appeal": 0.15, "companies.focal.failure_rate": 0.01}


def recovery_problem(folder: Path, truth: dict, executor, noise_seed: int | None = None, seed: int = 1) -> Path:
    """A targets file whose observations are the mean of 8 runs of the market at `truth` (plus, with a
    noise seed, normal observation error of the targets' sd); `seed`: the market's seed (the fit's CRN seeds)."""
    path = write_problem(folder, RECOVERY_MARKET + f"seed: {seed}\n", synthetic.targets_yaml(
        "market.yaml", RECOVERY_PRIORS, dict.fromkeys(RECOVERY_SDS, 0.1), RECOVERY_SDS))
    targets_file = calibration.load_targets(path)
    observed = synthetic.observe(targets_file, truth, PartStore(folder / "truth"), executor, runs=8)
    if noise_seed is not None:
        observed = synthetic.with_noise(observed, RECOVERY_SDS, noise_seed)
    path.write_text(synthetic.targets_yaml("market.yaml", RECOVERY_PRIORS, observed, RECOVERY_SDS))
    return path


def test_both_methods_recover_known_parameters(tmp_path):
    with make_executor("local", 2) as executor:
        path = recovery_problem(tmp_path, TRUTH, executor)
        targets_file = calibration.load_targets(path)
        point_settings = settings("optuna", 54, seed=1, replications=1, batch=4)  # 50 trials
        point = calibration.calibrate(targets_file, point_settings, tmp_path / "optuna", executor, progress=False)
        posterior_settings = settings("abc", 330, seed=1, population=15, pilot=6)
        posterior = calibration.calibrate(targets_file, posterior_settings, tmp_path / "abc", executor, progress=False)
    errors = synthetic.relative_error(targets_file, point.point, TRUTH)
    table = posterior.parameters.set_index("parameter")
    print(f"recovery: point {point.point}, errors {errors} ({point.runs_used} runs, {point.seconds:.0f} s); posterior "
          f"{table[['posterior_low', 'posterior_median', 'posterior_high', 'interval_ratio']].to_dict('index')} "
          f"({posterior.runs_used} runs, {posterior.seconds:.0f} s)")
    assert max(errors.values()) <= 0.10, (point.point, errors)  # the point fit within 10% of each prior range
    for key, value in TRUTH.items():  # the truth inside the 90% posterior interval
        assert table.loc[key, "posterior_low"] <= value <= table.loc[key, "posterior_high"], table
    assert table["identified"].all()  # and the posterior is narrower than the prior


# --------------------------------------------------------------------------- slow: coverage, a real Ctrl-C


@pytest.mark.slow
def test_coverage_of_the_90_percent_posterior_intervals(tmp_path):
    """At least 20 truths drawn from the prior; observations = the mean of 8 runs at the truth plus normal
    error of the targets' sd; an ABC fit each. The 90% intervals should hold the truth 80-98% of the time.

    Each truth's market has its own seed: with one seed for all, the common random numbers' offset (the
    same seed gives nearly the same noise at every parameter set) would bias every fit the same way, and
    the 20 fits would not be independent trials of the coverage."""
    truths = synthetic.draw_truths(calibration.load_targets(recovery_problem_text(tmp_path)), 20, seed=2024)
    rows = []
    with make_executor("local", 2) as executor:
        for index, truth in enumerate(truths):
            folder = tmp_path / f"truth{index:02d}"
            path = recovery_problem(folder, truth, executor, noise_seed=index, seed=100 + index)
            chosen = settings("abc", 1600, seed=index, population=50, generations=4, pilot=10, check=4)
            outcome = calibration.calibrate(calibration.load_targets(path), chosen, folder / "abc", executor,
                                            progress=False)
            table = outcome.parameters.set_index("parameter")
            for key, value in truth.items():
                rows.append({"truth": index, "parameter": key, "value": value, "low": table.loc[key, "posterior_low"],
                             "high": table.loc[key, "posterior_high"], "runs": outcome.runs_used,
                             "seconds": round(outcome.seconds), "tempered": any("tempered" in note
                                                                                for note in outcome.notes),
                             "inside": synthetic.inside(value, table.loc[key, "posterior_low"],
                                                        table.loc[key, "posterior_high"])})
            print(pd.DataFrame(rows[-len(truth):]).to_string(header=index == 0), flush=True)
    found = pd.DataFrame(rows)
    coverage = found["inside"].mean()
    print(found.to_string())
    print(f"coverage of the 90% intervals: {coverage:.1%} of {len(found)} intervals "
          f"({found.groupby('parameter')['inside'].mean().round(3).to_dict()}); runs per fit: "
          f"{found.groupby('truth')['runs'].first().mean():.0f}")
    assert 0.80 <= coverage <= 0.98


@pytest.mark.slow
def test_a_parameter_the_targets_ignore_is_flagged_end_to_end(tmp_path):
    # what a rival pays per service interaction changes nothing the focal company's targets measure
    unseen = "companies.challenger.costs.touchpoint"
    path = write_problem(tmp_path, targets=TARGETS.replace(
        "companies.focal.failure_rate: {low: 0.002, high: 0.05, scale: log}", f"{unseen}: {{low: 0.0, high: 1.0}}"))
    outcome = fit(path, settings("abc", 400, population=30, generations=2), tmp_path / "out", workers=2)
    table = outcome.parameters.set_index("parameter")
    assert not table.loc[unseen, "identified"] and table.loc["companies.focal.appeal", "identified"], table
    assert [note.split(":")[0] for note in outcome.notes if "hardly pin it down" in note] == [unseen]
    assert f"{unseen}: the posterior's 90% interval" in (tmp_path / "out" / "report.md").read_text()


def recovery_problem_text(folder: Path) -> Path:
    return write_problem(folder, RECOVERY_MARKET, synthetic.targets_yaml(
        "market.yaml", RECOVERY_PRIORS, dict.fromkeys(RECOVERY_SDS, 0.1), RECOVERY_SDS))


@pytest.mark.slow
def test_ctrl_c_keeps_finished_runs_and_the_same_command_resumes(tmp_path):
    import os
    import signal
    import subprocess
    import sys
    import time

    path = write_problem(tmp_path)
    out = tmp_path / "out"
    command = [sys.executable, "-m", "sim", "calibrate", str(path), "--method", "abc", "--population", "10",
               "--budget", "200", "--check", "4", "--workers", "2", "--out", str(out), "--quiet"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               start_new_session=True)
    deadline = time.time() + 120
    while time.time() < deadline and len(list((out / "parts").rglob("*.parquet"))) < 20:
        time.sleep(0.2)
    os.killpg(process.pid, signal.SIGINT)
    stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert "interrupted: finished work was kept" in stderr
    assert "finished runs are kept in" in stdout
    kept = len(list((out / "parts").rglob("*.parquet")))
    assert kept >= 20 and not (out / "report.md").exists()
    resumed = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    fresh = subprocess.run([*command[:-3], "--out", str(tmp_path / "fresh"), "--quiet"], capture_output=True, text=True,
                           timeout=300)
    assert fresh.returncode == 0, fresh.stderr
    pd.testing.assert_frame_equal(pd.read_parquet(out / "posterior.parquet"),
                                  pd.read_parquet(tmp_path / "fresh" / "posterior.parquet"))


def test_the_cli_runs_a_point_fit_and_prints_a_summary(tmp_path, capsys):
    path = write_problem(tmp_path)
    out = tmp_path / "out"
    assert run_cli(path, "--budget", "16", "--check", "4", "--workers", "1", "--out", out) == 0
    printed = capsys.readouterr().out
    assert "optuna fit to 3 targets" in printed and f"report: {out / 'report.md'}" in printed
    assert (out / "report.md").exists()


def test_the_bundled_targets_files_load_by_name():
    for name in ("uk_retail_bank", "targets/mobile_operator"):
        found = calibration.load_targets(name)
        assert found.targets and found.parameters


def test_the_noise_model_follows_noise_that_grows_across_the_prior(tmp_path):
    """The pilot's noise model: measured at the centre and along each axis, log-linear in the parameters.
    Here one figure's scatter doubles from one end of the first parameter's range to the other."""
    from sim.experiments.calibrate import noise

    targets_file = calibration.load_targets(write_problem(tmp_path))
    points = noise.pilot_points(targets_file)
    assert len(points) == 1 + 2 * len(targets_file.parameters)
    rng = np.random.default_rng(0)
    frames = []
    for point in points:
        scale = 0.01 * 2 ** point[0]  # sd 0.01 at one end of the first parameter, 0.02 at the other
        frames.append(pd.DataFrame({t.name: rng.normal(0.3, scale, 400) for t in targets_file.targets}))
    model = noise.fit(targets_file, points, frames)
    low, high = model.sd(np.array([0.0, 0.5])), model.sd(np.array([1.0, 0.5]))
    assert np.allclose(high / low, 2.0, rtol=0.15), (low, high)
    assert np.allclose(model.smallest(), low, rtol=0.15) and np.allclose(model.largest(), high, rtol=0.15)
    centre = model.at_centre()
    assert all(abs(value - 0.01 * 2 ** 0.5) < 0.002 for value in centre.values()), centre


def test_a_fit_on_a_dask_cluster_gives_the_same_posterior(tiny_fits, tmp_path):
    """`--executor dask` (a LocalCluster on 127.0.0.1): the same runs, so the same posterior as on local cores."""
    out, chosen = tiny_fits["abc"]
    outcome = fit(tiny_fits["path"], chosen, tmp_path / "dask", workers=2, executor_kind="dask")
    assert outcome.runs_used == tiny_fits["abc_outcome"].runs_used
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "dask" / "posterior.parquet"),
                                  pd.read_parquet(out / "posterior.parquet"))
