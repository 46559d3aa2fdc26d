"""The parts of Mesa's SolaraViz the page uses: ModelController, and the counter that redraws the views.

ModelController (Reset, play/pause, Step) does the stepping and resetting here as it does in
SolaraViz. Every view of the running model reads `update_counter`, so it redraws after each step;
`force_update` redraws them when a button changes the model between steps. Mesa's SolaraViz is not
used as a whole (see sim.app.page).
"""

from __future__ import annotations

import warnings

import solara

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

__all__ = ["ModelController", "force_update", "update_counter"]
