"""The point fit: Optuna's TPE sampler minimising the discrepancy, with a journal file so that a fit resumes.

Trials are asked for in batches of `batch` (their runs go to the executor together; TPE's constant
liar keeps the trials of one batch apart) and told in trial order once the batch is done. Each ask
uses a TPE sampler seeded with (seed, trial number), so trial n is a function of the trials before
it and nothing else: not of the executor, the number of workers or an interruption.

Resuming: the study lives in DIR/optuna.journal (Optuna's JournalStorage, one appended line per
event). After Ctrl-C the journal holds every told trial, and the trials of the interrupted batch as
RUNNING with their parameters; the next call finishes that batch (its runs are mostly parts already)
and goes on. The resumed fit is therefore identical to an uninterrupted one. Each trial also keeps
its mean figures (a user attribute) for trials.csv and the report.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .evaluation import Evaluator
from .targets_file import TargetsFile

STUDY = "calibration"
STARTUP_TRIALS = 10  # TPE's random start (Optuna's default), drawn from the prior ranges


@dataclass
class PointFit:
    """What the fit found: the best values, its discrepancy, and every trial."""

    values: dict
    discrepancy: float
    trials: pd.DataFrame  # trial, batch, each parameter, discrepancy, each target's mean figure

    @property
    def count(self) -> int:
        return len(self.trials)


def trial_seed(seed: int, number: int) -> int:
    """The TPE seed of trial `number`: independent streams per trial, the same on every attempt."""
    return int(np.random.SeedSequence([int(seed), int(number)]).generate_state(1)[0])


def fit(targets_file: TargetsFile, evaluator: Evaluator, journal: Path, seed: int, replications: int,
        batch: int, trials: int) -> PointFit:
    """Run (or resume) a TPE fit of `trials` trials, each evaluated on `replications` replications."""
    import optuna
    from optuna.storages import JournalStorage
    from optuna.storages.journal import JournalFileBackend
    from optuna.trial import Trial, TrialState

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    storage = JournalStorage(JournalFileBackend(str(journal)))
    study = optuna.create_study(study_name=STUDY, storage=storage, direction="minimize", load_if_exists=True)
    reps = range(replications)
    told = len(study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,)))
    evaluator.spent_before(told * replications)  # trials told before an interruption: in the journal
    while True:
        existing = study.get_trials(deepcopy=False)
        running = sorted((t for t in existing if t.state == TrialState.RUNNING), key=lambda t: t.number)
        if running:  # a batch that was interrupted: finish it as it was planned
            first = running[0]
            start = first.user_attrs.get("batch_start", first.number)
            planned = first.user_attrs.get("batch_size", len(existing) - start)
        elif len(existing) >= trials:
            break
        else:
            start, planned = len(existing), min(batch, trials - len(existing))
        # optuna.trial.Trial(study, trial_id) is how Optuna itself reopens a running trial
        batch_trials = [Trial(study, t._trial_id) for t in running]
        for number in range(len(existing), start + planned):  # asks never follow a tell within a batch
            batch_trials.append(ask(study, targets_file, trial_seed(seed, number), start, planned))
        candidates = [dict(trial.params) for trial in batch_trials]
        evaluations = evaluator.evaluate(candidates, reps)
        for trial, evaluation in zip(batch_trials, evaluations, strict=True):
            trial.set_user_attr("figures", {k: float(v) for k, v in evaluation.mean.items()})
            study.tell(trial, evaluation.discrepancy(targets_file.targets))
        if evaluator.bar is not None:
            evaluator.bar.set_postfix_str(f"best discrepancy {study.best_value:.3g}", refresh=False)
    return summarise(study, targets_file, batch)


def ask(study, targets_file: TargetsFile, seed: int, batch_start: int, batch_size: int):
    """A new trial with its parameters drawn by a TPE sampler seeded for this trial alone."""
    import optuna

    study.sampler = optuna.samplers.TPESampler(seed=seed, multivariate=True, constant_liar=True,
                                               n_startup_trials=STARTUP_TRIALS)
    trial = study.ask()
    trial.set_user_attr("batch_start", batch_start)
    trial.set_user_attr("batch_size", batch_size)
    for p in targets_file.parameters:
        if p.kind == "int":
            trial.suggest_int(p.key, math.ceil(p.low), math.floor(p.high), log=p.scale == "log")
        else:
            trial.suggest_float(p.key, p.low, p.high, log=p.scale == "log")
    return trial


def summarise(study, targets_file: TargetsFile, batch: int) -> PointFit:
    """The trials as a table, and the best one (lowest discrepancy; the earliest of equals)."""
    from optuna.trial import TrialState

    rows = []
    for trial in study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,)):
        figures = trial.user_attrs.get("figures", {})
        rows.append({"trial": trial.number, "batch": trial.number // batch,
                     **{p.key: trial.params[p.key] for p in targets_file.parameters},
                     "discrepancy": trial.value, **{t.name: figures.get(t.name) for t in targets_file.targets}})
    table = pd.DataFrame(rows).sort_values("trial", ignore_index=True)
    best = table.loc[table["discrepancy"].idxmin()]
    return PointFit({p.key: best[p.key] for p in targets_file.parameters}, float(best["discrepancy"]), table)
