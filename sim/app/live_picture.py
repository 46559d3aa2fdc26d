"""Pictures that fit their box: matplotlib PNGs drawn by the server at the size the browser reports.

`LivePicture` shows a figure of the model (sim.app.time_plots) in a `Picture`, a small Vue
component that reports its box's width, the window's height and the pixel density; the server draws
the figure for exactly that (through sim.app.png_frames), so its text is FONT_PX CSS pixels on any
screen. The browser side of the measuring (MEASURE, STOP) is shared with the network's canvas
(sim.app.network_view), as are `box_setter`, `data_url` and `inches`.
"""

from __future__ import annotations

import base64
import threading

import ipyvuetify as v
import solara
import traitlets

from .png_frames import figure_png

# Shared by Picture and NetworkCanvas: report the box's width, the window's height and the pixel density
# (as `box`), so the server draws for them. A box that grew by less than 16 px keeps its picture
# (no redraw for a scroll bar coming and going); one that shrank is redrawn at once.
MEASURE = r"""
  mounted() {
    this.measure = () => {
      const width = Math.floor(this.$el.clientWidth);
      const height = Math.floor(window.innerHeight);
      const scale = Math.min(Math.max(window.devicePixelRatio || 1, 1), 2);
      const old = this.box || [0, 0, 1];
      if (width > 0 && (width < old[0] || width > old[0] + 16 || Math.abs(height - old[1]) > 16
                        || scale !== old[2])) {
        this.box = [width, height, scale];
      }
    };
    this.observer = new ResizeObserver(() => this.measure());
    this.observer.observe(this.$el);
    window.addEventListener("resize", this.measure);
    this.measure();
    if (this.started) this.started();
  },
  beforeUnmount() { this.stop(); },
  beforeDestroy() { this.stop(); },
"""
STOP = r"""
    stop() {
      if (this.observer) { this.observer.disconnect(); this.observer = null; }
      window.removeEventListener("resize", this.measure);
    },
"""

PICTURE_TEMPLATE = r"""
<template>
  <div class="sim-picture" style="width: 100%; line-height: 0">
    <img v-if="src" :src="src" :alt="alt" :data-font-px="font_px" :data-name="alt" :data-drawn-for="drawn_for"
         :style="{width: display_width + 'px', maxWidth: '100%', height: 'auto'}" />
  </div>
</template>
<script>
module.exports = {""" + MEASURE + """
  methods: {""" + STOP + """
  }
}
</script>
"""


class Picture(v.VuetifyTemplate):
    """An image drawn by the server for the box it sits in, shown at its own size."""

    template = traitlets.Unicode(PICTURE_TEMPLATE).tag(sync=True)
    src = traitlets.Unicode("").tag(sync=True)  # a data: URL (PNG)
    alt = traitlets.Unicode("").tag(sync=True)
    font_px = traitlets.Float(0.0).tag(sync=True)  # smallest text of the image, in its own pixels
    display_width = traitlets.Int(0).tag(sync=True)  # CSS pixels: the image at its own size
    drawn_for = traitlets.Int(0).tag(sync=True)  # the box width (CSS pixels) the image was drawn for
    box = traitlets.List([0, 0, 1]).tag(sync=True)  # [width, window height, device pixel ratio] from the browser


def box_setter(set_box):
    """The handler of a widget's `box`, as a (width, height, scale) state."""
    return lambda value: set_box((int(value[0]), int(value[1]), float(value[2])))


@solara.component
def LivePicture(model, name: str, draw, dependencies: list):
    """Figure `name` of this model, drawn by `draw(model, figure, width, height, scale)` for its box.

    `width` is the box's width in CSS pixels, `height` the window's, `scale` the device pixel ratio;
    `draw` returns a figure of that many pixels at dpi 72 * scale (text in points is then CSS pixels).
    Figures are kept per model and updated in place (matplotlib spends most of a redraw creating axes
    and ticks); a new box makes a new figure. The PNG is remade only when a dependency changes. A lock
    keeps the play thread and a click from drawing the same figure at once.
    """
    box, set_box = solara.use_state((0, 0, 1.0))
    figures = model.__dict__.setdefault("_app_figures", {})
    lock = model.__dict__.setdefault("_app_lock", threading.Lock())

    def render():
        width, height, scale = box
        if width <= 0:
            return "", 0.0, 0  # not measured yet: draw nothing rather than the wrong size
        with lock:
            figure = figures.get(name)
            if figure is not None and getattr(figure, "box", None) != box:
                figure = None
            figure = figures[name] = draw(model, figure, width, height, scale)
            figure.box = box
            return (data_url(figure_png(figure)), getattr(figure, "live", {}).get("text_px", 0.0),
                    int(round(figure.bbox.width / scale)))

    src, text_px, display_width = solara.use_memo(render, [id(model), box, *dependencies])
    Picture.element(src=src, alt=name, font_px=text_px, display_width=display_width, drawn_for=box[0] if src else 0,
                    box=list(box), on_box=box_setter(set_box))


def data_url(image: bytes) -> str:
    """PNG bytes as a data: URL, for an image's src."""
    return "data:image/png;base64," + base64.b64encode(image).decode("ascii")


def inches(width: float, height: float) -> tuple[float, float]:
    """CSS pixels as a figure size in inches (at dpi 72 times the pixel density)."""
    return width / 72, height / 72
