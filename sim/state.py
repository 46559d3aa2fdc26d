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


# Set-up draws big populations in blocks of this many values, straight into the float32 arrays: the same
# values in the same order as one call (each draw takes the generator's next numbers), without a float64
# temporary the size of the population (tests/test_model.py checks the bytes).
BLOCK = 1 << 16


def _blocks(n: int):
    for low in range(0, n, BLOCK):
        yield low, min(low + BLOCK, n)


def beta_trait(rng: np.random.Generator, n: int, mean: float, spread: float) -> np.ndarray:
    """Traits on 0..1 drawn from a Beta distribution with the given mean and standard deviation."""
    if spread <= 0 or mean in (0.0, 1.0):
        return np.full(n, mean, dtype=F32)
    concentration = mean * (1 - mean) / spread**2 - 1
    out = np.empty(n, F32)
    for low, high in _blocks(n):
        out[low:high] = rng.beta(mean * concentration, (1 - mean) * concentration, high - low)
    return out


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


def field_names() -> tuple[str, ...]:
    """The arrays of a CustomerState, in order."""
    return tuple(f.name for f in fields(CustomerState))


def choose_companies(fit: np.ndarray, shares: np.ndarray, sharpness: float, draw: np.ndarray) -> np.ndarray:
    """Starting companies: each company gets its `initial_share` of the people, and people are more
    likely to be with brands that fit them (a logit on fit, as switchers choose), so the population
    starts near the sorting that years of switching would bring about. The share of nobody's customers
    (prospects) is 1 - sum(shares). Weights are scaled until every company's expected share is met."""
    from .kernels import fast

    n, companies = fit.shape
    pull = np.empty((companies, n))  # company by company, as the compiled rounds read it
    for low, high in _blocks(n):
        block = fit[low:high]
        pull[:, low:high] = np.exp(sharpness * (block - block.max(axis=1, keepdims=True))).T
    weights = np.append(shares.astype(np.float64), max(1.0 - shares.sum(), 0.0))
    scale = np.ones(companies + 1)
    # iterative proportional fitting of the column sums: p = [pull, 1] x scale, rows normalised; the
    # compiled rounds do NumPy's arithmetic in NumPy's order without its (n, companies) temporaries
    for _ in range(49):
        expected = fast.share_fitting(pull, scale)
        scale *= np.where(expected > 0, weights / np.maximum(expected, 1e-12), 0.0)
    # the 50th round's p decides (its scale update does not)
    return fast.pick_companies(pull, scale, np.asarray(draw, np.float64))


def create(scenario: dict, n_companies: int, rng: np.random.Generator, company_quality: np.ndarray) -> CustomerState:
    """Draw the population: traits, brand fit, starting companies and starting scores.

    People identify with each brand as well as it fits them, and start with the bond that identification
    gives (under their trust's ceiling); the burn-in (sim.model) then brings the market to rest. The draws
    come from `rng` in a fixed order; the starting companies (`choose_companies`, which draws nothing once
    its uniforms are drawn) are computed on another thread meanwhile.
    """
    from concurrent.futures import ThreadPoolExecutor

    n = scenario["customers"]
    traits = scenario["traits"]
    initial = scenario["initial"]
    companies = list(scenario["companies"].values())
    no_company = n_companies

    shares = np.array([c["initial_share"] for c in companies])
    appeal = np.array([c["appeal"] for c in companies] + [0.0], F32)
    spread = scenario["identification"]["fit_spread"]
    fit = np.empty((n, n_companies + 1), F32)
    for low, high in _blocks(n):
        fit[low:high] = np.clip(appeal[None, :] + spread * rng.standard_normal((high - low, n_companies + 1)), -1, 1)
    fit[:, no_company] = 0
    with ThreadPoolExecutor(1, thread_name_prefix="sim-companies") as pool:
        chosen = pool.submit(choose_companies, fit[:, :n_companies], shares, scenario["switching"]["choice_sharpness"],
                             rng.random(n))
        trust = beta_trait(rng, n * (n_companies + 1), initial["trust"]["mean"], initial["trust"]["spread"])
        trust = trust.reshape(n, n_companies + 1)
        trust[:, no_company] = 0
        trust_rate = np.empty(n, F32)
        for low, high in _blocks(n):
            trust_rate[low:high] = np.clip(traits["trust_rate"]["mean"] + traits["trust_rate"]["spread"]
                                           * rng.standard_normal(high - low), 0, None)
        introversion = beta_trait(rng, n, **traits["introversion"])
        price_sensitivity = beta_trait(rng, n, **traits["price_sensitivity"])
        complaint_propensity = beta_trait(rng, n, **traits["complaint_propensity"])
        adaptation_rate = beta_trait(rng, n, **traits["adaptation_rate"])
        relationships = np.empty(n, np.int8)
        for low, high in _blocks(n):
            relationships[low:high] = np.minimum(rng.poisson(traits["relationships"]["mean"], high - low), 127)
        enrolment = np.empty((n, 3), F32)
        for low, high in _blocks(n):
            enrolment[low:high] = rng.random((high - low, 3), dtype=F32)
        outage_draw = rng.random(n, dtype=F32)
        tenure_draw = rng.integers(0, 3 * 365, n)  # one call: bounded integers buffer within a call
        company = chosen.result()
    has = company < no_company
    identification = fit.copy()
    # the identification with one's company (nobody's customers: the last column, 0, so their bond is 0)
    own = np.take_along_axis(identification, company[:, None].astype(np.intp), axis=1)[:, 0]
    bond = np.clip(scenario["bond"]["identification_weight"] * own, -1, 1)
    del own
    tenure = tenure_draw.astype(np.int32)  # below 3 x 365: the same numbers
    tenure[~has] = 0
    del tenure_draw
    quality = np.append(company_quality, 0.0).astype(F32)

    state = CustomerState(
        introversion=introversion,
        price_sensitivity=price_sensitivity,
        trust_rate=trust_rate,
        complaint_propensity=complaint_propensity,
        adaptation_rate=adaptation_rate,
        relationships=relationships,
        enrolment=enrolment,
        outage_draw=outage_draw,
        company=company,
        bond=bond,
        anger=np.zeros(n, F32),
        expectation=quality[company],
        peak=np.zeros(n, F32),
        end=np.zeros(n, F32),
        participation=np.zeros(n, F32),
        appreciation=np.zeros(n, F32),
        sensation=np.zeros(n, F32),
        advocacy=np.zeros(n, F32),
        tenure=tenure,
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
