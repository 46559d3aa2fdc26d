"""A run's three plots, drawn on two cores (sim.experiments.plots.draw_on_two_cores): the levels plot by a
forked copy of the process, the other two here; a failure in the copy is reported, not lost."""

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
