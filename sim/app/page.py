"""The classroom app's page: Solara components around Mesa's model controller, and nothing else.

A teacher projects the model, moves a slider, presses a button, and the room sees customers turn
into fans or enemies. The page is laid out for a projector at 1280x720 and larger:
- a left column with the run's controls (Mesa's ModelController: Reset, play/pause, Step; the speed)
  and the sliders for the next run, each showing its value;
- the social network, each customer coloured by engagement level and shaped by company; a click on a
  dot selects that customer in the inspector;
- live plots of the five levels per company and of market shares, with classroom events numbered;
- buttons that act on the running model: an outage, a fan programme, a competitor's promotion and a
  complaint going viral (each becomes a scenario intervention from the next step), and the level
  counts now;
- a customer inspector (traits, state now, history of the state);
- an Info tab in the style of NetLogo's: what it is, how it works, things to notice, things to try.

The plots are matplotlib PNGs (sim.app.figures) drawn at the size and pixel density the browser
reports for their box (`Picture`, a small Vue component), so their text is FONT_PX CSS pixels on any
screen. The network is drawn by the browser (`NetworkCanvas`) from the layout sent once and a byte
per customer per frame, which stays smooth at thousands of customers; a click on it comes back as
pixel coordinates and picks the nearest dot. Text is plain HTML (Markdown is turned into HTML here):
Solara's Markdown component loads a diagram library and a maths renderer from a CDN on every mount,
which fills the terminal with failed requests on a machine without internet.

Mesa's SolaraViz is not used as a whole because it always shows "Render Interval" and "Use Threads"
(which confuse a class), a 400-pixel sidebar, and sliders that show their value only while dragged;
its ModelController does the stepping and resetting here as it does there.

This module is what `solara run sim.app.page` serves (`Page`); `python -m sim app [SCENARIO]` starts
it so, passing the scenario path in the environment variable SIM_APP_SCENARIO. In Jupyter,
`classroom()` returns the same page. The model and buttons are in sim.app.model, the pictures in
sim.app.figures and the Info text in sim.app.info; all of them work without a browser.
"""

from __future__ import annotations

import base64
import os
import threading
import warnings
from html import escape

import ipyvuetify as v
import numpy as np
import solara
import traitlets
from markdown import markdown

from .. import scenario as scenarios
from ..levels import COLOURS, LEVELS
from .figures import (
    EXTENT,
    LEVEL_NAMES,
    MARKERS,
    customer_figure,
    dot_diameter,
    edge_image,
    event_notes,
    figure_png,
    layout_pixels,
    levels_figure,
    nearest_dot,
    network_layout,
    network_legend,
    png,
    shares_figure,
    shown_customers,
)
from .info import INFO
from .model import BUTTONS, DEFAULT_SCENARIO, SLIDERS, ClassroomModel, run_settings, slider_value

with warnings.catch_warnings():
    # Mesa 3.3's ComponentsView trips Solara's hook check when imported (harmless; we do not use it).
    warnings.filterwarnings("ignore", message=".*found despite early return.*", category=UserWarning)
    from mesa.visualization.solara_viz import ModelController

try:
    from mesa.visualization.utils import force_update, update_counter
except ImportError:  # pragma: no cover - a Mesa that moved these helpers elsewhere
    update_counter = solara.reactive(0)

    def force_update() -> None:
        update_counter.value += 1

# Solara warns on every page load that is not from "localhost" that it cannot set a cross-site
# cookie over plain http. The app is served on 127.0.0.1 and never embedded in another site, so the
# same-site cookie it falls back to is the right one. The server imports this module before it
# answers the first page load, so the filter is in place before the first warning would be.
warnings.filterwarnings("ignore", message="Cookies with samesite=none require https", category=UserWarning)

SCENARIO_VARIABLE = "SIM_APP_SCENARIO"  # spelled out again in sim/cli/app.py, which must not load Solara
TITLE = "Customer engagement: the classroom"
PLAY_INTERVAL = 150  # ms between steps while playing (the speed slider's start)

