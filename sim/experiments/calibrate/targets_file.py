"""Reading a TARGETS file: the market, the parameters to fit with their prior ranges, the observed figures.

    market: baseline                 # a scenario path (relative to this file) or a bundled name
    company: focal                   # optional: the market's focal company
    parameters:                      # dotted scenario keys with prior ranges
      companies.focal.failure_rate: {low: 0.005, high: 0.08, scale: log}
      companies.focal.complaint_handling: {low: 0.05, high: 0.95}          # scale: linear (default)
    targets:                         # observed figures, each with its uncertainty (one sd)
      share_passionate: {value: 0.15, sd: 0.02}
      churn: {value: 0.08, sd: 0.02}
      quarterly_churn: {metric: churn, value: 0.02, sd: 0.005, window: {every: 91}}

`load_targets` checks the whole file before anything runs. Every mistake is one line naming the
file, the line and the key path, and saying what was expected (a ScenarioError: exit code 2 in the
command line), for example::

    targets.yaml:6: parameters.companies.focal.failure_rate.low: expected a value of at least 0, got -0.1
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ... import parameters as schema
from ... import scenario as scenarios
from ...errors import ScenarioError
from ...scenario import Scenario
from ...yaml_input import describe_value, did_you_mean, read_yaml_file
from .figures import FIGURES, RANGES, Target, Window

TOP_LEVEL = ("market", "company", "parameters", "targets")
PARAMETER_KEYS = ("low", "high", "scale")
TARGET_KEYS = ("value", "sd", "metric", "company", "window")
WINDOW_KEYS = ("from", "to", "every")
SCALES = ("linear", "log")
# Keys that define the runs rather than the market: fitting them would change what is compared.
NOT_FITTED = {"name", "description", "customers", "steps", "seed", "replications", "focal", "customer_agents",
              "burn_in", "network.kind", "network.path"}


@dataclass(frozen=True)
class Parameter:
    """One fitted scenario key and its prior: uniform on [low, high], or on [log low, log high] for `log`."""

    key: str
    low: float
    high: float
    scale: str = "linear"
    kind: str = "float"  # the schema's kind: an "int" key gets whole numbers
    line: int = 1

    def to_fit_scale(self, value: float) -> float:
        """The number the fitting methods work with: the value, or its log10 for a log-scale prior."""
        return math.log10(value) if self.scale == "log" else float(value)

    def from_fit_scale(self, number: float) -> float | int:
        """The scenario value for a number on the fitting scale (clipped to the prior range, whole for ints)."""
        value = 10.0 ** number if self.scale == "log" else float(number)
        value = min(max(value, self.low), self.high)
        return int(round(value)) if self.kind == "int" else value

    @property
    def fit_low(self) -> float:
        return self.to_fit_scale(self.low)

    @property
    def fit_high(self) -> float:
        return self.to_fit_scale(self.high)

    @property
    def centre(self) -> float | int:
        """The middle of the prior on its own scale (the geometric mean for a log-scale prior)."""
        return self.from_fit_scale((self.fit_low + self.fit_high) / 2)

    def describe(self) -> dict:
        return {"low": self.low, "high": self.high, "scale": self.scale, "kind": self.kind}


@dataclass
class TargetsFile:
    """A validated targets file: the market as resolved, the company, the parameters and the targets."""

    source: str
    market: Scenario
    market_ref: str  # as written in the file
    market_path: Path
    company: str
    parameters: tuple[Parameter, ...]
    targets: tuple[Target, ...]
    digest: str  # sha256 of the file's bytes, for the manifest and the header of calibrated.yaml

    @property
    def keys(self) -> list[str]:
        return [p.key for p in self.parameters]

    def scenario(self, values: dict[str, Any]) -> Scenario:
        """The market with fitted values set on it (dotted keys), validated."""
        return self.market.with_overrides(dict(values), label="calibration")

    def describe(self) -> dict:
        """Plain data for the manifest and the results folder's fingerprint."""
        return {"targets_file": self.source, "targets_sha256": self.digest, "market": self.market_ref,
                "market_file": str(self.market_path), "company": self.company,
                "parameters": {p.key: p.describe() for p in self.parameters},
                "targets": {t.name: {"metric": t.metric, "value": t.value, "sd": t.sd, "company": t.company,
                                     "window": {"from": t.window.start, "to": t.window.end, "every": t.window.every}}
                            for t in self.targets}}


