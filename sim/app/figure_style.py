"""The pictures' common look, sized for a projector: text size, company markers, level colours.

Every text of every picture is FONT_PX points, which at the dpi the app uses (72 times the screen's
device-pixel ratio) is FONT_PX CSS pixels when the picture is shown at its own size, as the page
does. The network (sim.app.network_picture, and the browser's canvas in sim.app.network_view) and
the time plots (sim.app.time_plots) share the markers and colours, so a company and a level look
the same in every picture.
"""

from __future__ import annotations

import numpy as np
from matplotlib.colors import to_rgba

from ..levels import COLOURS, LEVELS

MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")  # one per company, in the order of the market's names
LEVEL_NAMES = (*LEVELS, "prospect")  # level codes as the model stores them: the five levels, then nobody's customer
LEVEL_RGBA = np.array([to_rgba(COLOURS[level]) for level in LEVEL_NAMES])
# Text size in points; at 72 dpi a point is a pixel. 14 px is the floor for a projector (issue 14);
# one more leaves room for a picture squeezed by a few pixels before the page redraws it.
FONT_PX = 15
