"""The app's pictures, as plain matplotlib figures (no Solara): usable in tests and notebooks.

- `network_layout`: node positions of the social network, computed once per network;
- `network_figure` (and `network_legend`, its legend as HTML): customers coloured by level, shaped
  by company, the watched customer ringed; `node_pixels` and `pick_customer` map between customers
  and pixels of that picture, so a click on it selects a customer. The app draws the network in the
  browser instead (a canvas, so a frame sends a byte per customer, not an image) from the same
  pieces: `shown_customers`, `dot_diameter`, `edge_image`, `layout_pixels` and `nearest_dot`;
- `levels_figure`, `shares_figure`: the five levels per company and the market shares over time,
  with the classroom's events numbered on them (`event_notes` lists them as HTML);
- `customer_figure`: one customer's bond, trust, anger and level over time;
- `figure_png`: a figure as PNG bytes, redrawing only what changed (`png`: an image array as PNG);
  `smallest_text_px`: the size of its smallest text in image pixels (what the browser test checks
  against 14 CSS px).

Sizes are for a projector: every text is FONT_PX points, which at the dpi the app uses (72 times
the screen's device-pixel ratio) is FONT_PX CSS pixels when the picture is shown at its own size,
as the page does. The time axes grow with the run (30, 60, 120, 240 days, then the whole run), so
the first days fill the plot instead of a sliver of a year.

Every figure function takes the figure it returned last time and updates it in place, because
the app redraws several times a second and creating axes is most of matplotlib's cost.
`levels_figure` and `shares_figure` read `model.series()`, which ClassroomModel (sim.app.model) adds
to EngagementModel; events are drawn when the model has them.
"""

from __future__ import annotations

import io
from html import escape

import numpy as np
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from matplotlib.text import Text
from matplotlib.ticker import MaxNLocator, PercentFormatter

from ..levels import COLOURS, LEVELS

DRAW_LIMIT = 5_000  # draw at most this many customers in the network view (a fixed random sample beyond)
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")
LEVEL_NAMES = (*LEVELS, "prospect")
LEVEL_RGBA = np.array([to_rgba(COLOURS[level]) for level in LEVEL_NAMES])
# Text size in points; at 72 dpi a point is a pixel. 14 px is the floor for a projector (issue 14);
# one more leaves room for a picture squeezed by a few pixels before the page redraws it.
FONT_PX = 15
FIRST_DAYS = 30  # the time axes start this long and double until they hold the whole run
EXTENT = (-0.03, 1.03)  # the network's axis limits: the unit square and a margin for the outer dots


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
_BACKGROUND_LIMIT = 8  # edge images kept (one per network and picture size; a window resize makes a new one)