def load_targets(path: str | Path) -> TargetsFile:
    """Read and check a targets file (a path, or a bundled name such as `uk_retail_bank`) and the market it
    names; raises ScenarioError with one line."""
    path = scenarios.find(path, "targets file", folder="targets")
    raw, lines = read_yaml_file(path, "targets", "a targets file with 'market:', 'parameters:' and 'targets:'")
    source = str(path)

    def fail(keys: tuple, message: str) -> ScenarioError:
        probe = tuple(map(str, keys))
        while probe and probe not in lines:
            probe = probe[:-1]
        dotted = ".".join(map(str, keys)) or "(top level)"
        return ScenarioError(f"{source}:{lines.get(probe, 1)}: {dotted}: {message}")

    for key in raw:
        if key not in TOP_LEVEL:
            raise fail((str(key),), "unknown key" + did_you_mean(str(key), TOP_LEVEL))
    for key in ("market", "parameters", "targets"):
        if key not in raw:
            raise fail((), f"expected a '{key}:' key")
    market, market_path = _market(raw["market"], path, fail)
    company = raw.get("company", market.data["focal"])
    if not isinstance(company, str) or company not in market.data["companies"]:
        raise fail(("company",), f"no company named {company!r} in {market_path}"
                   + did_you_mean(str(company), market.data["companies"]))
    parameters = _parameters(raw["parameters"], market, lines, fail)
    targets = _targets(raw["targets"], market, company, lines, fail)
    found = TargetsFile(source, market, raw["market"], market_path, company, parameters, targets,
                        hashlib.sha256(path.read_bytes()).hexdigest())
    _check_corners(found, fail)
    return found


def _market(reference: Any, path: Path, fail) -> tuple[Scenario, Path]:
    if not isinstance(reference, str) or not reference.strip():
        raise fail(("market",), f"expected a scenario file or a bundled name such as 'baseline', got "
                   f"{describe_value(reference)}")
    try:
        market_path = scenarios.find(reference, base=path.parent)
    except ScenarioError as error:
        raise fail(("market",), str(error)) from None
    return scenarios.load(market_path), market_path  # an error in the market names the market's own file


def _mapping(value: Any, keys: tuple, allowed: tuple, fail, example: str) -> dict:
    if not isinstance(value, dict) or not value:
        raise fail(keys, f"expected a mapping such as {example}, got {describe_value(value)}")
    for key in value:
        if key not in allowed:
            raise fail((*keys, str(key)), "unknown key" + did_you_mean(str(key), allowed))
    return value


def _number(value: Any, keys: tuple, fail) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise fail(keys, f"expected a number, got {describe_value(value)}")
    return float(value)


def fittable_keys(market: Scenario) -> dict[str, schema.Param]:
    """Every scenario key a calibration may fit, with its schema entry (companies by their names)."""
    found = {key: spec for key, spec in schema.flatten(schema.SCHEMA)}
    for name in market.data["companies"]:
        found.update({f"companies.{name}.{key}": spec for key, spec in schema.flatten(schema.COMPANY)})
    return {key: spec for key, spec in found.items()
            if key not in NOT_FITTED and spec.kind in ("int", "float")}


def _parameters(raw: Any, market: Scenario, lines: dict, fail) -> tuple[Parameter, ...]:
    entries = _mapping(raw, ("parameters",), tuple(raw) if isinstance(raw, dict) else (), fail,
                       "{companies.focal.failure_rate: {low: 0.005, high: 0.08}}")
    allowed = fittable_keys(market)
    found = []
    for key, entry in entries.items():
        key = str(key)
        keys = ("parameters", key)
        if key not in allowed:
            if key in NOT_FITTED or key.split(".")[0] in NOT_FITTED:
                raise fail(keys, "cannot be fitted: it defines the runs, not the market (set it in the market file)")
            parts = key.split(".")
            if len(parts) > 2 and parts[0] == "companies":
                if parts[1] not in market.data["companies"]:
                    raise fail(keys, f"no company named {parts[1]!r} in the market"
                               + did_you_mean(parts[1], market.data["companies"]))
                spec = dict(schema.flatten(schema.COMPANY)).get(".".join(parts[2:]))
            else:
                spec = dict(schema.flatten(schema.SCHEMA)).get(key)
            if spec is not None:
                raise fail(keys, f"is not a number ({spec.kind}); expected a numeric scenario key")
            raise fail(keys, "unknown scenario key" + did_you_mean(key, allowed))
        spec = allowed[key]
        entry = _mapping(entry, keys, PARAMETER_KEYS, fail, "{low: 0.005, high: 0.08}")
        for bound in ("low", "high"):
            if bound not in entry:
                raise fail(keys, f"expected '{bound}:' (the prior range is low..high)")
        low, high = (_number(entry[b], (*keys, b), fail) for b in ("low", "high"))
        for bound, value in (("low", low), ("high", high)):
            if spec.low is not None and value < spec.low:
                raise fail((*keys, bound), f"expected a value of at least {spec.low:g} (the key's allowed range), "
                           f"got {value:g}")
            if spec.high is not None and value > spec.high:
                raise fail((*keys, bound), f"expected a value of at most {spec.high:g} (the key's allowed range), "
                           f"got {value:g}")
        if not low < high:
            raise fail((*keys, "high"), f"expected a value above low ({low:g}), got {high:g}")
        scale = entry.get("scale", "linear")
        if scale not in SCALES:
            raise fail((*keys, "scale"), f"expected linear or log, got {describe_value(scale)}"
                       + did_you_mean(str(scale), SCALES))
        if scale == "log" and low <= 0:
            raise fail((*keys, "low"), f"expected a value above 0 for a log-scale prior, got {low:g}")
        if spec.kind == "int" and math.floor(high) < math.ceil(low):
            raise fail(keys, f"expected a range holding a whole number (the key is whole), got {low:g}..{high:g}")
        found.append(Parameter(key, low, high, scale, spec.kind, lines.get(keys, 1)))
    return tuple(found)


