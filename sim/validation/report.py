"""The validation run: what to run (Plan), running it (run_all) and writing the report (generate).

`generate` is what `python -m sim validate-model` calls: it runs the Bass limit (bass.py), every
demonstration in properties.PROPERTIES and the stylized facts (facts.py), then writes validation.md
(report_sections.py) with its figures (figures.py).
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..experiments.output import write_text
from . import properties
from .bass import NETWORKS, bass_convergence, bass_steps, network_curves, run_bass
from .facts import RecoveryDesign, complaint_loyalty, recovery_paradox, word_of_mouth_ratio
from .report_sections import render


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


@dataclass
class Plan:
    """Sizes of every experiment: `full()` for the committed report, `small()` for `--quick` and CI (under a minute)."""

    quick: bool
    pairs: list
    sizes: list
    seeds: dict
    network_pairs: list
    network_customers: int
    network_seeds: int
    wom_seeds: int
    tarp_seeds: int
    baseline: dict  # overrides of scenarios/baseline.yaml for the stylized facts (empty: as written)
    recovery: RecoveryDesign
    property_scale: float

    @classmethod
    def full(cls) -> Plan:
        return cls(False, [(0.01, 0.2), (0.03, 0.4), (0.005, 0.5)], [1_000, 10_000, 100_000],
                   {1_000: 20, 10_000: 10, 100_000: 4}, [(0.01, 0.2), (0.005, 0.5)], 20_000, 3,
                   5, 4, {}, RecoveryDesign(customers=50_000), 1.0)

    @classmethod
    def small(cls) -> Plan:
        return cls(True, [(0.01, 0.2), (0.005, 0.5)], [1_000, 4_000],
                   {1_000: 3, 4_000: 2}, [(0.01, 0.2)], 4_000, 1,
                   1, 1, {"customers": 4_000, "steps": 200},
                   RecoveryDesign(first=10, second=40, horizon=20, customers=5_000), 0.25)

    def runs(self) -> int:
        """Number of model runs (for the progress bar)."""
        bass = len(self.pairs) * sum(self.seeds[n] for n in self.sizes)
        networks = len(self.network_pairs) * len(NETWORKS) * self.network_seeds
        recovery_twins = 5  # recovery_paradox: 0, 1 and 2 outages with good handling, 0 and 1 with poor
        return bass + networks + self.wom_seeds + self.tarp_seeds + recovery_twins + len(properties.PROPERTIES)


@dataclass
class Results:
    """Everything the report shows."""

    plan: Plan
    convergence: pd.DataFrame
    curves: dict
    networks: pd.DataFrame
    wom: pd.DataFrame
    tarp: pd.DataFrame
    recovery: pd.DataFrame
    recovery_paths: dict
    demonstrations: list
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
        wom = word_of_mouth_ratio(plan.wom_seeds, plan.baseline, tick)
        tarp = complaint_loyalty(plan.tarp_seeds, plan.baseline, tick=tick)
        recovery, paths = recovery_paradox(plan.recovery, tick=tick)
        demonstrations = property_demonstrations(plan.property_scale, tick=tick)
    return Results(plan, convergence, curves, networks, wom, tarp, recovery, paths, demonstrations,
                   time.perf_counter() - started)


def generate(out: str | Path = "docs", quick: bool = False, progress: bool = True) -> Path:
    """Run the experiments and write OUT/validation.md and OUT/figures/validation/*.png; return the report path.

    Figures are drawn into a hidden partial folder that replaces the old one only when complete, and
    the report is written last (to a temporary name, then renamed), so nothing is left half-written.
    """
    out = Path(out)
    results = run_all(Plan.small() if quick else Plan.full(), progress)
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
