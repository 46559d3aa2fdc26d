"""The classroom app's page: the layout that puts the controls, views and Info tab together.

A teacher projects the model, moves a slider, presses a button, and the room sees customers turn
into fans or enemies. The page is laid out for a projector at 1280x720 and larger (CSS in
sim.app.page_style):
- a left column with the title, the Model / Info switch, the run's controls (Mesa's
  ModelController: Reset, play/pause, Step; the speed) and the sliders for the next run, each
  showing its value (sim.app.controls);
- the social network, each customer coloured by engagement level and shaped by company; a click on a
  dot selects that customer in the inspector (sim.app.network_view);
- a customer inspector: traits, state now, history of the state (sim.app.customer_inspector);
- buttons that act on the running model: an outage, a fan programme, a competitor's promotion and a
  complaint going viral (each becomes a scenario intervention from the next step), and the level
  counts now (sim.app.classroom_panel);
- live plots of the five levels per company and of market shares, with classroom events numbered
  (sim.app.levels_view; the plots are PNGs drawn for their box by sim.app.live_picture);
- an Info tab in the style of NetLogo's: what it is, how it works, things to notice, things to try
  (sim.app.info_tab).

Mesa's SolaraViz is not used as a whole because it always shows "Render Interval" and "Use Threads"
(which confuse a class), a 400-pixel sidebar, and sliders that show their value only while dragged;
its ModelController does the stepping and resetting here as it does there (sim.app.mesa_viz).

This module is what `solara run sim.app.page` serves (`Page`); `python -m sim app [SCENARIO]` starts
it so, passing the scenario path in the environment variable SIM_APP_SCENARIO. In Jupyter,
`classroom()` returns the same page. The model and buttons are in sim.app.model, the pictures in
sim.app.network_picture and sim.app.time_plots, and the Info text in sim.app.info; all of them work
without a browser.
"""

from __future__ import annotations

import os
import warnings
from html import escape

import numpy as np
import solara

from .classroom_panel import ClassroomPanel
from .controls import NextRunCard, RunCard, model_params, slider_specs
from .customer_inspector import CustomerInspector
from .html_text import html_text
from .info_tab import InfoTab
from .levels_view import LevelsView
from .model import DEFAULT_SCENARIO, ClassroomModel
from .network_view import NetworkView
from .page_style import CSS

# Solara warns on every page load that is not from "localhost" that it cannot set a cross-site
# cookie over plain http. The app is served on 127.0.0.1 and never embedded in another site, so the
# same-site cookie it falls back to is the right one. The server imports this module before it
# answers the first page load, so the filter is in place before the first warning would be.
warnings.filterwarnings("ignore", message="Cookies with samesite=none require https", category=UserWarning)

SCENARIO_VARIABLE = "SIM_APP_SCENARIO"  # spelled out again in sim/cli/app.py, which must not load Solara
TITLE = "Customer engagement: the classroom"
PLAY_INTERVAL = 150  # ms between steps while playing (the speed slider's start)


@solara.component
def ClassroomView(model, tab: str = "Model"):
    """The main area: the Model tab (network, inspector, buttons, counts, plots) or the Info tab."""
    selected, set_selected = solara.use_state(int(getattr(model, "watched", 0) or 0))
    selected = int(np.clip(selected, 0, model.state.n - 1))
    if hasattr(model, "watch") and model.watched != selected:
        model.watch(selected)  # before the network draws, so the ring is on the new customer
    if tab == "Info":
        InfoTab(model)
        return
    with solara.Div(classes=["sim-columns"]):
        with solara.Div():
            NetworkView(model, selected, set_selected)
            CustomerInspector(model, selected, set_selected)
        with solara.Div():
            ClassroomPanel(model)
            LevelsView(model)


@solara.component
def Classroom(scenario: str | None = None, play_interval: int = PLAY_INTERVAL):
    """The whole page: the left column (title, Model / Info switch, Run and Next run), and ClassroomView.

    The model is a reactive shared with Mesa's ModelController, so its Reset (which rebuilds the
    model from `parameters`, the sliders' values) also rebuilds what ClassroomView shows. One model
    per browser tab.
    """
    scenario = str(scenario or os.environ.get(SCENARIO_VARIABLE) or DEFAULT_SCENARIO)
    specs = solara.use_memo(lambda: slider_specs(scenario), [scenario])
    first = solara.use_memo(lambda: model_params(scenario), [scenario])
    parameters = solara.use_reactive(first)
    model = solara.use_reactive(solara.use_memo(lambda: ClassroomModel(**first), [scenario]))
    interval = solara.use_reactive(play_interval)
    tab, set_tab = solara.use_state("Model")
    solara.Title(TITLE)
    solara.Style(CSS)
    with solara.Div(classes=["sim-page"]):
        with solara.Div(classes=["sim-side"]):
            html_text(escape(TITLE), ["sim-title"])
            with solara.Div(classes=["sim-tabs"]):
                solara.ToggleButtonsSingle(value=tab, on_value=set_tab, values=["Model", "Info"])
            RunCard(model, parameters, interval)
            NextRunCard(model, parameters, specs)
        with solara.Div(classes=["sim-main"]):
            ClassroomView(model.value, tab)


def classroom(scenario=None, play_interval: int = PLAY_INTERVAL):
    """The app as a Solara element, e.g. to show in Jupyter: `sim.app.page.classroom()`."""
    return Classroom(scenario=None if scenario is None else str(scenario), play_interval=play_interval)


@solara.component
def Page():
    """What `solara run sim.app.page` serves, for the scenario in SIM_APP_SCENARIO (default: classroom.yaml)."""
    Classroom()
