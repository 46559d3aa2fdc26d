"""The app's pictures, as plain matplotlib figures (no Solara): usable in tests and notebooks.

- `network_layout`: node positions of the social network, computed once per network;
- `network_figure` (and `network_legend`, its legend as HTML): customers coloured by level, shaped
  by company, the watched customer ringed;
- `levels_figure`, `shares_figure`: the five levels per company and the market shares over time,
  with the classroom's events marked;
- `customer_figure`: one customer's bond, trust, anger and level over time;
- `figure_png`: a figure as PNG bytes, redrawing only what changed.

Every figure function takes the figure it returned last time and updates it in place, because
the app redraws several times a second and creating axes is most of matplotlib's cost.
`levels_figure` and `shares_figure` read `model.series()`, which ClassroomModel (sim.app.model) adds
to EngagementModel; events are drawn when the model has them.
"""

from __future__ import annotations

import io

import numpy as np
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from ..levels import COLOURS, LEVELS

DRAW_LIMIT = 5_000  # draw at most this many customers in the network view (a fixed random sample beyond)
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")
LEVEL_NAMES = (*LEVELS, "prospect")
LEVEL_RGBA = np.array([to_rgba(COLOURS[level]) for level in LEVEL_NAMES])


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


# --- the figures -------------------------------------------------------------------------------------------
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

