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


def create_population(scenario: dict, n_companies: int, rng, company_quality):
    """sim.state.create as it was written before set-up drew in blocks and chose companies on a thread:
    whole-population NumPy calls, in the same order (the reference for tests/test_model.py)."""
    from sim.state import F32, PROSPECT, CustomerState

    def beta_trait(rng, n, mean, spread):
        if spread <= 0 or mean in (0.0, 1.0):
            return np.full(n, mean, dtype=F32)
        concentration = mean * (1 - mean) / spread**2 - 1
        return rng.beta(mean * concentration, (1 - mean) * concentration, n).astype(F32)

    def choose_companies(fit, shares, sharpness, draw):
        n, companies = fit.shape
        pull = np.exp(sharpness * (fit - fit.max(axis=1, keepdims=True))).astype(np.float64)
        weights = np.append(shares.astype(np.float64), max(1.0 - shares.sum(), 0.0))
        scale = np.ones(companies + 1)
        for _ in range(50):
            p = np.hstack([pull, np.ones((n, 1))]) * scale
            p /= p.sum(axis=1, keepdims=True)
            expected = p.mean(axis=0)
            scale *= np.where(expected > 0, weights / np.maximum(expected, 1e-12), 0.0)
        cumulative = np.cumsum(p, axis=1)
        return np.minimum((draw[:, None] >= cumulative).sum(axis=1), companies).astype(np.int8)

    n = scenario["customers"]
    traits, initial = scenario["traits"], scenario["initial"]
    companies = list(scenario["companies"].values())
    no_company = n_companies
    shares = np.array([c["initial_share"] for c in companies])
    appeal = np.array([c["appeal"] for c in companies] + [0.0], F32)
    spread = scenario["identification"]["fit_spread"]
    fit = np.clip(appeal[None, :] + spread * rng.standard_normal((n, n_companies + 1)), -1, 1).astype(F32)
    fit[:, no_company] = 0
    company = choose_companies(fit[:, :n_companies], shares, scenario["switching"]["choice_sharpness"], rng.random(n))
    has = company < no_company
    trust = beta_trait(rng, n * (n_companies + 1), initial["trust"]["mean"], initial["trust"]["spread"])
    trust = trust.reshape(n, n_companies + 1)
    trust[:, no_company] = 0
    identification = fit.copy()
    rows = np.flatnonzero(has)
    bond = np.zeros(n, F32)
    bond[rows] = np.clip(scenario["bond"]["identification_weight"] * identification[rows, company[rows]], -1, 1)
    trust_rate = np.clip(traits["trust_rate"]["mean"] + traits["trust_rate"]["spread"]
                         * rng.standard_normal(n), 0, None).astype(F32)
    quality = np.append(company_quality, 0.0).astype(F32)
    zeros = {name: np.zeros(n, F32) for name in ("anger", "peak", "end", "participation", "appreciation", "sensation",
                                                 "advocacy", "failures", "grievance", "former_anger")}
    return CustomerState(
        introversion=beta_trait(rng, n, **traits["introversion"]),
        price_sensitivity=beta_trait(rng, n, **traits["price_sensitivity"]),
        trust_rate=trust_rate,
        complaint_propensity=beta_trait(rng, n, **traits["complaint_propensity"]),
        adaptation_rate=beta_trait(rng, n, **traits["adaptation_rate"]),
        relationships=np.minimum(rng.poisson(traits["relationships"]["mean"], n), 127).astype(np.int8),
        enrolment=rng.random((n, 3), dtype=F32),
        outage_draw=rng.random(n, dtype=F32),
        company=company, bond=bond, expectation=quality[company].copy(),
        tenure=np.where(has, rng.integers(0, 3 * 365, n), 0).astype(np.int32),
        complaint_open=np.zeros(n, bool), complaint_wait=np.zeros(n, np.int16), level=np.full(n, PROSPECT, np.int8),
        recommended=np.full(n, no_company, np.int8), recommended_at=np.full(n, -(2**30), np.int32),
        fit=fit, trust=trust, identification=identification, former_company=np.full(n, no_company, np.int8),
        **zeros)


def watts_strogatz(n: int, degree: int, rewiring: float, rng) -> tuple[np.ndarray, np.ndarray]:
    """sim.network.watts_strogatz as it was written before it drew in blocks and stopped storing the lattice:
    whole-array NumPy calls, then each person's contacts sorted without repeats or self-loops; (indptr,
    indices) of the CSR layout (the reference for tests/test_model.py)."""
    half = max(degree // 2, 1)
    sources = np.repeat(np.arange(n, dtype=np.int32), half)
    targets = (sources + np.tile(np.arange(1, half + 1, dtype=np.int32), n)) % np.int32(n)
    rewire = rng.random(sources.size, dtype=np.float32) < rewiring
    targets[rewire] = rng.integers(0, n, int(rewire.sum()), dtype=np.int32)
    keep = sources != targets
    both = np.concatenate([np.stack([sources[keep], targets[keep]]), np.stack([targets[keep], sources[keep]])], axis=1)
    pairs = np.unique(both[0].astype(np.int64) * n + both[1])  # sorted by person, then contact; repeats dropped
    indptr = np.zeros(n + 1, np.int64)
    np.add.at(indptr, pairs // n + 1, 1)
    return np.cumsum(indptr), (pairs % n).astype(np.int32)
