"""What every property experiment shares: the Demonstration it returns, the markets it builds, and how a
mutation reaches every model the experiment runs.

An experiment takes `changes` (dotted or nested scenario keys): they are written over every scenario it
builds, last, so a mutation that switches a term off (sim.validation.mutations) acts on every arm of the
experiment. Markets start without a burn-in unless an experiment asks for one: each experiment sets up
the exact state its property is about.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ...market import merge
from ...model import EngagementModel
from ...scenario import BUNDLED, from_dict


@dataclass
class Demonstration:
    """The evidence for one property: numbers, whether it holds, and a figure."""

    name: str
    claim: str
    scenario: str
    seed: int
    numbers: dict[str, Any]
    holds: bool
    plot: Callable[[Any], None] | None = field(default=None, repr=False)


def nested(changes: dict | None) -> dict:
    """Dotted keys ({"trust.gate": 0}) as a nested mapping ({"trust": {"gate": 0}})."""
    out: dict = {}
    for key, value in (changes or {}).items():
        node = out
        parts = key.split(".")
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return out


def quiet_market(**changes) -> dict:
    """One company, everyone its customer, no advertising, talk, failures, noise, switching or burn-in."""
    base = {
        "customers": 2000, "steps": 120, "burn_in": 0,
        "companies": {"focal": {"initial_share": 1.0, "quality_spread": 0.0, "failure_rate": 0.0,
                                "advertising": {"reach": 0.0}}},
        "switching": {"base_hazard": 0.0, "anger_hazard": 0.0, "grievance_hazard": 0.0, "distrust_hazard": 0.0,
                      "price_response": 0.0, "promotion_response": 0.0},
        "word_of_mouth": {"conversation_rate": 0.0},
    }
    return merge(base, changes)


def baseline_market(scale: float, customers: int = 3000, burn_in: int = 365) -> dict:
    """scenarios/baseline.yaml as written, smaller, with a shorter burn-in."""
    import yaml

    data = yaml.safe_load((BUNDLED / "baseline.yaml").read_text())
    data["customers"] = scaled(customers, scale)
    data["burn_in"] = burn_in
    return data


def scaled(n: int, scale: float) -> int:
    return max(200, int(n * scale))


def build(scenario: dict, seed: int, changes: dict | None = None) -> EngagementModel:
    """A model of `scenario` with the experiment's `changes` written over it, last."""
    return EngagementModel(from_dict(merge(copy.deepcopy(scenario), nested(changes))), rng=seed)


def run(scenario: dict, seed: int, changes: dict | None = None, steps: int | None = None,
        every_step: Callable | None = None) -> EngagementModel:
    model = build(scenario, seed, changes)
    for _ in range(steps if steps is not None else model.params["steps"]):
        model.step()
        if every_step:
            every_step(model)
    return model


def one_step_of(intervention: dict, at: int) -> dict:
    """An intervention that acts in step `at` only."""
    return {**intervention, "at": at, "until": at + 1}


def mean_where(values: np.ndarray, mask: np.ndarray) -> float:
    return float(values[mask].mean()) if mask.any() else float("nan")
