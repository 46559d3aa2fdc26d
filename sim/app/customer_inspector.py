"""The customer inspector: one customer's traits, state now and history, picked by number, level or a click.

The history is a LivePicture of sim.app.time_plots.customer_figure and a table of the last three
days' state. A click on the network (sim.app.network_view) selects a customer here too.
"""

from __future__ import annotations

from html import escape

import numpy as np
import solara

from ..levels import LEVELS
from .html_text import html_text
from .live_picture import LivePicture, inches
from .mesa_viz import update_counter
from .time_plots import customer_figure


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
            html_text("Customer", tag="span")
            solara.InputInt("", value=selected, on_value=lambda value: on_select(value or 0))
            html_text("or pick", tag="span")
            for level, label in (("passionate", "a fan"), ("hostile", "an enemy"), ("involved", "an involved one")):
                solara.Button(label, on_click=lambda level=level: pick(level), text=True)
        person = model.customer(selected)
        traits = ", ".join(f"{key.replace('_', ' ')} {value:.2f}" if isinstance(value, float) else f"{key} {value}"
                           for key, value in person.traits().items())
        whose = f"{escape(person.company)}'s customer" if person.company else "nobody's customer (a prospect)"
        level = "" if not person.company else f", <b>{escape(str(person.level))}</b>"
        html_text(f"<b>Customer {selected}</b>: {whose}{level}. Traits: {escape(traits)}.", ["sim-customer"])
        LivePicture(model, "customer",
                    lambda m, f, width, height, scale: customer_figure(
                        m, selected, f, size=inches(width, np.clip(width * 0.48, 220, 300)), dpi=72 * scale),
                    [model.steps, selected, len(getattr(model, "events", []))])
        html_text("Dotted line: the trust gate. Squares along the bottom: the level each day.", ["sim-hint"])
        history = list(reversed(getattr(model, "watch_history", [])[-3:]))
        if history:
            keys = ("company", "level", "bond", "trust", "identification", "anger", "expectation")
            rows = ["<tr><th>day</th>" + "".join(f"<th>{row['step']}</th>" for row in history) + "</tr>"]
            for key in keys:
                cells = "".join(f"<td>{row[key]:.2f}</td>" if isinstance(row[key], float)
                                else f"<td>{escape(str(row[key] or 'nobody'))}</td>" for row in history)
                rows.append(f"<tr><td>{key}</td>{cells}</tr>")
            html_text(f'<table class="sim-table sim-snapshots">{"".join(rows)}</table>')
