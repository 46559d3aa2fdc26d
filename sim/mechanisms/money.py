"""Money: revenue by engagement; the costs are counted by the mechanism that incurs them.

Concept: engaged customers stay longer, spend more and bring others in. Each step a customer spends
price x (1 + `money.engagement_uplift` x max(bond, 0)). Costs: serving each customer (here, per
customer-step), advertising per exposure, service per interaction, complaint handling per attempt
(dearer the better it is) and listening capacity per customer, programmes per enrolled customer and
per touch (each in the mechanism that incurs it).
Referrals are counted by the switching mechanism. Test: tests/test_properties.py::test_property_holds[money].
"""

from __future__ import annotations

import numpy as np

from .. import kernels


def spend(price: np.ndarray, bond: np.ndarray, params: dict) -> np.ndarray:
    return price * (1 + params["money"]["engagement_uplift"] * np.maximum(bond, 0))


def step(state, market, params, stream, tally) -> None:
    kernels.revenue(state.company, state.bond, market.price, params["money"]["engagement_uplift"], market.no_company,
                    tally.money["revenue"])
    customers = np.bincount(state.company, minlength=market.no_company + 1)[: market.no_company + 1]
    tally.money["cost_serving"] += customers * market.serving_cost
