"""The posterior: ABC-SMC with pyabc, its model runs going to the project's executor as jobs.

The method is pyabc's exact ABC under a Gaussian model of the observation error (Wilkinson 2013):
a `StochasticAcceptor` with an `IndependentNormalKernel` and a `Temperature` schedule that ends at
temperature 1, where the accepted particles follow prior x N(observed; simulated, variance). The
variance of each target is its sd squared plus the simulation noise of the mean of R replications at
the candidate's parameters (measured by a pilot across the prior: sim.experiments.calibrate.noise), so
the posterior's width reflects both what the observations leave open and what a finite simulated
population adds.

Where the runs happen. pyabc's samplers would start their own processes (multiprocessing) or need
the functions they run to be picklable on a Dask cluster; here the only place that starts workers is
sim.experiments.executors. So `EngineSampler`, a pyabc Sampler, does this for each batch of
candidates:
1. draws the next `batch` proposals by calling pyabc's own `simulate_one` with the model in
   "collect" mode (it records the proposed parameters and stops before simulating);
2. evaluates them all at once as jobs on the executor (sim.experiments.calibrate.evaluation), which
   keeps every finished run as a part in DIR/parts;
3. calls `simulate_one` again for the same proposals, now answered from those results, so pyabc
   accepts, weights and counts them exactly as its single-core sampler would.
Each proposal j of generation t is drawn after seeding NumPy's global generator (which pyabc uses)
with (seed, t, j), so it is the same in step 1 and step 3, and the whole fit is a function of the
seed alone: not of the executor, the workers, the batch size or interruptions. The calibration
sample pyabc draws from the prior to set the first temperature uses the stream of generation 0, so
generation 0 starts with those same candidates and pays nothing for them.

Resuming replays: pyabc's own `load()` continuation re-initialises the temperature and the
acceptor's normalisation from the last stored population, so it would not follow the same path. A
re-run instead starts pyabc afresh (DIR/abc.db is rebuilt) and every candidate already run is read
from DIR/parts in milliseconds; the resumed fit is identical to an uninterrupted one.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .evaluation import Evaluator, candidate_key
from .noise import NoiseModel, to_unit
from .targets_file import TargetsFile


class _Proposed(Exception):
    """Raised by the model in collect mode: carries the parameters pyabc proposed."""

    def __init__(self, values: dict):
        super().__init__("proposal collected")
        self.values = values


class CandidateModel:
    """The model pyabc calls: pyabc parameters (p0, p1, ... on the fitting scale) -> mean figures."""

    def __init__(self, targets_file: TargetsFile, evaluator: Evaluator, replications: int):
        self.targets_file = targets_file
        self.evaluator = evaluator
        self.replications = range(replications)
        self.collecting = False
        self.results: dict = {}  # candidate key -> Evaluation

    def values(self, pars) -> dict:
        """Scenario values of a pyabc parameter (p0, p1, ... in the order of the targets file)."""
        return {p.key: p.from_fit_scale(float(pars[f"p{i}"])) for i, p in enumerate(self.targets_file.parameters)}

    def evaluate(self, candidates: list[dict]) -> None:
        """Run a batch of candidates on the executor (one job per replication) and keep their figures."""
        unique = {candidate_key(values): values for values in candidates}
        found = self.evaluator.evaluate(list(unique.values()), self.replications)
        self.results.update(zip(unique, found, strict=True))

    def __call__(self, pars) -> dict:
        values = self.values(pars)
        if self.collecting:
            raise _Proposed(values)
        key = candidate_key(values)
        if key not in self.results:  # not collected beforehand (never expected): run it on its own
            self.evaluate([values])
        mean = self.results[key].mean
        # a figure that is not a number (e.g. ROI without cost) can match nothing: infinitely far
        return {t.name: float(mean[t.name]) if math.isfinite(mean[t.name]) else math.inf
                for t in self.targets_file.targets}


def _engine_sampler_class():
    from pyabc.sampler import Sampler

    class EngineSampler(Sampler):
        """A pyabc sampler whose model runs are jobs on the project's executor (see the module docstring)."""

        def __init__(self, model: CandidateModel, seed: int, batch: int, on_generation=None):
            super().__init__()
            self.model = model
            self.seed = int(seed)
            self.batch = max(1, int(batch))
            self.on_generation = on_generation
            self.out_of_budget = False
            self.last_rate = 0.3  # pyabc's default target acceptance rate, until one is measured

        def _seed(self, t: int, j: int) -> None:
            # the calibration sample (t = -1) draws from the prior like generation 0: same stream, same candidates
            np.random.seed(np.random.SeedSequence([self.seed, max(t, 0), j]).generate_state(4))

        def _size(self, wanted: int, accepted: int, evaluated: int, all_accepted: bool) -> int:
            runs = len(self.model.replications)
            size = min(self.batch, self.model.evaluator.remaining // runs)
            if not all_accepted:  # near the end of a generation, run about as many as should still be needed
                rate = (accepted + 1) / (evaluated + 2) if evaluated >= self.batch else self.last_rate
                size = min(size, max(1, math.ceil((wanted - accepted) / max(rate, 1e-3))))
            return size

        def sample_until_n_accepted(self, n, simulate_one, t, *, max_eval=np.inf, all_accepted=False,
                                    ana_vars=None):
            sample = self._create_empty_sample()
            state = np.random.get_state()
            evaluated = j = 0
            try:
                while sample.n_accepted < n and evaluated < max_eval:
                    size = self._size(n, sample.n_accepted, evaluated, all_accepted)
                    if size < 1:
                        self.out_of_budget = True
                        sample.ok = False
                        break
                    self.model.evaluate(self._collect(simulate_one, t, range(j, j + size)))
                    for k in range(j, j + size):
                        self._seed(t, k)
                        sample.append(simulate_one())
                        evaluated += 1
                        if sample.n_accepted >= n:
                            break
                    j += size
            finally:
                np.random.set_state(state)  # leave the global generator as we found it
            if sample.n_accepted < n:
                sample.ok = False
            if not all_accepted and evaluated:
                self.last_rate = sample.n_accepted / evaluated
            self.nr_evaluations_ = evaluated
            if self.on_generation is not None:
                self.on_generation(t, sample.n_accepted, evaluated)
            return sample

        def _collect(self, simulate_one, t: int, indices) -> list[dict]:
            """The proposals `indices` of generation t, drawn by pyabc itself, without simulating them."""
            proposals = []
            self.model.collecting = True
            try:
                for k in indices:
                    self._seed(t, k)
                    try:
                        simulate_one()
                    except _Proposed as proposed:
                        proposals.append(proposed.values)
                    else:
                        raise RuntimeError("pyabc evaluated a proposal without calling the model")
            finally:
                self.model.collecting = False
            return proposals

    return EngineSampler


@dataclass
class AbcResult:
    """The populations pyabc accepted: one row per particle and generation, and one row per generation."""

    particles: pd.DataFrame  # generation, each parameter (scenario values), weight, log_density, each figure
    generations: pd.DataFrame  # generation, temperature, evaluations, accepted, acceptance_rate, ess, runs_used
    noise_sd: dict  # simulation noise (sd of one run) per target at the prior's centre, from the pilot
    out_of_budget: bool
    noise: NoiseModel | None = None  # the noise across the prior (sim.experiments.calibrate.noise)

    @property
    def final(self) -> pd.DataFrame:
        """The last complete generation: the posterior."""
        last = self.particles["generation"].max()
        return self.particles[self.particles["generation"] == last].reset_index(drop=True)

    @property
    def temperature(self) -> float:
        return float(self.generations["temperature"].iloc[-1]) if len(self.generations) else math.inf


def run(targets_file: TargetsFile, evaluator: Evaluator, database: Path, seed: int, replications: int,
        population: int, generations: int, batch: int, noise: NoiseModel | None) -> AbcResult:
    """Run ABC-SMC from the start (replaying whatever DIR/parts already holds) and return its populations.

    Each target's variance is its sd squared plus the simulation noise of the mean of `replications` runs
    at the candidate's parameters (`noise`, measured by the pilot across the prior; none without a pilot)."""
    import pyabc

    logging.getLogger("ABC").setLevel(logging.WARNING)
    targets, parameters = targets_file.targets, targets_file.parameters
    model = CandidateModel(targets_file, evaluator, replications)
    prior = pyabc.Distribution(**{f"p{i}": pyabc.RV("uniform", p.fit_low, p.fit_high - p.fit_low)
                                  for i, p in enumerate(parameters)})
    observed_variance = np.array([t.sd ** 2 for t in targets])
    if noise is None:
        kernel = pyabc.IndependentNormalKernel(var=observed_variance, keys=[t.name for t in targets])
    else:
        def variance(par) -> np.ndarray:
            unit = to_unit(targets_file, [par[f"p{i}"] for i in range(len(parameters))])
            return observed_variance + noise.sd(unit) ** 2 / replications

        smallest = observed_variance + noise.smallest() ** 2 / replications  # the likelihood's highest peak
        kernel = pyabc.IndependentNormalKernel(var=variance, keys=[t.name for t in targets],
                                               pdf_max=float(-0.5 * np.sum(np.log(2 * np.pi * smallest))))
    noise_sd = noise.at_centre() if noise is not None else {t.name: 0.0 for t in targets}
    counts: list[dict] = []

    def on_generation(t: int, accepted: int, evaluated: int) -> None:
        counts.append({"t": t, "runs_used": evaluator.used})
        if evaluator.bar is not None and t >= 0:
            evaluator.bar.set_postfix_str(f"generation {t + 1}: {accepted} of {population} accepted", refresh=False)

    sampler = _engine_sampler_class()(model, seed, batch, on_generation)
    abc = pyabc.ABCSMC(model, prior, kernel, population_size=population, sampler=sampler,
                       eps=pyabc.Temperature(), acceptor=pyabc.StochasticAcceptor())
    database.unlink(missing_ok=True)  # a resumed fit replays from the start (see the module docstring)
    abc.new(f"sqlite:///{database}", {t.name: t.value for t in targets})
    history = abc.run(max_nr_populations=generations)
    return _result(history, targets_file, counts, noise_sd, sampler.out_of_budget, noise)


def _result(history, targets_file: TargetsFile, counts: list[dict], noise_sd: dict, out_of_budget: bool,
            noise: NoiseModel | None = None) -> AbcResult:
    from pyabc.weighted_statistics import effective_sample_size

    parameters, targets = targets_file.parameters, targets_file.targets
    rows, summary = [], []
    runs_at = {c["t"]: c["runs_used"] for c in counts}
    table = history.get_all_populations()
    for _, generation in table[table["t"] >= 0].iterrows():
        t = int(generation["t"])
        particles = history.get_population(t=t).particles
        weights = np.array([p.weight for p in particles], dtype=float)
        for particle, weight in zip(particles, weights / weights.sum(), strict=True):
            values = {p.key: p.from_fit_scale(float(particle.parameter[f"p{i}"])) for i, p in enumerate(parameters)}
            rows.append({"generation": t, **values,
                         "weight": weight, "log_density": float(particle.distance),
                         **{f"figure:{target.name}": float(np.asarray(particle.sum_stat[target.name]).item())
                            for target in targets}})
        summary.append({"generation": t, "temperature": float(generation["epsilon"]),
                        "evaluations": int(generation["samples"]), "accepted": len(particles),
                        "acceptance_rate": len(particles) / int(generation["samples"]),
                        "ess": float(effective_sample_size(weights)), "runs_used": runs_at.get(t)})
    particles = pd.DataFrame(rows)
    if len(particles):
        z = np.column_stack([(particles[f"figure:{t.name}"] - t.value) / t.sd for t in targets])
        with np.errstate(invalid="ignore"):
            particles.insert(len(parameters) + 2, "distance", np.sqrt(np.mean(z ** 2, axis=1)))
    return AbcResult(particles, pd.DataFrame(summary), noise_sd, out_of_budget, noise)
