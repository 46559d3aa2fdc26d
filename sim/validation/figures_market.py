"""The report's figures for a market at rest and for the bundled scenarios (see figures.py for the rest).

- `figure_at_rest`: a market's level shares day by day over the recorded years, the mean over seeds with
  the range over seeds shaded, and the published band of each level where there is one;
- `figure_cascade`: the focal company's hostile share in `hostile_cascade`, with the viral complaint, in its
  twin without it, and with the company listening at 0.8.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..levels import COLOURS
from .at_rest import BANDS, YEAR
from .figures import save_figure
from .market_runs import MarketAtRest, ScenarioChecks

PANELS = (("passionate", ("passionate",)), ("involved", ("involved",)), ("indifferent", ("indifferent",)),
          ("disengaged", ("disengaged",)), ("hostile", ("hostile",)),
          ("disengaged + hostile", ("disengaged", "hostile")))
PANEL_BAND = {"passionate": "passionate", "involved": "involved", "indifferent": "indifferent",
              "hostile": "hostile", "disengaged + hostile": "disengaged_or_hostile"}


def figure_at_rest(market: MarketAtRest, name: str, title: str, folder: Path, prefix: str,
                   published: dict[str, tuple[float, str]] | None = None) -> str:
    """Six panels (five levels and disengaged + hostile): share of the company's customers by day; `published`
    marks a published point figure on a panel (panel label -> (share, label))."""
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(2, 3, figsize=(12.5, 7.0), sharex=True)
    days = np.arange(len(market.shares[0]))
    for ax, (label, levels) in zip(axes.flat, PANELS, strict=True):
        series = np.array([sum(frame[level].to_numpy() for level in levels) for frame in market.shares]) * 100
        colour = COLOURS[levels[-1]] if len(levels) == 1 else "#8d6e63"
        ax.fill_between(days, series.min(axis=0), series.max(axis=0), color=colour, alpha=0.3, lw=0,
                        label=f"range over {len(market.seeds)} seed{'s' if len(market.seeds) > 1 else ''} (shading)")
        ax.plot(days, series.mean(axis=0), color=colour, lw=1.4, label="mean over seeds (line)")
        key = PANEL_BAND.get(label)
        top = float(series.max()) * 1.25 + 1
        if key:
            low, high, _ = BANDS[key]
            ax.axhspan(100 * (low or 0), 100 * high if high is not None else max(top, 100 * (low or 0) + 5),
                       color="black", alpha=0.07, label="the brief's band (grey)")
            top = max(top, 100 * (high if high is not None else (low or 0)) * 1.15)
        if label in (published or {}):
            value, text = published[label]
            ax.axhline(100 * value, color="black", ls="--", lw=1.2, label=f"{text} ({label})")
            top = max(top, 100 * value * 1.15)
        for year in range(1, market.years):
            ax.axvline(year * YEAR, color="grey", ls=":", lw=1)
        ax.set(title=label, ylim=(0, top), xlim=(0, days[-1]))
        if ax in axes[:, 0]:
            ax.set_ylabel("share of the company's\ncustomers (%)")
        if ax in axes[1]:
            ax.set_xlabel("day after the burn-in")
    shown: dict = {}
    for ax in axes.flat:
        for handle, text in zip(*ax.get_legend_handles_labels(), strict=True):
            shown.setdefault(text, handle)
    figure.legend(shown.values(), shown.keys(), loc="lower center", ncol=min(len(shown), 3), frameon=False)
    figure.suptitle(title, fontsize=13)
    rows = -(-len(shown) // 3)
    return save_figure(figure, folder, name, prefix, rect=(0, 0.045 * rows + 0.01, 1, 1))


def figure_cascade(checks: ScenarioChecks, folder: Path, prefix: str) -> str:
    """The focal company's hostile share by day: the cascade, its twin, and listening at 0.8."""
    import matplotlib.pyplot as plt

    rows = checks.cascade
    figure, ax = plt.subplots(figsize=(9.0, 6.2))
    arms = (("series", "viral complaint at the focal company", "#c62828", "-"),
            ("series_twin", "twin without the viral complaint", "#555555", "--"),
            ("series_listening", "viral complaint, company listening at 0.8", "#1f77b4", "-."))
    for key, label, colour, style in arms:
        series = np.array([row[key] for row in rows]) * 100
        days = np.arange(series.shape[1])
        for single in series if len(rows) > 1 else ():
            ax.plot(days, single, color=colour, lw=0.6, alpha=0.35)
        ax.plot(days, series.mean(axis=0), color=colour, ls=style, lw=2,
                label=f"{label} (mean of {len(rows)} seed{'s' if len(rows) > 1 else ''})")
    ax.set_ylim(0, None)
    at = checks.viral_at
    ax.axvline(at, color="black", lw=1, ls=":")
    ax.axvline(at + 90, color="black", lw=1, ls=":")
    ax.text(at, ax.get_ylim()[1] * 0.97, " complaint goes viral", va="top")
    ax.text(at + 90, ax.get_ylim()[1] * 0.97, " 90 days later", va="top")
    ax.set(xlabel="day after the burn-in", ylabel="hostile share of the focal\ncompany's customers (%)",
           title="hostile_cascade: hostility spreads after a viral complaint", ylim=(0, None))
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.15))
    return save_figure(figure, folder, "hostile_cascade", prefix)
