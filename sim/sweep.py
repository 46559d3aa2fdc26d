"""Parameter sweeps: a YAML sweep file, its design, and resumable parallel runs.

A sweep file names a base scenario, the parameters to vary (any scenario key path) with ranges or
lists, a design (full-factorial grid, Latin hypercube, or Sobol/Saltelli via SALib), the replications
per design point and the outputs to record. Example::

    name: price_and_handling
    scenario: ../baseline.yaml          # relative to this file, or a bundled name
    set: {customers: 2000, steps: 120}  # fixed overrides of the base scenario
    parameters:
      companies.focal.price: {low: 0.8, high: 1.2}
      companies.focal.complaint_handling: {values: [0.3, 0.6, 0.9]}
    design: {kind: grid, levels: 3, seed: 7}
    replications: 2
    outputs:
      - {name: fans, metric: share_passionate, at: 120}
      - {name: mean_hostile, column: focal_hostile_share, summary: mean, from: 60}

Run r = point * replications + replication uses the Mesa seed `replication_seed(design.seed,
replication)`: every point sees the same random numbers (common random numbers, which sharpens
comparisons between points), and no result depends on which worker ran it or when.

Results folder: `sweep.json` (the resolved sweep and its fingerprint), `design.csv` (the points),
`parts/run-NNNNNN.parquet` (one row per finished run, written atomically as it finishes),
`index.json` (which runs are done, with timings) and, once complete, `table.parquet`. Re-running
the same sweep into the same folder skips the finished parts.
"""

from __future__ import annotations

import copy
import hashlib
import itertools
import json
import math
import os
import re
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import nullcontext
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from . import output
from . import parameters as params
from . import scenario as scenarios
from .metrics import METRICS, summarize
from .runner import replication_seed

DESIGNS = ("grid", "lhs", "sobol")
SUMMARIES = ("mean", "final", "max", "min", "sum")
SWEEP_KEYS = ("name", "description", "scenario", "set", "parameters", "design", "replications", "outputs")
DESIGN_KEYS = ("kind", "samples", "seed", "levels")
RANGE_KEYS = ("low", "high", "levels", "values")
METRIC_KEYS = ("name", "metric", "company", "at")
COLUMN_KEYS = ("name", "column", "summary", "from", "to")
RESERVED = ("run", "point", "replication", "seed")
NOT_SWEPT = ("seed", "replications", "name", "description", "focal", "customer_agents")
DEFAULT_LEVELS = 5
BUNDLED = Path(__file__).resolve().parent.parent / "scenarios"


class SweepError(scenarios.ScenarioError):
    """A sweep that cannot run; `str()` is the one-line message (exit code 2)."""


@dataclass
class Parameter:
    """One varied scenario key: a continuous range (low..high) or a list of values."""

    path: str
    kind: str  # the schema kind: "int", "float", "bool", "str", "choice"
    low: float | None = None
    high: float | None = None
    values: list | None = None
    levels: int | None = None

    def from_unit(self, u: float) -> Any:
        """Map a number in [0, 1) from a space-filling design to a value of this parameter."""
        if self.values is not None:
            return self.values[min(len(self.values) - 1, int(math.floor(u * len(self.values))))]
        if self.kind == "int":
            return int(min(self.high, self.low + math.floor(u * (self.high - self.low + 1))))
        return float(self.low + u * (self.high - self.low))

    def grid(self) -> list:
        """The values of this parameter in a full-factorial grid."""
        if self.values is not None:
            return list(self.values)
        points = np.linspace(self.low, self.high, self.levels)
        if self.kind == "int":
            return sorted({int(round(v)) for v in points})
        return [float(v) for v in points]


@dataclass
class Output:
    """One recorded number per run: a metric of sim.metrics at a step, or a summary of a column."""

    name: str
    metric: str | None = None
    company: str | None = None
    at: int | None = None
    column: str | None = None
    summary: str | None = None
    start: int | None = None
    end: int | None = None

    def compute(self, frame: pd.DataFrame) -> float:
        """This output from one run's timeseries (one row per step)."""
        if self.metric is not None:
            upto = frame if self.at is None else frame[frame["step"] <= self.at]
            return float(summarize(upto, self.company)[self.metric])
        steps = frame["step"]
        window = frame.loc[(steps >= (self.start or 0)) & (steps <= (self.end if self.end is not None
                                                                       else steps.max())), self.column]
        if self.summary == "final":
            return float(window.iloc[-1])
        return float(getattr(window, self.summary)())


