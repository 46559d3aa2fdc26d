"""The classroom: a live browser app on Mesa's SolaraViz.

A teacher projects the model, moves a slider, presses a button, and the room sees customers turn
into fans or enemies. The page shows
- the social network, each customer coloured by engagement level and shaped by company;
- live plots of the five levels per company and of market shares, with classroom events marked;
- sliders for the levers a class plays with (applied when the model is reset, as in every Mesa app);
- buttons that act on the running model: an outage, a fan programme, a competitor's promotion and a
  complaint going viral (each becomes a scenario intervention from the next step);
- a customer inspector (traits, state now, history of the state);
- an Info tab in the style of NetLogo's: what it is, how it works, things to notice, things to try.

Start it with `python -m sim app [SCENARIO]`; the scenario path reaches this module through the
environment variable SIM_APP_SCENARIO. In Jupyter, `classroom()` returns the same page.
The model-facing helpers (ClassroomModel, trigger, network_layout) work without a browser and are
tested in tests/test_app_browser.py.
"""

from __future__ import annotations

import io
import os
import threading
import warnings
from pathlib import Path

import numpy as np
import solara
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from .. import scenario as scenarios
from ..levels import COLOURS, LEVELS
from ..model import EngagementModel

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

DEFAULT_SCENARIO = scenarios.BUNDLED / "classroom.yaml"
SCENARIO_VARIABLE = "SIM_APP_SCENARIO"
HISTORY_LIMIT = 5_000  # keep every customer's history up to this population (14 bytes a step: 25 MB a year)
DRAW_LIMIT = 5_000  # draw at most this many customers in the network view (a fixed random sample beyond)
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")

# The sliders: model keyword (dots written as "__"), label, low, high, step. Defaults come from the scenario.
SLIDERS = (
    ("trust__gate", "Trust gate", 0.0, 1.0, 0.05),
    ("companies__focal__complaint_handling", "Complaint handling", 0.0, 1.0, 0.05),
    ("traits__introversion__mean", "Introversion (mean)", 0.05, 0.95, 0.05),
    ("companies__focal__programmes__appreciation__reach", "Programme reach", 0.0, 1.0, 0.05),
    ("companies__focal__price", "Price", 0.5, 1.5, 0.05),
    ("companies__rival__promotion__discount", "Rival's promotion", 0.0, 0.5, 0.05),
)


# --- the model, as the app drives it ------------------------------------------------------------------
class ClassroomModel(EngagementModel):
    """EngagementModel that also remembers what a class needs to see.

    - `events`: (step, label) of each button pressed, drawn as lines on the plots;
    - `watched` and `watch_history`: the selected customer's `snapshot()` after every step;
    - `history`: level, company, bond, trust and anger of every customer at every step (small
      populations only), so a customer picked late still shows its whole story.
    Keyword parameters are those of EngagementModel (`trust__gate=0.6`), which is how SolaraViz passes
    its sliders.
    """

    def __init__(self, scenario=None, *, rng=None, seed=None, watch: int = 0, **kwargs):
        scenario = DEFAULT_SCENARIO if scenario is None else scenario
        if kwargs and isinstance(scenario, str | Path):
            # Apply the sliders to the YAML as `--set` would (validated with file and line), which also
            # works for scenarios with interventions.
            scenario = scenarios.load(scenario, [f"{key.replace('__', '.')}={value}" for key, value in kwargs.items()])
            kwargs = {}
        super().__init__(scenario, rng=rng, seed=seed, **kwargs)
        chosen = rng if rng is not None else seed
        self.seed_used = self.params["seed"] if chosen is None else chosen
        # The app appends to the interventions; keep that list to this model, not the scenario.
        self.market.interventions = list(self.market.interventions)
        self.events: list[tuple[int, str]] = []
        self.history: dict[str, list[np.ndarray]] | None = (
            {"level": [], "company": [], "bond": [], "trust": [], "anger": []}
            if self.state.n <= HISTORY_LIMIT else None)
        self.watched = 0
        self.watch_history: list[dict] = []
        self.watch(watch)
        self._remember()

    def step(self) -> None:
        super().step()
        self._remember()
        if self.watched is not None:
            self.watch_history.append(self.customer(self.watched).snapshot())

    def watch(self, index: int) -> None:
        """Select customer `index`; its snapshot is recorded from now on."""
        index = int(np.clip(index, 0, self.state.n - 1))
        if index != self.watched or not self.watch_history:
            self.watched = index
            self.watch_history = [self.customer(index).snapshot()]

    def _remember(self) -> None:
        if self.history is None:
            return
        s = self.state
        self.history["level"].append(s.level.copy())
        self.history["company"].append(s.company.astype(np.int8))
        self.history["bond"].append(s.bond.astype(np.float32))
        self.history["trust"].append(s.current(s.trust).astype(np.float32))
        self.history["anger"].append(s.anger.astype(np.float32))

    def customer_history(self, index: int) -> dict[str, np.ndarray] | None:
        """Arrays over steps 0..now of one customer's level, company, bond, trust and anger."""
        if self.history is None:
            return None
        return {key: np.array([row[index] for row in rows]) for key, rows in self.history.items()}

    def series(self) -> tuple[np.ndarray, dict[str, int]]:
        """The recorded timeseries as an array (one row per step) and the index of each column."""
        return np.vstack(self.records), {name: i for i, name in enumerate(self.columns)}