def _targets(raw: Any, market: Scenario, company: str, lines: dict, fail) -> tuple[Target, ...]:
    entries = _mapping(raw, ("targets",), tuple(raw) if isinstance(raw, dict) else (), fail,
                       "{share_passionate: {value: 0.15, sd: 0.02}}")
    steps = market.data["steps"]
    found = []
    for name, entry in entries.items():
        name = str(name)
        keys = ("targets", name)
        entry = _mapping(entry, keys, TARGET_KEYS, fail, "{value: 0.15, sd: 0.02}")
        metric = entry.get("metric", name)
        if not isinstance(metric, str) or metric not in FIGURES:
            where = (*keys, "metric") if "metric" in entry else keys
            raise fail(where, f"unknown figure {metric!r}" + did_you_mean(str(metric), FIGURES)
                       + " (python -m sim calibrate --help lists them)")
        for key in ("value", "sd"):
            if key not in entry:
                raise fail(keys, f"expected '{key}:' (the observed figure and its uncertainty, one sd)")
        value = _number(entry["value"], (*keys, "value"), fail)
        low, high = RANGES[metric]
        if (low is not None and value < low) or (high is not None and value > high):
            shown = f"between {low:g} and {high:g}" if high is not None else f"at least {low:g}"
            raise fail((*keys, "value"), f"expected a {metric} {shown}, got {value:g}")
        sd = _number(entry["sd"], (*keys, "sd"), fail)
        if sd <= 0:
            raise fail((*keys, "sd"), f"expected a positive standard deviation, got {sd:g}")
        who = entry.get("company", company)
        if not isinstance(who, str) or who not in market.data["companies"]:
            raise fail((*keys, "company"), f"no company named {who!r} in the market"
                       + did_you_mean(str(who), market.data["companies"]))
        window = _window(entry.get("window"), (*keys, "window"), steps, fail)
        found.append(Target(name, metric, value, sd, who, window, lines.get(keys, 1)))
    return tuple(found)


def _window(raw: Any, keys: tuple, steps: int, fail) -> Window:
    if raw is None:
        return Window()
    entry = _mapping(raw, keys, WINDOW_KEYS, fail, "{from: 0, to: 91} or {every: 91}")
    values = {}
    for key in WINDOW_KEYS:
        if key in entry:
            value = entry[key]
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise fail((*keys, key), f"expected a step number (a whole number of at least 0), got "
                           f"{describe_value(value)}")
            if value > steps:
                raise fail((*keys, key), f"expected a step within the run (the market runs {steps} steps), got {value}")
            values[key] = value
    start, end, every = values.get("from", 0), values.get("to"), values.get("every")
    if end is not None and end <= start:
        raise fail((*keys, "to"), f"expected a step after 'from' ({start}), got {end}")
    if every is not None and (every < 1 or every > (steps if end is None else end) - start):
        raise fail((*keys, "every"), f"expected a period of at least 1 step that fits in steps {start}.."
                   f"{steps if end is None else end}, got {every}")
    return Window(start, end, every)


def _check_corners(found: TargetsFile, fail) -> None:
    """Each parameter at its low and high end, and all at once, must give a valid scenario (e.g. level
    thresholds stay ordered), so that no candidate of the fit fails halfway through."""
    corners = [{p.key: getattr(p, end)} for p in found.parameters for end in ("low", "high")]
    corners += [{p.key: getattr(p, end) for p in found.parameters} for end in ("low", "high")]
    for values in corners:
        try:
            found.scenario(values)
        except ScenarioError as error:
            first = next(p for p in found.parameters if p.key in values)
            shown = ", ".join(f"{k} = {v:g}" for k, v in values.items())
            reason = str(error).split(": ", 1)[-1]  # drop where the override came from; keep key and message
            raise fail(("parameters", first.key), f"with {shown} the market is not valid: {reason}") from None
