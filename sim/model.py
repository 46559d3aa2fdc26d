"""EngagementModel: customers bond with companies or turn against them.

The model is a `mesa.Model` seeded through Mesa's `rng`. Customer state lives in NumPy arrays (one
row per person); each step applies the mechanisms in `STEP_ORDER` to all customers at once. Each
mechanism draws from its own random stream for each step (sim.streams), so two policies run with
the same seed see the same random numbers wherever they do not differ.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import mesa
import numpy as np

from . import network as networks
from . import scenario as scenarios
from . import state as states
from .agents import Company, Customer
from .levels import LEVELS
from .market import Market
from .mechanisms import (
    advertising,
    bond,
    complaints,
    interventions,
    levels,
    memory,
    money,
    programmes,
    service,
    switching,
    word_of_mouth,
)
from .streams import Streams
from .tally import COUNTS, MONEY, Tally

# The order of a step, written down once. `python -m sim describe` prints it.
STEP_ORDER = (
    ("interventions", interventions),  # scheduled changes to companies; viral complaints
    ("advertising", advertising),  # exposures move identification; prospects may convert
    ("service", service),  # touchpoints, quality, failures; trust and peak-end memory
    ("complaints", complaints),  # voice or silence; recovery (paradox) or escalation (anger)
    ("programmes", programmes),  # participation, appreciation, sensation
    ("word_of_mouth", word_of_mouth),  # praise and warnings along the network; referrals
    ("memory", memory),  # remembered peaks fade
    ("bond", bond),  # the bond moves towards its three-factor target, gated by trust
    ("switching", switching),  # leaving, choosing a new company, winning prospects
    ("levels", levels),  # read the five levels; count transitions
    ("money", money),  # revenue by engagement (costs were counted where incurred)
)

def timeseries_columns(companies: list[str]) -> list[str]:
    """Columns of `EngagementModel.timeseries()` (after `replication`) for these company names."""
    columns = ["step", "prospects"]
    for name in companies:
        columns += [f"{name}_customers", f"{name}_market_share"]
        columns += [f"{name}_{level}" for level in LEVELS]
        columns += [f"{name}_{level}_share" for level in LEVELS]
        columns += [f"{name}_{count}" for count in COUNTS]
        columns += [f"{name}_{money}" for money in MONEY] + [f"{name}_cost"]
    columns += [f"{a}_to_{b}" for a in LEVELS for b in LEVELS if a != b]
    return columns


class EngagementModel(mesa.Model):
    """A market of customers and companies, built from a scenario.

    Args:
        scenario: a Scenario, a YAML path, the name of a bundled scenario, a dict, or None (defaults).
        rng: seed (or numpy Generator) passed to Mesa; defaults to the scenario's `seed`.
        overrides: dotted key paths to override, e.g. {"companies.focal.price": 0.9}.
        rest: the scenario whose market at rest the run starts from (default: the scenario itself).
            A policy compared with `compare` starts from the market as written, brought to rest by the
            burn-in, and acts from step 0 on; its population and network are the market's.
        **parameters: the same with `__` for dots (for batch_run and SolaraViz).
    """

    def __init__(self, scenario=None, *, rng=None, seed=None, overrides: dict | None = None, rest=None,
                 **parameters: Any):
        resolved = scenarios.resolve(scenario, overrides, **parameters)
        start = resolved if rest is None else scenarios.resolve(rest)
        if rng is None and seed is None:
            rng = resolved.data["seed"]
        super().__init__(rng=rng if rng is not None else seed)
        # not `self.scenario`: newer Mesa keeps its own Scenario (holding the rng) under that name
        self.market_scenario = resolved
        self.params = params = start.data
        self.streams = Streams(int(self.rng.integers(2**63)))
        base_dir = Path(start.source).parent if start.source.endswith((".yaml", ".yml")) else Path.cwd()
        try:
            network = networks.build(params["network"], params["customers"], self.streams.generator("network", 0),
                                     base_dir)
        except ValueError as error:  # a malformed edge list: the message names its file and line
            raise scenarios.ScenarioError(str(error)) from None
        self.market = market = Market(params["companies"], params["focal"], params["interventions"], network)
        self.state = states.create(params, market.size, self.streams.generator("population", 0),
                                   market.quality[:-1])
        bond.cap(self.state, params)
        self.state.level = levels.current(self.state, params, market.no_company)
        self.timings = {name: 0.0 for name, _ in STEP_ORDER}
        self.burn_in(params["burn_in"])
        if start is not resolved:  # from here on the scenario's own companies and parameters act
            if list(resolved.data["companies"]) != market.names:
                raise scenarios.ScenarioError(f"{resolved.source}: the companies {list(resolved.data['companies'])} "
                                              f"differ from those of the market it starts from ({market.names})")
            self.params = params = resolved.data
            self.market = market = Market(params["companies"], params["focal"], params["interventions"], network)

        self.companies = [Company(self, name, i) for i, name in enumerate(market.names)]
        self._views: dict[int, Customer] = {}
        if params["customers"] <= params["customer_agents"]:
            for index in range(params["customers"]):
                self.customer(index)

        self.columns = timeseries_columns(market.names)
        self.records: list[np.ndarray] = []
        self.last_tally = Tally(market.size + 1)
        self._record(self.last_tally)
        focal = market.focal
        self.datacollector = mesa.DataCollector(model_reporters={
            **{level: (lambda m, k=k: int(m.level_counts()[focal][k])) for k, level in enumerate(LEVELS)},
            "market_share": lambda m: float(m.level_counts()[focal].sum() / m.state.n),
        })
        self.datacollector.collect(self)

    def burn_in(self, steps: int) -> None:
        """Run `steps` steps before step 0 that are not recorded or counted: the market comes to rest.

        The steps are numbered -steps..-1, so no intervention acts (they start at step 0 or later), and
        they draw from streams of their own ("burn_in/<mechanism>"), so the recorded steps draw exactly
        what they would without a burn-in. Every policy compared on a market starts from the same state.
        """
        market = self.market
        market.step = -steps - 1
        for number in range(1, steps + 1):
            tally = Tally(market.size + 1, company_before=self.state.company.copy())
            market.advance()
            for name, mechanism in STEP_ORDER:
                mechanism.step(self.state, market, self.params, self.streams.stream(f"burn_in/{name}", number), tally)
        market.step = 0
        market.active_key = None  # the next step recomputes the companies' parameters for its interventions

    # --- Mesa interface -------------------------------------------------------------------------
    def step(self) -> None:
        tally = Tally(self.market.size + 1, company_before=self.state.company.copy())
        self.market.advance()
        for name, mechanism in STEP_ORDER:
            start = time.perf_counter()
            mechanism.step(self.state, self.market, self.params, self.streams.stream(name, self.steps), tally)
            self.timings[name] += time.perf_counter() - start
        self.last_tally = tally
        self._record(tally)
        self.datacollector.collect(self)
        if self.steps >= self.params["steps"]:
            self.running = False

    def run(self, steps: int | None = None, progress: bool = False) -> EngagementModel:
        """Run `steps` steps (default: the scenario's), optionally with a progress bar."""
        from tqdm.auto import tqdm

        total = self.params["steps"] if steps is None else steps
        for _ in tqdm(range(total), disable=not progress, desc=self.market_scenario.name, unit="step"):
            self.step()
        return self

    def customer(self, index: int) -> Customer:
        """The Mesa agent for customer `index`, created on first use in large models."""
        view = self._views.get(index)
        if view is None:
            view = self._views[index] = Customer(self, int(index))
        return view

    # --- observations ---------------------------------------------------------------------------
    def level_counts(self, fresh: bool = False) -> np.ndarray:
        """Customers per company (rows) and level (columns) at the end of the last step.

        Counted once per step (the timeseries and the DataCollector share it); `fresh=True` recounts,
        e.g. after changing the state by hand.
        """
        if fresh or getattr(self, "_counts", None) is None:
            self._counts = self._count_levels()
        return self._counts

    def _count_levels(self) -> np.ndarray:
        size = self.market.size
        has = self.state.company < self.market.no_company
        pairs = self.state.company[has].astype(np.int64) * len(LEVELS) + self.state.level[has]
        return np.bincount(pairs, minlength=size * len(LEVELS)).reshape(size, len(LEVELS))

    def _record(self, tally: Tally) -> None:
        counts = self.level_counts(fresh=True)
        n = self.state.n
        row = [self.steps, n - counts.sum()]
        for c in range(self.market.size):
            customers = counts[c].sum()
            row += [customers, customers / n]
            row += list(counts[c])
            row += list(counts[c] / customers) if customers else [0.0] * len(LEVELS)
            row += [tally.counts[count][c] for count in COUNTS]
            costs = [tally.money[m][c] for m in MONEY]
            row += costs + [sum(costs[1:])]
        transitions = tally.transitions
        row += [transitions[a, b] for a in range(len(LEVELS)) for b in range(len(LEVELS)) if a != b]
        self.records.append(np.array(row, dtype=np.float64))

    def timeseries(self, replication: int = 0):
        """One row per step (step 0 is the starting state) as a pandas DataFrame."""
        import pandas as pd

        frame = pd.DataFrame(np.vstack(self.records), columns=self.columns)
        integer = [c for c in frame.columns if not c.endswith(("_share", "revenue", "_cost")) and "cost_" not in c]
        frame[integer] = frame[integer].round().astype(np.int64)
        frame.insert(0, "replication", replication)
        return frame