# --- the buttons ------------------------------------------------------------------------------------------
def trigger(model: EngagementModel, item: dict, label: str | None = None) -> dict:
    """Add an intervention acting from the next step, validated like one written in a scenario file.

    `item` is an intervention as in YAML without `at` (e.g. {"company": "focal", "viral_complaint": 0.2});
    `until` may be given relative to now as `duration`. Returns the resolved intervention.
    """
    item = dict(item)
    at = model.steps + 1
    duration = item.pop("duration", None)
    item["at"] = at
    if duration is not None:
        item["until"] = at + int(duration)
    companies = {name: {"initial_share": 0.0} for name in model.market.names}
    event = scenarios.validate({"customers": 10_000, "companies": companies, "interventions": [item]},
                               source="<app>").data["interventions"][0]
    model.market.schedule(event)
    if hasattr(model, "events"):
        model.events.append((at, label or event["name"]))
    return event


def _focal(model) -> str:
    return model.market.names[model.market.focal]


def _rival(model) -> str:
    names = model.market.names
    return "rival" if "rival" in names else names[(model.market.focal + 1) % len(names)]


def outage(model, share: float = 0.4, failure_rate: float = 0.6, duration: int = 7) -> dict:
    """A week-long outage: `share` of the focal company's customers see `failure_rate` failures."""
    return trigger(model, {"company": _focal(model), "duration": duration,
                           "outage": {"failure_rate": failure_rate, "share": share}}, "outage")


def fan_programme(model, reach: float = 0.6, frequency: float = 0.05) -> dict:
    """Memorable experiences (the sensation driver) for the focal company's involved customers."""
    return trigger(model, {"company": _focal(model), "start": "sensation", "target": "involved",
                           "reach": reach, "frequency": frequency}, "fan programme")


def competitor_promotion(model, discount: float = 0.3, reach: float = 0.15, duration: int = 30) -> dict:
    """A month of the rival's promotion: a price cut seen by `reach` of other customers per step."""
    return trigger(model, {"company": _rival(model), "duration": duration,
                           "promotion": {"discount": discount, "reach": reach}}, "rival promotion")


def viral_complaint(model, share: float = 0.25) -> dict:
    """A complaint goes viral: `share` of the focal company's customers become angry at once."""
    return trigger(model, {"company": _focal(model), "viral_complaint": share}, "viral complaint")


BUTTONS = (("Outage (a week)", outage), ("Start a fan programme", fan_programme),
           ("Competitor's promotion", competitor_promotion), ("Viral complaint", viral_complaint))


