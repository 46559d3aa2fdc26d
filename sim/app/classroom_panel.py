"""The classroom panel: the buttons that act on the running model, beside the level counts now.

The buttons (sim.app.model.BUTTONS: an outage, a fan programme, a competitor's promotion, a complaint
going viral) each schedule a scenario intervention from the next step; the table counts the
customers of each company at each level.
"""

from __future__ import annotations

from html import escape

import solara

from ..levels import COLOURS, LEVELS
from .html_text import html_text
from .mesa_viz import force_update, update_counter
from .model import BUTTONS


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
                html_text("Buttons act from the next day.", ["sim-hint"])
            html_text(_counts_table(model))
