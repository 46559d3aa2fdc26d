"""The market: each company's parameters as arrays (one entry per company plus "none"), and a tally.

Interventions change a company's parameters for a window of steps; `Market.effective(step)` applies
the ones active at that step on top of the scenario's values. Arrays have a last, neutral entry for
"none" so that `array[state.company]` works for prospects too.
"""

from __future__ import annotations

import copy

import numpy as np

from .parameters import LEVELS, PROGRAMME_TARGETS, PROGRAMMES

F32 = np.float32


def merge(base: dict, changes: dict) -> dict:
    out = copy.deepcopy(base)
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        else:
            out[key] = value
    return out


class Market:
    """Companies' effective parameters at the current step, as arrays indexed by company."""

    def __init__(self, companies: dict[str, dict], focal: str, interventions: list[dict]):
        self.names = list(companies)
        self.focal = self.names.index(focal)
        self.none = len(self.names)
        self.base = [companies[name] for name in self.names]
        self.interventions = list(interventions)  # own list: events scheduled later leave the scenario alone
        self.active_key: tuple | None = None
        self.companies = self.base
        self._build(self.base)

    @property
    def size(self) -> int:
        return len(self.names)

    def active(self, step: int) -> tuple[int, ...]:
        return tuple(i for i, event in enumerate(self.interventions)
                     if event["at"] <= step and (event["until"] is None or step < event["until"]))

    def schedule(self, event: dict) -> None:
        """Add a resolved intervention while the model runs (the app's buttons); it acts from its `at` step."""
        self.interventions.append(event)
        self.active_key = None  # recompute the active set and the company arrays at the next update

    def update(self, step: int) -> None:
        key = self.active(step)
        if key == self.active_key:
            return
        self.active_key = key
        companies = list(self.base)
        for index in key:
            event = self.interventions[index]
            c = self.names.index(event["company"])
            companies[c] = merge(companies[c], event["changes"])
        self.companies = companies
        self._build(companies)

    def _build(self, companies: list[dict]) -> None:
        def column(getter, none_value=0.0, dtype=F32):
            return np.array([getter(c) for c in companies] + [none_value], dtype=dtype)

        self.quality = column(lambda c: c["service_quality"])
        self.quality_spread = column(lambda c: c["quality_spread"])
        self.touchpoint_rate = column(lambda c: c["touchpoint_rate"])
        self.failure_rate = column(lambda c: c["failure_rate"])
        self.failure_severity = column(lambda c: c["failure_severity"])
        self.complaint_handling = column(lambda c: c["complaint_handling"])
        self.listening = column(lambda c: c["listening"])
        self.price = column(lambda c: c["price"])
        self.ad_reach = column(lambda c: c["advertising"]["reach"])
        self.ad_effect = column(lambda c: c["advertising"]["effect"])
        self.ad_conversion = column(lambda c: c["advertising"]["conversion"])
        self.ad_cost = column(lambda c: c["advertising"]["cost"])
        self.promotion_discount = column(lambda c: c["promotion"]["discount"])
        self.promotion_reach = column(lambda c: c["promotion"]["reach"])
        self.outage_failure_rate = column(lambda c: c["outage"]["failure_rate"])
        self.outage_share = column(lambda c: c["outage"]["share"])
        self.touchpoint_cost = column(lambda c: c["costs"]["touchpoint"])
        self.complaint_cost = column(lambda c: c["costs"]["complaint"])
        self.programme = {}
        for name in PROGRAMMES:
            self.programme[name] = {
                "reach": column(lambda c, name=name: c["programmes"][name]["reach"]),
                "target": column(lambda c, name=name: PROGRAMME_TARGETS.index(c["programmes"][name]["target"]),
                                 0, np.int8),
                "frequency": column(lambda c, name=name: c["programmes"][name]["frequency"]),
                "gain": column(lambda c, name=name: c["programmes"][name]["gain"]),
                "cost": column(lambda c, name=name: c["programmes"][name]["cost"]),
            }
        self.best_quality = float(self.quality[:-1].max())


class Tally:
    """What happened in one step, counted per company (the rows of timeseries.csv are built from it).

    Mechanisms also leave signals here for later mechanisms of the same step: `company_before` (set by
    the model), `failed` (service -> complaints), `ad_seen` (advertising -> switching), `heard_praise`
    (word of mouth -> switching), `speakers` (word of mouth, one entry per message) and
    `complaint_outcomes` (complaints: rows that complained, were recovered, quickly, or gave up).
    """

    COUNTS = ("interactions", "failures", "complaints", "silent_failures", "recoveries", "quick_recoveries",
              "abandoned_complaints", "praise", "warnings", "lost", "gained", "acquired", "referrals",
              "lapsed", "programme_touches", "ad_exposures")
    MONEY = ("revenue", "cost_advertising", "cost_service", "cost_complaints", "cost_programmes")

    def __init__(self, n_companies: int):
        size = n_companies + 1
        for name in self.COUNTS:
            setattr(self, name, np.zeros(size, np.int64))
        for name in self.MONEY:
            setattr(self, name, np.zeros(size, np.float64))
        self.transitions = np.zeros((len(LEVELS), len(LEVELS)), np.int64)
        # who spoke and who left, by the speaker's or leaver's level at the start of the step
        self.praise_by_level = np.zeros(len(LEVELS) + 1, np.int64)
        self.warnings_by_level = np.zeros(len(LEVELS) + 1, np.int64)
        self.warnings_about_former = 0
        self.lost_by_level = np.zeros(len(LEVELS) + 1, np.int64)

    def count(self, name: str, company: np.ndarray, mask: np.ndarray | None = None, weights=None) -> None:
        """Add per-company counts of the people in `mask` (or weights) to counter `name`."""
        target = getattr(self, name)
        chosen = company if mask is None else company[mask]
        w = None if weights is None else (weights if mask is None else weights[mask])
        target += np.bincount(chosen, weights=w, minlength=target.size)[: target.size].astype(target.dtype)
