"""The left column's control cards: "Run" (Reset, play/pause, Step, the speed) and "Next run" (the sliders).

"Run" is Mesa's ModelController, the day, and the pause between steps; "Next run" holds the seed and
the sliders the scenario has (sim.app.model.SLIDERS), each showing its value, and the settings the
running model was built with. Reset builds the next model from the sliders' values
(`model_params` gives the first one's).
"""

from __future__ import annotations

from html import escape

import solara

from .. import scenario as scenarios
from .html_text import html_text
from .mesa_viz import ModelController, update_counter
from .model import DEFAULT_SCENARIO, SLIDERS, run_settings, slider_value


def _digits(step: float) -> int:
    text = f"{step:g}"
    return len(text.split(".")[1]) if "." in text else 0


@solara.component
def LabelledSlider(label: str, value: float, on_value, low: float, high: float, step: float, unit: str = ""):
    """A slider with its label above it and its current value always shown (not only while dragged)."""
    digits = _digits(step)
    with solara.Div(classes=["sim-slider"]):
        html_text(f'<span class="sim-slider-label">{escape(label)}</span>'
                  f'<span class="sim-slider-value">{value:.{digits}f}{unit}</span>', ["sim-slider-head"])
        if digits:
            solara.SliderFloat("", value=value, on_value=on_value, min=low, max=high, step=step, thumb_label=False)
        else:
            solara.SliderInt("", value=int(value), on_value=on_value, min=int(low), max=int(high), step=int(step),
                             thumb_label=False)


@solara.component
def RunStatus(model):
    """The day, and whether the run is over."""
    update_counter.get()
    html_text(f"Day {model.steps} of {model.params['steps']}", ["sim-day"])
    if not model.running:
        html_text("The run is over: press Reset.", ["sim-hint"])


def slider_specs(scenario) -> list[tuple[str, str, float, float, float, float]]:
    """(key, label, value, low, high, step) of the seed and of each slider the scenario has."""
    data = scenarios.resolve(str(scenario)).data
    specs = [("seed", "Seed", int(data["seed"]) % 100, 0, 99, 1)]
    for key, label, low, high, step in SLIDERS:
        try:
            specs.append((key, label, float(slider_value(data, key)), low, high, step))
        except KeyError:
            continue  # e.g. no company named rival in this scenario
    return specs


def model_params(scenario=None) -> dict:
    """The keyword parameters of the first model: the scenario (fixed), a seed and the sliders' values."""
    path = str(scenario or DEFAULT_SCENARIO)
    return {"scenario": path, **{key: value for key, _, value, *_ in slider_specs(path)}}


@solara.component
def RunCard(model, parameters, play_interval):
    """Reset / play / Step (Mesa's ModelController), the day, and the pause between steps."""
    # ModelController reads these as reactives (Mesa 3.3): one step per frame, stepping in the page's thread.
    render_interval = solara.use_reactive(1)
    use_threads = solara.use_reactive(False)
    with solara.Card("Run"):
        ModelController(model, model_parameters=parameters, play_interval=play_interval,
                        render_interval=render_interval, use_threads=use_threads)
        RunStatus(model.value)
        # At least 50 ms: with no pause the model runs ahead of the page, which then shows only the end.
        LabelledSlider("Pause between steps", play_interval.value, play_interval.set, 50, 1000, 50, " ms")


@solara.component
def NextRunCard(model, parameters, specs):
    """The sliders for the next run (the seed first), and the settings the running model was built with."""
    with solara.Card("Next run"):
        html_text("Move the sliders, then press <b>Reset</b>.", ["sim-hint"])
        for key, label, _, low, high, step in specs:
            def change(value, key=key):
                parameters.value = {**parameters.value, key: value}

            LabelledSlider(label, parameters.value[key], change, low, high, step)
        RunSettings(model.value)


@solara.component
def RunSettings(model):
    """The settings the running model was built with (they change only with Reset)."""
    html_text("This run: " + escape(run_settings(model)), ["sim-hint", "sim-run-settings"])
