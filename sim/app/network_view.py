"""The network view: the social network drawn by the browser, and a click on a dot selecting that customer.

`NetworkView` is the "Social network" card: the legend, the picture, a hint. The picture is a
`NetworkCanvas`, a small Vue component that draws the network from the layout sent once
(sim.app.network_layout, the edges as an image from sim.app.network_picture) and a byte per
customer per frame, which stays smooth at thousands of customers. A click on it comes back as pixel
coordinates, and `NetworkPicture` picks the nearest dot and hands that customer to the inspector.
"""

from __future__ import annotations

import base64

import ipyvuetify as v
import numpy as np
import solara
import traitlets

from ..levels import COLOURS
from .figure_style import LEVEL_NAMES, MARKERS
from .html_text import html_text
from .live_picture import MEASURE, STOP, box_setter, data_url, inches
from .mesa_viz import update_counter
from .network_layout import network_layout
from .network_picture import (
    EXTENT,
    dot_diameter,
    edge_image,
    layout_pixels,
    nearest_dot,
    network_legend,
    shown_customers,
)
from .png_frames import png

NETWORK_TEMPLATE = r"""
<template>
  <div class="sim-picture sim-network" style="width: 100%; line-height: 0">
    <canvas ref="canvas" data-name="network" :data-drawn-for="drawn_for" :data-side="side"
            :style="{width: side + 'px', height: side + 'px', maxWidth: '100%', cursor: 'pointer'}"
            @click="pick"></canvas>
  </div>
</template>
<script>
module.exports = {""" + MEASURE + """
  watch: {
    frame() { this.draw(); },
    watched() { this.draw(); },
    positions() { this.xy = null; this.draw(); },
    background() { this.load(); },
  },
  methods: {""" + STOP + r"""
    started() { this.load(); },
    bytes(text) {
      const raw = atob(text || "");
      const out = new Uint8Array(raw.length);
      for (let i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
      return out;
    },
    load() {
      if (!this.background) { this.image = null; this.draw(); return; }
      const image = new Image();
      image.onload = () => { this.image = image; this.draw(); };
      image.src = this.background;
    },
    shape(ctx, marker, x, y, r) {
      if (marker === "s") { const h = r * 0.89; ctx.rect(x - h, y - h, 2 * h, 2 * h); }
      else if (marker === "^" || marker === "v") {
        const d = marker === "^" ? 1 : -1;
        ctx.moveTo(x, y - d * r * 1.15); ctx.lineTo(x + r * 1.05, y + d * r * 0.75);
        ctx.lineTo(x - r * 1.05, y + d * r * 0.75); ctx.closePath();
      }
      else if (marker === "D") {
        ctx.moveTo(x, y - r * 1.2); ctx.lineTo(x + r * 1.2, y); ctx.lineTo(x, y + r * 1.2); ctx.lineTo(x - r * 1.2, y);
        ctx.closePath();
      }
      else { ctx.arc(x, y, r, 0, 2 * Math.PI); }
    },
    draw() {
      const canvas = this.$refs.canvas;
      if (!canvas || !this.side || !this.positions || !this.frame) return;
      if (!this.xy) this.xy = new Float32Array(this.bytes(this.positions).buffer);
      const side = this.side, k = this.scale || 1, xy = this.xy, n = xy.length / 2;
      const state = this.bytes(this.frame);
      if (canvas.width !== Math.round(side * k)) { canvas.width = Math.round(side * k); canvas.height = canvas.width; }
      const ctx = canvas.getContext("2d");
      ctx.setTransform(k, 0, 0, k, 0, 0);
      ctx.fillStyle = "#ffffff";
      ctx.fillRect(0, 0, side, side);
      if (this.image) ctx.drawImage(this.image, 0, 0, side, side);
      const low = this.extent[0], span = this.extent[1] - this.extent[0];
      ctx.lineWidth = 0.5;
      ctx.strokeStyle = "#333333";
      for (let i = 0; i < n; i++) {
        const company = state[n + i], customer = company < this.shapes.length;
        const x = (xy[2 * i] - low) / span * side, y = side - (xy[2 * i + 1] - low) / span * side;
        ctx.beginPath();
        this.shape(ctx, customer ? this.shapes[company] : "o", x, y, (customer ? this.dot : this.dot * 0.58) / 2);
        ctx.fillStyle = this.colours[state[i]] || "#000000";
        ctx.fill();
        ctx.stroke();
      }
      if (this.watched >= 0 && this.watched < n) {
        const x = (xy[2 * this.watched] - low) / span * side;
        const y = side - (xy[2 * this.watched + 1] - low) / span * side;
        ctx.beginPath();
        ctx.arc(x, y, this.dot / 2 + 6, 0, 2 * Math.PI);
        ctx.lineWidth = 2.5;
        ctx.strokeStyle = "#000000";
        ctx.stroke();
      }
      canvas.dataset.frame = String(this.frame.length);
      canvas.dataset.watched = String(this.watched);
    },
    pick(event) {
      // in CSS pixels of the picture as drawn (side x side), which the server maps to the nearest dot
      const k = this.side / event.target.clientWidth;
      this.clicked = {x: event.offsetX * k, y: event.offsetY * k, n: ((this.clicked && this.clicked.n) || 0) + 1};
    }
  }
}
</script>
"""


