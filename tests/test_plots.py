"""A run's three plots, drawn on two cores (sim.experiments.plots.draw_on_two_cores, and the plotting child with
its copy): the levels plot by a forked copy of the process, the other two here; a failure in the copy is reported,
not lost, and a copy whose parent is stopped leaves; plots rendered without their data before the data arrive (as
the plotting child does while the model runs) are the same files, and show the data, with the axes that depend on
them scaled to them."""

from __future__ import annotations

import numpy as np
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
    plots.draw(data, companies, prepared, plots.layouts(companies, int(data["step"][0][-1])))
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
    process = plots.PlotProcess(companies, 10)
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
    process = plots.PlotProcess(companies, 10)
    monkeypatch.setattr(plots, "plot_columns", lambda frame, companies: data)
    process.start(None, companies, tmp_path)
    deadline = time.monotonic() + 30
    while not (tmp_path / "started").exists():  # the forked copy is drawing the levels plot
        assert time.monotonic() < deadline, "the plotting child did not start drawing"
        time.sleep(0.01)
    process.close()
    time.sleep(2.5)
    assert not (tmp_path / "late").exists(), "the forked copy went on drawing after close()"


def test_a_child_stopped_before_the_data_leaves_no_copy_behind():
    """The plotting child forks the copy that renders the levels plot as soon as it knows the run; stopped before
    the data arrive (a bad scenario, Ctrl-C during the steps), the child dies at once and its copy must leave too,
    not wait for data forever."""
    import os
    import time

    process = plots.PlotProcess(["a", "b"], 10)
    children = f"/proc/{process.process.pid}/task/{process.process.pid}/children"
    if not os.path.exists(children):
        pytest.skip("this kernel does not list a process's children")
    deadline = time.monotonic() + 60
    while not open(children).read().split():  # the child has imported matplotlib and forked the copy
        assert time.monotonic() < deadline, "the plotting child forked no copy"
        time.sleep(0.01)
    copy = int(open(children).read().split()[0])
    process.close()
    deadline = time.monotonic() + 20
    while _running(copy):
        assert time.monotonic() < deadline, "the levels copy outlived the plotting child"
        time.sleep(0.02)