@dataclass
class Sweep:
    """A validated sweep: the base scenario (raw, with `set:` applied), parameters, design, outputs."""

    name: str
    source: str
    base_source: str
    base_raw: dict
    parameters: list[Parameter]
    design: dict
    replications: int
    outputs: list[Output]
    points: list[dict] = field(default_factory=list)
    description: str = ""
    settings: dict = field(default_factory=dict)
    base_data: dict = field(default_factory=dict, repr=False)

    @property
    def runs(self) -> int:
        return len(self.points) * self.replications

    def run_of(self, point: int, replication: int) -> int:
        return point * self.replications + replication

    def scenario_raw(self, point: int) -> dict:
        """The raw scenario of a design point: the base with the point's values set."""
        raw = copy.deepcopy(self.base_raw)
        for path, value in self.points[point].items():
            scenarios.set_path(raw, path, value, {}, path)
        return raw

    def describe(self) -> dict:
        """The resolved sweep as plain data (stored in sweep.json; its hash is the fingerprint)."""
        return {
            "name": self.name, "description": self.description, "source": self.source,
            "scenario": self.base_source, "set": self.settings, "base": self.base_data,
            "parameters": [{k: v for k, v in asdict(p).items() if v is not None} for p in self.parameters],
            "design": self.design, "replications": self.replications,
            "outputs": [{k: v for k, v in asdict(o).items() if v is not None} for o in self.outputs],
            "points": self.points, "runs": self.runs,
        }

    def fingerprint(self) -> str:
        """A hash of what determines the results (not of where the files are), to refuse mixing sweeps."""
        described = {k: v for k, v in self.describe().items() if k not in ("source", "scenario")}
        text = json.dumps(described, sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()[:16]


# --- reading and validating a sweep file -------------------------------------------------------

class _Where:
    """Turns a key path of the sweep file into a one-line `file:line: key.path: message` error."""

    def __init__(self, source: str, origins: dict[tuple, int]):
        self.source = source
        self.origins = origins
        self.check = scenarios._Checker(source, origins)

    def error(self, path: tuple, message: str) -> SweepError:
        return SweepError(str(self.check.error(tuple(map(str, path)), message)))

    def leaf(self, value: Any, spec: params.Param, path: tuple) -> Any:
        try:
            return self.check.leaf(value, spec, tuple(map(str, path)))
        except scenarios.ScenarioError as error:
            raise SweepError(str(error)) from None


def load(path: str | Path) -> Sweep:
    """Read and validate a sweep file and compute its design; raises SweepError (one line)."""
    path = Path(path)
    source = str(path)
    raw, origins = scenarios.read_yaml_file(path, "sweep", "a mapping of sweep keys ('scenario:', 'parameters:', "
                                            "'design:', 'outputs:')", SweepError)
    where = _Where(source, origins)
    _check_keys(where, raw, SWEEP_KEYS, ())
    for key in ("scenario", "parameters", "design", "outputs"):
        if key not in raw:
            raise where.error((), f"expected a '{key}:' key")
    name = _name(where, raw.get("name", path.stem))
    base_path = _base_path(where, raw["scenario"], path.parent)
    scenarios.load(base_path)  # the base on its own first, so its errors name its own file and line
    base_raw, _ = scenarios.parse_yaml(base_path.read_text(encoding="utf-8"), str(base_path))
    base_raw.setdefault("name", base_path.stem)
    lines: dict[str, int] = {}
    settings = _flatten(where, raw.get("set") or {}, ("set",), lines)
    for key, value in settings.items():
        if key in ("seed", "replications"):
            raise where.error(("set", key), "set by the sweep; use design.seed and replications instead")
        scenarios.set_path(base_raw, key, value, {}, key)
    base = _validate_scenario(where, base_raw, lines, "set")
    sweep = Sweep(
        name=name, source=source, base_source=os.path.normpath(base_path), base_raw=base_raw,
        parameters=_parameters(where, raw["parameters"], base),
        design=_design(where, raw["design"]),
        replications=_replications(where, raw.get("replications", 1)),
        outputs=[], description=str(raw.get("description", "")), settings=settings, base_data=base.data)
    sweep.points = design_points(sweep)
    steps = _check_points(where, sweep)
    sweep.outputs = _outputs(where, raw["outputs"], base, steps, [p.path for p in sweep.parameters])
    return sweep


def _check_keys(where: _Where, raw: Any, allowed: tuple, path: tuple) -> None:
    if not isinstance(raw, dict):
        raise where.error(path, f"expected a mapping, got {scenarios._describe(raw)}")
    for key in raw:
        if key not in allowed:
            raise where.error((*path, key), "unknown key" + scenarios.did_you_mean(str(key), allowed))


def _name(where: _Where, name: Any) -> str:
    if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]*", name):
        raise where.error(("name",), f"expected a name of letters, digits, '_', '-' or '.', got "
                          f"{scenarios._describe(name)}")
    return name


