"""The command line: run writes its tables, plots and manifest; determinism; describe; interruption."""

import gc
import json
import signal
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path

import pandas as pd
import pytest

from sim import cli as sim_cli
from sim.parameters import COMPANY, SCHEMA, flatten

from .conftest import ROOT


def test_run_writes_everything(cli, small_yaml, tmp_path):
    path = small_yaml("name: tiny\ncustomers: 400\nsteps: 20\n")
    result = cli("run", path, "--replications", "2", "--workers", "1", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    runs = list((tmp_path / "results" / "tiny").iterdir())
    assert len(runs) == 1 and not runs[0].name.startswith(".")
    files = {p.name for p in runs[0].iterdir()}
    assert {"timeseries.csv", "summary.json", "manifest.json", "levels.png", "transitions.png", "money.png"} <= files
    frame = pd.read_csv(runs[0] / "timeseries.csv")
    assert len(frame) == 2 * 21 and set(frame["replication"]) == {0, 1}
    assert {"focal_passionate_share", "indifferent_to_involved", "focal_revenue", "focal_cost", "focal_referrals",
            "focal_complaints", "focal_recoveries", "focal_lost"} <= set(frame.columns)
    manifest = json.loads((runs[0] / "manifest.json").read_text())
    assert manifest["status"] == "complete" and manifest["seed"] == 0
    assert manifest["scenario"]["customers"] == 400 and "mesa" in manifest["versions"]
    assert manifest["git_revision"]
    summary = json.loads((runs[0] / "summary.json").read_text())
    assert set(summary["mean"]) == {"focal", "rival"}


def test_same_seed_byte_identical_csv(cli, tmp_path):
    scenario = ROOT / "scenarios" / "baseline.yaml"
    for name in ("a", "b"):
        result = cli("run", scenario, "--steps", "30", "--set", "customers=1500", "--seed", "3", "--out",
                     tmp_path / name, "--no-plots", "--quiet", cwd=tmp_path)
        assert result.returncode == 0, result.stderr
    assert (tmp_path / "a" / "timeseries.csv").read_bytes() == (tmp_path / "b" / "timeseries.csv").read_bytes()


def test_run_writes_what_pandas_would_without_importing_pandas(small_yaml, tmp_path):
    """`run` keeps, writes and reads its timeseries as NumPy columns (sim.experiments.columns): pandas, 0.3 to 0.4 s
    of the interpreter's time in a small run, is never imported, and the files hold what pandas would write."""
    from sim import scenario as scenarios
    from sim.experiments.metrics import summarize
    from sim.experiments.replications import run_one

    path = small_yaml("name: tiny\ncustomers: 400\nsteps: 15\nburn_in: 5\nreplications: 2\n")
    out = tmp_path / "out"
    code = ("import sys\nfrom sim import cli\nrc = cli.main(['run', sys.argv[1], '--out', sys.argv[2], '--quiet'])\n"
            "assert rc == 0 and 'pandas' not in sys.modules, sorted(m for m in sys.modules if 'pandas' in m)[:3]")
    result = subprocess.run([sys.executable, "-c", code, str(path), str(out)], capture_output=True, text=True,
                            timeout=300, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    scenario = scenarios.load(path)
    frames = [run_one(scenario, r) for r in range(2)]
    expected = pd.concat(frames, ignore_index=True)
    assert (out / "timeseries.csv").read_text() == expected.to_csv(index=False, lineterminator="\n")
    pd.testing.assert_frame_equal(pd.read_parquet(out / "timeseries.parquet"), expected, check_exact=True)
    summary = json.loads((out / "summary.json").read_text())
    assert summary["per_replication"]["focal"][1] == pytest.approx(summarize(frames[1], "focal"), nan_ok=True)
    assert summary["per_replication"]["focal"][1]["revenue"] == summarize(frames[1], "focal")["revenue"]


def test_columns_of_numbers_are_written_as_pandas_writes_them(tmp_path):
    """The CSV of NumPy columns (no pandas) is pandas' text: shortest round-trip floats, an empty cell for NaN, a
    name with a comma quoted; and columns go to Arrow and back unchanged, also from several chunks."""
    import numpy as np
    import pyarrow as pa

    from sim.experiments.columns import from_arrow, to_arrow
    from sim.experiments.output import write_csv

    columns = {"replication": np.array([0, 0, 1, 1, 2, 2, 3, 3], np.int64),
               "odd, name": np.array([0.1, 1e-05, 0.0, -0.0, 1234567.0, 1e16, np.nan, np.inf]),
               "small": np.array([2.5e-300, 1 / 3, -7.25, 3e-7, 1e22, 5e-324, 0.5, 2.0 ** 60]),
               "count": np.arange(8, dtype=np.int64) * -123456789}
    write_csv(tmp_path / "numpy.csv", columns)
    write_csv(tmp_path / "pandas.csv", pd.DataFrame(columns))
    assert (tmp_path / "numpy.csv").read_bytes() == (tmp_path / "pandas.csv").read_bytes()
    table = to_arrow(columns)
    for back in (from_arrow(table), from_arrow(pa.concat_tables([table.slice(0, 3), table.slice(3)]))):
        assert list(back) == list(columns)
        for name, values in columns.items():
            assert back[name].dtype == values.dtype
            np.testing.assert_array_equal(back[name], values)
    with pytest.raises(TypeError, match="numbers"):
        to_arrow({"name": np.array(["a", "b"])})


def test_a_single_run_shows_its_burn_in_then_its_steps(cli, small_yaml, tmp_path):
    """The burn-in is most of a large run (a million customers: most of a minute), so it has a bar of its own."""
    path = small_yaml("name: tiny\ncustomers: 300\nsteps: 4\nburn_in: 25\n")
    result = cli("run", path, "--out", tmp_path / "out", "--no-plots", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "tiny: burn-in" in result.stderr and "/25 " in result.stderr and "4/4" in result.stderr
    quiet = cli("run", path, "--out", tmp_path / "quiet", "--no-plots", "--quiet", cwd=tmp_path)
    assert quiet.returncode == 0 and "burn-in" not in quiet.stderr


def test_a_slow_first_step_is_left_out_of_the_bars_rate(capsys):
    """The first step after installing compiles the kernels (about 25 s): a bar counting it promised hours."""
    from sim.model import _counted

    for number in _counted(5, "steps"):
        time.sleep(1.2 if number == 1 else 0.0)
    last = capsys.readouterr().err.replace("\r", "\n").strip().splitlines()[-1]
    assert "5/5 [00:00<00:00" in last, last


def test_existing_out_is_refused(cli, small_yaml, tmp_path):
    path = small_yaml("customers: 200\nsteps: 2\n")
    (tmp_path / "taken").mkdir()
    result = cli("run", path, "--out", tmp_path / "taken", cwd=tmp_path)
    assert result.returncode == 2 and "already exists" in result.stderr and "Traceback" not in result.stderr


def test_validate_and_describe(cli):
    result = cli("validate", ROOT / "scenarios" / "baseline.yaml")
    assert result.returncode == 0 and "ok" in result.stdout
    result = cli("describe")
    assert result.returncode == 0
    from sim.model import STEP_ORDER

    order = [line.split()[1] for line in result.stdout.splitlines() if line.strip()[:3].strip().rstrip(".").isdigit()]
    assert order == [name for name, _ in STEP_ORDER]
    for path, _ in flatten(SCHEMA) + flatten(COMPANY, "companies.NAME."):
        assert path in result.stdout


def test_console_script_installed():
    engage = Path(sys.executable).parent / "engage"  # installed next to the interpreter running the tests
    result = subprocess.run([engage, "describe"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0 and "word_of_mouth" in result.stdout
    # the usage line names the command the user typed: `engage` here, `python -m sim` the other way
    assert subprocess.run([engage, "--help"], capture_output=True, text=True).stdout.startswith("usage: engage ")
    module = subprocess.run([sys.executable, "-m", "sim", "--help"], capture_output=True, text=True)
    assert module.stdout.startswith("usage: python -m sim ")
    # both are the program (cli.program), not main alone: see the next test
    assert metadata.entry_points(group="console_scripts")["engage"].value == "sim.cli:program"
    bad = subprocess.run([engage, "run", "no_such_scenario"], capture_output=True, text=True)
    assert bad.returncode == 2 and bad.stderr.startswith("error: no_such_scenario")


def test_the_program_ends_with_its_commands_code_and_skips_the_exit_collections(monkeypatch):
    """The program exits with main's code, and freezes what it holds, which the interpreter's collections at exit
    then leave alone (0.3-0.45 s with numba loaded, measured in sim.cli.program)."""
    monkeypatch.setattr(sim_cli, "main", lambda: 3)
    gc.unfreeze()
    try:
        with pytest.raises(SystemExit) as leaving:
            sim_cli.program()
        assert leaving.value.code == 3
        assert gc.get_freeze_count() > 1000
    finally:
        gc.unfreeze()


def test_ctrl_c_keeps_finished_replications(small_yaml, tmp_path):
    path = small_yaml("name: slow\ncustomers: 3000\nsteps: 150\nreplications: 40\n")
    process = subprocess.Popen([sys.executable, "-m", "sim", "run", str(path), "--workers", "1", "--out",
                                str(tmp_path / "out"), "--no-plots"], cwd=tmp_path, stderr=subprocess.PIPE, text=True)
    seen = ""
    deadline = time.time() + 240
    while "2/40" not in seen and time.time() < deadline:  # wait for two finished replications (tqdm on stderr)
        seen += process.stderr.read(1)
    process.send_signal(signal.SIGINT)
    _, rest = process.communicate(timeout=120)
    stderr = seen + rest
    assert process.returncode == 130, stderr
    assert "Traceback" not in stderr
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["status"] == "interrupted"
    done = manifest["replications_done"]
    assert 0 < len(done) < 40
    frame = pd.read_csv(tmp_path / "out" / "timeseries.csv")
    assert sorted(frame["replication"].unique()) == done and len(frame) == 151 * len(done)
    assert not [p for p in tmp_path.rglob("*") if ".partial" in p.name or p.name.endswith(".tmp")]


def test_runs_started_in_the_same_second_get_folders_of_their_own(small_yaml, tmp_path, monkeypatch):
    """Two runs of a scenario without --out in one second: the second gets `<id>-2`, not an error, and
    neither's partial folder is the other's."""
    import datetime as dt

    from sim.experiments import output

    moment = dt.datetime(2026, 11, 30, 19, 11, 32)

    class Frozen(dt.datetime):
        @classmethod
        def now(cls, tz=None):
            return moment

    monkeypatch.setattr(output.dt, "datetime", Frozen)
    monkeypatch.chdir(tmp_path)
    path = small_yaml("name: same_second\ncustomers: 200\nsteps: 2\n")
    assert sim_cli.main(["run", str(path), "--quiet", "--no-plots", "--no-cache"]) == 0
    assert sim_cli.main(["run", str(path), "--quiet", "--no-plots", "--no-cache"]) == 0
    folders = sorted(p.name for p in (tmp_path / "results" / "same_second").iterdir())
    assert folders == ["20261130-191132-seed0", "20261130-191132-seed0-2"]
    for name in folders:
        assert json.loads((tmp_path / "results" / "same_second" / name / "manifest.json").read_text())["status"] \
            == "complete"
    # a reserved name whose run fails leaves nothing behind
    reserved = output.new_run_folder(tmp_path / "results" / "same_second", 0)
    assert reserved.name == "20261130-191132-seed0-3"
    output.RunFolder(reserved, reserved=True).discard()
    assert not reserved.exists()
