"""The Info tab, in the style of NetLogo's: what it is, how it works, things to notice, things to try.

The text is sim.app.info's Markdown, turned into HTML here once (see sim.app.html_text for why not
Solara's Markdown component).
"""

from __future__ import annotations

import solara
from markdown import markdown

from .html_text import html_text
from .info import INFO


@solara.component
def InfoTab(model):
    """The Info tab, as in NetLogo."""
    html = solara.use_memo(lambda: markdown(INFO, extensions=["tables"]), [])
    with solara.Card("Info: what it is, how it works, things to notice, things to try"):
        html_text(html, ["sim-info"])
