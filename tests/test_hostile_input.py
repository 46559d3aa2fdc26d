"""Hostile and careless input: every file or flag that cannot be used ends in one line naming it, exit code 2,
no traceback, nothing written, and quickly, including input built to exhaust memory or time.

The suite grows with every way of breaking the tool that a user finds; each case runs the real command.
"""

import json
import time

import pytest

from sim.cli import main as cli_main

from .conftest import ROOT

SELF_REFERENCE = "customers: 100\nnetwork: &x {kind: complete, extra: *x}\n"
LAUGHS = "customers: 100\na: &a [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]\n" + "".join(
    f"{b}: &{b} [{', '.join([f'*{a}'] * 10)}]\n" for a, b in zip("abcdefgh", "bcdefghi", strict=True))


@pytest.mark.parametrize("case, text, where, message", [
    ("self-referencing aliases", SELF_REFERENCE, ":2:", "an alias refers to the structure that contains it"),
    ("exponentially expanding aliases", LAUGHS, ":", "aliases expand this file to more than 100,000 values"),
])
def test_alias_tricks_end_in_one_line_quickly(cli, small_yaml, tmp_path, case, text, where, message):
    path = small_yaml(text)
    started = time.monotonic()
    result = cli("run", path, "--out", tmp_path / "out", cwd=tmp_path, timeout=60)
    assert time.monotonic() - started < 20, case
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
    assert result.stderr.count("\n") == 1 and f"{path}{where}" in result.stderr and message in result.stderr
    assert not (tmp_path / "out").exists() and not (tmp_path / "results").exists()


def test_a_huge_file_is_refused_before_it_is_read(cli, tmp_path):
    path = tmp_path / "huge.yaml"
    path.write_text("customers: 100\n" + "# padding\n" * 600_000)
    result = cli("validate", path)
    assert result.returncode == 2 and "bytes; expected a scenario YAML file of at most" in result.stderr


def test_an_alias_trick_in_set_is_refused(cli):
    result = cli("validate", "baseline", "--set", "name=&x [*x]")
    assert result.returncode == 2 and "--set name=&x [*x]" in result.stderr and "Traceback" not in result.stderr


def test_a_sweep_too_big_to_run_is_refused_before_it_is_built(cli, tmp_path):
    path = tmp_path / "big.yaml"
    path.write_text("scenario: baseline\nparameters:\n"
                    "  companies.focal.price: {low: 0.5, high: 1.5, levels: 1000}\n"
                    "  companies.focal.complaint_handling: {low: 0.1, high: 0.9, levels: 1000}\n"
                    "design: {kind: grid}\noutputs: [{name: fans, metric: share_passionate}]\n")
    started = time.monotonic()
    result = cli("sweep", path, "--out", tmp_path / "out")
    assert time.monotonic() - started < 20
    assert result.returncode == 2 and "1,000,000 points; expected at most 100,000" in result.stderr
    assert not (tmp_path / "out").exists()


def test_a_malformed_edge_list_found_inside_a_job_is_one_line(cli, small_yaml, tmp_path):
    """The network file is read where the model is built, inside the job: its error reaches the user as it is,
    naming file and line (it used to come wrapped in a failed job's traceback)."""
    (tmp_path / "friends.txt").write_text("0 1\n1 x\n")
    path = small_yaml("customers: 4\nsteps: 3\nnetwork: {kind: edge_list, path: friends.txt}\n")
    result = cli("run", path, "--out", tmp_path / "out", cwd=tmp_path)
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
    assert result.stderr.count("\n") == 1 and "friends.txt:2: expected two customer indices" in result.stderr
    assert not (tmp_path / "out").exists() and not (tmp_path / ".out.partial").exists()


@pytest.mark.parametrize("command", [["run", "baseline", "--steps", "2"],  # the job runs in this process
                                     ["compare", "baseline", "--policies", "focal_options", "--replications", "2"]])
def test_a_malformed_environment_variable_is_one_line_and_leaves_nothing(cli, tmp_path, command):
    """SIM_THREADED_FROM is also read where the jobs run (in worker processes too): it is checked before any
    starts, so its error is the user's one line, not a failed job's or a broken pool's traceback."""
    result = cli(*command, "--out", tmp_path / "out", env={"SIM_THREADED_FROM": "lots"})
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
    assert result.stderr.count("\n") == 1 and "SIM_THREADED_FROM" in result.stderr and "'lots'" in result.stderr
    assert list(tmp_path.iterdir()) == []  # not even the hidden folder the run is built in


@pytest.mark.parametrize("command", [["run", "baseline"], ["compare", "baseline", "--policies", "focal_options"]])
def test_errors_name_the_flag_the_user_typed(cli, tmp_path, command):
    result = cli(*command, "--steps", "-5", "--out", tmp_path / "out")
    assert result.returncode == 2 and result.stderr.startswith("error: --steps -5 ")
    assert "expected a value of at least 1" in result.stderr and not (tmp_path / "out").exists()


def test_every_command_takes_a_bundled_name(cli):
    assert cli("validate", "baseline").returncode == 0
    assert cli("validate", "markets/uk_retail_bank").returncode == 0
    assert cli("sweep", "price_grid", "--dry-run").returncode == 0
    missing_targets = cli("calibrate", "no_such_targets")  # a bundled targets file is named like a scenario
    assert missing_targets.returncode == 2 and "uk_retail_bank" in missing_targets.stderr
    unknown = cli("run", "no_such_market")
    assert unknown.returncode == 2 and "bundled scenario" in unknown.stderr and "baseline" in unknown.stderr


def test_quiet_still_says_where_the_results_went_and_json_is_strict(cli, small_yaml, tmp_path):
    # a market with no hostile customers has no warnings: praise per warning is undefined (null, not Infinity)
    path = small_yaml("customers: 200\nsteps: 5\nburn_in: 0\nword_of_mouth: {warning_rate: 0}\n")
    result = cli("run", path, "--out", tmp_path / "out", "--quiet", "--no-plots", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith(str(tmp_path / "out")) and len(result.stdout.strip().splitlines()) == 1
    for name in ("summary.json", "manifest.json"):
        text = (tmp_path / "out" / name).read_text()
        json.loads(text, parse_constant=lambda constant, name=name: pytest.fail(f"{name} holds {constant}"))
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["mean"]["focal"]["praise_per_warning"] is None


def test_the_bundled_scenarios_are_package_data():
    import tomllib

    data = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]["sim"]
    assert "scenarios/**/*.yaml" in data and (ROOT / "sim" / "scenarios" / "baseline.yaml").is_file()


def test_a_missing_dependency_is_one_line_naming_the_install_command(monkeypatch, capsys):
    import sim.cli.validate

    def needs_a_package(args):
        import a_package_nobody_installed  # noqa: F401

    monkeypatch.setattr(sim.cli.validate, "main", needs_a_package)
    assert cli_main(["validate", "baseline"]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and "'a_package_nobody_installed'" in error and "pip install -e ." in error
