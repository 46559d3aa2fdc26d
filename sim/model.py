"""EngagementModel: customers bond with companies or turn against them.

The model is a `mesa.Model` seeded through Mesa's `rng`. Customer state lives in NumPy arrays (one
row per person); each step applies the mechanisms in `STEP_ORDER` to all customers at once. Each
mechanism draws from its own random stream for each step (sim.streams), so two policies run with
the same seed see the same random numbers wherever they do not differ.

Two engines run a step: `fused` (the default; sim.fused: the mechanisms compiled into three passes over
the customers) and `reference` (the mechanism modules one after the other, in NumPy). They give the
same bytes (tests/test_fused.py). Each step is recorded into preallocated arrays: one row of the
timeseries, built without Python lists.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from .mesa_core import load as _load_mesa

mesa = _load_mesa()  # Model and Agent now; the rest of Mesa (pandas, scipy, networkx) when first used

from . import network as networks  # noqa: E402
from . import scenario as scenarios  # noqa: E402
from . import state as states  # noqa: E402
from .agents import Company, Customer  # noqa: E402
from .levels import LEVELS  # noqa: E402
from .market import Market  # noqa: E402
from .mechanisms import STEP_ORDER, bond, interventions, levels  # noqa: E402
from .rest_state import load_rest, rest_fingerprint, save_rest  # noqa: E402
from .streams import Stream, Streams  # noqa: E402
from .tally import COUNTS, MONEY, Tally  # noqa: E402

__all__ = ["ENGINES", "STEP_ORDER", "EngagementModel", "timeseries_columns"]

ENGINES = ("fused", "reference")


def release_free_memory() -> None:
    """Give the memory freed by set-up temporaries back to the system (glibc keeps freed blocks of a few MB
    for reuse, so a million customers' temporaries would otherwise count in the process's size for good)."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: nothing to do
        pass


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


PER_COMPANY = 2 + 2 * len(LEVELS) + len(COUNTS) + len(MONEY) + 1  # columns of one company in a timeseries row
_OFF_DIAGONAL = [(a, b) for a in range(len(LEVELS)) for b in range(len(LEVELS)) if a != b]
_FROM, _TO = (np.array(side) for side in zip(*_OFF_DIAGONAL))  # the transitions' columns, as index arrays


def _counted(steps: int, description: str, leave: bool = True):
    """1..steps with a progress bar that advances after each step. The first step is left out of the bar's rate:
    on the first run after installing it compiles the kernels (about 25 s), and its rate would promise hours."""
    from tqdm.auto import tqdm

    with tqdm(total=steps, desc=description, unit="step", leave=leave) as bar:
        for number in range(1, steps + 1):
            yield number
            if number == 1:
                bar.reset()  # the clock starts again after the first step
            bar.update()