CSS = """
.sim-page { display: flex; height: 100vh; font-size: 16px; line-height: 1.35; }
.sim-side { flex: 0 0 290px; overflow-y: auto; padding: 8px; background: #f5f5f7;
            border-right: 1px solid #ddd; }
/* scroll, not auto: a scroll bar that came and went would change the width of the pictures,
   which the page answers by redrawing them at the new width */
.sim-main { flex: 1 1 auto; min-width: 0; overflow-y: scroll; overflow-x: hidden; padding: 8px 12px; }
@media (min-width: 1600px) { .sim-side { flex-basis: 340px; } .sim-page { font-size: 17px; } }
.sim-title { font-size: 20px; font-weight: 600; margin: 2px 4px 8px; line-height: 1.2; }
.sim-tabs { margin: 0 0 8px; }
.sim-day { font-size: 22px; font-weight: 600; margin: 8px 0 2px; }
.sim-columns { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1.1fr); gap: 12px;
               align-items: start; }
.sim-columns > div { min-width: 0; }
.sim-page .v-card { margin-bottom: 10px; overflow: hidden; }
.sim-page .v-card-text { font-size: 16px; }
.sim-page .v-card-title { font-size: 20px; padding-bottom: 2px; white-space: normal; line-height: 1.3; }
.sim-page .v-btn { font-size: 15px; letter-spacing: 0.02em; }
.sim-page .v-btn__content { white-space: normal; }
.sim-hint { font-size: 15px; color: #444; margin: 6px 0; }
.sim-legend { font-size: 15px; margin: 0 0 6px; }
.sim-key { white-space: nowrap; margin-right: 6px; }
/* side margins: a thumb at either end, and the halo Vuetify draws round it, stay inside the card */
.sim-slider { margin: 2px 14px 4px; }
.sim-slider-head { display: flex; justify-content: space-between; font-size: 16px; margin: 0 -10px; }
.sim-slider-value { font-weight: 600; font-variant-numeric: tabular-nums; }
.sim-slider .v-input { margin: 0; }
.sim-slider .v-slider.v-input--horizontal { margin-inline: 0; }
.sim-slider .v-input__details { display: none; }
.sim-classroom { display: flex; flex-wrap: wrap; gap: 12px; align-items: flex-start; }
.sim-buttons { display: flex; flex-direction: column; gap: 8px; flex: 1 1 180px; min-width: 0; }
.sim-buttons .v-btn { height: auto !important; min-height: 40px; padding: 6px 8px; }
.sim-table { border-collapse: collapse; font-size: 16px; margin: 4px 0; }
.sim-table th, .sim-table td { padding: 3px 8px; border-bottom: 1px solid #e0e0e0; text-align: right;
                               font-variant-numeric: tabular-nums; }
.sim-table th:first-child, .sim-table td:first-child { text-align: left; padding-left: 0; }
.sim-event { white-space: nowrap; margin-right: 12px; font-size: 15px; }
.sim-event-number { display: inline-block; min-width: 1.5em; text-align: center; border: 1px solid #000;
                    border-radius: 6px; }
.sim-pick { display: flex; flex-wrap: wrap; align-items: center; gap: 4px 8px; margin-bottom: 6px; }
.sim-pick .v-input { flex: 0 0 100px; }
.sim-pick .v-input__details { display: none; }
.sim-pick .v-btn { padding: 0 6px; }
.sim-info { max-width: 62em; font-size: 17px; }
/* Vuetify's reset takes the weight off <strong> and the indent off lists: give them back for the Info text */
.sim-info strong, .sim-info b { font-weight: 700; }
.sim-info h2 { font-size: 24px; font-weight: 600; margin: 20px 0 8px; }
.sim-info p { margin: 6px 0; }
.sim-info ol, .sim-info ul { padding-left: 1.8em; margin: 6px 0 10px; }
.sim-info li { margin: 3px 0; }
/* Solara's page style right-aligns and centres tables (for numbers); the Info tables hold text */
.sim-page .sim-info table { border-collapse: collapse; margin: 8px 0 !important; }
.sim-page .sim-info th, .sim-page .sim-info td { border-bottom: 1px solid #ddd; padding: 4px 8px;
                                                 text-align: left !important; vertical-align: top; }
"""


