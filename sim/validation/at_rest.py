"""The figures of a market at rest, set against the published bands a strategist would recognise.

`measure` runs a scenario for some years (after its burn-in) and reads, for one company: its level
shares year by year (stationarity), yearly churn, who leaves (leaving rate per level), praise per
warning, referrals, how long a fan stays a fan (median passionate spell, Kaplan-Meier with spells
still running at the end counted as censored), and the profit margin. `BANDS` holds the bands of
the brief with their sources; `check` says which figures fall outside them.
Used by tests/test_market.py, docs/validation.md and the calibration of the bundled markets.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..levels import LEVELS, PROSPECT, Level

YEAR = 365

# figure: (low, high, source); None for an open end
BANDS = {
    "passionate": (0.08, 0.35, "Gallup customer engagement: fully engaged customers, 15% (UK retail banks) to "
                   "36% (US retail banks)"),
    "involved": (0.15, None, "a positive bond short of fandom: Gallup's 'engaged' middle"),
    "indifferent": (0.15, None, "Gallup's 'not engaged' middle: no emotional bond"),
    "disengaged_or_hostile": (0.08, 0.40, "Gallup: actively disengaged, 38% in UK retail banks; about 0.8 fully "
                              "engaged per actively disengaged customer on average, 8:1 at the best companies"),
    "hostile": (0.01, 0.08, "the angry core of the actively disengaged"),
    "churn": (0.05, 0.30, "yearly churn: current accounts 4-10%, car insurance about 10% (retention about 90%), "
              "mobile post-paid about 0.8% a month (about 9% a year)"),
    "praise_per_warning": (1.5, 6.0, "East, Hammond & Wright (2007): positive word of mouth about 3 times as "
                           "common as negative over 15 studies"),
    "referrals_per_customer": (0.01, None, "customers won by recommendation, per customer per year"),
    "disengaged_vs_involved_leaving": (3.0, None, "the disengaged leave at the first opportunity (the seeds)"),
    "hostile_vs_involved_leaving": (5.0, None, "the hostile leave at the first opportunity and warn others"),
    "median_fan_spell_days": (365, None, "fans last: a real fan stays a fan for years"),
    "margin": (0.05, 0.30, "profit margin of a going concern"),
    "level_drift": (None, 0.02, "a market at rest: no level share moves more than 2 points between year 1 and 3"),
    "start_vs_year": (None, 0.03, "step 0 within 3 points of step 365 for every level"),
}


@dataclass
class Watch:
    """What a run is watched for, step by step, for one company."""

    company: int
    n: int
    exposure: np.ndarray = field(default_factory=lambda: np.zeros(len(LEVELS)))
    lost: np.ndarray = field(default_factory=lambda: np.zeros(len(LEVELS)))
    spell_start: np.ndarray | None = None
    spells: list = field(default_factory=list)  # (duration, ended) of passionate spells

    def __post_init__(self):
        self.spell_start = np.full(self.n, -1, np.int64)

    def after_step(self, model) -> None:
        state, step = model.state, model.steps
        tally = model.last_tally
        self.lost += tally.lost_by_level[self.company, : len(LEVELS)]
        mine = state.company == self.company
        self.exposure += np.bincount(state.level[mine], minlength=PROSPECT + 1)[: len(LEVELS)]
        fan = mine & (state.level == Level.PASSIONATE)
        started = fan & (self.spell_start < 0)
        self.spell_start[started] = step
        ended = ~fan & (self.spell_start >= 0)
        self.spells += [(d, True) for d in (step - self.spell_start[ended]).tolist()]
        self.spell_start[ended] = -1

    def finish(self, step: int) -> None:
        running = self.spell_start >= 0
        self.spells += [(d, False) for d in (step - self.spell_start[running]).tolist()]


def kaplan_meier_median(spells: list[tuple[int, bool]]) -> float:
    """Median duration from (duration, ended) pairs, spells still running counted as censored; inf if the
    survival curve stays above one half."""
    if not spells:
        return float("nan")
    durations = np.array([d for d, _ in spells], float)
    ended = np.array([e for _, e in spells], bool)
    survival = 1.0
    for t in np.unique(durations[ended]):
        at_risk = (durations >= t).sum()
        survival *= 1 - ((durations == t) & ended).sum() / at_risk
        if survival <= 0.5:
            return float(t)
    return float("inf")


def measure(scenario, seed: int = 0, years: int = 3, company: str | None = None, overrides: dict | None = None
            ) -> dict:
    """Run a scenario for `years` years after its burn-in and return the figures of one company."""
    from ..model import EngagementModel

    changes = {"steps": years * YEAR, "interventions": [], **(overrides or {})}
    model = EngagementModel(scenario, rng=seed, overrides=changes)
    name = company or model.params["focal"]
    index = model.market.names.index(name)
    watch = Watch(index, model.state.n)
    for _ in range(years * YEAR):
        model.step()
        watch.after_step(model)
    watch.finish(model.steps)
    frame = model.timeseries()
    shares = {level: frame[f"{name}_{level}_share"].to_numpy() for level in LEVELS}
    by_year = {level: [float(shares[level][1 + y * YEAR: 1 + (y + 1) * YEAR].mean()) for y in range(years)]
               for level in LEVELS}
    customers = frame[f"{name}_customers"].to_numpy()
    lost = frame[f"{name}_lost"].to_numpy()
    churn = [float(lost[1 + y * YEAR: 1 + (y + 1) * YEAR].sum() / customers[1 + y * YEAR: 1 + (y + 1) * YEAR].mean())
             for y in range(years)]
    leaving = watch.lost / np.maximum(watch.exposure, 1) * YEAR  # leavers per customer-year, by level
    revenue, cost = frame[f"{name}_revenue"].sum(), frame[f"{name}_cost"].sum()
    praise, warnings = frame[f"{name}_praise"].sum(), frame[f"{name}_warnings"].sum()
    mean_customers = customers[1:].mean()
    figures = {
        "company": name, "seed": seed, "years": years,
        "shares_by_year": by_year,
        "shares_step0": {level: float(shares[level][0]) for level in LEVELS},
        "shares_step365": {level: float(shares[level][YEAR]) for level in LEVELS},
        "market_share_by_year": [float(frame[f"{name}_market_share"].to_numpy()[1 + y * YEAR: 1 + (y + 1) * YEAR]
                                       .mean()) for y in range(years)],
        "churn_by_year": churn,
        "leaving_per_year": {level: float(leaving[k]) for k, level in enumerate(LEVELS)},
        "praise": float(praise), "warnings": float(warnings),
        "referrals_per_customer": float(frame[f"{name}_referrals"].sum() / mean_customers / years),
        "median_fan_spell_days": kaplan_meier_median(watch.spells),
        "margin": float((revenue - cost) / revenue) if revenue else float("nan"),
        "cost_shares": {column: float(frame[f"{name}_{column}"].sum() / revenue)
                        for column in ("cost_serving", "cost_advertising", "cost_service", "cost_complaints",
                                       "cost_programmes")},
    }
    figures["checked"] = headline(figures)
    return figures


def headline(f: dict) -> dict:
    """The figures the bands are about: year-1 shares, mean churn, ratios, drift."""
    first = {level: values[0] for level, values in f["shares_by_year"].items()}
    last = {level: values[-1] for level, values in f["shares_by_year"].items()}
    leaving = f["leaving_per_year"]
    return {
        "passionate": first["passionate"], "involved": first["involved"], "indifferent": first["indifferent"],
        "disengaged_or_hostile": first["disengaged"] + first["hostile"], "hostile": first["hostile"],
        "churn": float(np.mean(f["churn_by_year"])),
        "praise_per_warning": f["praise"] / f["warnings"] if f["warnings"] else float("inf"),
        "referrals_per_customer": f["referrals_per_customer"],
        "disengaged_vs_involved_leaving": leaving["disengaged"] / max(leaving["involved"], 1e-9),
        "hostile_vs_involved_leaving": leaving["hostile"] / max(leaving["involved"], 1e-9),
        "median_fan_spell_days": f["median_fan_spell_days"],
        "margin": f["margin"],
        "level_drift": max(abs(last[level] - first[level]) for level in LEVELS),
        "start_vs_year": max(abs(f["shares_step365"][level] - f["shares_step0"][level]) for level in LEVELS),
    }


def check(checked: dict) -> dict[str, str]:
    """The figures outside their band, each with a one-line reason (empty: every figure is in its band)."""
    problems = {}
    for name, (low, high, _) in BANDS.items():
        value = checked.get(name)
        if value is None:
            continue
        if (low is not None and not value >= low) or (high is not None and not value <= high):
            shown = (f"{bound:g}" if bound is not None else "-" for bound in (low, high))
            problems[name] = f"{value:.3g} outside [{', '.join(shown)}]"
    return problems
