"""Figures as PNG frames, fast enough for several a second; and the size of a figure's smallest text.

- `figure_png`: a live figure (sim.app.network_picture, sim.app.time_plots) as PNG bytes,
  redrawing only what changed;
- `png`: an image array as PNG bytes;
- `smallest_text_px`: the size of a figure's smallest text in image pixels (what the browser test
  checks against 14 CSS px).
"""

from __future__ import annotations

import io

import numpy as np
from matplotlib.figure import Figure
from matplotlib.text import Text


def png(image: np.ndarray, compress_level: int = 1) -> bytes:
    """An RGBA array as PNG bytes (level 1: fast; frames are made several times a second)."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format="png", compress_level=compress_level)
    return buffer.getvalue()


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
