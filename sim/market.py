"""The market: the companies' parameters as arrays, the social network, and the step counter.

Each company parameter is an array with one entry per company and a last, neutral entry for "no
company" (index `no_company`), so that `array[state.company]` works for prospects too.
Interventions change a company's parameters for a window of steps: `apply_interventions()` merges
the ones active at the current step into the scenario's values. The market counts its own steps
(`advance()`), so every mechanism reads the same step from it.
"""

from __future__ import annotations

import copy

import numpy as np

from .network import Network
from .parameters import PROGRAMME_TARGETS, PROGRAMMES

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

    def __init__(self, companies: dict[str, dict], focal: str, interventions: list[dict], network: Network):
        self.names = list(companies)
        self.focal = self.names.index(focal)
        self.no_company = len(self.names)  # the index of "nobody's customer" in every per-company array
        self.network = network
        self.step = 0
        self.base = [companies[name] for name in self.names]
        self.interventions = list(interventions)  # own list: events scheduled later leave the scenario alone
        self.active_key: tuple | None = None
        self.companies = self.base
        self._build(self.base)

    @property
    def size(self) -> int:
        return len(self.names)

    def advance(self) -> int:
        """Start the next step; returns its number (the first step is 1, as Mesa counts)."""
        self.step += 1
        return self.step

    def active(self, step: int) -> tuple[int, ...]:
        return tuple(i for i, event in enumerate(self.interventions)
                     if event["at"] <= step and (event["until"] is None or step < event["until"]))

    def schedule(self, event: dict) -> None:
        """Add a resolved intervention while the model runs (the app's buttons); it acts from its `at` step."""
        self.interventions.append(event)
        self.active_key = None  # recompute the active set and the company arrays at the next update

    def apply_interventions(self) -> None:
        """Company parameters as changed by the interventions active at the current step."""
        key = self.active(self.step)
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
        self.serving_cost = column(lambda c: c["costs"]["serving"])
        self.touchpoint_cost = column(lambda c: c["costs"]["touchpoint"])
        # a handling attempt costs more the better it is: first-contact resolution needs skilled staff
        self.complaint_cost = column(lambda c: c["costs"]["complaint"]
                                     * (1 + c["costs"]["handling_premium"] * c["complaint_handling"] ** 2))
        self.listening_cost = column(lambda c: c["costs"]["listening"] * c["listening"])
        self.programme = {}
        for name in PROGRAMMES:
            self.programme[name] = {
                "reach": column(lambda c, name=name: c["programmes"][name]["reach"]),
                "target": column(lambda c, name=name: PROGRAMME_TARGETS.index(c["programmes"][name]["target"]),
                                 0, np.int8),
                "frequency": column(lambda c, name=name: c["programmes"][name]["frequency"]),
                "gain": column(lambda c, name=name: c["programmes"][name]["gain"]),
                "cost": column(lambda c, name=name: c["programmes"][name]["cost"]),
                "running_cost": column(lambda c, name=name: c["programmes"][name]["running_cost"]),
            }
        self.best_quality = float(self.quality[:-1].max())

