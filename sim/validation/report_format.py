"""Formatting for validation.md: Markdown tables, numbers, bands, and the Check that every section hands to
the summary table at the top of the report (our figure, the published figure or band, inside or not).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd


def markdown_table(frame: pd.DataFrame, formats: dict | None = None) -> str:
    """A pandas frame as a Markdown table, columns formatted by `formats` (format spec or callable)."""
    formats = formats or {}

    def cell(column, value):
        spec = formats.get(column)
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return "-"
        if callable(spec):
            return spec(value)
        return format(value, spec) if spec else str(value)

    lines = ["| " + " | ".join(map(str, frame.columns)) + " |", "|" + " --- |" * len(frame.columns)]
    for _, row in frame.iterrows():
        lines.append("| " + " | ".join(cell(c, row[c]) for c in frame.columns) + " |")
    return "\n".join(lines)


def fmt(value) -> str:
    """A value for the report: floats to 4 significant digits, integers with thousands separators, yes/no."""
    if isinstance(value, bool | np.bool_):
        return "yes" if value else "no"
    if isinstance(value, int | np.integer):
        return f"{int(value):,}"
    if isinstance(value, float | np.floating):
        return "-" if math.isnan(value) else f"{value:.4g}"
    return str(value)


def pct(value: float, digits: int = 1) -> str:
    """0.2058 -> '20.6%'."""
    return "-" if value is None or not np.isfinite(value) else f"{100 * value:.{digits}f}%"


def points(value: float) -> str:
    """0.0094 -> '0.9 points' (a difference of shares, in percentage points)."""
    return "-" if not np.isfinite(value) else f"{100 * value:.1f} points"


def ratio(value: float) -> str:
    """2.47 -> '2.5:1'."""
    return "no warnings" if not np.isfinite(value) else f"{value:.1f}:1"


def times(value: float) -> str:
    """6.9 -> '6.9x'."""
    return "-" if not np.isfinite(value) else f"{value:.1f}x"


def days(value: float) -> str:
    """A median spell in days; inf when more than half the spells outlast the run."""
    if value == float("inf"):
        return "beyond the run"
    return "-" if not np.isfinite(value) else f"{value:,.0f} days"


def inside(value: float, low: float | None, high: float | None) -> bool:
    """Is `value` within [low, high] (an open end is None)? NaN is never inside."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return False
    return (low is None or value >= low) and (high is None or value <= high)


def band(low: float | None, high: float | None, show) -> str:
    """A band in words: '8.0% to 35.0%', 'at least 15.0%', 'at most 2.0 points'."""
    if low is not None and high is not None:
        return f"{show(low)} to {show(high)}"
    if low is not None:
        return f"at least {show(low)}"
    return f"at most {show(high)}"


def verdict(ok: bool | None) -> str:
    """The 'inside?' cell: yes, **no** (bold, so a difference is seen), or '-' for a figure shown without a band."""
    return "-" if ok is None else ("yes" if ok else "**no**")


@dataclass
class Check:
    """One row of the summary table: a figure of ours next to the published figure or band it is set against."""

    section: str
    check: str
    ours: str
    published: str
    source: str
    inside: bool | None


def checks_table(checks: list[Check]) -> str:
    frame = pd.DataFrame([{"section": c.section, "check": c.check, "ours": c.ours, "published figure or band":
                           c.published, "source": c.source, "inside?": verdict(c.inside)} for c in checks])
    return markdown_table(frame)


def caption(number_and_text: str) -> str:
    """An italic caption line under a figure."""
    return f"*{number_and_text}*"