# --- pictures that fit their box -----------------------------------------------------------------------------
# Shared by both widgets below: report the box's width, the window's height and the pixel density
# (as `box`), so the server draws for them. A box that grew by less than 16 px keeps its picture
# (no redraw for a scroll bar coming and going); one that shrank is redrawn at once.
_MEASURE = r"""
  mounted() {
    this.measure = () => {
      const width = Math.floor(this.$el.clientWidth);
      const height = Math.floor(window.innerHeight);
      const scale = Math.min(Math.max(window.devicePixelRatio || 1, 1), 2);
      const old = this.box || [0, 0, 1];
      if (width > 0 && (width < old[0] || width > old[0] + 16 || Math.abs(height - old[1]) > 16
                        || scale !== old[2])) {
        this.box = [width, height, scale];
      }
    };
    this.observer = new ResizeObserver(() => this.measure());
    this.observer.observe(this.$el);
    window.addEventListener("resize", this.measure);
    this.measure();
    if (this.started) this.started();
  },
  beforeUnmount() { this.stop(); },
  beforeDestroy() { this.stop(); },
"""
_STOP = r"""
    stop() {
      if (this.observer) { this.observer.disconnect(); this.observer = null; }
      window.removeEventListener("resize", this.measure);
    },
"""

PICTURE_TEMPLATE = r"""
<template>
  <div class="sim-picture" style="width: 100%; line-height: 0">
    <img v-if="src" :src="src" :alt="alt" :data-font-px="font_px" :data-name="alt" :data-drawn-for="drawn_for"
         :style="{width: display_width + 'px', maxWidth: '100%', height: 'auto'}" />
  </div>
</template>
<script>
module.exports = {""" + _MEASURE + """
  methods: {""" + _STOP + """
  }
}
</script>
"""


class Picture(v.VuetifyTemplate):
    """An image drawn by the server for the box it sits in, shown at its own size."""

    template = traitlets.Unicode(PICTURE_TEMPLATE).tag(sync=True)
    src = traitlets.Unicode("").tag(sync=True)  # a data: URL (PNG)
    alt = traitlets.Unicode("").tag(sync=True)
    font_px = traitlets.Float(0.0).tag(sync=True)  # smallest text of the image, in its own pixels
    display_width = traitlets.Int(0).tag(sync=True)  # CSS pixels: the image at its own size
    drawn_for = traitlets.Int(0).tag(sync=True)  # the box width (CSS pixels) the image was drawn for
    box = traitlets.List([0, 0, 1]).tag(sync=True)  # [width, window height, device pixel ratio] from the browser


def _set_box(set_box):
    return lambda value: set_box((int(value[0]), int(value[1]), float(value[2])))


@solara.component
def LivePicture(model, name: str, draw, dependencies: list):
    """Figure `name` of this model, drawn by `draw(model, figure, width, height, scale)` for its box.

    `width` is the box's width in CSS pixels, `height` the window's, `scale` the device pixel ratio;
    `draw` returns a figure of that many pixels at dpi 72 * scale (text in points is then CSS pixels).
    Figures are kept per model and updated in place (matplotlib spends most of a redraw creating axes
    and ticks); a new box makes a new figure. The PNG is remade only when a dependency changes. A lock
    keeps the play thread and a click from drawing the same figure at once.
    """
    box, set_box = solara.use_state((0, 0, 1.0))
    figures = model.__dict__.setdefault("_app_figures", {})
    lock = model.__dict__.setdefault("_app_lock", threading.Lock())

    def render():
        width, height, scale = box
        if width <= 0:
            return "", 0.0, 0  # not measured yet: draw nothing rather than the wrong size
        with lock:
            figure = figures.get(name)
            if figure is not None and getattr(figure, "box", None) != box:
                figure = None
            figure = figures[name] = draw(model, figure, width, height, scale)
            figure.box = box
            return (_data_url(figure_png(figure)), getattr(figure, "live", {}).get("text_px", 0.0),
                    int(round(figure.bbox.width / scale)))

    src, text_px, display_width = solara.use_memo(render, [id(model), box, *dependencies])
    Picture.element(src=src, alt=name, font_px=text_px, display_width=display_width, drawn_for=box[0] if src else 0,
                    box=list(box), on_box=_set_box(set_box))


