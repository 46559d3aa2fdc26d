"""The plots over time: the five levels per company, market shares, and one customer's history.

- `levels_figure`, `shares_figure`: the five levels per company and the market shares over time,
  with the classroom's events numbered on them (`event_notes` lists them as HTML);
- `customer_figure`: one customer's bond, trust, anger and level over time.

The time axes grow with the run (30, 60, 120, 240 days, then the whole run), so the first days fill
the plot instead of a sliver of a year. Every figure function takes the figure it returned last time
and updates it in place, because the app redraws several times a second and creating axes is most
of matplotlib's cost; sim.app.png_frames turns them into PNGs, redrawing only what changed.
`levels_figure` and `shares_figure` read `model.series()`, which ClassroomModel (sim.app.model) adds
to EngagementModel; events are drawn when the model has them.
"""

from __future__ import annotations

from html import escape

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator, PercentFormatter

from ..levels import COLOURS, LEVELS
from .figure_style import FONT_PX, LEVEL_NAMES, LEVEL_RGBA, MARKERS

FIRST_DAYS = 30  # the time axes start this long and double until they hold the whole run


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
