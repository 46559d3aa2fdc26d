"""A run's three plots, drawn on two cores (sim.experiments.plots.draw_on_two_cores): the levels plot by a
forked copy of the process, the other two here; a failure in the copy is reported, not lost; plots laid out before
their data arrive (as the plotting child does while the model runs) are the same files."""

from __future__ import annotations

import pytest

import sim
from sim.experiments import plots

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def run():
    model = sim.EngagementModel("baseline", rng=3, overrides={"customers": 500, "burn_in": 5, "steps": 10})
    model.run()
    companies = model.market.names
    return plots.plot_columns(model.timeseries(), companies), companies


def test_the_three_plots_are_drawn_on_two_cores(run, tmp_path):
    data, companies = run
    paths = plots.draw_on_two_cores(data, companies, tmp_path)
    assert [p.name for p in paths] == list(plots.FILES)
    assert all(p.read_bytes().startswith(PNG) for p in paths)


def test_a_plot_that_fails_in_the_forked_copy_is_reported(run, tmp_path, monkeypatch):
    def fail(*args):
        raise ValueError("no levels today")

    monkeypatch.setattr(plots, "levels_over_time", fail)
    data, companies = run
    with pytest.raises(RuntimeError, match="levels.png"):
        plots.draw_on_two_cores(data, companies, tmp_path)
    assert (tmp_path / plots.FILES[2]).is_file()  # the other two are drawn here all the same


def test_plots_laid_out_before_their_data_are_the_same_files(run, tmp_path):
    """The plotting child lays the plots out, and draws them once without data, while the model runs: the files
    must be the bytes the plots give when drawn in one go, in this process and through the child."""
    data, companies = run
    direct, prepared = tmp_path / "direct", tmp_path / "prepared"
    direct.mkdir()
    prepared.mkdir()
    plots.draw(data, companies, direct)
    plots.draw(data, companies, prepared, plots.layouts(companies))
    for name in plots.FILES:
        assert (prepared / name).read_bytes() == (direct / name).read_bytes(), name


def test_the_plotting_child_draws_the_same_files(tmp_path):
    model = sim.EngagementModel("baseline", rng=4, overrides={"customers": 500, "burn_in": 5, "steps": 10})
    model.run()
    companies = model.market.names
    frame = model.timeseries()
    here, child = tmp_path / "here", tmp_path / "child"
    here.mkdir()
    child.mkdir()
    plots.run_plots(frame, companies, here)
    process = plots.PlotProcess(companies)
    process.start(frame, companies, child)
    assert process.result() == [child / name for name in plots.FILES]
    for name in plots.FILES:
        assert (child / name).read_bytes() == (here / name).read_bytes(), name


def test_plots_given_up_stop_writing_before_close_returns(run, tmp_path, monkeypatch):
    """After Ctrl-C the run's folder is removed once the plotting child is closed: neither the child nor the copy
    it forked for the levels plot may write into it afterwards."""
    import time

    def slow_levels(data, companies, path, layout=None):
        (path.parent / "started").touch()
        time.sleep(2)
        (path.parent / "late").touch()

    monkeypatch.setattr(plots, "levels_over_time", slow_levels)  # before the fork: the child inherits it
    data, companies = run
    process = plots.PlotProcess(companies)
    monkeypatch.setattr(plots, "plot_columns", lambda frame, companies: data)
    process.start(None, companies, tmp_path)
    deadline = time.monotonic() + 30
    while not (tmp_path / "started").exists():  # the forked copy is drawing the levels plot
        assert time.monotonic() < deadline, "the plotting child did not start drawing"
        time.sleep(0.01)
    process.close()
    time.sleep(2.5)
    assert not (tmp_path / "late").exists(), "the forked copy went on drawing after close()"
