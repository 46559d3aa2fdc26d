"""The social network as a picture: customers coloured by level, shaped by company, the watched one ringed.

- `network_figure`: the picture as a matplotlib figure, updated in place (usable in tests and
  notebooks); `node_pixels` and `pick_customer` map between its customers and its pixels, so a
  click on it selects a customer;
- the pieces the browser's canvas (sim.app.network_view) draws the same picture from:
  `shown_customers` (which customers are drawn), `dot_diameter`, `edge_image` (the edges, rendered
  once per size), `layout_pixels` and `nearest_dot` (a click to a customer);
- `network_legend`: the legend as HTML, shown above the picture.

Positions come from sim.app.network_layout; colours, markers and text size from
sim.app.figure_style.
"""

from __future__ import annotations

from html import escape

import numpy as np
from matplotlib.figure import Figure

from ..levels import COLOURS
from .figure_style import FONT_PX, LEVEL_NAMES, LEVEL_RGBA, MARKERS
from .network_layout import network_layout

DRAW_LIMIT = 5_000  # draw at most this many customers in the network view (a fixed random sample beyond)
EXTENT = (-0.03, 1.03)  # the network's axis limits: the unit square and a margin for the outer dots


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
    click them. The app draws the same picture in the browser (sim.app.network_view.NetworkCanvas), from
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
