"""Customer state in NumPy arrays: one row per person, one column per company where a score is per brand.

People with no company are prospects (company index == number of companies, `Market.no_company`). Per-brand
scores (trust, identification) have an extra last column for "no company" so that gathers never need a
branch. Everything is single precision: a million people take about 120 MB.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from .levels import PROSPECT

F32 = np.float32


def beta_trait(rng: np.random.Generator, n: int, mean: float, spread: float) -> np.ndarray:
    """Traits on 0..1 drawn from a Beta distribution with the given mean and standard deviation."""
    if spread <= 0 or mean in (0.0, 1.0):
        return np.full(n, mean, dtype=F32)
    concentration = mean * (1 - mean) / spread**2 - 1
    return rng.beta(mean * concentration, (1 - mean) * concentration, n).astype(F32)


@dataclass
class CustomerState:
    # traits, fixed for a run
    introversion: np.ndarray
    price_sensitivity: np.ndarray
    trust_rate: np.ndarray
    complaint_propensity: np.ndarray
    adaptation_rate: np.ndarray
    relationships: np.ndarray  # deep brand relationships held elsewhere
    enrolment: np.ndarray  # (n, 3) fixed draw deciding programme enrolment, so reach 0.2 is inside reach 0.4
    outage_draw: np.ndarray  # fixed draw deciding who an outage hits
    # the relationship with the current company
    company: np.ndarray
    bond: np.ndarray
    anger: np.ndarray
    expectation: np.ndarray
    peak: np.ndarray
    end: np.ndarray
    participation: np.ndarray
    appreciation: np.ndarray
    sensation: np.ndarray
    advocacy: np.ndarray
    tenure: np.ndarray
    failures: np.ndarray
    complaint_open: np.ndarray
    complaint_wait: np.ndarray
    level: np.ndarray
    grievance: np.ndarray  # an unresolved problem with the current company, fading (exit instead of voice)
    recommended: np.ndarray  # the brand last praised to this person, and the step it was
    recommended_at: np.ndarray
    # per brand (n, companies + 1)
    fit: np.ndarray  # how well each brand fits the person (fixed): identification returns towards it
    trust: np.ndarray
    identification: np.ndarray
    # anger kept towards the company a hostile customer left (they warn against it after leaving)
    former_company: np.ndarray
    former_anger: np.ndarray

    @property
    def n(self) -> int:
        return self.company.size

    def current(self, per_brand: np.ndarray) -> np.ndarray:
        """A per-brand score towards each person's current company."""
        return np.take_along_axis(per_brand, self.company[:, None].astype(np.intp), axis=1)[:, 0]

    def nbytes(self) -> int:
        return sum(getattr(self, f.name).nbytes for f in fields(self))


def choose_companies(fit: np.ndarray, shares: np.ndarray, sharpness: float, draw: np.ndarray) -> np.ndarray:
    """Starting companies: each company gets its `initial_share` of the people, and people are more
    likely to be with brands that fit them (a logit on fit, as switchers choose), so the population
    starts near the sorting that years of switching would bring about. The share of nobody's customers
    (prospects) is 1 - sum(shares). Weights are scaled until every company's expected share is met."""
    n, companies = fit.shape
    pull = np.exp(sharpness * (fit - fit.max(axis=1, keepdims=True))).astype(np.float64)
    weights = np.append(shares.astype(np.float64), max(1.0 - shares.sum(), 0.0))
    scale = np.ones(companies + 1)
    for _ in range(50):  # iterative proportional fitting of the column sums
        p = np.hstack([pull, np.ones((n, 1))]) * scale
        p /= p.sum(axis=1, keepdims=True)
        expected = p.mean(axis=0)
        scale *= np.where(expected > 0, weights / np.maximum(expected, 1e-12), 0.0)
    cumulative = np.cumsum(p, axis=1)
    return np.minimum((draw[:, None] >= cumulative).sum(axis=1), companies).astype(np.int8)


def create(scenario: dict, n_companies: int, rng: np.random.Generator, company_quality: np.ndarray) -> CustomerState:
    """Draw the population: traits, brand fit, starting companies and starting scores.

    People identify with each brand as well as it fits them, and start with the bond that identification
    gives (under their trust's ceiling); the burn-in (sim.model) then brings the market to rest.
    """
    n = scenario["customers"]
    traits = scenario["traits"]
    initial = scenario["initial"]
    companies = list(scenario["companies"].values())
    no_company = n_companies

    shares = np.array([c["initial_share"] for c in companies])
    appeal = np.array([c["appeal"] for c in companies] + [0.0], F32)
    spread = scenario["identification"]["fit_spread"]
    fit = np.clip(appeal[None, :] + spread * rng.standard_normal((n, n_companies + 1)), -1, 1).astype(F32)
    fit[:, no_company] = 0
    company = choose_companies(fit[:, :n_companies], shares, scenario["switching"]["choice_sharpness"],
                               rng.random(n))
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

    state = CustomerState(
        introversion=beta_trait(rng, n, **traits["introversion"]),
        price_sensitivity=beta_trait(rng, n, **traits["price_sensitivity"]),
        trust_rate=trust_rate,
        complaint_propensity=beta_trait(rng, n, **traits["complaint_propensity"]),
        adaptation_rate=beta_trait(rng, n, **traits["adaptation_rate"]),
        relationships=np.minimum(rng.poisson(traits["relationships"]["mean"], n), 127).astype(np.int8),
        enrolment=rng.random((n, 3), dtype=F32),
        outage_draw=rng.random(n, dtype=F32),
        company=company,
        bond=bond,
        anger=np.zeros(n, F32),
        expectation=quality[company].copy(),
        peak=np.zeros(n, F32),
        end=np.zeros(n, F32),
        participation=np.zeros(n, F32),
        appreciation=np.zeros(n, F32),
        sensation=np.zeros(n, F32),
        advocacy=np.zeros(n, F32),
        tenure=np.where(has, rng.integers(0, 3 * 365, n), 0).astype(np.int32),
        failures=np.zeros(n, F32),  # recent failures, fading
        complaint_open=np.zeros(n, bool),
        complaint_wait=np.zeros(n, np.int16),
        level=np.full(n, PROSPECT, np.int8),
        grievance=np.zeros(n, F32),
        recommended=np.full(n, no_company, np.int8),
        recommended_at=np.full(n, -(2**30), np.int32),
        fit=fit,
        trust=trust,
        identification=identification,
        former_company=np.full(n, no_company, np.int8),
        former_anger=np.zeros(n, F32),
    )
    return state
