"""Reading and validating a sweep file: every error is one line naming the file, the line and the key.

Every design point is validated as a scenario before anything runs, so a bad key path or value
stops the sweep before the first run, with the line of the sweep file that caused it.
"""

from __future__ import annotations

import copy
import math
import os
import re
from pathlib import Path
from typing import Any

from ... import parameters as params
from ... import scenario as scenarios
from ...errors import ScenarioError
from ...yaml_input import describe_value, did_you_mean, read_yaml_file
from ..metrics import METRICS
from .design import design_points
from .spec import Output, Parameter, Sweep

DESIGNS = ("grid", "lhs", "sobol")
SUMMARIES = ("mean", "final", "max", "min", "sum")
SWEEP_KEYS = ("name", "description", "scenario", "set", "parameters", "design", "replications", "outputs")
DESIGN_KEYS = ("kind", "samples", "seed", "levels")
RANGE_KEYS = ("low", "high", "levels", "values")
METRIC_KEYS = ("name", "metric", "company", "at")
COLUMN_KEYS = ("name", "column", "summary", "from", "to")
RESERVED = ("run", "point", "replication", "seed")
NOT_SWEPT = ("seed", "replications", "name", "description", "focal", "customer_agents")


class SweepError(ScenarioError):
    """A sweep that cannot run; `str()` is the one-line message (exit code 2)."""


class _Where:
    """Turns a key path of the sweep file into a one-line `file:line: key.path: message` error."""

    def __init__(self, source: str, origins: dict[tuple, int]):
        self.source = source
        self.origins = origins
        self.check = scenarios.Checker(source, origins)

    def error(self, path: tuple, message: str) -> SweepError:
        return SweepError(str(self.check.error(tuple(map(str, path)), message)))

    def leaf(self, value: Any, spec: params.Param, path: tuple) -> Any:
        try:
            return self.check.leaf(value, spec, tuple(map(str, path)))
        except scenarios.ScenarioError as error:
            raise SweepError(str(error)) from None


def load(path: str | Path) -> Sweep:
    """Read and validate a sweep file (a path or a bundled name such as `price_grid`) and compute its design;
    raises SweepError (one line)."""
    try:
        path = scenarios.find(path, "sweep", folder="sweeps")
    except ScenarioError as error:
        raise SweepError(str(error)) from None
    source = str(path)
    raw, origins = read_yaml_file(path, "sweep", "a mapping of sweep keys ('scenario:', 'parameters:', "
                                            "'design:', 'outputs:')", SweepError)
    where = _Where(source, origins)
    _check_keys(where, raw, SWEEP_KEYS, ())
    for key in ("scenario", "parameters", "design", "outputs"):
        if key not in raw:
            raise where.error((), f"expected a '{key}:' key")
    name = _name(where, raw.get("name", path.stem))
    base_path = _base_path(where, raw["scenario"], path.parent)
    scenarios.load(base_path)  # the base on its own first, so its errors name its own file and line
    base_raw, _ = scenarios.read_raw(base_path)
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
    _check_design_size(where, sweep)
    sweep.points = design_points(sweep)
    steps = _check_points(where, sweep)
    sweep.outputs = _outputs(where, raw["outputs"], base, steps, [p.path for p in sweep.parameters])
    return sweep


def _check_keys(where: _Where, raw: Any, allowed: tuple, path: tuple) -> None:
    if not isinstance(raw, dict):
        raise where.error(path, f"expected a mapping, got {describe_value(raw)}")
    for key in raw:
        if key not in allowed:
            raise where.error((*path, key), "unknown key" + did_you_mean(str(key), allowed))


def _name(where: _Where, name: Any) -> str:
    if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]*", name):
        raise where.error(("name",), f"expected a name of letters, digits, '_', '-' or '.', got "
                          f"{describe_value(name)}")
    return name