class NetworkCanvas(v.VuetifyTemplate):
    """The social network drawn by the browser: positions and edges once, a byte per customer per frame.

    A PNG of a 700-pixel network costs 50-100 ms to make and 100-400 kB to send, every frame; the
    browser draws a few thousand dots in a few milliseconds. Clicks come back as `clicked`.
    """

    template = traitlets.Unicode(NETWORK_TEMPLATE).tag(sync=True)
    positions = traitlets.Unicode("").tag(sync=True)  # base64 float32 x, y pairs of the drawn customers (unit square)
    background = traitlets.Unicode("").tag(sync=True)  # data: URL of the edges, side x side CSS pixels
    frame = traitlets.Unicode("").tag(sync=True)  # base64 bytes: level codes, then company codes, of the drawn
    watched = traitlets.Int(-1).tag(sync=True)  # row of the ringed customer among the drawn ones, -1 if none
    shapes = traitlets.List([]).tag(sync=True)  # marker of each company ("o", "s", ...)
    colours = traitlets.List([]).tag(sync=True)  # colour of each level code
    extent = traitlets.List(list(EXTENT)).tag(sync=True)
    side = traitlets.Int(0).tag(sync=True)  # CSS pixels
    dot = traitlets.Float(8.0).tag(sync=True)  # diameter in CSS pixels
    scale = traitlets.Float(1.0).tag(sync=True)  # device pixels per CSS pixel
    drawn_for = traitlets.Int(0).tag(sync=True)
    box = traitlets.List([0, 0, 1]).tag(sync=True)
    clicked = traitlets.Dict(None, allow_none=True).tag(sync=True)  # {x, y, n}: the latest click


def network_side(width: int, height: int) -> int:
    """The network's square: as wide as its column, but not taller than the window leaves room for."""
    return int(max(min(width, height - 190), min(width, 320)))


@solara.component
def NetworkPicture(model, selected: int | None, on_pick):
    """The network of `model` in a NetworkCanvas, customer `selected` ringed; a click on it calls
    `on_pick(customer)` for the nearest dot."""
    box, set_box = solara.use_state((0, 0, 1.0))
    width, height, scale = box
    side = network_side(width, height) if width else 0

    def setup():
        positions, edges = network_layout(model.market.network)
        shown = shown_customers(model.state.n)
        drawn = positions[shown].astype("<f4")
        background = ""
        if side:
            image = edge_image(positions, edges, inches(side, side), 72 * scale)
            background = data_url(png(image, compress_level=6))  # sent once per size: worth compressing
        return {"shown": shown, "xy": drawn, "positions": base64.b64encode(drawn.tobytes()).decode("ascii"),
                "background": background, "dot": dot_diameter(side, side, len(shown)) if side else 8.0}

    static = solara.use_memo(setup, [id(model), side, scale])
    shown = static["shown"]
    codes = np.concatenate([model.state.level[shown], model.state.company[shown]]).astype(np.uint8)
    row = -1
    if selected is not None:
        found = int(np.searchsorted(shown, selected))
        row = found if found < len(shown) and shown[found] == selected else -1  # not drawn: no ring

    def clicked(data) -> None:
        if not data or not side:
            return
        xy = layout_pixels(static["xy"], side, side)
        picked = nearest_dot(xy, float(data["x"]), float(data["y"]), static["dot"] + 6)
        if picked is not None:
            on_pick(int(shown[picked]))

    NetworkCanvas.element(positions=static["positions"], background=static["background"],
                          frame=base64.b64encode(codes.tobytes()).decode("ascii"), watched=row,
                          shapes=[MARKERS[c % len(MARKERS)] for c in range(len(model.market.names))],
                          colours=[COLOURS[level] for level in LEVEL_NAMES], side=side, dot=static["dot"],
                          scale=scale, drawn_for=width if side else 0, box=list(box), on_box=box_setter(set_box),
                          on_clicked=clicked)


@solara.component
def NetworkView(model, selected: int, on_pick):
    """The network, recoloured every rendered step; a click selects the customer under the pointer."""
    update_counter.get()
    with solara.Card("Social network"):
        html_text(network_legend(model), ["sim-legend"])
        NetworkPicture(model, selected, on_pick)
        html_text("Click a dot to follow that customer in the inspector.", ["sim-hint"])
