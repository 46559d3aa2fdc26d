"""Text on the page as plain HTML (Solara's HTML element), with CSS classes.

Text is plain HTML (Markdown is turned into HTML on the server, in sim.app.info_tab): Solara's
Markdown component loads a diagram library and a maths renderer from a CDN on every mount, which
fills the terminal with failed requests on a machine without internet.
"""

from __future__ import annotations

import solara


def html_text(text: str, classes: list[str] | None = None, tag: str = "div"):
    """`text`, which is HTML (escape what it quotes), in a `tag` element with these CSS classes."""
    return solara.HTML(tag=tag, unsafe_innerHTML=text, classes=classes or [])