def _base_path(where: _Where, value: Any, folder: Path) -> Path:
    """The base scenario: a path relative to the sweep file, or the name of a bundled scenario."""
    if not isinstance(value, str) or not value:
        raise where.error(("scenario",), f"expected a scenario file or bundled name, got "
                          f"{scenarios._describe(value)}")
    for candidate in (folder / value, BUNDLED / value, BUNDLED / f"{value}.yaml"):
        if candidate.is_file():
            return candidate
    bundled = sorted(p.stem for p in BUNDLED.glob("*.yaml"))
    raise where.error(("scenario",), f"no file {value!r} next to the sweep file and no bundled scenario of "
                      f"that name; bundled: {', '.join(bundled)}")


def _flatten(where: _Where, raw: Any, path: tuple, lines: dict[str, int], prefix: str = "") -> dict[str, Any]:
    """Nested or dotted `set:` mappings as {dotted.key.path: value}; `lines` gets each key's line."""
    if not isinstance(raw, dict):
        raise where.error(path, f"expected a mapping of scenario key paths to values, got "
                          f"{scenarios._describe(raw)}")
    flat: dict[str, Any] = {}
    for key, value in raw.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(where, value, (*path, key), lines, f"{dotted}."))
        else:
            flat[dotted] = value
            lines[dotted] = where.origins.get(tuple(map(str, (*path, key))), 1)
    return flat


def _validate_scenario(where: _Where, raw: dict, lines: dict[str, int], section: str,
                       context: str = "") -> scenarios.Scenario:
    """Validate a composed raw scenario; an error points at the sweep file line that caused it.

    `lines` maps the overridden key paths to their lines in the sweep file; an error on any other
    key path (a rule across keys) points at the `section:` line (`set:` or `parameters:`), since
    the base file itself was validated on its own first.
    """
    line = where.origins.get((section,), where.origins.get(("scenario",), 1))
    origins: dict[tuple, int] = {(key,): line for key in [*params.SCHEMA, "companies", "interventions"]}
    origins.update({tuple(key.split(".")): at for key, at in lines.items()})
    try:
        return scenarios.validate(copy.deepcopy(raw), where.source, origins)
    except scenarios.ScenarioError as error:
        raise SweepError(f"{error}{context}") from None