def edge_image(positions: np.ndarray, edges: np.ndarray, size: tuple[float, float], dpi: float) -> np.ndarray:
    """The edges rendered once into an RGBA image (white ground), shown under the dots each frame."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.collections import LineCollection

    key = (id(positions), tuple(size), dpi)
    if key not in _BACKGROUNDS:
        while len(_BACKGROUNDS) >= _BACKGROUND_LIMIT:
            _BACKGROUNDS.pop(next(iter(_BACKGROUNDS)))
        fig = Figure(figsize=size, dpi=dpi)
        FigureCanvasAgg(fig)
        ax = fig.add_axes((0, 0, 1, 1))
        ax.set_xlim(*EXTENT)
        ax.set_ylim(*EXTENT)
        ax.set_axis_off()
        if len(edges):
            # Faint lines: the dots carry the story; with thousands of edges fainter still, or they
            # merge into a grey sheet.
            many = len(edges) >= 5_000
            ax.add_collection(LineCollection(positions[edges], linewidths=0.4 if many else 0.7, colors="#8a8a8a",
                                             alpha=0.22 if many else 0.4))
        fig.canvas.draw()
        _BACKGROUNDS[key] = np.asarray(fig.canvas.buffer_rgba()).copy()
    return _BACKGROUNDS[key]


# --- the network ------------------------------------------------------------------------------------------
def shown_customers(n: int) -> np.ndarray:
    """The customers a network picture draws: all of them, or a fixed random DRAW_LIMIT beyond that."""
    if n <= DRAW_LIMIT:
        return np.arange(n)
    return np.sort(np.random.default_rng(0).choice(n, DRAW_LIMIT, replace=False))


def dot_diameter(width: float, height: float, count: int) -> float:
    """Diameter of a dot (in the units of width and height: points or CSS pixels) for `count` dots.

    About half the average spacing of the nodes, 4 to 14: large enough to read and click on a
    projector, small enough that neighbours stay apart.
    """
    spacing = np.sqrt(width * height / max(count, 1))
    return float(np.clip(0.5 * spacing, 4, 14))


def layout_pixels(positions: np.ndarray, width: float, height: float) -> np.ndarray:
    """Layout positions (unit square) as pixels of a network picture of that size (x right, y down)."""
    low, high = EXTENT
    xy = (np.asarray(positions, dtype=np.float64) - low) / (high - low)
    return np.column_stack([xy[:, 0] * width, (1 - xy[:, 1]) * height])


def nearest_dot(xy: np.ndarray, x: float, y: float, reach: float) -> int | None:
    """Row of `xy` nearest to (x, y) if within `reach`, else None (a click on empty space picks nobody)."""
    if not len(xy):
        return None
    distance2 = ((xy - np.array([x, y])) ** 2).sum(1)
    nearest = int(np.argmin(distance2))
    return nearest if distance2[nearest] <= reach * reach else None


def network_figure(model, figure: Figure | None = None, size: tuple[float, float] = (6.0, 6.0), dpi: float = 72,
                   legend: bool = True) -> Figure:
    """The social network: dots coloured by level, shaped by company; the watched customer ringed.

    Pass the figure back in to recolour it (the app does, every frame): the layout and the edge image
    are made once, so a frame only changes colours and positions of dots. Dots are as large as the
    picture allows (about half the spacing of the nodes, 4 to 14 points) so a class can read them and
    click them. The app draws the same picture in the browser (sim.app.page.NetworkCanvas), from
    the same layout, sample, dot size and edge image.
    """
    state, names = model.state, model.market.names
    if figure is None:
        positions, edges = network_layout(model.market.network)
        figure = Figure(figsize=size, dpi=dpi)
        ax = figure.add_axes((0, 0, 1, 1))
        ax.imshow(edge_image(positions, edges, size, dpi), extent=(*EXTENT, *EXTENT), interpolation="nearest",
                  zorder=0)
        ax.set_xlim(*EXTENT)
        ax.set_ylim(*EXTENT)
        ax.set_aspect("auto")
        ax.set_axis_off()
        shown = shown_customers(state.n)
        diameter = dot_diameter(size[0] * 72, size[1] * 72, len(shown))  # in points
        dot = diameter ** 2  # scatter sizes are areas in points squared
        # One group per company (and one for nobody's customers, smaller): each frame gives every
        # group only its own customers, so each dot is drawn once.
        groups = [ax.scatter([], [], s=dot if c < len(names) else dot / 3,
                             marker=MARKERS[c % len(MARKERS)] if c < len(names) else "o",
                             linewidths=0.4, edgecolors="#333333", zorder=2) for c in range(len(names) + 1)]
        ring = ax.scatter([0], [0], s=(diameter + 12) ** 2, facecolors="none", edgecolors="black", linewidths=2.5,
                          zorder=3)
        if legend:
            from matplotlib.lines import Line2D
            from matplotlib.patches import Patch

            handles = [Patch(color=COLOURS[level], label=level) for level in LEVEL_NAMES]
            handles += [Line2D([], [], marker=MARKERS[c % len(MARKERS)], ls="", color="#555555", label=name)
                        for c, name in enumerate(names)]
            ax.legend(handles=handles, loc="lower left", fontsize=FONT_PX, ncol=2, framealpha=0.85)
        figure.live = {"ax": ax, "shown": shown, "dot": dot, "diameter": diameter, "groups": groups, "ring": ring,
                       "positions": positions, "dynamic": [*groups, ring], "static": ()}
    live = figure.live
    shown = live["shown"]
    company = state.company[shown]
    colours = LEVEL_RGBA[np.minimum(state.level[shown], len(LEVEL_NAMES) - 1)]
    xy = live["positions"][shown]
    for c, group in enumerate(live["groups"]):
        members = company == c
        group.set_offsets(xy[members])
        group.set_facecolor(colours[members])
    watched = getattr(model, "watched", None)
    live["ring"].set_visible(watched is not None)
    if watched is not None:
        live["ring"].set_offsets(live["positions"][[watched]])
    return figure


def png(image: np.ndarray, compress_level: int = 1) -> bytes:
    """An RGBA array as PNG bytes (level 1: fast; frames are made several times a second)."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format="png", compress_level=compress_level)
    return buffer.getvalue()