# --- the network layout, computed once per network ------------------------------------------------------
_LAYOUTS: dict[tuple, tuple[np.ndarray, np.ndarray]] = {}


def network_layout(network, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Node positions (n x 2 in [0, 1]) and edges (m x 2) of a network, cached by its contents.

    Fruchterman-Reingold force layout. Small networks use networkx's spring_layout; above 600 nodes
    the repulsion is estimated from a random sample of 150 nodes per iteration, which keeps a
    3,000-node layout to a few seconds. Computed once: every frame only recolours the dots.
    """
    n = network.n
    if network.complete:
        key = ("complete", n, seed)
    else:
        key = (n, seed, hash(network.indptr.tobytes()), hash(network.indices.tobytes()))
    if key in _LAYOUTS:
        return _LAYOUTS[key]
    if network.complete:
        angle = 2 * np.pi * np.arange(n) / max(n, 1)
        positions = np.column_stack([np.cos(angle), np.sin(angle)])
        edges = np.zeros((0, 2), np.int64)
    else:
        rows = np.repeat(np.arange(n), np.diff(network.indptr))
        mask = rows < network.indices
        edges = np.column_stack([rows[mask], network.indices[mask]]).astype(np.int64)
        positions = _force_layout(n, edges, seed)
    low, high = positions.min(0), positions.max(0)
    positions = (positions - low) / np.where(high > low, high - low, 1)
    _LAYOUTS[key] = (positions.astype(np.float32), edges)
    return _LAYOUTS[key]


def _force_layout(n: int, edges: np.ndarray, seed: int, iterations: int = 50) -> np.ndarray:
    rng = np.random.default_rng(seed)
    if n <= 600:
        import networkx as nx

        graph = nx.Graph()
        graph.add_nodes_from(range(n))
        graph.add_edges_from(edges.tolist())
        layout = nx.spring_layout(graph, seed=seed, iterations=iterations)
        return np.array([layout[i] for i in range(n)])
    pos = rng.random((n, 2))
    k2 = 1.0 / n
    k = np.sqrt(k2)
    sample = 150
    temperature, cooling = 0.1, 0.1 / (iterations + 1)
    a, b = edges[:, 0], edges[:, 1]
    for _ in range(iterations):
        others = pos[rng.choice(n, sample, replace=False)]
        delta = pos[:, None, :] - others[None, :, :]
        dist2 = np.maximum((delta * delta).sum(-1), 1e-6)
        disp = (delta * (k2 / dist2)[..., None]).sum(1) * (n / sample)
        e = pos[a] - pos[b]
        pull = e * np.sqrt((e * e).sum(-1, keepdims=True)) / k
        for axis in range(2):
            disp[:, axis] -= np.bincount(a, pull[:, axis], n) - np.bincount(b, pull[:, axis], n)
        length = np.maximum(np.sqrt((disp * disp).sum(-1, keepdims=True)), 1e-9)
        pos += disp / length * np.minimum(length, temperature)
        temperature -= cooling
    return pos


_BACKGROUNDS: dict[tuple, np.ndarray] = {}


def _edge_background(positions: np.ndarray, edges: np.ndarray, size: tuple[float, float], dpi: int) -> np.ndarray:
    """The edges rendered once into an RGBA image, shown under the dots each frame (fast for big networks)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.collections import LineCollection

    key = (id(positions), size, dpi)
    if key not in _BACKGROUNDS:
        fig = Figure(figsize=size, dpi=dpi)
        FigureCanvasAgg(fig)
        ax = fig.add_axes((0, 0, 1, 1))
        ax.set_xlim(-0.03, 1.03)
        ax.set_ylim(-0.03, 1.03)
        ax.set_axis_off()
        if len(edges):
            width = 0.5 if len(edges) < 5_000 else 0.25
            ax.add_collection(LineCollection(positions[edges], linewidths=width, colors="#8a8a8a",
                                             alpha=0.45 if len(edges) < 5_000 else 0.25))
        fig.canvas.draw()
        _BACKGROUNDS[key] = np.asarray(fig.canvas.buffer_rgba()).copy()
    return _BACKGROUNDS[key]


# --- figures (plain matplotlib, so they can be tested and used in notebooks) ------------------------------
LEVEL_NAMES = (*LEVELS, "prospect")
LEVEL_RGBA = np.array([to_rgba(COLOURS[level]) for level in LEVEL_NAMES])


def network_figure(model, figure: Figure | None = None, size: tuple[float, float] = (6.0, 6.0), dpi: int = 72,
                   legend: bool = True) -> Figure:
    """The social network: dots coloured by level, shaped by company; the watched customer ringed.

    Pass the figure back in to recolour it (the app does, every frame): the layout and the edge image
    are made once, so a frame only changes colours and sizes. The app shows the legend as HTML instead.
    """
    state, names = model.state, model.market.names
    if figure is None:
        positions, edges = network_layout(model.market.network)
        figure = Figure(figsize=size, dpi=dpi)
        ax = figure.add_axes((0, 0, 1, 1))
        ax.imshow(_edge_background(positions, edges, size, dpi), extent=(-0.03, 1.03, -0.03, 1.03),
                  interpolation="nearest", zorder=0)
        ax.set_xlim(-0.03, 1.03)
        ax.set_ylim(-0.03, 1.03)
        ax.set_aspect("auto")
        ax.set_axis_off()
        shown = np.arange(state.n)
        if state.n > DRAW_LIMIT:
            shown = np.sort(np.random.default_rng(0).choice(state.n, DRAW_LIMIT, replace=False))
        dot = float(np.clip(9000 / len(shown), 4, 60))
        xy = positions[shown]
        groups = [ax.scatter(xy[:, 0], xy[:, 1], s=dot, marker=MARKERS[c % len(MARKERS)] if c < len(names) else ".",
                             linewidths=0.3, edgecolors="#333333", zorder=2) for c in range(len(names) + 1)]
        ring = ax.scatter([0], [0], s=dot * 6, facecolors="none", edgecolors="black", linewidths=2, zorder=3)
        label = ax.text(0.99, 0.99, "", transform=ax.transAxes, ha="right", va="top", fontsize=9)
        if legend:
            handles = [Patch(color=COLOURS[level], label=level) for level in LEVEL_NAMES]
            handles += [Line2D([], [], marker=MARKERS[c % len(MARKERS)], ls="", color="#555555", label=name)
                        for c, name in enumerate(names)]
            ax.legend(handles=handles, loc="lower left", fontsize=7, ncol=2, framealpha=0.85)
        figure.live = {"shown": shown, "dot": dot, "groups": groups, "ring": ring, "label": label,
                       "positions": positions, "dynamic": [*groups, ring, label], "static": ()}
    live = figure.live
    shown = live["shown"]
    company = state.company[shown]
    colours = LEVEL_RGBA[np.minimum(state.level[shown], len(LEVEL_NAMES) - 1)]
    for c, group in enumerate(live["groups"]):
        dot = live["dot"] if c < len(names) else live["dot"] / 2
        group.set_sizes(np.where(company == c, dot, 0.0))
        group.set_facecolor(colours)
    watched = getattr(model, "watched", None)
    live["ring"].set_visible(watched is not None)
    if watched is not None:
        live["ring"].set_offsets(live["positions"][[watched]])
    live["label"].set_text(f"step {model.steps}")
    return figure


def network_legend(model) -> str:
    """The network's legend as HTML: level colours and company shapes."""
    symbols = {"o": "&#9679;", "s": "&#9632;", "^": "&#9650;", "D": "&#9670;", "v": "&#9660;"}
    levels = " ".join(f'<span style="color:{COLOURS[level]}">&#9679;</span> {level}' for level in LEVEL_NAMES)
    shapes = " ".join(f"{symbols.get(MARKERS[c % len(MARKERS)], MARKERS[c % len(MARKERS)])} {name}"
                      for c, name in enumerate(model.market.names))
    return f"{levels}<br>{shapes} &middot; ringed: the customer in the inspector"


def _mark_events(figure: Figure, model) -> None:
    """Dotted lines at the steps of classroom events not yet drawn on this figure."""
    events = getattr(model, "events", [])
    for at, label in events[figure.live["events"]:]:
        for ax in figure.live["axes"]:
            ax.axvline(at, color="black", lw=0.8, ls=":")
            ax.text(at, 0.98, f" {label}", transform=ax.get_xaxis_transform(), rotation=90, va="top", fontsize=7)
    figure.live["events"] = len(events)


def _time_axis(ax, model) -> None:
    ax.set_xlim(0, max(model.params["steps"], 1))
    ax.set_xlabel("step", fontsize=8, labelpad=1)
    ax.tick_params(labelsize=7)


def levels_figure(model, figure: Figure | None = None, size: tuple[float, float] = (7.0, 2.8),
                  dpi: int = 72) -> Figure:
    """Customers of each company at each level over time (one panel per company); pass it back to update."""
    data, column = model.series()
    names = model.market.names
    if figure is None:
        figure = Figure(figsize=size, dpi=dpi)
        axes = figure.subplots(1, len(names), sharey=True, squeeze=False)[0]
        figure.subplots_adjust(left=0.08, right=0.98, bottom=0.17, top=0.9, wspace=0.06)
        lines = {}
        for ax, name in zip(axes, names, strict=True):
            for level in LEVELS:
                (lines[name, level],) = ax.plot([], [], color=COLOURS[level], lw=1.6, label=level)
            ax.set_title(f"{name}: customers by level", fontsize=9)
            _time_axis(ax, model)
        axes[0].set_ylabel("customers", fontsize=8)
        axes[-1].legend(fontsize=6, loc="upper right")
        figure.live = {"axes": list(axes), "lines": lines, "events": 0, "dynamic": list(lines.values())}
    steps = data[:, column["step"]]
    top = 1.0
    for (name, level), line in figure.live["lines"].items():
        values = data[:, column[f"{name}_{level}"]]
        line.set_data(steps, values)
        top = max(top, float(values.max()))
    quantum = max(5.0, model.state.n / 10)  # the axis grows in tenths of the population (few redraws)
    top = float(np.ceil(top * 1.08 / quantum) * quantum)
    figure.live["axes"][0].set_ylim(0, top)
    _mark_events(figure, model)
    figure.live["static"] = (top, figure.live["events"])
    return figure


def shares_figure(model, figure: Figure | None = None, size: tuple[float, float] = (7.0, 2.4),
                  dpi: int = 72) -> Figure:
    """Market share of each company (and the share of people who are nobody's customer)."""
    data, column = model.series()
    names = model.market.names
    if figure is None:
        figure = Figure(figsize=size, dpi=dpi)
        ax = figure.subplots()
        figure.subplots_adjust(left=0.08, right=0.98, bottom=0.2, top=0.88)
        lines = {name: ax.plot([], [], lw=1.8, label=name, marker=MARKERS[c % len(MARKERS)], ms=4)[0]
                 for c, name in enumerate(names)}
        lines["prospects"] = ax.plot([], [], lw=1.2, color="#9e9e9e", ls="--", label="nobody's customer")[0]
        _time_axis(ax, model)
        ax.set_ylim(0, 1)
        ax.set_title("market shares", fontsize=9)
        ax.legend(fontsize=7, loc="upper right")
        figure.live = {"axes": [ax], "lines": lines, "events": 0, "dynamic": list(lines.values())}
    steps = data[:, column["step"]]
    every = max(int(model.params["steps"]) // 12, 1)
    for name, line in figure.live["lines"].items():
        if name == "prospects":
            line.set_data(steps, data[:, column["prospects"]] / model.state.n)
        else:
            line.set_data(steps, data[:, column[f"{name}_market_share"]])
            line.set_markevery(every)
    _mark_events(figure, model)
    figure.live["static"] = (figure.live["events"],)
    return figure


def customer_figure(model, index: int, figure: Figure | None = None, size: tuple[float, float] = (6.0, 2.4),
                    dpi: int = 72) -> Figure:
    """One customer's bond, trust and anger over time; the squares below show its level at each step."""
    if figure is None:
        figure = Figure(figsize=size, dpi=dpi)
        ax = figure.subplots()
        figure.subplots_adjust(left=0.08, right=0.98, bottom=0.13, top=0.88)
        lines = {"bond": ax.plot([], [], color="#5e35b1", lw=1.6, label="bond")[0],
                 "trust": ax.plot([], [], color="#00897b", lw=1.2, label="trust")[0],
                 "anger": ax.plot([], [], color="#c62828", lw=1.2, ls="--", label="anger")[0]}
        ax.axhline(model.params["trust"]["gate"], color="#00897b", lw=0.6, ls=":")
        levels = ax.scatter([], [], marker="s", s=12, linewidths=0)
        ax.set_ylim(-1.2, 1.05)
        _time_axis(ax, model)
        ax.legend(fontsize=6, loc="upper left", ncol=3)
        title = ax.set_title("", fontsize=8)
        figure.live = {"axes": [ax], "lines": lines, "levels": levels, "title": title,
                       "dynamic": [*lines.values(), levels]}
    history = model.customer_history(index) if hasattr(model, "customer_history") else None
    if history is None:  # large populations: only what was recorded since the customer was selected
        rows = [row for row in getattr(model, "watch_history", []) if row is not None]
        steps = np.array([row["step"] for row in rows])
        history = {key: np.array([row[key] for row in rows]) for key in ("bond", "trust", "anger")}
        history["level"] = np.array([LEVEL_NAMES.index(row["level"]) for row in rows])
    else:
        steps = np.arange(len(history["bond"]))
    live = figure.live
    for key, line in live["lines"].items():
        line.set_data(steps, history[key])
    live["levels"].set_offsets(np.column_stack([steps, np.full(len(steps), -1.12)]))
    live["levels"].set_facecolor(LEVEL_RGBA[np.minimum(history["level"].astype(int), len(LEVEL_NAMES) - 1)])
    live["title"].set_text(f"customer {index}: bond, trust (dotted: the trust gate), anger; level below")
    live["static"] = (index,)
    return figure


def figure_png(figure: Figure) -> bytes:
    """PNG of a live figure, redrawing only what changes (blitting).

    Axes, ticks and labels are drawn once into a cached background (again only when
    `figure.live["static"]` changes, e.g. a new event line or a taller axis); each frame restores it
    and draws the artists in `figure.live["dynamic"]` (lines, dots) on top. Text is most of
    matplotlib's drawing time, so a frame costs a fraction of a full redraw.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from PIL import Image

    live = getattr(figure, "live", None)
    if not isinstance(figure.canvas, FigureCanvasAgg):
        FigureCanvasAgg(figure)
    canvas = figure.canvas
    if live is None or "dynamic" not in live:
        canvas.draw()
    else:
        if live.get("background_key") != live.get("static"):
            visible = [artist.get_visible() for artist in live["dynamic"]]
            for artist in live["dynamic"]:
                artist.set_visible(False)
            canvas.draw()
            live["background"] = canvas.copy_from_bbox(figure.bbox)
            live["background_key"] = live.get("static")
            for artist, shown in zip(live["dynamic"], visible, strict=True):
                artist.set_visible(shown)
        canvas.restore_region(live["background"])
        for artist in live["dynamic"]:
            artist.axes.draw_artist(artist)
    buffer = io.BytesIO()
    Image.fromarray(np.asarray(canvas.buffer_rgba())).save(buffer, format="png", compress_level=1)
    return buffer.getvalue()


# --- the Info tab ----------------------------------------------------------------------------------------
INFO = """
## What is it?

A market of customers and companies. Each customer has an **emotional bond** with the company they buy
from. Engagement is this bond, not loyalty: people stay out of habit, but fans are *made*. We read the
bond as one of **five levels**:

{level_table}

Each dot in the network is a person; its colour is the level, its shape the company (circle: the focal
company, square: the rival, small grey dot: nobody's customer yet). Lines are friendships.

## How it works

Every step (one day) the same mechanisms run for everybody, in this order:

1. **Interventions**: what companies do (programmes, promotions, outages) and what happens to them
   (a complaint going viral). The buttons add one of these from the next step.
2. **Advertising** nudges identification with a brand ("does it fit me?") and brings in new customers.
3. **Service**: some customers interact with their company. A good interaction builds **trust**
   slowly; a **failure** destroys it quickly. Memory keeps the **peak and the end**, not the average.
   Good service becomes the new normal: **expectations rise**.
4. **Complaints**: after a failure a customer may complain or stay silent. A complaint handled quickly
   and well can leave the customer *happier than before* (the **service recovery paradox**). An open
   complaint that nobody listens to breeds **anger**.
5. **Programmes** build the significance of the relationship: **participation** (the customer invests
   and finds it harder to leave), **appreciation** (feeling valued: cheap, and most companies skip it)
   and **sensation** (a peak experience that can make a fan at once).
6. **Word of mouth**: people talk to a friend in the network. Only **passionate** customers praise, only
   **hostile** ones warn. **Introverts** say less of both.
7. **Memory** lets peaks fade.
8. **Bond**: the bond moves towards what identification, remembered experience and the relationship
   justify, minus anger. **Trust gates everything**: below the trust gate nobody rises above
   indifferent, however good the service.
9. **Switching**: disappointed, angry and price-sensitive indifferent customers leave; fans almost never.
10. **Levels** are read from the bond and anger; **money** is counted.

## Things to notice

- The **trust gate**: most customers trust their company and still feel nothing for it (indifferent).
- **Fans cluster**: praise travels along friendships, so green spreads in patches.
- Hostile customers (red) keep warning after they have left; watch the squares around a red circle.
- After an **outage**, trust drops in days and comes back over weeks (trust asymmetry).
- Passionate customers rarely switch, even when the rival cuts its price.

## Things to try

- Press **Viral complaint**: the focal company's red and orange counts jump. How many recover? Now
  move **complaint handling** up, press *Reset*, and press the button again at the same step.
- Raise the **trust gate** to 0.95 and reset: can anybody still become a fan?
- Set **mean introversion** to 0.9: does word of mouth still spread fans (and anger)?
- Press **Start a fan programme** and follow a circle that turns green. Pick it in the inspector.
- Raise the **rival's promotion**: who switches first, indifferent or involved customers?
- Raise the **price**: who leaves? (Look at the levels of the customers who go.)

## Mechanism by mechanism

{mechanism_table}

## Sliders and buttons

Sliders set up a **new run**: move them, then press **Reset** (Mesa's convention). Buttons act on the
running model from the next step, and a dotted line marks them on the plots.
"""


_MECHANISMS = (
    ("trust gate", "nobody rises above indifferent without trust, whatever the experiences",
     "set the trust gate to 0.95, Reset: blue and green almost vanish"),
    ("trust asymmetry", "one failure costs more trust than one good interaction gains",
     "press Outage and watch a customer's trust line in the inspector: a cliff, then a slow climb"),
    ("peak-end memory", "a customer remembers the best (or worst) moment and the latest one, not the average",
     "start a fan programme: one memorable moment lifts a bond at once"),
    ("rising expectations", "good service becomes the norm; satisfaction drifts back to neutral",
     "follow a loyal indifferent customer: good service, yet the bond stays flat"),
    ("recovery paradox", "a complaint resolved well can leave a customer more engaged than before",
     "complaint handling 1.0, Reset, Viral complaint: some customers end above where they started"),
    ("escalation", "open, unheard complaints turn disappointment into anger (red)",
     "complaint handling 0.1, Reset, Viral complaint: orange turns red"),
    ("introversion", "introverts say less, both praise and warnings",
     "introversion 0.9 versus 0.1: how fast do green patches grow?"),
    ("valence", "only fans praise and only hostile customers warn; the middle levels are quiet",
     "pick a fan and an enemy: who are their neighbours?"),
    ("participation", "customers who invest find it harder to leave and care less about price",
     "see lesson 4: churn falls with a participation programme"),
    ("appreciation", "feeling valued raises the bond, with diminishing returns",
     "programme reach 0 versus 1: how many more fans, and is the second half worth it?"),
    ("sensation", "one peak experience can make a fan at once",
     "Start a fan programme: involved (blue) customers jump to green"),
    ("relationship capacity", "people with many deep brand relationships become fans less often",
     "look at the 'relationships' trait of the fans you pick"),
    ("switching", "hostile and disengaged leave first, passionate almost never",
     "Rival's promotion: which colours change shape from circle to square?"),
    ("habit", "without any driver, customers stay out of habit but do not become fans",
     "most grey circles stay grey circles for the whole year"),
    ("money", "engaged customers spend more and bring others in (referrals)", "lesson 4 counts revenue, cost and ROI"),
)
INFO = INFO.replace("{mechanism_table}", "\n".join(
    ["| mechanism | what to notice | what to try |", "| --- | --- | --- |"]
    + [f"| **{name}** | {notice} | {attempt} |" for name, notice, attempt in _MECHANISMS]))

_LEVEL_ROWS = (
    ("indifferent", "no feeling; brands look alike", "buys from habit, follows promotions, switches easily"),
    ("involved", "a positive bond", "prefers the brand but can be tempted by a good offer"),
    ("passionate", "a real fan", "stays, and **recommends** the brand to friends"),
    ("disengaged", "disappointed", "leaves at the first chance"),
    ("hostile", "angry, not heard", "**warns** friends, even after leaving"),
)
INFO = INFO.replace("{level_table}", "\n".join(
    ["| level | what it means | what you see them do |", "| --- | --- | --- |"]
    + [f'| <span style="color:{COLOURS[level]}">&#9679;</span> **{level}** | {meaning} | {behaviour} |'
       for level, meaning, behaviour in _LEVEL_ROWS]))


# --- the Solara page -----------------------------------------------------------------------------------------
def model_params(scenario=None) -> dict:
    """SolaraViz parameters: the scenario (fixed), a seed, and the sliders at the scenario's values."""
    path = str(scenario or DEFAULT_SCENARIO)
    data = scenarios.resolve(path).data
    params: dict = {"scenario": path, "seed": Slider("Seed", int(data["seed"]) % 100, 0, 99, 1)}
    for key, label, low, high, step in SLIDERS:
        value = data
        try:
            for part in key.split("__"):
                value = value[part]
        except KeyError:
            continue  # e.g. no company named rival in this scenario
        params[key] = Slider(label, float(value), low, high, step)
    return params


def run_settings(model) -> str:
    """The slider settings the running model was built with, e.g. "trust gate 0.50, ..."."""
    parts = []
    for key, label, *_ in SLIDERS:
        value = model.params
        try:
            for part in key.split("__"):
                value = value[part]
        except KeyError:
            continue
        parts.append(f"{label.lower()} {value:.2f}")
    return ", ".join(parts) + f", seed {getattr(model, 'seed_used', model.params['seed'])}"


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


CARD = {"margin-bottom": "8px"}


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


TITLE = "Customer engagement: the classroom"


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
    """The app as a Solara element, e.g. to show in Jupyter: `sim.app.classroom()`."""
    return Classroom(scenario=None if scenario is None else str(scenario), play_interval=play_interval)


@solara.component
def Page():
    """What `solara run sim.app` serves, for the scenario in SIM_APP_SCENARIO (default: classroom.yaml)."""
    Classroom()