def schema_spec(dotted: str, base: scenarios.Scenario) -> params.Param:
    """The schema entry of a scenario key path; KeyError with a reason when there is none."""
    parts = dotted.split(".")
    node: Any = params.SCHEMA
    if parts[0] == "companies":
        if len(parts) < 3 or parts[1] not in base.data["companies"]:
            raise KeyError(f"expected companies.NAME.KEY with NAME one of {', '.join(base.companies)}")
        node, parts = params.COMPANY, parts[2:]
    elif parts[0] == "interventions":
        count = len(base.data["interventions"])
        if len(parts) < 3 or not parts[1].isdigit() or int(parts[1]) >= count:
            raise KeyError(f"expected interventions.N.KEY with N below {count} (the base has {count})")
        node, parts = {**params.COMPANY, **params.INTERVENTION}, parts[2:]
    for part in parts:
        if not isinstance(node, dict) or part not in node:
            options = list(node) if isinstance(node, dict) else []
            raise KeyError(f"no key {part!r} here" + (scenarios.did_you_mean(part, options) if options else ""))
        node = node[part]
    if isinstance(node, dict):
        raise KeyError(f"is a group of keys; expected a path to one value such as {dotted}.{next(iter(node))}")
    return node


def _parameters(where: _Where, raw: Any, base: scenarios.Scenario) -> list[Parameter]:
    if not isinstance(raw, dict) or not raw:
        raise where.error(("parameters",), "expected a mapping of scenario key paths to {low, high} or "
                          f"{{values: [...]}}, got {scenarios._describe(raw)}")
    return [_parameter(where, key, spec, base) for key, spec in raw.items()]


def _parameter(where: _Where, key: Any, spec: Any, base: scenarios.Scenario) -> Parameter:
    path = ("parameters", key)
    if not isinstance(key, str) or key.split(".")[0] in NOT_SWEPT:
        raise where.error(path, "cannot be varied (the sweep sets seeds and replications itself)")
    try:
        schema = schema_spec(key, base)
    except KeyError as error:
        raise where.error(path, f"not a scenario key path: {error.args[0]}") from None
    _check_keys(where, spec, RANGE_KEYS, path)
    if "values" in spec:
        return _list_parameter(where, key, spec, schema, path)
    if "low" not in spec or "high" not in spec:
        raise where.error(path, "expected {low: A, high: B} or {values: [...]}")
    if schema.kind not in ("int", "float"):
        raise where.error(path, f"a {schema.kind} key takes {{values: [...]}}, not a range")
    low = where.leaf(spec["low"], schema, (*path, "low"))
    high = where.leaf(spec["high"], schema, (*path, "high"))
    if not low < high:
        raise where.error((*path, "high"), f"expected a value above low ({low:g}), got {high:g}")
    levels = spec.get("levels")
    if levels is not None and (isinstance(levels, bool) or not isinstance(levels, int) or levels < 2):
        raise where.error((*path, "levels"), f"expected a whole number of at least 2, got "
                          f"{scenarios._describe(levels)}")
    return Parameter(key, schema.kind, low, high, levels=levels)


def _list_parameter(where: _Where, key: str, spec: dict, schema: params.Param, path: tuple) -> Parameter:
    if set(spec) != {"values"}:
        raise where.error(path, "expected either {values: [...]} or {low, high}, not both")
    values = spec["values"]
    if not isinstance(values, list) or not values:
        raise where.error((*path, "values"), f"expected a non-empty list, got {scenarios._describe(values)}")
    checked = [where.leaf(v, schema, (*path, "values", i)) for i, v in enumerate(values)]
    if len(set(map(repr, checked))) != len(checked):
        raise where.error((*path, "values"), "expected each value once")
    return Parameter(key, schema.kind, values=checked)


def _design(where: _Where, raw: Any) -> dict:
    _check_keys(where, raw, DESIGN_KEYS, ("design",))
    kind = raw.get("kind")
    if kind not in DESIGNS:
        raise where.error(("design", "kind"), f"expected one of {', '.join(DESIGNS)}, got "
                          f"{scenarios._describe(kind)}")
    count = params.P(1, "int", "", "", 1, 10_000_000)
    seed = where.leaf(raw.get("seed", 0), params.P(0, "int", "", "", 0, 2**32 - 1), ("design", "seed"))
    design = {"kind": kind, "seed": seed}
    if kind == "grid":
        if "samples" in raw:
            raise where.error(("design", "samples"), "not used by a grid (its size is the product of the "
                              "levels); give 'levels' instead")
        if "levels" in raw:
            design["levels"] = where.leaf(raw["levels"], params.P(5, "int", "", "", 2, 10_000), ("design", "levels"))
        return design
    if "levels" in raw:
        raise where.error(("design", "levels"), f"only for grids; a {kind} design takes 'samples'")
    if "samples" not in raw:
        raise where.error(("design",), f"expected 'samples: N' for a {kind} design")
    samples = where.leaf(raw["samples"], count, ("design", "samples"))
    if kind == "sobol" and samples & (samples - 1):
        raise where.error(("design", "samples"), f"expected a power of 2 for a Sobol sequence (e.g. "
                          f"{2 ** round(math.log2(samples))}), got {samples}")
    design["samples"] = samples
    return design


