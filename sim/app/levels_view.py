"""The plots of levels and shares: the five levels per company and the market shares, live, with events numbered.

`LevelsView` is the "The five levels and market shares" card: a colour key, the two plots
(sim.app.time_plots, each a LivePicture drawn for its box) and the classroom's events, numbered as
on the plots.
"""

from __future__ import annotations

import numpy as np
import solara

from ..levels import COLOURS, LEVELS
from .html_text import html_text
from .live_picture import LivePicture, inches
from .mesa_viz import update_counter
from .time_plots import event_notes, levels_figure, shares_figure


def _draw_levels(model, figure, width, height, scale):
    return levels_figure(model, figure, size=inches(width, np.clip(width * 0.5, 240, 340)), dpi=72 * scale)


def _draw_shares(model, figure, width, height, scale):
    return shares_figure(model, figure, size=inches(width, np.clip(width * 0.42, 210, 290)), dpi=72 * scale)


def _levels_legend() -> str:
    return " ".join(f'<span class="sim-key"><span style="color:{COLOURS[level]}">&#9644;</span> {level}</span>'
                    for level in LEVELS)


@solara.component
def LevelsView(model):
    """Live plots: the five levels per company, and market shares; the events numbered as on the plots."""
    update_counter.get()
    events = len(getattr(model, "events", []))
    with solara.Card("The five levels and market shares"):
        html_text(_levels_legend(), ["sim-legend"])
        LivePicture(model, "levels", _draw_levels, [model.steps, events])
        LivePicture(model, "shares", _draw_shares, [model.steps, events])
        if events:
            html_text("Events: " + event_notes(model), ["sim-legend", "sim-events"])