def _data_url(image: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(image).decode("ascii")


def _inches(width: float, height: float) -> tuple[float, float]:
    return width / 72, height / 72


def _draw_levels(model, figure, width, height, scale):
    return levels_figure(model, figure, size=_inches(width, np.clip(width * 0.5, 240, 340)), dpi=72 * scale)


def _draw_shares(model, figure, width, height, scale):
    return shares_figure(model, figure, size=_inches(width, np.clip(width * 0.42, 210, 290)), dpi=72 * scale)


# --- the network, drawn in the browser ------------------------------------------------------------------------
NETWORK_TEMPLATE = r"""
<template>
  <div class="sim-picture sim-network" style="width: 100%; line-height: 0">
    <canvas ref="canvas" data-name="network" :data-drawn-for="drawn_for" :data-side="side"
            :style="{width: side + 'px', height: side + 'px', maxWidth: '100%', cursor: 'pointer'}"
            @click="pick"></canvas>
  </div>
</template>
<script>
module.exports = {""" + _MEASURE + """
  watch: {
    frame() { this.draw(); },
    watched() { this.draw(); },
    positions() { this.xy = null; this.draw(); },
    background() { this.load(); },
  },
  methods: {""" + _STOP + r"""
    started() { this.load(); },
    bytes(text) {
      const raw = atob(text || "");
      const out = new Uint8Array(raw.length);
      for (let i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
      return out;
    },
    load() {
      if (!this.background) { this.image = null; this.draw(); return; }
      const image = new Image();
      image.onload = () => { this.image = image; this.draw(); };
      image.src = this.background;
    },
    shape(ctx, marker, x, y, r) {
      if (marker === "s") { const h = r * 0.89; ctx.rect(x - h, y - h, 2 * h, 2 * h); }
      else if (marker === "^" || marker === "v") {
        const d = marker === "^" ? 1 : -1;
        ctx.moveTo(x, y - d * r * 1.15); ctx.lineTo(x + r * 1.05, y + d * r * 0.75);
        ctx.lineTo(x - r * 1.05, y + d * r * 0.75); ctx.closePath();
      }
      else if (marker === "D") {
        ctx.moveTo(x, y - r * 1.2); ctx.lineTo(x + r * 1.2, y); ctx.lineTo(x, y + r * 1.2); ctx.lineTo(x - r * 1.2, y);
        ctx.closePath();
      }
      else { ctx.arc(x, y, r, 0, 2 * Math.PI); }
    },
    draw() {
      const canvas = this.$refs.canvas;
      if (!canvas || !this.side || !this.positions || !this.frame) return;
      if (!this.xy) this.xy = new Float32Array(this.bytes(this.positions).buffer);
      const side = this.side, k = this.scale || 1, xy = this.xy, n = xy.length / 2;
      const state = this.bytes(this.frame);
      if (canvas.width !== Math.round(side * k)) { canvas.width = Math.round(side * k); canvas.height = canvas.width; }
      const ctx = canvas.getContext("2d");
      ctx.setTransform(k, 0, 0, k, 0, 0);
      ctx.fillStyle = "#ffffff";
      ctx.fillRect(0, 0, side, side);
      if (this.image) ctx.drawImage(this.image, 0, 0, side, side);
      const low = this.extent[0], span = this.extent[1] - this.extent[0];
      ctx.lineWidth = 0.5;
      ctx.strokeStyle = "#333333";
      for (let i = 0; i < n; i++) {
        const company = state[n + i], customer = company < this.shapes.length;
        const x = (xy[2 * i] - low) / span * side, y = side - (xy[2 * i + 1] - low) / span * side;
        ctx.beginPath();
        this.shape(ctx, customer ? this.shapes[company] : "o", x, y, (customer ? this.dot : this.dot * 0.58) / 2);
        ctx.fillStyle = this.colours[state[i]] || "#000000";
        ctx.fill();
        ctx.stroke();
      }
      if (this.watched >= 0 && this.watched < n) {
        const x = (xy[2 * this.watched] - low) / span * side;
        const y = side - (xy[2 * this.watched + 1] - low) / span * side;
        ctx.beginPath();
        ctx.arc(x, y, this.dot / 2 + 6, 0, 2 * Math.PI);
        ctx.lineWidth = 2.5;
        ctx.strokeStyle = "#000000";
        ctx.stroke();
      }
      canvas.dataset.frame = String(this.frame.length);
      canvas.dataset.watched = String(this.watched);
    },
    pick(event) {
      // in CSS pixels of the picture as drawn (side x side), which the server maps to the nearest dot
      const k = this.side / event.target.clientWidth;
      this.clicked = {x: event.offsetX * k, y: event.offsetY * k, n: ((this.clicked && this.clicked.n) || 0) + 1};
    }
  }
}
</script>
"""


class NetworkCanvas(v.VuetifyTemplate):
    """The social network drawn by the browser: positions and edges once, a byte per customer per frame.

    A PNG of a 700-pixel network costs 50-100 ms to make and 100-400 kB to send, every frame; the
    browser draws a few thousand dots in a few milliseconds. Clicks come back as `clicked`.
    """

    template = traitlets.Unicode(NETWORK_TEMPLATE).tag(sync=True)
    positions = traitlets.Unicode("").tag(sync=True)  # base64 float32 x, y pairs of the drawn customers (unit square)
    background = traitlets.Unicode("").tag(sync=True)  # data: URL of the edges, side x side CSS pixels
    frame = traitlets.Unicode("").tag(sync=True)  # base64 bytes: level codes, then company codes, of the drawn
    watched = traitlets.Int(-1).tag(sync=True)  # row of the ringed customer among the drawn ones, -1 if none
    shapes = traitlets.List([]).tag(sync=True)  # marker of each company ("o", "s", ...)
    colours = traitlets.List([]).tag(sync=True)  # colour of each level code
    extent = traitlets.List(list(EXTENT)).tag(sync=True)
    side = traitlets.Int(0).tag(sync=True)  # CSS pixels
    dot = traitlets.Float(8.0).tag(sync=True)  # diameter in CSS pixels
    scale = traitlets.Float(1.0).tag(sync=True)  # device pixels per CSS pixel
    drawn_for = traitlets.Int(0).tag(sync=True)
    box = traitlets.List([0, 0, 1]).tag(sync=True)
    clicked = traitlets.Dict(None, allow_none=True).tag(sync=True)  # {x, y, n}: the latest click


def network_side(width: int, height: int) -> int:
    """The network's square: as wide as its column, but not taller than the window leaves room for."""
    return int(max(min(width, height - 190), min(width, 320)))


@solara.component
def NetworkPicture(model, selected: int | None, on_pick):
    """The network of `model` in a NetworkCanvas, customer `selected` ringed; a click on it calls
    `on_pick(customer)` for the nearest dot."""
    box, set_box = solara.use_state((0, 0, 1.0))
    width, height, scale = box
    side = network_side(width, height) if width else 0

    def setup():
        positions, edges = network_layout(model.market.network)
        shown = shown_customers(model.state.n)
        drawn = positions[shown].astype("<f4")
        background = ""
        if side:
            image = edge_image(positions, edges, _inches(side, side), 72 * scale)
            background = _data_url(png(image, compress_level=6))  # sent once per size: worth compressing
        return {"shown": shown, "xy": drawn, "positions": base64.b64encode(drawn.tobytes()).decode("ascii"),
                "background": background, "dot": dot_diameter(side, side, len(shown)) if side else 8.0}

    static = solara.use_memo(setup, [id(model), side, scale])
    shown = static["shown"]
    codes = np.concatenate([model.state.level[shown], model.state.company[shown]]).astype(np.uint8)
    row = -1
    if selected is not None:
        found = int(np.searchsorted(shown, selected))
        row = found if found < len(shown) and shown[found] == selected else -1  # not drawn: no ring

    def clicked(data) -> None:
        if not data or not side:
            return
        xy = layout_pixels(static["xy"], side, side)
        picked = nearest_dot(xy, float(data["x"]), float(data["y"]), static["dot"] + 6)
        if picked is not None:
            on_pick(int(shown[picked]))

    NetworkCanvas.element(positions=static["positions"], background=static["background"],
                          frame=base64.b64encode(codes.tobytes()).decode("ascii"), watched=row,
                          shapes=[MARKERS[c % len(MARKERS)] for c in range(len(model.market.names))],
                          colours=[COLOURS[level] for level in LEVEL_NAMES], side=side, dot=static["dot"],
                          scale=scale, drawn_for=width if side else 0, box=list(box), on_box=_set_box(set_box),
                          on_clicked=clicked)


def _html(text: str, classes: list[str] | None = None, tag: str = "div"):
    return solara.HTML(tag=tag, unsafe_innerHTML=text, classes=classes or [])


# --- the left column: controls and sliders -------------------------------------------------------------------
def _digits(step: float) -> int:
    text = f"{step:g}"
    return len(text.split(".")[1]) if "." in text else 0


@solara.component
def LabelledSlider(label: str, value: float, on_value, low: float, high: float, step: float, unit: str = ""):
    """A slider with its label above it and its current value always shown (not only while dragged)."""
    digits = _digits(step)
    with solara.Div(classes=["sim-slider"]):
        _html(f'<span class="sim-slider-label">{escape(label)}</span>'
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
    _html(f"Day {model.steps} of {model.params['steps']}", ["sim-day"])
    if not model.running:
        _html("The run is over: press Reset.", ["sim-hint"])


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
def Controls(model, parameters, specs, play_interval, tab, on_tab):
    """Title, the Model / Info switch, Reset / play / Step (Mesa's ModelController), the speed, and
    the sliders for the next run."""
    # ModelController reads these as reactives (Mesa 3.3): one step per frame, stepping in the page's thread.
    render_interval = solara.use_reactive(1)
    use_threads = solara.use_reactive(False)
    with solara.Div(classes=["sim-side"]):
        _html(escape(TITLE), ["sim-title"])
        with solara.Div(classes=["sim-tabs"]):
            solara.ToggleButtonsSingle(value=tab, on_value=on_tab, values=["Model", "Info"])
        with solara.Card("Run"):
            ModelController(model, model_parameters=parameters, play_interval=play_interval,
                            render_interval=render_interval, use_threads=use_threads)
            RunStatus(model.value)
            # At least 50 ms: with no pause the model runs ahead of the page, which then shows only the end.
            LabelledSlider("Pause between steps", play_interval.value, play_interval.set, 50, 1000, 50, " ms")
        with solara.Card("Next run"):
            _html("Move the sliders, then press <b>Reset</b>.", ["sim-hint"])
            for key, label, _, low, high, step in specs:
                def change(value, key=key):
                    parameters.value = {**parameters.value, key: value}

                LabelledSlider(label, parameters.value[key], change, low, high, step)
            RunSettings(model.value)


@solara.component
def RunSettings(model):
    """The settings the running model was built with (they change only with Reset)."""
    _html("This run: " + escape(run_settings(model)), ["sim-hint", "sim-run-settings"])


# --- the main area -------------------------------------------------------------------------------------------------
@solara.component
def NetworkView(model, selected: int, on_pick):
    """The network, recoloured every rendered step; a click selects the customer under the pointer."""
    update_counter.get()
    with solara.Card("Social network"):
        _html(network_legend(model), ["sim-legend"])
        NetworkPicture(model, selected, on_pick)
        _html("Click a dot to follow that customer in the inspector.", ["sim-hint"])


def _levels_legend() -> str:
    return " ".join(f'<span class="sim-key"><span style="color:{COLOURS[level]}">&#9644;</span> {level}</span>'
                    for level in LEVELS)


@solara.component
def LevelsView(model):
    """Live plots: the five levels per company, and market shares; the events numbered as on the plots."""
    update_counter.get()
    events = len(getattr(model, "events", []))
    with solara.Card("The five levels and market shares"):
        _html(_levels_legend(), ["sim-legend"])
        LivePicture(model, "levels", _draw_levels, [model.steps, events])
        LivePicture(model, "shares", _draw_shares, [model.steps, events])
        if events:
            _html("Events: " + event_notes(model), ["sim-legend", "sim-events"])


def _counts_table(model) -> str:
    """Customers per level (rows) and company (columns): narrow enough for a projector's column."""
    counts = model.level_counts()
    names = model.market.names
    head = "".join(f"<th>{escape(name)}</th>" for name in names)
    rows = [f"<tr><th>now</th>{head}</tr>"]
    for k, level in enumerate(LEVELS):
        cells = "".join(f'<td data-company="{escape(name)}" data-level="{level}">{counts[c][k]}</td>'
                        for c, name in enumerate(names))
        rows.append(f'<tr><td><span style="color:{COLOURS[level]}">&#9679;</span> {level}</td>{cells}</tr>')
    totals = "".join(f"<td><b>{counts[c].sum()}</b></td>" for c in range(len(names)))
    rows.append(f"<tr><td><b>customers</b></td>{totals}</tr>")
    return f'<table class="sim-table sim-counts">{"".join(rows)}</table>'


@solara.component
def ClassroomPanel(model):
    """The buttons beside the level counts now (side by side: the plots below stay on a 720-pixel screen)."""
    update_counter.get()
    with solara.Card("Classroom"):
        with solara.Div(classes=["sim-classroom"]):
            with solara.Div(classes=["sim-buttons"]):
                for label, action in BUTTONS:
                    def press(action=action):
                        action(model)
                        force_update()

                    solara.Button(label, color="warning", on_click=press)
                _html("Buttons act from the next day.", ["sim-hint"])
            _html(_counts_table(model))


@solara.component
def CustomerInspector(model, selected: int, on_select):
    """One customer: traits, state now, and the history of its state; pick by number, level or click."""
    update_counter.get()

    def pick(level: str) -> None:
        candidates = np.flatnonzero((model.state.level == LEVELS.index(level))
                                    & (model.state.company < model.market.no_company))
        if len(candidates):
            on_select(int(np.random.default_rng(model.steps + len(candidates)).choice(candidates)))

    with solara.Card("Customer inspector"):
        with solara.Div(classes=["sim-pick"]):
            _html("Customer", tag="span")
            solara.InputInt("", value=selected, on_value=lambda value: on_select(value or 0))
            _html("or pick", tag="span")
            for level, label in (("passionate", "a fan"), ("hostile", "an enemy"), ("involved", "an involved one")):
                solara.Button(label, on_click=lambda level=level: pick(level), text=True)
        person = model.customer(selected)
        traits = ", ".join(f"{key.replace('_', ' ')} {value:.2f}" if isinstance(value, float) else f"{key} {value}"
                           for key, value in person.traits().items())
        whose = f"{escape(person.company)}'s customer" if person.company else "nobody's customer (a prospect)"
        level = "" if not person.company else f", <b>{escape(str(person.level))}</b>"
        _html(f"<b>Customer {selected}</b>: {whose}{level}. Traits: {escape(traits)}.", ["sim-customer"])
        LivePicture(model, "customer",
                    lambda m, f, width, height, scale: customer_figure(
                        m, selected, f, size=_inches(width, np.clip(width * 0.48, 220, 300)), dpi=72 * scale),
                    [model.steps, selected, len(getattr(model, "events", []))])
        _html("Dotted line: the trust gate. Squares along the bottom: the level each day.", ["sim-hint"])
        history = list(reversed(getattr(model, "watch_history", [])[-3:]))
        if history:
            keys = ("company", "level", "bond", "trust", "identification", "anger", "expectation")
            rows = ["<tr><th>day</th>" + "".join(f"<th>{row['step']}</th>" for row in history) + "</tr>"]
            for key in keys:
                cells = "".join(f"<td>{row[key]:.2f}</td>" if isinstance(row[key], float)
                                else f"<td>{escape(str(row[key] or 'nobody'))}</td>" for row in history)
                rows.append(f"<tr><td>{key}</td>{cells}</tr>")
            _html(f'<table class="sim-table sim-snapshots">{"".join(rows)}</table>')


@solara.component
def InfoTab(model):
    """The Info tab, as in NetLogo."""
    html = solara.use_memo(lambda: markdown(INFO, extensions=["tables"]), [])
    with solara.Card("Info: what it is, how it works, things to notice, things to try"):
        _html(html, ["sim-info"])


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
    """The whole page: the controls on the left, and ClassroomView.

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
        Controls(model, parameters, specs, interval, tab, set_tab)
        with solara.Div(classes=["sim-main"]):
            ClassroomView(model.value, tab)


def classroom(scenario=None, play_interval: int = PLAY_INTERVAL):
    """The app as a Solara element, e.g. to show in Jupyter: `sim.app.page.classroom()`."""
    return Classroom(scenario=None if scenario is None else str(scenario), play_interval=play_interval)


@solara.component
def Page():
    """What `solara run sim.app.page` serves, for the scenario in SIM_APP_SCENARIO (default: classroom.yaml)."""
    Classroom()