def _replications(where: _Where, raw: Any) -> int:
    return where.leaf(raw, params.P(1, "int", "", "", 1, 100_000), ("replications",))


def design_points(sweep: Sweep) -> list[dict]:
    """The design points, in order: one {key path: value} per point."""
    kind = sweep.design["kind"]
    if kind == "grid":
        for p in sweep.parameters:
            if p.values is None and p.levels is None:
                p.levels = sweep.design.get("levels", DEFAULT_LEVELS)
        paths, grids = [p.path for p in sweep.parameters], [p.grid() for p in sweep.parameters]
        return [dict(zip(paths, combo, strict=True)) for combo in itertools.product(*grids)]
    unit = unit_sample(kind, len(sweep.parameters), sweep.design["samples"], sweep.design["seed"])
    return [{p.path: p.from_unit(u) for p, u in zip(sweep.parameters, row, strict=True)} for row in unit]


def unit_sample(kind: str, dimensions: int, samples: int, seed: int) -> np.ndarray:
    """Points in the unit cube: a Latin hypercube (scipy) or a Saltelli/Sobol sample (SALib).

    The Sobol sample has samples x (dimensions + 2) rows (first-order and total indices only).
    """
    if kind == "lhs":
        from scipy.stats import qmc

        return qmc.LatinHypercube(d=dimensions, rng=np.random.default_rng(seed)).random(samples)
    from SALib.sample import sobol

    problem = sobol_problem([f"x{i}" for i in range(dimensions)])
    return sobol.sample(problem, samples, calc_second_order=False, seed=seed)


def sobol_problem(names: list[str]) -> dict:
    """The SALib problem on the unit cube (parameters are mapped from [0, 1) to their values)."""
    return {"num_vars": len(names), "names": list(names), "bounds": [[0.0, 1.0]] * len(names)}


def _check_points(where: _Where, sweep: Sweep) -> int:
    """Validate every design point as a scenario; return the shortest run length among them."""
    lines = {p.path: where.origins.get(("parameters", p.path), 1) for p in sweep.parameters}
    steps = []
    for index, point in enumerate(sweep.points):
        context = f" (design point {index}: " + ", ".join(f"{k}={v!r}" for k, v in point.items()) + ")"
        scenario = _validate_scenario(where, sweep.scenario_raw(index), lines, "parameters", context)
        steps.append(scenario.data["steps"])
    return min(steps)


def column_names(companies: list[str]) -> list[str]:
    """The timeseries columns of a model with these companies (as EngagementModel names them)."""
    from .model import timeseries_columns

    return ["replication", *timeseries_columns(list(companies))]


def _outputs(where: _Where, raw: Any, base: scenarios.Scenario, steps: int, taken: list[str]) -> list[Output]:
    if not isinstance(raw, list) or not raw:
        raise where.error(("outputs",), "expected a list such as [{name: fans, metric: share_passionate}]")
    columns = column_names(base.companies)
    found: list[Output] = []
    for index, item in enumerate(raw):
        found.append(_output(where, item, ("outputs", index), base, steps, columns))
        name = found[-1].name
        if name in RESERVED or name in taken or name in [o.name for o in found[:-1]]:
            raise where.error(("outputs", index, "name"), f"{name!r} is already a column; expected a new name")
    return found


