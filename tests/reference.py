"""Plain NumPy versions of the fused kernels' formulas, used as the reference in tests."""

import numpy as np


def leaving_pressure(state, market, params, promotion_draw: np.ndarray):
    """Pressure to leave and the best offer seen, for every person (prospects get zero pressure)."""
    s = params["switching"]
    company = state.company
    companies = market.size
    seen = promotion_draw[:, None] < market.promotion_reach[None, :companies]
    offer = market.price[None, :companies] * (1 - market.promotion_discount[None, :companies] * seen)
    has = company < market.no_company
    rows = np.flatnonzero(has)
    offer[rows, company[rows]] = np.inf
    own_price = np.maximum(market.price[company], 1e-9)
    regular = np.broadcast_to(market.price[None, :companies], offer.shape).copy()
    regular[rows, company[rows]] = np.inf
    regular_gap = np.clip((own_price - regular.min(axis=1)) / own_price, 0, 1)
    promotion_gap = np.clip((own_price - offer.min(axis=1)) / own_price, 0, 1) - regular_gap
    sensitivity = (state.price_sensitivity
                   * (1 - s["participation_price_damping"] * state.participation)
                   * (1 - s["engaged_price_damping"] * np.clip(state.bond / params["levels"]["passionate"], 0, 1)))
    trust = state.trust[np.arange(state.n), np.minimum(company, market.no_company)]
    habit_tenure = np.minimum(state.tenure, s["habit_years"] * 365)
    pressure = (s["base_hazard"] * np.exp(-s["bond_sensitivity"] * state.bond) / (1 + s["habit"] * habit_tenure / 365)
                + s["anger_hazard"] * state.anger + s["grievance_hazard"] * state.grievance
                + s["distrust_hazard"] * (1 - trust) ** 2
                + sensitivity * (s["price_response"] * regular_gap
                                 + s["promotion_response"] * np.maximum(promotion_gap, 0)))
    cost = 1 + s["participation_lock"] * state.participation + s["advocacy_lock"] * np.log1p(state.advocacy)
    pressure = np.where(has, pressure / cost, 0)
    return pressure, offer, sensitivity
