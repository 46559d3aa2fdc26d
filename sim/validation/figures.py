"""The report's figures for the Bass limit, the stylized facts and the properties: each function draws one,
saves it as a PNG and returns its Markdown link. figures_market.py draws the market and scenario figures.

Every figure is saved at DPI dots per inch, and `save_figure` raises any text below MIN_FONT points to
MIN_FONT, so labels are readable at the saved size (the property experiments draw their own plots).
matplotlib is imported inside the functions, so importing the validation package does not load it.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .bass import bass_continuous, bass_discrete
from .facts import TARP_GROUPS, RecoveryDesign

if TYPE_CHECKING:
    from .report import Results

DPI = 110
MIN_FONT = 10.0
STYLE = {"font.size": 11, "axes.titlesize": 12, "axes.labelsize": 11, "legend.fontsize": 10,
         "xtick.labelsize": 10, "ytick.labelsize": 10}
TARP_PUBLISHED = (0.09, 0.19, 0.54, 0.82)  # would buy again, problems over $100 (TARP 1986)


def readable(figure) -> None:
    """Raise every text of the figure (titles, labels, ticks, legends, annotations) to at least MIN_FONT."""
    from matplotlib.text import Text

    for text in figure.findobj(Text):
        if text.get_text() and text.get_fontsize() < MIN_FONT:
            text.set_fontsize(MIN_FONT)


def save_figure(figure, folder: Path, name: str, prefix: str, rect: tuple | None = None) -> str:
    """Save a matplotlib figure as folder/name.png (readable fonts), close it, and return the Markdown link;
    `rect` keeps the subplots inside part of the figure (e.g. to leave room for a legend below them)."""
    import matplotlib.pyplot as plt

    readable(figure)
    figure.tight_layout(rect=rect)
    figure.savefig(folder / f"{name}.png", dpi=DPI)
    plt.close(figure)
    return f"![{name}]({prefix}/{name}.png)"


def figure_bass_curves(results: Results, folder: Path, prefix: str) -> str:
    """One run at the largest N per (p, q) against the discrete recursion and the continuous form."""
    import matplotlib.pyplot as plt

    pairs = list(results.curves)
    figure, axes = plt.subplots(1, len(pairs), figsize=(4.6 * len(pairs), 4.0), squeeze=False)
    n = max(results.plan.sizes)
    for ax, (p, q) in zip(axes[0], pairs, strict=True):
        share = results.curves[(p, q)]
        t = np.arange(share.size)
        fine = np.linspace(0, t[-1], 400)
        ax.plot(t, share, "o", ms=3, color="#1f77b4", label=f"model, N={n:,}, seed 0")
        ax.plot(t, bass_discrete(p, q, t[-1]), "-", color="black", lw=1.2, label="discrete Bass recursion")
        ax.plot(fine, bass_continuous(p, q, fine), "--", color="#d62728", lw=1.2, label="continuous closed form")
        ax.set(title=f"p = {p}, q = {q}", xlabel="step (day)", ylabel="adopter share F(t)", ylim=(0, 1.02))
    axes[0][0].legend(loc="lower right")
    return save_figure(figure, folder, "bass_curves", prefix)


def figure_bass_error(table: pd.DataFrame, folder: Path, prefix: str) -> str:
    """Mean maximum error against N on log axes, with the linear-noise sd and a slope of -1/2."""
    import matplotlib.pyplot as plt

    figure, ax = plt.subplots(figsize=(6.4, 4.6))
    for (p, q), group in table.groupby(["p", "q"], sort=False):
        line = ax.errorbar(group["customers"], group["max_error"], yerr=group["sd"].fillna(0), marker="o",
                           capsize=3, label=f"p={p}, q={q}")
        ax.plot(group["customers"], group["expected_sd"], ":", color=line[0].get_color())
    sizes = np.array(sorted(table["customers"].unique()), float)
    ax.plot(sizes, table["max_error"].max() * np.sqrt(sizes[0] / sizes), "k--", lw=1, label="slope -1/2")
    ax.set(xscale="log", yscale="log", xlabel="population N (people)",
           ylabel="max |model - discrete Bass| (share)",
           title="Error shrinks like 1/sqrt(N)\n(dotted: linear-noise standard deviation)")
    ax.legend()
    return save_figure(figure, folder, "bass_error", prefix)


def figure_networks(curves: pd.DataFrame, folder: Path, prefix: str) -> str:
    """Mean adopter share on each network of NETWORKS, per (p, q), with the discrete Bass curve."""
    import matplotlib.pyplot as plt

    pairs = list(dict.fromkeys(zip(curves["p"], curves["q"], strict=True)))
    figure, axes = plt.subplots(1, len(pairs), figsize=(6.0 * len(pairs), 4.4), squeeze=False)
    for ax, (p, q) in zip(axes[0], pairs, strict=True):
        group = curves[(curves["p"] == p) & (curves["q"] == q)]
        for label, curve in group.groupby("network", sort=False):
            ax.plot(curve["step"], curve["share"], lw=2 if label == "complete" else 1.3,
                    label=label.replace(" (", "\n("))
        steps = int(group["step"].max())
        slowest = group.groupby("step")["share"].min()
        done = slowest.index[slowest.to_numpy() >= 0.995]
        ax.plot(np.arange(steps + 1), bass_discrete(p, q, steps), "k:", lw=1, label="discrete Bass")
        ax.set(title=f"p = {p}, q = {q}", xlabel="step (day)", ylabel="adopter share", ylim=(0, 1.02),
               xlim=(0, min(steps, int(done[0]) + 5) if len(done) else steps))
    axes[0][0].legend(loc="lower right", fontsize=MIN_FONT)
    return save_figure(figure, folder, "bass_networks", prefix)


def figure_word_of_mouth(wom: pd.DataFrame, folder: Path, prefix: str) -> str:
    """Praise per warning by company and for the market, against the published 2:1 to 4:1 (about 3:1)."""
    import matplotlib.pyplot as plt

    totals = wom.groupby("company", sort=False)[["praise", "warnings"]].sum()
    totals.loc["whole market"] = totals.sum()
    ratio = totals["praise"] / totals["warnings"].replace(0, np.nan)
    finite = ratio[np.isfinite(ratio) & (ratio > 0)]
    low = min(float(finite.min()) if len(finite) else 1.0, 2.0) / 2
    high = max(float(finite.max()) if len(finite) else 1.0, 4.0) * 3
    figure, ax = plt.subplots(figsize=(7.2, 5.4))
    colours = ["#888888"] * (len(ratio) - 1) + ["#1f77b4"]
    ax.bar(ratio.index, ratio.fillna(low).clip(lower=low), color=colours, zorder=2)
    ax.axhspan(2, 4, color="#d62728", alpha=0.2, zorder=3, label="published band 2:1 to 4:1")
    ax.axhline(3, color="#d62728", ls="--", zorder=4, label="East, Hammond & Wright (2007): about 3:1")
    for x, value in enumerate(ratio):
        text = "no warnings" if not np.isfinite(value) else f"{value:.1f}:1"
        ax.text(x, low * 1.1 if not np.isfinite(value) else value * 1.08, text, ha="center", va="bottom")
    ax.set(ylabel="messages of praise per warning\n(log scale)", yscale="log", ylim=(low, high),
           xlabel="company the messages are about", title="Positive vs negative word of mouth (baseline)")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2))
    return save_figure(figure, folder, "word_of_mouth_ratio", prefix)


def figure_recovery(paths: dict, design: RecoveryDesign, folder: Path, prefix: str) -> str:
    """Each recovery group's mean bond minus its twin's, step by step, with the outages marked."""
    import matplotlib.pyplot as plt

    figure, ax = plt.subplots(figsize=(12.0, 5.0))
    styles = {"one failure, good handling": ("black", "-", 2.4),
              "one failure, recovered at first contact": ("#2ca02c", "-", 1.6),
              "two failures, good handling": ("#555555", "--", 1.4),
              "two failures, both recovered at first contact": ("#98df8a", "--", 1.6),
              "one failure, poor handling": ("#d62728", ":", 1.6)}
    for label, path in paths.items():
        colour, style, width = styles.get(label, (None, "-", 1.2))
        shown = (f"{label}:\neveryone hit (the headline)" if label == "one failure, good handling" else
                 label.replace(", ", ",\n", 1))
        ax.plot(np.arange(1, path.size + 1), path, color=colour, ls=style, lw=width, label=shown)
    ax.axhline(0, color="black", lw=0.8)
    for at in (design.first, design.second):
        ax.axvline(at, color="grey", ls=":", lw=1)
    ax.set(xlabel="step (day, after the burn-in)", ylabel="mean bond minus the twin's bond\n(bond scale -1 to 1)",
           title="Recovery twins under common random numbers (dotted lines: outages)")
    ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1))
    return save_figure(figure, folder, "recovery_paradox", prefix)


def figure_tarp(tarp: pd.DataFrame, horizon: int, folder: Path, prefix: str) -> str:
    """Retention a horizon after a first failure by TARP group, with 95% intervals and TARP's figures."""
    import matplotlib.pyplot as plt

    figure, ax = plt.subplots(figsize=(8.0, 4.8))
    x = np.arange(len(tarp))
    ax.bar(x - 0.18, tarp["retention"], width=0.36, yerr=tarp["ci95"], capsize=4,
           color=["#888888", "#d62728", "#2ca02c", "#1f77b4"],
           label=f"model: still a customer {horizon} days on (95% interval)")
    if list(tarp["group"]) == list(TARP_GROUPS):
        ax.bar(x + 0.18, TARP_PUBLISHED, width=0.36, color="white", edgecolor="black", hatch="//",
               label="TARP: would buy again (problems over $100)")
    ax.set_xticks(x, [g.replace(", ", ",\n") for g in tarp["group"]])
    ax.set(ylabel="share of customers", ylim=(0, 1.05), xlabel="how the complaint after a first failure went",
           title=f"Loyalty {horizon} days after a problem, by how the complaint went")
    ax.legend(loc="upper left")
    return save_figure(figure, folder, "complaint_loyalty", prefix)


def figure_property(demo, folder: Path, prefix: str) -> str | None:
    """The demonstration's own plot; None if it has none, a note if drawing it raised."""
    import matplotlib.pyplot as plt

    if demo.plot is None:
        return None
    figure, ax = plt.subplots(figsize=(7.0, 4.4))
    try:
        demo.plot(ax)
    except Exception as error:  # a broken plot is reported in the text
        plt.close(figure)
        return f"(figure failed: {type(error).__name__}: {error})"
    safe = "".join(ch if ch.isalnum() else "_" for ch in demo.name)
    return save_figure(figure, folder, f"property_{safe}", prefix)