def _running(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"  # a zombie has ended
    except FileNotFoundError:
        return False


def _pixels(path):
    """The colours of a PNG (the plots are written without alpha; matplotlib's own files have it, all opaque)."""
    from matplotlib.image import imread

    pixels = imread(path)
    assert pixels.shape[2] == 3 or (pixels[..., 3] == 1).all()
    return pixels[..., :3]


def _region(pixels, ax, inset: int = 0):
    """The pixels of `ax`'s box (rows from the top), `inset` pixels inside its frame."""
    x0, y0, x1, y1 = np.round(ax.get_window_extent().extents).astype(int)
    height = pixels.shape[0]
    return pixels[height - y1 + inset:height - y0 - inset, x0 + inset:x1 - inset]


def test_each_plot_draws_its_data_in_every_axes(run, tmp_path):
    """Each axes of each plot (the colorbar's too) shows something its frame, rendered without data, does not."""
    data, companies = run
    steps = int(data["step"][0][-1])
    frames = [plots.levels_layout(companies, steps), plots.transitions_layout(), plots.money_layout(companies, steps)]
    for canvas, name in zip(frames, plots.FILES):
        canvas.save(tmp_path / f"frame_{name}")
    plots.draw(data, companies, tmp_path)
    for canvas, name in zip(frames, plots.FILES):
        frame, drawn = _pixels(tmp_path / f"frame_{name}"), _pixels(tmp_path / name)
        assert frame.shape == drawn.shape
        for number, ax in enumerate(canvas.figure.axes):
            assert not np.array_equal(_region(frame, ax, 2), _region(drawn, ax, 2)), f"{name}, axes {number}"


def test_the_money_plot_scales_its_axes_to_the_data(run, tmp_path):
    """Revenue and cost ten times as large: the same lines inside the axes, other numbers on its y axis. Fails
    when the y axis is rendered with the frame (before the data) or the view is not scaled to the data."""
    data, companies = run
    tenfold = dict(data)
    for company in companies:
        for key in (f"{company}_revenue", f"{company}_cost"):
            tenfold[key] = data[key] * 10
    steps = int(data["step"][0][-1])
    one, ten = plots.money_layout(companies, steps), plots.money_layout(companies, steps)
    plots.money(data, companies, tmp_path / "one.png", one)
    plots.money(tenfold, companies, tmp_path / "ten.png", ten)
    first, second = _pixels(tmp_path / "one.png"), _pixels(tmp_path / "ten.png")
    left = one.figure.axes[0]
    assert np.array_equal(_region(first, left, 2), _region(second, left, 2)), "the lines moved"
    x0, y0, x1, y1 = np.round(left.get_window_extent().extents).astype(int)
    labels = (slice(first.shape[0] - y1, first.shape[0] - y0), slice(0, x0))  # left of the axes: the tick labels
    assert not np.array_equal(first[labels], second[labels]), "the y axis does not follow the data"
    assert (1 - first[labels][..., :3]).sum() > 0, "no y axis"


def test_a_child_prepared_for_another_run_draws_the_same_files(run, tmp_path, monkeypatch):
    """The child renders the frames for the companies and steps it is told; data of another length are drawn on
    frames of their own."""
    data, companies = run
    here, child = tmp_path / "here", tmp_path / "child"
    here.mkdir()
    child.mkdir()
    plots.draw(data, companies, here)
    process = plots.PlotProcess()
    process.prepare(companies, int(data["step"][0][-1]) + 5)
    monkeypatch.setattr(plots, "plot_columns", lambda frame, companies: data)
    process.start(None, companies, child)
    assert process.result() == [child / name for name in plots.FILES]
    for name in plots.FILES:
        assert (child / name).read_bytes() == (here / name).read_bytes(), name


def test_the_quick_drawing_is_the_full_drawing_but_where_data_meet_the_frame(run, tmp_path):
    """Each plot drawn over its frame against the same figure drawn in full by matplotlib (`savefig`), with two
    replications so that the bands are drawn too. The quick drawing puts the data over the frame's spines and
    ticks, where a full drawing puts the spines over the data: those pixels along the frame may differ (0.01 to
    0.3% of a plot), no more than 0.5%. Missing data or a missing colorbar, or data drawn before the view is
    scaled to them (1.7% of the money plot), fail."""
    data, companies = run
    two = {key: np.vstack([values, values if key == "step" else values * 1.1]) for key, values in data.items()}
    prepared = plots.layouts(companies, int(data["step"][0][-1]))
    plots.draw(two, companies, tmp_path, prepared)
    for canvas, name in zip(prepared, plots.FILES):
        canvas.figure.savefig(tmp_path / f"full_{name}", dpi=plots.DPI)
        quick, full = _pixels(tmp_path / name), _pixels(tmp_path / f"full_{name}")
        assert quick.shape == full.shape, name
        differing = (np.abs(quick - full).max(axis=2) > 0.1).mean()
        assert differing < 0.005, f"{name}: {differing:.2%} of the pixels differ from a full drawing"


def test_the_plots_keep_their_size_whatever_the_default_dpi(run, tmp_path):
    """A notebook may set matplotlib's default dpi (rcParams['figure.dpi']); a run's plots keep their pixels."""
    import matplotlib

    data, companies = run
    here, there = tmp_path / "here", tmp_path / "there"
    here.mkdir()
    there.mkdir()
    plots.draw(data, companies, here)
    with matplotlib.rc_context({"figure.dpi": 72}):
        plots.draw(data, companies, there)
    for name in plots.FILES:
        assert (there / name).read_bytes() == (here / name).read_bytes(), name