def _output(where: _Where, item: Any, path: tuple, base: scenarios.Scenario, steps: int,
            columns: list[str]) -> Output:
    _check_keys(where, item, tuple(dict.fromkeys(METRIC_KEYS + COLUMN_KEYS)), path)
    name = item.get("name")
    if not isinstance(name, str) or not name.isidentifier():
        raise where.error((*path, "name"), f"expected a name made of letters, digits and underscores, got "
                          f"{scenarios._describe(name)}")
    step = params.P(0, "int", "", "", 0, steps)
    if ("metric" in item) == ("column" in item):
        raise where.error(path, "expected exactly one of 'metric' (a metric of one company) or 'column' "
                          "(a summary of a timeseries column)")
    if "metric" in item:
        return _metric_output(where, item, path, base, step)
    for key in ("company", "at"):
        if key in item:
            raise where.error((*path, key), "only for 'metric' outputs; a column output uses from/to")
    if item["column"] not in columns:
        raise where.error((*path, "column"), f"no timeseries column {item['column']!r}"
                          + scenarios.did_you_mean(str(item["column"]), columns))
    if item.get("summary") not in SUMMARIES:
        raise where.error((*path, "summary"), f"expected one of {', '.join(SUMMARIES)}, got "
                          f"{scenarios._describe(item.get('summary'))}")
    start = where.leaf(item.get("from", 0), step, (*path, "from"))
    end = where.leaf(item.get("to", steps), step, (*path, "to"))
    if end < start:
        raise where.error((*path, "to"), f"expected a step at or after 'from' ({start}), got {end}")
    return Output(name, column=item["column"], summary=item["summary"], start=start,
                  end=end if "to" in item else None)


def _metric_output(where: _Where, item: dict, path: tuple, base: scenarios.Scenario, step) -> Output:
    for key in ("summary", "from", "to"):
        if key in item:
            raise where.error((*path, key), "only for 'column' outputs; a metric output uses 'at'")
    if item["metric"] not in METRICS:
        raise where.error((*path, "metric"), f"unknown metric {item['metric']!r}"
                          + scenarios.did_you_mean(str(item["metric"]), METRICS))
    company = item.get("company", base.data["focal"])
    if company not in base.companies:
        raise where.error((*path, "company"), f"no company named {company!r}"
                          + scenarios.did_you_mean(str(company), base.companies))
    at = where.leaf(item["at"], step, (*path, "at")) if item.get("at") is not None else None
    return Output(item["name"], metric=item["metric"], company=company, at=at)


# --- running --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Task:
    """What a worker needs for one run: the point's raw scenario, the seed and the outputs."""

    run: int
    raw: dict
    source: str
    seed: int
    replication: int
    outputs: tuple


def run_task(task: Task) -> tuple[int, dict[str, float], dict[str, float]]:
    """Run one (point, replication); return (run, outputs, timing): a small row, not a timeseries.

    Timing holds the wall-clock and CPU seconds of the run in the worker (kept in index.json).
    Kernels run on one thread: the executor's processes, not threads, share the cores.
    """
    from .kernels import single_threaded
    from .model import EngagementModel

    single_threaded()
    started, cpu = time.perf_counter(), time.process_time()
    scenario = scenarios.validate(copy.deepcopy(task.raw), task.source)
    model = EngagementModel(scenario, rng=task.seed)
    model.run()
    frame = model.timeseries(task.replication)
    values = {o.name: o.compute(frame) for o in task.outputs}
    return task.run, values, {"seconds": time.perf_counter() - started, "cpu_seconds": time.process_time() - cpu}


def tasks(sweep: Sweep, runs: list[int]) -> Iterator[Task]:
    """The tasks of the given runs (built lazily, one deep copy of the base each)."""
    for run in runs:
        point, replication = divmod(run, sweep.replications)
        yield Task(run, sweep.scenario_raw(point), sweep.base_source,
                   replication_seed(sweep.design["seed"], replication), replication, tuple(sweep.outputs))


def row_of(sweep: Sweep, run: int, values: dict[str, float]) -> dict[str, Any]:
    """The tidy row of a run: run, point, parameters, replication, seed, outputs."""
    point, replication = divmod(run, sweep.replications)
    return {"run": run, "point": point, **sweep.points[point], "replication": replication,
            "seed": replication_seed(sweep.design["seed"], replication), **values}