def node_pixels(figure: Figure) -> tuple[np.ndarray, np.ndarray]:
    """The customers drawn in a network figure and their centres in image pixels (x right, y down)."""
    live = figure.live
    return live["shown"], layout_pixels(live["positions"][live["shown"]], figure.bbox.width, figure.bbox.height)


def pick_customer(figure: Figure, x: float, y: float) -> int | None:
    """The customer drawn nearest to image pixel (x, y) of a network figure, or None if no dot is near.

    "Near" is within a dot's diameter plus 6 points of its centre, so a click on a dot or just beside
    it picks that dot, and a click on empty space picks nobody.
    """
    shown, xy = node_pixels(figure)
    row = nearest_dot(xy, x, y, (figure.live["diameter"] + 6) * figure.dpi / 72)
    return None if row is None else int(shown[row])


def network_legend(model) -> str:
    """The network's legend as HTML: level colours and company shapes."""
    symbols = {"o": "&#9679;", "s": "&#9632;", "^": "&#9650;", "D": "&#9670;", "v": "&#9660;"}
    levels = " ".join(f'<span class="sim-key"><span style="color:{COLOURS[level]}">&#9679;</span> {level}</span>'
                      for level in LEVEL_NAMES[:-1])
    levels += (' <span class="sim-key"><span style="color:#bdbdbd">&#8226;</span> nobody\'s customer</span>')
    shapes = " ".join(f'<span class="sim-key">{symbols.get(MARKERS[c % len(MARKERS)], MARKERS[c % len(MARKERS)])} '
                      f"{escape(name)}</span>" for c, name in enumerate(model.market.names))
    return f"{levels}<br>{shapes} <span class=\"sim-key\">&#9711; the customer in the inspector</span>"


# --- the time plots ------------------------------------------------------------------------------------------
def time_extent(model) -> int:
    """Right end of the time axes: 30 days, doubled whenever the run passes it, at most the whole run."""
    total = max(int(model.params["steps"]), 1)
    end = FIRST_DAYS
    while end < model.steps:
        end *= 2
    return max(min(end, total), model.steps, 1)


def _time_axis(ax, end: int, label: bool = True) -> None:
    ax.set_xlim(0, end)
    ax.xaxis.set_major_locator(MaxNLocator(5, integer=True))
    ax.yaxis.set_major_locator(MaxNLocator(5))
    if label:
        ax.set_xlabel("day", fontsize=FONT_PX, labelpad=2)
    ax.tick_params(labelsize=FONT_PX, length=4, pad=3)
    ax.margins(x=0)


def _events(model) -> list[tuple[int, str, int | None]]:
    """(day, label, last day or None) of the classroom's events, in the order the buttons were pressed."""
    ends = getattr(model, "event_ends", [])
    events = getattr(model, "events", [])
    return [(at, label, ends[i] if i < len(ends) else None) for i, (at, label) in enumerate(events)]


