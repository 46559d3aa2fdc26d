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
    # per brand (n, companies + 1)
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


def create(scenario: dict, n_companies: int, rng: np.random.Generator, company_quality: np.ndarray) -> CustomerState:
    """Draw the population: traits, starting companies and starting scores."""
    n = scenario["customers"]
    traits = scenario["traits"]
    initial = scenario["initial"]
    no_company = n_companies

    shares = np.array([c["initial_share"] for c in scenario["companies"].values()])
    company = np.searchsorted(np.cumsum(shares), rng.random(n), side="right").astype(np.int8)
    company[company > n_companies] = no_company
    has = company < no_company

    trust = beta_trait(rng, n * (n_companies + 1), initial["trust"]["mean"], initial["trust"]["spread"])
    trust = trust.reshape(n, n_companies + 1)
    trust[:, no_company] = 0
    identification = np.clip(initial["identification"]["mean"] + initial["identification"]["spread"]
                             * rng.standard_normal((n, n_companies + 1)), -1, 1).astype(F32)
    identification[:, no_company] = 0
    bond = np.clip(initial["bond"]["mean"] + initial["bond"]["spread"] * rng.standard_normal(n), -1, 1).astype(F32)
    bond[~has] = 0
    # customers identify with their own brand as much as their bond says, so the start is near balance
    weight = max(scenario["bond"]["identification_weight"], 1e-9)
    own = np.flatnonzero(has)
    identification[own, company[own]] = np.clip(bond[own] / weight, -1, 1)
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
        trust=trust,
        identification=identification,
        former_company=np.full(n, no_company, np.int8),
        former_anger=np.zeros(n, F32),
    )
    return state
