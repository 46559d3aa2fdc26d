"""Outcome metrics computed from a run's timeseries (one company at a time).

These are the numbers strategists compare: shares of fans and hostiles, churn, referrals, revenue,
cost, ROI and an NPS-like index. All take the DataFrame of one replication (`model.timeseries()`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # pandas is imported where a table is made: a run starts without it
    import pandas as pd


METRICS = {
    "customers": "customers at the end",
    "market_share": "share of the population who are customers at the end",
    "share_passionate": "share of the company's customers who are passionate at the end",
    "share_hostile": "share of the company's customers who are hostile at the end",
    "churn": "customers lost over the run, per customer at the start",
    "referrals": "customers won by a referral over the run",
    "revenue": "revenue over the run",
    "cost": "cost of all touchpoints and programmes over the run",
    "profit": "revenue minus cost",
    "roi": "profit per unit of cost (null in JSON where there was no cost)",
    "nps": "share passionate minus share disengaged and hostile, at the end (an NPS-like index)",
    "praise_per_warning": "messages of praise per warning over the run (null in JSON where there was no warning: "
                          "the ratio is undefined)",
}

# the unit of each metric, for axes and tables
UNITS = {"customers": "customers", "market_share": "share of the population", "share_passionate": "share of customers",
         "share_hostile": "share of customers", "churn": "leavers per customer", "referrals": "customers",
         "revenue": "money units", "cost": "money units", "profit": "money units", "roi": "money per money",
         "nps": "share of customers", "praise_per_warning": "messages per warning"}


def summarize(frame: pd.DataFrame | dict, company: str) -> dict[str, float]:
    """The metrics of METRICS for `company` from one replication's timeseries (a DataFrame, or its columns as
    NumPy arrays: `EngagementModel.timeseries_arrays`)."""
    def column(name: str) -> np.ndarray:
        return np.asarray(frame[f"{company}_{name}"])

    def total(name: str) -> float:
        return float(column(name).sum())  # NumPy's sum, as pandas' (pairwise for floats)

    def last(name: str) -> float:
        return column(name)[-1]

    revenue, cost, warnings = total("revenue"), total("cost"), total("warnings")
    start = max(float(column("customers")[0]), 1.0)
    return {
        "customers": float(last("customers")),
        "market_share": float(last("market_share")),
        "share_passionate": float(last("passionate_share")),
        "share_hostile": float(last("hostile_share")),
        "churn": total("lost") / start,
        "referrals": total("referrals"),
        "revenue": revenue,
        "cost": cost,
        "profit": revenue - cost,
        "roi": (revenue - cost) / cost if cost > 0 else float("nan"),
        "nps": float(last("passionate_share") - last("disengaged_share") - last("hostile_share")),
        "praise_per_warning": total("praise") / warnings if warnings else float("nan"),
    }
