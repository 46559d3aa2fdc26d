"""Calibration: fit a market to a company's own figures, as a point (Optuna) or a posterior (ABC-SMC).

A targets file (targets_file) names a market scenario, the scenario keys to fit with prior ranges,
and the observed figures with their sd. Each candidate parameter set is evaluated as a batch of jobs
on the experiments' job engine (evaluation): one run per common-random-numbers replication, the same
seeds for every candidate, each keeping one row of the targets' figures (figures) as a part in
DIR/parts. The point fit (point_fit) uses Optuna's TPE with a journal; the posterior (abc_smc) uses
pyabc's ABC-SMC with a sampler whose runs go to the same executor. Both resume after Ctrl-C and give
the same result as an uninterrupted fit. The results (results, plots, report) are calibrated.yaml,
fit.csv, parameters.csv, posterior.parquet (ABC), report.md and a manifest (run).

The command is `python -m sim calibrate TARGETS.yaml` (sim/cli/calibrate.py); docs/calibration.md
explains the method and shows that it recovers known parameters.
"""

from .evaluation import Evaluation, Evaluator, candidate_key
from .figures import FIGURES, KeepFigures, Target, Window
from .folder import Settings, check_folder, default_folder
from .run import Outcome, calibrate, minimum_budget
from .targets_file import Parameter, TargetsFile, load_targets

__all__ = ["FIGURES", "Evaluation", "Evaluator", "KeepFigures", "Outcome", "Parameter", "Settings", "Target",
           "TargetsFile", "Window", "calibrate", "candidate_key", "check_folder", "default_folder", "load_targets",
           "minimum_budget"]
