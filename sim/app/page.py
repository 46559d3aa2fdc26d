"""The classroom app's page: Solara components around Mesa's SolaraViz, and nothing else.

A teacher projects the model, moves a slider, presses a button, and the room sees customers turn
into fans or enemies. The page shows
- the social network, each customer coloured by engagement level and shaped by company;
- live plots of the five levels per company and of market shares, with classroom events marked;
- sliders for the levers a class plays with (applied when the model is reset, as in every Mesa app);
- buttons that act on the running model: an outage, a fan programme, a competitor's promotion and a
  complaint going viral (each becomes a scenario intervention from the next step);
- a customer inspector (traits, state now, history of the state);
- an Info tab in the style of NetLogo's: what it is, how it works, things to notice, things to try.

This module is what `solara run sim.app.page` serves (`Page`); `python -m sim app [SCENARIO]` starts
it so, passing the scenario path in the environment variable SIM_APP_SCENARIO. In Jupyter,
`classroom()` returns the same page. The model and buttons are in sim.app.model, the pictures in
sim.app.figures and the Info text in sim.app.info; all of them work without a browser.
"""

from __future__ import annotations

import os
import threading
import warnings

import numpy as np
import solara

from .. import scenario as scenarios
from ..levels import LEVELS
from .figures import customer_figure, figure_png, levels_figure, network_figure, network_legend, shares_figure
from .info import INFO
from .model import BUTTONS, DEFAULT_SCENARIO, SLIDERS, ClassroomModel, run_settings, slider_value

with warnings.catch_warnings():
    # Mesa 3.3's ComponentsView trips Solara's hook check when imported (harmless; we do not use it).
    warnings.filterwarnings("ignore", message=".*found despite early return.*", category=UserWarning)
    from mesa.visualization import Slider, SolaraViz

try:
    from mesa.visualization.utils import force_update, update_counter
except ImportError:  # pragma: no cover - a Mesa that moved these helpers elsewhere
    update_counter = solara.reactive(0)

    def force_update() -> None:
        update_counter.value += 1

SCENARIO_VARIABLE = "SIM_APP_SCENARIO"  # spelled out again in sim/cli/app.py, which must not load Solara
TITLE = "Customer engagement: the classroom"
CARD = {"margin-bottom": "8px"}


def model_params(scenario=None) -> dict:
    """SolaraViz parameters: the scenario (fixed), a seed, and the sliders at the scenario's values."""
    path = str(scenario or DEFAULT_SCENARIO)
    data = scenarios.resolve(path).data
    params: dict = {"scenario": path, "seed": Slider("Seed", int(data["seed"]) % 100, 0, 99, 1)}
    for key, label, low, high, step in SLIDERS:
        try:
            value = slider_value(data, key)
        except KeyError:
            continue  # e.g. no company named rival in this scenario
        params[key] = Slider(label, float(value), low, high, step)
    return params


def _model_from(params: dict) -> ClassroomModel:
    return ClassroomModel(**{key: getattr(value, "value", value) for key, value in params.items()})


def _live_png(model, name: str, draw, dependencies: list) -> None:
    """Show figure `name` of this model, updated in place by `draw(model, figure)`, as a PNG.

    Figures are kept per model and reused (matplotlib spends most of a redraw creating axes and
    ticks); the PNG is remade only when a dependency changes. A lock keeps the play thread and a
    click from drawing the same figure at once.
    """
    def render() -> bytes:
        figures = model.__dict__.setdefault("_app_figures", {})
        with model.__dict__.setdefault("_app_lock", threading.Lock()):
            figure = figures[name] = draw(model, figures.get(name))
            return figure_png(figure)

    solara.Image(solara.use_memo(render, [id(model), *dependencies]), format="png")


@solara.component
def NetworkView(model):
    """The network, recoloured every rendered step."""
    update_counter.get()
    with solara.Card("Social network", style=CARD):
        solara.Markdown(network_legend(model))
        _live_png(model, "network", lambda m, f: network_figure(m, f, legend=False),
                  [model.steps, getattr(model, "watched", None), len(getattr(model, "events", []))])


@solara.component
def LevelsView(model):
    """Live plots: the five levels per company, and market shares."""
    update_counter.get()
    with solara.Card("The five levels and market shares", style=CARD):
        events = len(getattr(model, "events", []))
        _live_png(model, "levels", levels_figure, [model.steps, events])
        _live_png(model, "shares", shares_figure, [model.steps, events])