def _mark_events(figure: Figure, model, end: int) -> None:
    """Number the classroom's events on the figure's axes: a dotted line, a shaded span for events that
    last, and the event's number in a box at the top, staggered into up to three rows where numbers
    would overlap (labels on the plot ran together into a smudge; the names are listed under the plots).

    Redrawn whenever the events or the time axis change, because the stagger depends on the pixel
    distance between events, which changes as the axis grows.
    """
    live = figure.live
    for artist in live.pop("event_artists", []):
        artist.remove()
    artists = []
    events = _events(model)
    width_px = figure.bbox.width * live["axes"][0].get_position().width
    room = 2.4 * FONT_PX * figure.dpi / 72 * end / max(width_px, 1)  # days that one number's box covers
    rows: list[float] = []  # the day of the last number in each row
    placed = []
    for number, (at, _, _) in enumerate(events, start=1):
        row = next((r for r, last in enumerate(rows) if at - last >= room), None)
        if row is None:
            if len(rows) < 3:
                row = len(rows)
                rows.append(at)
            else:  # three rows full here: reuse the one whose last number is furthest back
                row = int(np.argmin(rows))
        rows[row] = at
        placed.append((number, row))
    for ax in live["axes"]:
        for (at, _, until), (number, row) in zip(events, placed):
            artists.append(ax.axvline(at, color="black", lw=1.2, ls=":", zorder=1))
            if until is not None and until > at:
                artists.append(ax.axvspan(at, until, color="#000000", alpha=0.06, lw=0, zorder=0))
            artists.append(ax.text(at, 0.97 - 0.17 * row, str(number), transform=ax.get_xaxis_transform(),
                                   ha="center", va="top", fontsize=FONT_PX, zorder=4,
                                   bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": "black", "lw": 0.8}))
    live["event_artists"] = artists
    live["events_key"] = (len(events), end)


def event_notes(model) -> str:
    """The classroom's events as HTML, numbered as on the plots: "1 outage, days 12-18"."""
    notes = []
    for number, (at, label, until) in enumerate(_events(model), start=1):
        # `until` is the first step without the event
        when = f"days {at}&ndash;{until - 1}" if until is not None and until > at + 1 else f"day {at}"
        notes.append(f'<span class="sim-event"><b class="sim-event-number">{number}</b> {escape(label)}, {when}</span>')
    return " ".join(notes)


def _refresh_time_axes(figure: Figure, model) -> int:
    """Grow the time axis and redraw the event marks when needed; returns the axis end."""
    live = figure.live
    end = time_extent(model)
    if live.get("end") != end:
        for ax in live["axes"]:
            ax.set_xlim(0, end)
        live["end"] = end
    if live.get("events_key") != (len(getattr(model, "events", [])), end):
        _mark_events(figure, model, end)
    return end


def levels_figure(model, figure: Figure | None = None, size: tuple[float, float] = (7.0, 3.2),
                  dpi: float = 72) -> Figure:
    """Customers of each company at each level over time (one panel per company); pass it back to update.

    The colours are the network's (the page shows them in the legend above); each panel is titled
    with its company.
    """
    data, column = model.series()
    names = model.market.names
    if figure is None:
        figure = Figure(figsize=size, dpi=dpi, layout="constrained")
        figure.get_layout_engine().set(w_pad=4 / 72, h_pad=4 / 72, wspace=0.02)
        axes = figure.subplots(1, len(names), sharey=True, squeeze=False)[0]
        lines = {}
        end = time_extent(model)
        for ax, name in zip(axes, names, strict=True):
            for level in LEVELS:
                (lines[name, level],) = ax.plot([], [], color=COLOURS[level], lw=2.2, label=level)
            ax.set_title(name, fontsize=FONT_PX, pad=4)
            _time_axis(ax, end)
        axes[0].set_ylabel("customers", fontsize=FONT_PX)
        figure.live = {"axes": list(axes), "lines": lines, "dynamic": list(lines.values())}
    end = _refresh_time_axes(figure, model)
    steps = data[:, column["step"]]
    top = 1.0
    for (name, level), line in figure.live["lines"].items():
        values = data[:, column[f"{name}_{level}"]]
        line.set_data(steps, values)
        top = max(top, float(values.max()))
    quantum = max(5.0, model.state.n / 10)  # the axis grows in tenths of the population (few redraws)
    top = float(np.ceil(top * 1.08 / quantum) * quantum)
    figure.live["axes"][0].set_ylim(0, top)
    figure.live["static"] = (top, end, figure.live["events_key"])
    return figure


def shares_figure(model, figure: Figure | None = None, size: tuple[float, float] = (7.0, 2.6),
                  dpi: float = 72) -> Figure:
    """Market share of each company (and the share of people who are nobody's customer), in per cent."""
    data, column = model.series()
    names = model.market.names
    if figure is None:
        figure = Figure(figsize=size, dpi=dpi, layout="constrained")
        figure.get_layout_engine().set(w_pad=4 / 72, h_pad=4 / 72)
        ax = figure.subplots()
        lines = {name: ax.plot([], [], lw=2.2, label=name, marker=MARKERS[c % len(MARKERS)], ms=7)[0]
                 for c, name in enumerate(names)}
        lines["prospects"] = ax.plot([], [], lw=1.6, color="#9e9e9e", ls="--", label="nobody's customer")[0]
        _time_axis(ax, time_extent(model))
        ax.set_ylim(0, 1)
        ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
        ax.set_ylabel("share", fontsize=FONT_PX)
        # Above the plot, not on it: at projector size a legend inside covers the lines.
        figure.legend(handles=list(lines.values()), loc="outside upper center", ncol=len(lines), fontsize=FONT_PX,
                      frameon=False, handlelength=1.6, columnspacing=1.0)
        figure.live = {"axes": [ax], "lines": lines, "dynamic": list(lines.values())}
    end = _refresh_time_axes(figure, model)
    steps = data[:, column["step"]]
    every = max(end // 12, 1)
    for name, line in figure.live["lines"].items():
        if name == "prospects":
            line.set_data(steps, data[:, column["prospects"]] / model.state.n)
        else:
            line.set_data(steps, data[:, column[f"{name}_market_share"]])
            line.set_markevery(every)
    figure.live["static"] = (end, figure.live["events_key"])
    return figure


def customer_figure(model, index: int, figure: Figure | None = None, size: tuple[float, float] = (6.0, 2.8),
                    dpi: float = 72) -> Figure:
    """One customer's bond, trust and anger over time; the squares along the bottom show its level each day.

    The dotted line is the trust gate. The page names the customer above the picture.
    """
    if figure is None:
        figure = Figure(figsize=size, dpi=dpi, layout="constrained")
        figure.get_layout_engine().set(w_pad=4 / 72, h_pad=4 / 72)
        ax = figure.subplots()
        lines = {"bond": ax.plot([], [], color="#5e35b1", lw=2.2, label="bond")[0],
                 "trust": ax.plot([], [], color="#00897b", lw=1.8, label="trust")[0],
                 "anger": ax.plot([], [], color="#c62828", lw=1.8, ls="--", label="anger")[0]}
        ax.axhline(model.params["trust"]["gate"], color="#00897b", lw=1.2, ls=":")
        levels = ax.scatter([], [], marker="s", s=30, linewidths=0)
        ax.set_ylim(-1.25, 1.05)
        _time_axis(ax, time_extent(model))
        figure.legend(handles=list(lines.values()), loc="outside upper center", ncol=3, fontsize=FONT_PX,
                      frameon=False, handlelength=1.6)
        figure.live = {"axes": [ax], "lines": lines, "levels": levels, "dynamic": [*lines.values(), levels]}
    history = model.customer_history(index) if hasattr(model, "customer_history") else None
    if history is None:  # large populations: only what was recorded since the customer was selected
        rows = [row for row in getattr(model, "watch_history", []) if row is not None]
        steps = np.array([row["step"] for row in rows])
        history = {key: np.array([row[key] for row in rows]) for key in ("bond", "trust", "anger")}
        history["level"] = np.array([LEVEL_NAMES.index(row["level"]) for row in rows])
    else:
        steps = np.arange(len(history["bond"]))
    live = figure.live
    end = _refresh_time_axes(figure, model)
    for key, line in live["lines"].items():
        line.set_data(steps, history[key])
    live["levels"].set_offsets(np.column_stack([steps, np.full(len(steps), -1.15)]))
    live["levels"].set_facecolor(LEVEL_RGBA[np.minimum(history["level"].astype(int), len(LEVEL_NAMES) - 1)])
    live["static"] = (index, end, live["events_key"])
    return figure


# --- pictures ------------------------------------------------------------------------------------------------
def smallest_text_px(figure: Figure) -> float:
    """Size of the smallest visible text of a figure, in pixels of its image (0 if it has no text)."""
    sizes = [text.get_fontsize() for text in figure.findobj(Text)
             if text.get_visible() and text.get_text().strip()]
    return float(min(sizes)) * figure.dpi / 72 if sizes else 0.0


def figure_png(figure: Figure) -> bytes:
    """PNG of a live figure, redrawing only what changes (blitting).

    Axes, ticks and labels are drawn once into a cached background (again only when
    `figure.live["static"]` changes, e.g. a new event or a longer axis); each frame restores it and
    draws the artists in `figure.live["dynamic"]` (lines, dots) on top. Text is most of matplotlib's
    drawing time, so a frame costs a fraction of a full redraw. The smallest text size is measured
    with each background, in `figure.live["text_px"]`.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg

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
            live["text_px"] = smallest_text_px(figure)
        canvas.restore_region(live["background"])
        for artist in live["dynamic"]:
            artist.axes.draw_artist(artist)
    return png(np.asarray(canvas.buffer_rgba()))