def _base_path(where: _Where, value: Any, folder: Path) -> Path:
    """The base scenario: a path relative to the sweep file, or the name of a bundled scenario."""
    if not isinstance(value, str) or not value:
        raise where.error(("scenario",), f"expected a scenario file or bundled name, got {describe_value(value)}")
    try:
        return scenarios.find(value, base=folder)
    except ScenarioError as error:
        raise where.error(("scenario",), str(error).partition(": ")[2]) from None


def _flatten(where: _Where, raw: Any, path: tuple, lines: dict[str, int], prefix: str = "") -> dict[str, Any]:
    """Nested or dotted `set:` mappings as {dotted.key.path: value}; `lines` gets each key's line."""
    if not isinstance(raw, dict):
        raise where.error(path, f"expected a mapping of scenario key paths to values, got "
                          f"{describe_value(raw)}")
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
            raise KeyError(f"no key {part!r} here" + (did_you_mean(part, options) if options else ""))
        node = node[part]
    if isinstance(node, dict):
        raise KeyError(f"is a group of keys; expected a path to one value such as {dotted}.{next(iter(node))}")
    return node


def _parameters(where: _Where, raw: Any, base: scenarios.Scenario) -> list[Parameter]:
    if not isinstance(raw, dict) or not raw:
        raise where.error(("parameters",), "expected a mapping of scenario key paths to {low, high} or "
                          f"{{values: [...]}}, got {describe_value(raw)}")
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
                          f"{describe_value(levels)}")
    return Parameter(key, schema.kind, low, high, levels=levels)


def _list_parameter(where: _Where, key: str, spec: dict, schema: params.Param, path: tuple) -> Parameter:
    if set(spec) != {"values"}:
        raise where.error(path, "expected either {values: [...]} or {low, high}, not both")
    values = spec["values"]
    if not isinstance(values, list) or not values:
        raise where.error((*path, "values"), f"expected a non-empty list, got {describe_value(values)}")
    checked = [where.leaf(v, schema, (*path, "values", i)) for i, v in enumerate(values)]
    if len(set(map(repr, checked))) != len(checked):
        raise where.error((*path, "values"), "expected each value once")
    return Parameter(key, schema.kind, values=checked)


def _design(where: _Where, raw: Any) -> dict:
    _check_keys(where, raw, DESIGN_KEYS, ("design",))
    kind = raw.get("kind")
    if kind not in DESIGNS:
        raise where.error(("design", "kind"), f"expected one of {', '.join(DESIGNS)}, got "
                          f"{describe_value(kind)}")
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


MAX_POINTS = 100_000  # every point is validated before anything runs: a bigger design is a mistake, not a plan


def _check_design_size(where: _Where, sweep: Sweep) -> None:
    """Refuse a design too big to validate and run, before building it (a grid's size is a product)."""
    kind = sweep.design["kind"]
    if kind == "grid":
        points = 1
        for p in sweep.parameters:
            points *= len(p.values) if p.values is not None else (p.levels or sweep.design.get("levels", 5))
    else:
        points = sweep.design["samples"] * ((len(sweep.parameters) + 2) if kind == "sobol" else 1)
    if points > MAX_POINTS:
        raise where.error(("design",), f"the design has {points:,} points; expected at most {MAX_POINTS:,} "
                          "(fewer levels, samples or parameters)")


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
    from ...model import timeseries_columns

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
                          f"{describe_value(name)}")
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
                          + did_you_mean(str(item["column"]), columns))
    if item.get("summary") not in SUMMARIES:
        raise where.error((*path, "summary"), f"expected one of {', '.join(SUMMARIES)}, got "
                          f"{describe_value(item.get('summary'))}")
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
                          + did_you_mean(str(item["metric"]), METRICS))
    company = item.get("company", base.data["focal"])
    if company not in base.companies:
        raise where.error((*path, "company"), f"no company named {company!r}"
                          + did_you_mean(str(company), base.companies))
    at = where.leaf(item["at"], step, (*path, "at")) if item.get("at") is not None else None
    return Output(item["name"], metric=item["metric"], company=company, at=at)
