"""The validation run: what to run (Plan), running it (run_all) and writing the report (generate).

`generate` is what `python -m sim validate-model` calls: it runs the Bass limit (bass.py), the markets at
rest and the bundled scenarios (market_runs.py over at_rest.py and scenarios.py), the stylized facts
(facts.py), every demonstration in properties.PROPERTIES and the mutations (mutations.py), then writes
validation.md (report_sections.py and the report_* section modules) with its figures (figures.py,
figures_market.py).
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..experiments.output import write_text
from . import mutations, properties
from .bass import NETWORKS, bass_convergence, bass_steps, network_curves, run_bass
from .facts import RecoveryDesign, complaint_loyalty, recovery_paradox, word_of_mouth_ratio
from .market_runs import MarketAtRest, ScenarioChecks, market_at_rest, scenario_checks
from .report_sections import render

BASELINE = "baseline"
INDUSTRY_MARKETS = ("markets/uk_retail_bank", "markets/mobile_operator")


def property_demonstrations(scale: float, seed: int = 0, tick: Callable = lambda: None) -> list:
    """Run every demonstration in properties.PROPERTIES; one that raises becomes a BrokenDemonstration."""
    results = []
    for name, demonstrate in properties.PROPERTIES.items():
        try:
            results.append(demonstrate(seed=seed, scale=scale))
        except Exception as error:  # a broken demonstration is reported, not fatal to the report
            results.append(BrokenDemonstration(name, f"{type(error).__name__}: {error}", seed))
        tick()
    return results


@dataclass
class BrokenDemonstration:
    """Stands in for a demonstration that raised, so the report shows the error."""

    name: str
    error: str
    seed: int
    claim: str = ""
    scenario: str = ""
    numbers: dict = field(default_factory=dict)
    holds: bool = False
    plot: Callable | None = None


def chosen_mutations(properties_: int | None) -> tuple:
    """All mutations (None), or (quick) the first mutation of each of the first `properties_` properties."""
    if properties_ is None:
        return mutations.MUTATIONS
    first: dict = {}
    for mutation in mutations.MUTATIONS:
        first.setdefault(mutation.property, mutation)
    return tuple(first.values())[:properties_]


def mutation_table(properties_: int | None, scale: float, seed: int = 0, tick: Callable = lambda: None
                   ) -> list[dict]:
    """mutations.run_all over the chosen mutations: property, mutation, caught, numbers."""
    return mutations.run_all(seed, scale, tick, chosen_mutations(properties_))


@dataclass
class Plan:
    """Sizes of every experiment: `full()` for the committed report, `small()` for `--quick` and CI."""

    quick: bool
    pairs: list
    sizes: list
    seeds: dict
    network_pairs: list
    network_customers: int
    network_seeds: int
    rest_seeds: tuple  # seeds of the baseline at rest
    industry_seeds: tuple  # seeds of each industry market at rest
    rest_years: int
    rest_overrides: dict  # over every market at rest (empty: as written)
    scenario_seeds: tuple
    scenario_overrides: dict  # over high_failure, baseline and fan_programme (hostile_cascade runs as written)
    wom_seeds: int
    wom_overrides: dict
    tarp_seeds: int
    tarp_overrides: dict
    tarp_horizon: int
    recovery: RecoveryDesign
    property_scale: float
    mutation_scale: float
    mutation_properties: int | None  # None: every mutation; else the first mutation of this many properties

    @classmethod
    def full(cls) -> Plan:
        return cls(quick=False, pairs=[(0.01, 0.2), (0.03, 0.4), (0.005, 0.5)], sizes=[1_000, 10_000, 100_000],
                   seeds={1_000: 20, 10_000: 10, 100_000: 4}, network_pairs=[(0.01, 0.2), (0.005, 0.5)],
                   network_customers=20_000, network_seeds=3,
                   rest_seeds=(0, 1, 2, 3), industry_seeds=(0, 1), rest_years=3, rest_overrides={},
                   scenario_seeds=(0, 1, 2), scenario_overrides={},
                   wom_seeds=5, wom_overrides={},
                   tarp_seeds=4, tarp_overrides={"steps": 730}, tarp_horizon=365,
                   recovery=RecoveryDesign(first=20, second=120, horizon=60, customers=30_000),
                   property_scale=1.0, mutation_scale=1.0, mutation_properties=None)

    @classmethod
    def small(cls) -> Plan:
        return cls(quick=True, pairs=[(0.01, 0.2), (0.005, 0.5)], sizes=[1_000, 4_000], seeds={1_000: 3, 4_000: 2},
                   network_pairs=[(0.01, 0.2)], network_customers=4_000, network_seeds=1,
                   rest_seeds=(0,), industry_seeds=(0,), rest_years=2,
                   rest_overrides={"customers": 1_500, "burn_in": 365},
                   scenario_seeds=(0,), scenario_overrides={"customers": 1_500},
                   wom_seeds=1, wom_overrides={"customers": 3_000},
                   tarp_seeds=1, tarp_overrides={"customers": 2_000, "steps": 600, "burn_in": 365}, tarp_horizon=300,
                   recovery=RecoveryDesign(first=10, second=40, horizon=20, customers=4_000, burn_in=365),
                   property_scale=0.5, mutation_scale=0.5, mutation_properties=6)

    def runs(self) -> int:
        """Number of model runs or experiments (for the progress bar)."""
        bass = len(self.pairs) * sum(self.seeds[n] for n in self.sizes)
        networks = len(self.network_pairs) * len(NETWORKS) * self.network_seeds
        rest = 2 * (len(self.rest_seeds) + len(INDUSTRY_MARKETS) * len(self.industry_seeds))
        recovery_twins = 5  # recovery_paradox: 0, 1 and 2 outages with good handling, 0 and 1 with poor
        return (bass + networks + rest + 3 * len(self.scenario_seeds) + self.wom_seeds + self.tarp_seeds
                + recovery_twins + len(properties.PROPERTIES) + len(chosen_mutations(self.mutation_properties)))


@dataclass
class Results:
    """Everything the report shows."""

    plan: Plan
    convergence: pd.DataFrame
    curves: dict
    networks: pd.DataFrame
    rest: dict[str, MarketAtRest]  # scenario name -> the market at rest
    scenarios: ScenarioChecks
    wom: pd.DataFrame
    tarp: pd.DataFrame
    recovery: pd.DataFrame
    recovery_paths: dict
    demonstrations: list
    mutations: list[dict]
    seconds: float = 0.0


def run_all(plan: Plan, progress: bool = True) -> Results:
    """Run every experiment of the plan, with one progress bar over all model runs."""
    from tqdm.auto import tqdm

    started = time.perf_counter()
    with tqdm(total=plan.runs(), desc="validate-model", unit="run", disable=not progress) as bar:
        tick = bar.update
        convergence = bass_convergence(plan.pairs, plan.sizes, plan.seeds, tick)
        biggest = max(plan.sizes)
        curves = {(p, q): run_bass(p, q, biggest, bass_steps(p, q), 0) for p, q in plan.pairs}
        networks = network_curves(plan.network_pairs, plan.network_customers, plan.network_seeds, tick)
        rest = {BASELINE: market_at_rest(BASELINE, plan.rest_seeds, plan.rest_years, plan.rest_overrides, tick)}
        for market in INDUSTRY_MARKETS:
            rest[market] = market_at_rest(market, plan.industry_seeds, plan.rest_years, plan.rest_overrides, tick)
        checks = scenario_checks(plan.scenario_seeds, plan.scenario_overrides, tick)
        wom = word_of_mouth_ratio(plan.wom_seeds, plan.wom_overrides, tick)
        tarp = complaint_loyalty(plan.tarp_seeds, plan.tarp_overrides, horizon=plan.tarp_horizon, tick=tick)
        recovery, paths = recovery_paradox(plan.recovery, tick=tick)
        demonstrations = property_demonstrations(plan.property_scale, tick=tick)
        mutated = mutation_table(plan.mutation_properties, plan.mutation_scale, tick=tick)
    return Results(plan, convergence, curves, networks, rest, checks, wom, tarp, recovery, paths, demonstrations,
                   mutated, time.perf_counter() - started)


def generate(out: str | Path = "docs", quick: bool = False, progress: bool = True) -> Path:
    """Run the experiments and write OUT/validation.md and OUT/figures/validation/*.png; return the report path.

    Figures are drawn into a hidden partial folder that replaces the old one only when complete, and
    the report is written last (to a temporary name, then renamed), so nothing is left half-written.
    """
    out = Path(out)
    results = run_all(Plan.small() if quick else Plan.full(), progress)
    return write_report(results, out)


def write_report(results: Results, out: Path) -> Path:
    """Render `results` into OUT/validation.md with its figures in OUT/figures/validation/."""
    final = out / "figures" / "validation"
    partial = final.with_name(".validation.partial")
    if partial.exists():
        shutil.rmtree(partial)
    partial.mkdir(parents=True)
    try:
        text = render(results, partial, figure_prefix="figures/validation")
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    if final.exists():
        shutil.rmtree(final)
    partial.rename(final)
    report = out / "validation.md"
    write_text(report, text)
    return report