@dataclass
class SweepRun:
    """What a call to `run` did: runs computed now, runs found done, and the results folder."""

    folder: Path
    total: int
    skipped: int
    computed: int
    table: Path | None = None


def default_folder(sweep: Sweep) -> Path:
    return Path("results") / "sweeps" / sweep.name


def missing(sweep: Sweep, folder: str | Path | None = None) -> list[int]:
    """The runs of the sweep not yet finished in its results folder."""
    done = ResultStore(folder or default_folder(sweep), sweep).done()
    return [r for r in range(sweep.runs) if r not in done]


def run(sweep: Sweep, folder: str | Path | None = None, executor=None, progress: bool = True,
        on_run: Callable[[int], None] | None = None) -> SweepRun:
    """Run every unfinished run of the sweep and write the table when all are done.

    Each finished run is written at once as a Parquet part, so an interruption (Ctrl-C, a kill, a
    crash, or an exception raised by `on_run`) loses only the runs in flight; calling `run` again
    with the same folder computes only what is missing.
    """
    from .executors import LocalExecutor

    store = ResultStore(folder or default_folder(sweep), sweep)
    done = store.done()
    todo = [r for r in range(sweep.runs) if r not in done]
    try:
        if todo:
            with LocalExecutor() if executor is None else nullcontext(executor) as running:
                _execute(sweep, store, running, todo, progress, on_run, initial=len(done))
    finally:
        store.write_index()
    return SweepRun(store.folder, sweep.runs, len(done), len(todo), store.write_table())


def _execute(sweep: Sweep, store: ResultStore, executor, todo: list[int], progress: bool,
             on_run: Callable[[int], None] | None, initial: int) -> None:
    """Keep a few tasks per worker in flight; write each result as it arrives."""
    from tqdm.auto import tqdm

    window = max(2, 3 * executor.slots)
    queue = tasks(sweep, todo)
    pending: dict[Any, int] = {}
    bar = tqdm(total=sweep.runs, initial=initial, desc=sweep.name, unit="run", disable=not progress)
    try:
        _refill(executor, queue, pending, window, store.fingerprint)
        while pending:
            for future in executor.wait_first(pending):
                run_id = pending.pop(future)
                _, values, timing = _result(future, sweep, run_id)
                store.add(run_id, row_of(sweep, run_id, values), timing)
                bar.update()
                if on_run:
                    on_run(run_id)
            _refill(executor, queue, pending, window, store.fingerprint)
    finally:
        executor.cancel(list(pending))
        bar.close()


def _refill(executor, queue: Iterator[Task], pending: dict, window: int, fingerprint: str) -> None:
    while len(pending) < window:
        task = next(queue, None)
        if task is None:
            return
        key = f"sweep-{fingerprint}-run-{task.run}-{uuid.uuid4().hex[:8]}"
        pending[executor.submit(run_task, task, key=key)] = task.run


def _result(future, sweep: Sweep, run_id: int):
    try:
        return future.result()
    except Exception as error:
        point, replication = divmod(run_id, sweep.replications)
        raise RuntimeError(f"run {run_id} (point {point}: {sweep.points[point]}, replication {replication}) "
                           f"failed: {type(error).__name__}: {error}") from error


# --- the results folder ---------------------------------------------------------------------------