class EngagementModel(mesa.Model):
    """A market of customers and companies, built from a scenario.

    Args:
        scenario: a Scenario, a YAML path, the name of a bundled scenario, a dict, or None (defaults).
        rng: seed (or numpy Generator) passed to Mesa; defaults to the scenario's `seed`.
        overrides: dotted key paths to override, e.g. {"companies.focal.price": 0.9}.
        rest: the scenario whose market at rest the run starts from (default: the scenario itself).
            A policy compared with `compare` starts from the market as written, brought to rest by the
            burn-in, and acts from step 0 on; its population and network are the market's.
        engine: "fused" (compiled passes, the default) or "reference" (the NumPy mechanisms); same results.
        rest_file: a file (.npz) for the state at rest after the burn-in: read instead of running the burn-in
            if it holds the state of the same market, seed and code, else written after the burn-in. `compare`
            gives every policy of a replication the same file, so the burn-in runs once per market and seed.
        progress: show a progress bar while the burn-in runs (`run` does, for a single replication).
        **parameters: the same with `__` for dots (for batch_run and SolaraViz).
    """

    def __init__(self, scenario=None, *, rng=None, seed=None, overrides: dict | None = None, rest=None,
                 engine: str = "fused", rest_file: str | Path | None = None, progress: bool = False,
                 **parameters: Any):
        began = time.perf_counter()
        if engine not in ENGINES:
            raise ValueError(f"engine must be one of {', '.join(ENGINES)}, got {engine!r}")
        resolved = scenarios.resolve(scenario, overrides, **parameters)
        start = resolved if rest is None else scenarios.resolve(rest)
        if rng is None and seed is None:
            rng = resolved.data["seed"]
        super().__init__(rng=rng if rng is not None else seed)
        # not `self.scenario`: newer Mesa keeps its own Scenario (holding the rng) under that name
        self.market_scenario = resolved
        self.engine = engine
        self.params = params = start.data
        self.streams = Streams(int(self.rng.integers(2**63)))
        base_dir = Path(start.source).parent if start.source.endswith((".yaml", ".yml")) else Path.cwd()
        # the network (its own stream) is built on another thread while the population is drawn (a million
        # people's lattice needs no edge arrays, so the temporaries of the two stay small together)
        pool = ThreadPoolExecutor(1, thread_name_prefix="sim-network")
        building = pool.submit(networks.build, params["network"], params["customers"],
                               self.streams.generator("network", 0), base_dir)
        pool.shutdown(wait=False)
        self.market = market = Market(params["companies"], params["focal"], params["interventions"], None)
        self._fused = None
        self.fallback_reason: str | None = None  # why the last step ran the reference, if the fused was asked for
        self.rest_file = Path(rest_file) if rest_file else None
        self.rest_reused = False
        rest_key = rest_fingerprint(start, self.streams.root_entropy) if rest_file else ""
        loaded = load_rest(self.rest_file, rest_key) if rest_file else None
        if loaded is not None:
            self.state = loaded
            self.rest_reused = True
        else:
            self.state = states.create(params, market.size, self.streams.generator("population", 0),
                                       market.quality[:-1])
            bond.cap(self.state, params)
            self.state.level = levels.current(self.state, params, market.no_company)
        try:
            market.network = network = building.result()
        except ValueError as error:  # a malformed edge list: the message names its file and line
            raise scenarios.ScenarioError(str(error)) from None
        del building
        release_free_memory()
        self.timings: dict[str, float] = {}
        started = time.perf_counter()
        if loaded is None:
            self.burn_in(params["burn_in"], progress)
            if rest_file:
                save_rest(self.rest_file, self.state, rest_key)
        self.burn_in_seconds = time.perf_counter() - started
        if start is not resolved:  # from here on the scenario's own companies and parameters act
            if list(resolved.data["companies"]) != market.names:
                raise scenarios.ScenarioError(f"{resolved.source}: the companies {list(resolved.data['companies'])} "
                                              f"differ from those of the market it starts from ({market.names})")
            self.params = params = resolved.data
            self.market = market = Market(params["companies"], params["focal"], params["interventions"], network)
        self.timings = {}

        self.companies = [Company(self, name, i) for i, name in enumerate(market.names)]
        self._views: dict[int, Customer] = {}
        self._key_block = None  # (names, first step, keys) of the streams of the next steps (`_step_keys`)
        if params["customers"] <= params["customer_agents"]:
            for index in range(params["customers"]):
                self.customer(index)

        self.columns = timeseries_columns(market.names)
        self._records = np.zeros((params["steps"] + 1, len(self.columns)))
        self._filled = 0
        self.last_tally = Tally(market.size + 1)
        self._record(self.last_tally)
        self._datacollector = None  # Mesa's DataCollector, made on first use (sim.mesa_core: it imports pandas)
        # seconds to build the model (network, population, agents, recording) and of its burn-in, apart
        self.setup_seconds = time.perf_counter() - began - self.burn_in_seconds

    # --- the step ---------------------------------------------------------------------------------
    def _fused_step(self):
        """The fused step for this model, or None when the reference must run (see sim.fused)."""
        if self.engine != "fused":
            return None
        from .fused import FusedStep

        self.fallback_reason = FusedStep.usable(STEP_ORDER)
        if self.fallback_reason:
            return None
        if self._fused is None:
            self._fused = FusedStep(self.state, self.market, self.params)
        self._fused.set_params(self.params)
        return self._fused

    def burn_in(self, steps: int, progress: bool = False) -> None:
        """Run `steps` steps before step 0 that are not recorded or counted: the market comes to rest.

        The steps are numbered -steps..-1, so no intervention acts (they start at step 0 or later), and
        they draw from streams of their own ("burn_in/<mechanism>"), so the recorded steps draw exactly
        what they would without a burn-in. Every policy compared on a market starts from the same state.
        `progress` shows a bar (a million customers take most of a minute), gone once the burn-in is over.
        """
        market = self.market
        market.step = -steps - 1
        fused = self._fused_step() if steps else None
        numbers = range(1, steps + 1)
        if progress and steps:
            numbers = _counted(steps, f"{self.market_scenario.name}: burn-in", leave=False)
        if fused is not None:
            from .fused import KEY_NAMES

            keys = self.streams.keys([f"burn_in/{name}" for name in KEY_NAMES], np.arange(1, steps + 1))
            for number in numbers:
                market.advance()
                market.apply_interventions()  # none is active before step 0: the companies as written
                fused.run(self.state, market, keys[number - 1])
            self.timings = {}
        else:
            for number in numbers:
                tally = Tally(market.size + 1, company_before=self.state.company.copy())
                market.advance()
                for name, mechanism in STEP_ORDER:
                    mechanism.step(self.state, market, self.params, self.streams.stream(f"burn_in/{name}", number),
                                   tally)
        market.step = 0
        market.active_key = None  # the next step recomputes the companies' parameters for its interventions

    # --- Mesa interface -------------------------------------------------------------------------
    def step(self) -> None:
        self.last_tally = None  # the fused step decodes a tally still held when it reuses its buffers: only if kept
        tally = Tally(self.market.size + 1, company_before=self.state.company.copy())
        self.market.advance()
        fused = self._fused_step()
        clock = time.perf_counter
        if fused is not None:
            from .fused import KEY_NAMES, PASSES

            keys = self._step_keys(KEY_NAMES, self.steps)
            start = clock()
            interventions.step(self.state, self.market, self.params, Stream(keys[-1]), tally)
            fused.timings[PASSES[0]] += clock() - start
            fused.run(self.state, self.market, keys, tally, clock)
            self.timings = dict(fused.timings)
        else:
            for name, mechanism in STEP_ORDER:
                start = clock()
                mechanism.step(self.state, self.market, self.params, self.streams.stream(name, self.steps), tally)
                self.timings[name] = self.timings.get(name, 0.0) + clock() - start
        self.last_tally = tally
        self._record(tally)
        if self._datacollector is not None:
            self._datacollector.collect(self)
        if self.steps >= self.params["steps"]:
            self.running = False

    def _step_keys(self, names: tuple, step: int) -> np.ndarray:
        """The keys of the streams of `names` at `step`, computed for up to 1,000 steps at a time: 12 us a step
        one step at a time, 0.5 us from the block (4% of a 2,000-customer step)."""
        held = self._key_block
        if held is None or held[0] != names or not held[1] <= step < held[1] + len(held[2]):
            count = min(max(self.params["steps"] - step + 1, 1), 1000)
            held = self._key_block = names, step, self.streams.keys(names, np.arange(step, step + count))
        return held[2][step - held[1]]

    def run(self, steps: int | None = None, progress: bool = False) -> EngagementModel:
        """Run `steps` steps (default: the scenario's), optionally with a progress bar."""
        total = self.params["steps"] if steps is None else steps
        if progress:
            for _ in _counted(total, self.market_scenario.name):
                self.step()
        else:
            for _ in range(total):
                self.step()
        return self

    def reset_timings(self) -> None:
        """Start the per-mechanism (reference) or per-pass (fused) timings afresh."""
        self.timings = {}
        if self._fused is not None:
            self._fused.timings = dict.fromkeys(self._fused.timings, 0.0)

    @property
    def datacollector(self):
        """Mesa's DataCollector of the focal company's level counts and market share, one row per step.

        Made on first use, with the steps recorded so far filled in from the timeseries (the values its
        reporters would have collected), and collecting every step from then on.
        """
        if self._datacollector is None:
            from mesa.datacollection import DataCollector

            focal = self.market.focal
            collector = DataCollector(model_reporters={
                **{level: (lambda m, k=k: int(m.level_counts()[focal][k])) for k, level in enumerate(LEVELS)},
                "market_share": lambda m: float(m.level_counts()[focal].sum() / m.state.n),
            })
            name = self.market.names[focal]
            records = self.records
            for level in LEVELS:
                column = records[:, self.columns.index(f"{name}_{level}")]
                collector.model_vars[level] = [int(round(value)) for value in column]
            collector.model_vars["market_share"] = records[:, self.columns.index(f"{name}_market_share")].tolist()
            self._datacollector = collector
        return self._datacollector

    @datacollector.setter
    def datacollector(self, collector) -> None:
        self._datacollector = collector

    def release(self) -> None:
        """Let go of the customer arrays and the network once a run is over (its timeseries stays): a job keeps
        only its table, and building that table should not stack pandas on top of a million customers."""
        self.state = None
        self._fused = None
        self._views.clear()
        self.last_tally = Tally(self.market.size + 1)
        self.market.network = None
        release_free_memory()
        # Mesa 3.3 counts agent ids in a class-level dict keyed by the model, which would keep every
        # finished model (and its agents) alive: a worker running thousands of jobs would grow without end
        mesa.Agent._ids.pop(self, None)

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

    @property
    def records(self) -> np.ndarray:
        """The recorded rows so far (step 0 first), one per step, in the columns of `timeseries_columns`."""
        return self._records[: self._filled]

    def _record(self, tally: Tally) -> None:
        # whole tables at a time: after a step's passes over the arrays the interpreter's objects are out of the
        # core's caches, and each small NumPy call costs several times what it costs in a loop of its own
        counts = tally.level_counts if tally.level_counts is not None else self._count_levels()
        self._counts = counts
        if self._filled == self._records.shape[0]:  # more steps than the scenario's: grow
            self._records = np.concatenate([self._records, np.zeros_like(self._records)])
        row = self._records[self._filled]
        self._filled += 1
        n, size = self.state.n, self.market.size
        customers = counts.sum(axis=1)
        row[0], row[1] = self.steps, n - customers.sum()
        block = row[2: 2 + size * PER_COMPANY].reshape(size, PER_COMPANY)
        levels_ = len(LEVELS)
        block[:, 0] = customers
        block[:, 1] = customers / n
        block[:, 2: 2 + levels_] = counts
        # shares of a company's customers; a company without customers has no level counts, and 0 / 1 = 0
        block[:, 2 + levels_: 2 + 2 * levels_] = counts / np.maximum(customers, 1)[:, None]
        first = 2 + 2 * levels_
        block[:, first: first + len(COUNTS)] = tally.count_table[:, :size].T  # rows in the order of COUNTS
        first += len(COUNTS)
        money = tally.money_table[:, :size]  # rows in the order of MONEY (12 us a step less than by name)
        block[:, first: first + len(MONEY)] = money.T
        costs = 0
        for spent in money[1:]:
            costs = costs + spent  # left to right, as the sum of each company's costs
        block[:, first + len(MONEY)] = costs
        row[2 + size * PER_COMPANY:] = tally.transitions[_FROM, _TO]

    def timeseries(self, replication: int = 0):
        """One row per step (step 0 is the starting state) as a pandas DataFrame."""
        import pandas as pd

        return pd.DataFrame(self.timeseries_arrays(replication))

    def timeseries_arrays(self, replication: int = 0) -> dict[str, np.ndarray]:
        """The columns of `timeseries` as NumPy arrays, in order (`replication` first): counts are whole numbers
        (int64), shares and money float64. `run` writes its tables from these, without pandas."""
        records = self.records
        columns = {"replication": np.full(len(records), replication, np.int64)}
        for k, name in enumerate(self.columns):
            values = records[:, k]
            whole = not name.endswith(("_share", "revenue", "_cost")) and "cost_" not in name
            columns[name] = values.round().astype(np.int64) if whole else values.copy()
        return columns