@solara.component
def ClassroomPanel(model):
    """The day, the buttons, and the level counts now."""
    update_counter.get()
    with solara.Card("Classroom", style=CARD):
        solara.Markdown(f"**Day {model.steps} of {model.params['steps']}**"
                        + ("" if model.running else " (the run is over: press Reset)"))
        with solara.Row(style={"flex-wrap": "wrap"}):
            for label, action in BUTTONS:
                def press(action=action):
                    action(model)
                    force_update()

                solara.Button(label, color="warning", on_click=press)
        solara.Text("Buttons act on the running model from the next step. Sliders set up a new run: "
                    "move them, then press Reset.", style={"font-size": "0.85em"})
        solara.Markdown("This run: " + run_settings(model), style={"font-size": "0.85em"})
        counts = model.level_counts()
        rows = ["| company | customers | " + " | ".join(LEVELS) + " |", "|---" * (len(LEVELS) + 2) + "|"]
        for c, name in enumerate(model.market.names):
            rows.append(f"| {name} | {counts[c].sum()} | " + " | ".join(str(v) for v in counts[c]) + " |")
        solara.Markdown("\n".join(rows))
        focal = model.market.focal
        solara.Text(f"{model.market.names[focal]} now: "
                    + ", ".join(f"{level} {counts[focal][k]}" for k, level in enumerate(LEVELS)),
                    classes=["focal-counts"])
        if getattr(model, "events", None):
            solara.Markdown("Events: " + "; ".join(f"{label} at step {at}" for at, label in model.events))


@solara.component
def CustomerInspector(model):
    """Pick a customer: traits, state now, and the history of its state."""
    update_counter.get()
    selected, set_selected = solara.use_state(int(getattr(model, "watched", 0)))
    selected = int(np.clip(selected or 0, 0, model.state.n - 1))
    if hasattr(model, "watch") and model.watched != selected:
        model.watch(selected)

    def pick(level: str) -> None:
        candidates = np.flatnonzero((model.state.level == LEVELS.index(level))
                                    & (model.state.company < model.market.no_company))
        if len(candidates):
            set_selected(int(np.random.default_rng(model.steps + len(candidates)).choice(candidates)))

    with solara.Card("Customer inspector", style=CARD):
        with solara.Row(style={"flex-wrap": "wrap", "align-items": "center"}):
            solara.InputInt("Customer number", value=selected, on_value=set_selected)
            for level, label in (("passionate", "a fan"), ("hostile", "an enemy"), ("involved", "an involved one")):
                solara.Button(f"pick {label}", on_click=lambda level=level: pick(level), text=True)
        person = model.customer(selected)
        traits = ", ".join(f"{key.replace('_', ' ')} {value:.2f}" if isinstance(value, float) else f"{key} {value}"
                           for key, value in person.traits().items())
        solara.Markdown(f"**Customer {selected}**: {person.company or 'nobody'}'s customer, **{person.level}**. "
                        f"Traits: {traits}.")
        _live_png(model, "customer", lambda m, f: customer_figure(m, selected, f), [model.steps, selected])
        keys = ("step", "company", "level", "bond", "trust", "identification", "anger", "expectation")
        table = ["| " + " | ".join(keys) + " |", "|---" * len(keys) + "|"]
        for row in reversed(getattr(model, "watch_history", [])[-6:]):
            table.append("| " + " | ".join(f"{row[k]:.2f}" if isinstance(row[k], float) else str(row[k])
                                           for k in keys) + " |")
        solara.Markdown("Latest snapshots (recorded every step):\n\n" + "\n".join(table))


@solara.component
def InfoTab(model):
    """The Info tab, as in NetLogo."""
    with solara.Card("Info: what it is, how it works, things to notice, things to try",
                     style={"max-width": "60em"}):
        solara.Markdown(INFO)


@solara.component
def ClassroomView(model):
    """The main area: a Model tab (network, buttons, plots, inspector) and an Info tab.

    Laid out here rather than through SolaraViz's `components` grid, whose tab widgets differ between
    the Vuetify versions Solara ships with (Mesa 3.3's grid fails with Vuetify 3).
    """
    tab, set_tab = solara.use_state("Model")
    solara.ToggleButtonsSingle(value=tab, on_value=set_tab, values=["Model", "Info"])
    if tab == "Info":
        InfoTab(model)
        return
    with solara.Columns([5, 6]):
        with solara.Column():
            NetworkView(model)
            CustomerInspector(model)
        with solara.Column():
            ClassroomPanel(model)
            LevelsView(model)


@solara.component
def Classroom(scenario: str | None = None, play_interval: int = 150):
    """The whole page: SolaraViz's controls (Reset, play, Step, sliders) in the sidebar, and ClassroomView.

    The model is a reactive shared with SolaraViz, so its Reset (which rebuilds the model from the
    sliders) also rebuilds what ClassroomView shows. One model per browser tab.
    """
    scenario = str(scenario or os.environ.get(SCENARIO_VARIABLE) or DEFAULT_SCENARIO)
    params = solara.use_memo(lambda: model_params(scenario), [scenario])
    first = solara.use_memo(lambda: _model_from(params), [scenario])
    model = solara.use_reactive(first)
    SolaraViz(model, components=[], model_params=params, name=TITLE, play_interval=play_interval)
    ClassroomView(model.value)


def classroom(scenario=None, play_interval: int = 150):
    """The app as a Solara element, e.g. to show in Jupyter: `sim.app.page.classroom()`."""
    return Classroom(scenario=None if scenario is None else str(scenario), play_interval=play_interval)


@solara.component
def Page():
    """What `solara run sim.app.page` serves, for the scenario in SIM_APP_SCENARIO (default: classroom.yaml)."""
    Classroom()