class ResultStore:
    """A sweep's results folder: one Parquet part per finished run, an index, and the final table.

    Parts are the truth (each appears whole or not at all: written to a temporary name and renamed);
    the index is rewritten now and then and rebuilt from the parts when they disagree.
    """

    INDEX_EVERY = 1.0  # seconds between index rewrites while running

    def __init__(self, folder: str | Path, sweep: Sweep):
        self.folder = Path(folder)
        self.sweep = sweep
        self.fingerprint = sweep.fingerprint()
        self.parts = self.folder / "parts"
        self._check_folder()
        self.parts.mkdir(parents=True, exist_ok=True)
        for stale in self.parts.glob(".*.tmp"):
            stale.unlink(missing_ok=True)  # a part whose writer was killed before the rename
        self.index = self._read_index()
        self._index_written = 0.0
        self._write_description()

    def _check_folder(self) -> None:
        described = self.folder / "sweep.json"
        if described.exists():
            found = json.loads(described.read_text(encoding="utf-8"))
            if found.get("fingerprint") != self.fingerprint:
                raise SweepError(f"{self.folder}: holds results of a different sweep (its scenario, parameters, "
                                 "design or outputs differ); choose another --out or delete the folder")
            if found.get("code") != code_version():
                print(f"warning: {self.folder}: the model's code (sim/*.py) changed since this sweep started; "
                      "runs finished before and after the change may differ. Delete the folder to start afresh.",
                      file=sys.stderr)
        elif self.folder.exists() and any(self.folder.iterdir()):
            raise SweepError(f"{self.folder}: exists and is not a sweep results folder; choose another --out")

    def _write_description(self) -> None:
        if (self.folder / "sweep.json").exists():
            return
        design = pd.DataFrame([{"point": i, **p} for i, p in enumerate(self.sweep.points)])
        output.write_csv(self.folder / "design.csv", design)
        output.write_json(self.folder / "sweep.json", {
            "fingerprint": self.fingerprint, "code": code_version(), "git_revision": output.git_revision(),
            "versions": output.versions(),
            **self.sweep.describe()})

    def part_path(self, run: int) -> Path:
        return self.parts / f"run-{run:07d}.parquet"

    def done(self) -> set[int]:
        """Runs with a part on disk."""
        found = set()
        for path in self.parts.glob("run-*.parquet"):
            match = re.fullmatch(r"run-(\d+)\.parquet", path.name)
            if match and int(match.group(1)) < self.sweep.runs:
                found.add(int(match.group(1)))
        return found

    def add(self, run: int, row: dict[str, Any], timing: dict[str, float] | None = None) -> None:
        """Write one finished run's row as a Parquet part (atomically) and note it in the index."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        with output.atomic_path(self.part_path(run)) as temporary:
            pq.write_table(pa.Table.from_pylist([row]), temporary)
        self.index["runs"][str(run)] = {"part": self.part_path(run).name, "finished": time.time(),
                                        **{k: round(v, 4) for k, v in (timing or {}).items()}}
        if time.monotonic() - self._index_written > self.INDEX_EVERY:
            self.write_index()

    def _read_index(self) -> dict:
        path = self.folder / "index.json"
        index = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
        runs = {k: v for k, v in index.get("runs", {}).items() if int(k) in self.done()}
        for run in self.done():
            runs.setdefault(str(run), {"part": self.part_path(run).name, "finished": None})
        return {"fingerprint": self.fingerprint, "total": self.sweep.runs, "runs": runs}

    def write_index(self) -> None:
        self.index["done"] = len(self.index["runs"])
        output.write_json(self.folder / "index.json", self.index)
        self._index_written = time.monotonic()

    def write_table(self) -> Path | None:
        """Combine the parts into table.parquet once every run is done (None until then)."""
        if len(self.done()) < self.sweep.runs:
            return None
        frame = read_parts(self.parts)
        path = self.folder / "table.parquet"
        with output.atomic_path(path) as temporary:
            frame.to_parquet(temporary, index=False)
        return path


def code_version() -> str:
    """A hash of the model's source files: a resumed sweep warns when the code changed in between."""
    root = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def read_parts(folder: str | Path) -> pd.DataFrame:
    """All finished runs of a results folder's parts/, one row per run, sorted by run."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    paths = sorted(Path(folder).glob("run-*.parquet"))
    if not paths:
        return pd.DataFrame()
    table = pa.concat_tables([pq.read_table(p) for p in paths], promote_options="default")
    return table.to_pandas().sort_values("run", kind="stable").reset_index(drop=True)


def read_table(folder: str | Path) -> pd.DataFrame:
    """The tidy table of a results folder (table.parquet, or the parts so far)."""
    folder = Path(folder)
    if (folder / "table.parquet").exists():
        return pd.read_parquet(folder / "table.parquet")
    return read_parts(folder / "parts")

