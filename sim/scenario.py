"""Scenarios: YAML files validated against the schema in `sim.parameters` before anything runs.

Every error is one line naming the file, the line and the key path, and saying what was expected,
for example::

    scenarios/bad.yaml:7: companies.focal.prise: unknown key (did you mean 'price'?)

A scenario can be named by a path or by the name of a bundled scenario (`baseline`,
`markets/high_failure`); `find` is the one place that decides which file that is.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from . import parameters as params
from .errors import ScenarioError
from .yaml_input import check_size, describe_value, did_you_mean, read_yaml_file

Origin = int | str  # a line number in the file, or a label such as "--set a.b=1"
BUNDLED = Path(__file__).resolve().parent / "scenarios"  # package data: installed with the package

__all__ = ["BUNDLED", "Scenario", "ScenarioError", "bundled_names", "find", "from_dict", "load", "resolve",
           "validate"]


def bundled_names(folder: str = "") -> list[str]:
    """Names of the bundled market scenarios (`baseline`, `markets/high_failure`, ...), or of the bundled
    files in one of the other folders (`policies`, `sweeps`, `targets`)."""
    if folder:
        return sorted(str(path.relative_to(BUNDLED / folder).with_suffix(""))
                      for path in (BUNDLED / folder).rglob("*.yaml"))
    skip = {"policies", "sweeps", "targets"}
    return sorted(str(path.relative_to(BUNDLED).with_suffix("")) for path in BUNDLED.rglob("*.yaml")
                  if path.relative_to(BUNDLED).parts[0] not in skip)


def find(name_or_path: str | Path, kind: str = "scenario", base: Path | None = None, folder: str = "") -> Path:
    """The file a user meant: a path (relative to `base`, else the working folder) or a bundled name.

    `baseline`, `baseline.yaml` and `markets/high_failure` name bundled files; with `folder` (e.g.
    "policies"), `focal_options` also names scenarios/policies/focal_options.yaml. An existing path
    wins. Raises ScenarioError (one line) when neither exists.
    """
    text = str(name_or_path)
    candidates = [Path(text)] if base is None else [base / text, Path(text)]
    candidates += [BUNDLED / text, BUNDLED / f"{text}.yaml"]
    if folder:
        candidates += [BUNDLED / folder / text, BUNDLED / folder / f"{text}.yaml"]
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    for candidate in candidates[:1]:
        if candidate.is_dir():
            raise ScenarioError(f"{text}: is a folder; expected a {kind} YAML file or a bundled name")
    names = bundled_names(folder) if folder else bundled_names()
    raise ScenarioError(f"{text}: no such file and no bundled {kind} of that name; expected a YAML file or "
                        f"one of: {', '.join(names)}")


def resolve(scenario=None, overrides: dict | None = None, **parameters) -> Scenario:
    """A Scenario from a Scenario, a path, a bundled name, a dict or None, with overrides applied.

    Keyword parameters use `__` for nesting (`companies__focal__price=0.9`), which is how Mesa's
    batch_run and SolaraViz pass values to the model.
    """
    if isinstance(scenario, Scenario):
        resolved = scenario
    elif isinstance(scenario, dict) or scenario is None:
        resolved = from_dict(scenario or {})
    else:
        resolved = load(scenario)
    changes = dict(overrides or {})
    changes.update({key.replace("__", "."): value for key, value in parameters.items()})
    return resolved.with_overrides(changes) if changes else resolved


@dataclass
class Scenario:
    """A validated scenario: every parameter resolved to a value (defaults filled in)."""

    data: dict[str, Any]
    source: str = "<defaults>"
    origins: dict[tuple, Origin] = field(default_factory=dict, repr=False)
    raw: dict[str, Any] = field(default_factory=dict, repr=False)  # as written, before defaults

    @property
    def name(self) -> str:
        return self.data["name"]

    @property
    def companies(self) -> list[str]:
        return list(self.data["companies"])

    def get(self, dotted: str) -> Any:
        value: Any = self.data
        for part in dotted.split("."):
            value = value[int(part)] if isinstance(value, list) else value[part]
        return value

    def with_overrides(self, overrides: dict[str, Any] | list[str], label: str = "override") -> Scenario:
        """A new, validated scenario with dotted-path overrides applied to this one as written."""
        raw = copy.deepcopy(self.raw)
        origins = dict(self.origins)
        items = overrides.items() if isinstance(overrides, dict) else [parse_assignment(s) for s in overrides]
        for key, value in items:
            set_path(raw, key, value, origins, f"{label} {key}={value!r}" if label != "--set" else
                     f"--set {key}={value}")
        return validate(raw, self.source, origins)


def parse_assignment(text: str) -> tuple[str, Any]:
    """Split a `KEY.PATH=VALUE` string; the value is read as a YAML scalar (so 0.9 is a number)."""
    if "=" not in text:
        raise ScenarioError(f"--set {text}: expected KEY.PATH=VALUE")
    key, _, value = text.partition("=")
    try:
        loader = yaml.SafeLoader(value)
        try:
            node = loader.get_single_node()
            if node is not None:
                check_size(node, f"--set {text}")
            parsed = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except yaml.YAMLError:
        parsed = value
    return key.strip(), parsed


def set_path(raw: dict, dotted: str, value: Any, origins: dict, label: str) -> None:
    """Set a dotted key path in a raw scenario dictionary, creating mappings on the way."""
    parts = dotted.split(".")
    if parts[0] == "companies" and "companies" not in raw:
        raw["companies"] = copy.deepcopy(params.DEFAULT_COMPANIES)
    node = raw
    for depth, part in enumerate(parts[:-1]):
        if isinstance(node, list):
            if not part.isdigit() or int(part) >= len(node):
                raise ScenarioError(f"{label}: {'.'.join(parts[:depth + 1])}: no such list item")
            node = node[int(part)]
            continue
        if not isinstance(node.get(part), (dict, list)):
            node[part] = {}
        node = node[part]
    if isinstance(node, list):
        node[int(parts[-1])] = value
    else:
        node[parts[-1]] = value
    origins[tuple(parts)] = label


def read_raw(path: str | Path, _chain: tuple = ()) -> tuple[dict, dict[tuple, int]]:
    """A scenario file as written, with the line of every key; `extends: OTHER` first takes every key of
    OTHER (a path relative to this file, or a bundled name), then this file's keys on top (mappings are
    merged key by key, lists and values replaced). The base is validated on its own first, so its errors
    name its own file and line."""
    path = find(path)
    raw, origins = read_yaml_file(path)
    base = raw.pop("extends", None)
    if base is None:
        return raw, origins
    line = origins.get(("extends",), 1)
    if not isinstance(base, str) or not base:
        raise ScenarioError(f"{path}:{line}: extends: expected the scenario file or bundled name this one builds "
                            f"on, got {describe_value(base)}")
    try:
        base_path = find(base, base=path.parent)
    except ScenarioError as error:
        raise ScenarioError(f"{path}:{line}: extends: {str(error).partition(': ')[2]}") from None
    chain = (*_chain, path.resolve())
    if base_path.resolve() in chain:
        raise ScenarioError(f"{path}:{line}: extends: {base} extends this file again; expected a chain that ends")
    load(base_path)
    base_raw, _ = read_raw(base_path, chain)
    for key in ("name", "description"):
        base_raw.pop(key, None)
    return merge_raw(base_raw, raw), origins


def merge_raw(base: dict, changes: dict) -> dict:
    """`changes` written over `base`: mappings merged key by key, everything else replaced."""
    out = copy.deepcopy(base)
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge_raw(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def load(path: str | Path, overrides: list[str] | dict[str, Any] | None = None,
         labels: dict[str, str] | None = None) -> Scenario:
    """Read, check and resolve a scenario file (a path or a bundled name); raises ScenarioError (one line).

    `overrides` are `KEY.PATH=VALUE` texts (as `--set` takes them) or a {key path: value} mapping; an error
    in one names it as the user gave it: `labels` maps a key path to that label (e.g. {"steps":
    "--steps -5"}), else it reads `--set KEY.PATH=VALUE`.
    """
    path = find(path)
    source = str(path)
    raw, origins = read_raw(path)
    raw.setdefault("name", path.stem)
    if overrides:
        items = overrides.items() if isinstance(overrides, dict) else [parse_assignment(s) for s in overrides]
        for key, value in items:
            set_path(raw, key, value, origins, (labels or {}).get(key, f"--set {key}={value}"))
    return validate(raw, source, origins)


def from_dict(raw: dict[str, Any] | None = None, source: str = "<dict>") -> Scenario:
    """Validate a scenario given as a (possibly partial) dictionary, e.g. in a notebook or test."""
    raw = copy.deepcopy(raw or {})
    for key in list(raw):
        if "." in key:  # allow flat dotted keys: {"companies.focal.price": 1.2}
            set_path(raw, key, raw.pop(key), {}, key)
    return validate(raw, source, {})


class Checker:
    """Walks raw data against a schema, producing resolved values or one-line errors."""

    def __init__(self, source: str, origins: dict[tuple, Origin]):
        self.source = source
        self.origins = origins

    def error(self, path: tuple, message: str) -> ScenarioError:
        dotted = ".".join(map(str, path)) or "(top level)"
        probe = tuple(map(str, path))
        while probe and probe not in self.origins:
            probe = probe[:-1]
        origin = self.origins.get(probe, 1) if probe else 1
        where = f"{self.source}:{origin}" if isinstance(origin, int) else f"{origin} ({self.source})"
        return ScenarioError(f"{where}: {dotted}: {message}")

    def mapping(self, raw: Any, schema: dict, path: tuple, base: dict | None = None) -> dict:
        if raw is None:
            raw = {}
        if not isinstance(raw, dict):
            raise self.error(path, f"expected a mapping of keys, got {describe_value(raw)}")
        resolved = copy.deepcopy(base) if base is not None else params.defaults(schema)
        for key, value in raw.items():
            if not isinstance(key, str):
                raise self.error((*path, key), "expected a text key")
            if key not in schema:
                raise self.error((*path, key), "unknown key" + did_you_mean(key, schema))
            spec = schema[key]
            if isinstance(spec, dict):
                resolved[key] = self.mapping(value, spec, (*path, key), resolved.get(key))
            else:
                resolved[key] = self.leaf(value, spec, (*path, key))
        return resolved

    def leaf(self, value: Any, spec: params.Param, path: tuple) -> Any:
        kind = spec.kind
        if value is None and spec.default is None:
            return None
        if kind == "int":
            if isinstance(value, float) and value.is_integer():
                value = int(value)
            if isinstance(value, bool) or not isinstance(value, int):
                raise self.error(path, f"expected a whole number, got {describe_value(value)}")
        elif kind == "float":
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise self.error(path, f"expected a number, got {describe_value(value)}")
            value = float(value)
            if not math.isfinite(value):
                raise self.error(path, f"expected a finite number, got {value}")
        elif kind == "bool":
            if not isinstance(value, bool):
                raise self.error(path, f"expected true or false, got {describe_value(value)}")
        elif kind in ("str", "path"):
            if not isinstance(value, str):
                raise self.error(path, f"expected text, got {describe_value(value)}")
        elif kind == "choice":
            if value not in spec.choices:
                raise self.error(path, f"expected one of {', '.join(spec.choices)}, got {describe_value(value)}"
                                 + did_you_mean(str(value), spec.choices))
        if kind in ("int", "float"):
            if spec.low is not None and value < spec.low:
                raise self.error(path, f"expected a value of at least {spec.low:g}, got {value:g}")
            if spec.high is not None and value > spec.high:
                raise self.error(path, f"expected a value of at most {spec.high:g}, got {value:g}")
        return value


def validate(raw: dict[str, Any], source: str = "<dict>", origins: dict | None = None) -> Scenario:
    """Check raw scenario data against the schema and resolve every default."""
    origins = origins or {}
    check = Checker(source, origins)
    if not isinstance(raw, dict):
        raise check.error((), f"expected a mapping of scenario keys, got {describe_value(raw)}")
    written = copy.deepcopy(raw)
    raw = dict(raw)
    raw_companies = raw.pop("companies", None)
    raw_interventions = raw.pop("interventions", None)
    data = check.mapping(raw, params.SCHEMA, ())

    if raw_companies is None:
        raw_companies = copy.deepcopy(params.DEFAULT_COMPANIES)
    if not isinstance(raw_companies, dict) or not raw_companies:
        raise check.error(("companies",), "expected a mapping of company names to their parameters, "
                          f"got {describe_value(raw_companies)}")
    companies = {}
    for name, company in raw_companies.items():
        if not isinstance(name, str) or not name.isidentifier():
            raise check.error(("companies", name), "expected a company name made of letters, digits "
                              "and underscores")
        companies[name] = check.mapping(company, params.COMPANY, ("companies", name))
    data["companies"] = companies
    total = sum(c["initial_share"] for c in companies.values())
    if total > 1 + 1e-9:
        raise check.error(("companies",), f"expected initial_share values adding up to at most 1, got {total:g}")

    if not data["focal"]:
        data["focal"] = next(iter(companies))
    elif data["focal"] not in companies:
        raise check.error(("focal",), f"no company named {data['focal']!r}" + did_you_mean(data["focal"], companies))

    data["interventions"] = _check_interventions(check, raw_interventions, companies)
    _check_consistency(check, data)
    if not data["name"]:
        data["name"] = Path(source).stem if source.endswith((".yaml", ".yml")) else "scenario"
    written.setdefault("name", data["name"])
    return Scenario(data, source, origins, written)


def _check_interventions(check: Checker, raw: Any, companies: dict) -> list[dict]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise check.error(("interventions",), f"expected a list of interventions, got {describe_value(raw)}")
    resolved = []
    for index, item in enumerate(raw):
        path = ("interventions", index)
        if not isinstance(item, dict):
            raise check.error(path, f"expected a mapping such as {{at: 30, company: focal, price: 0.9}}, "
                              f"got {describe_value(item)}")
        if "at" not in item:
            raise check.error(path, "expected an 'at' key giving the step at which it starts")
        if "company" not in item:
            raise check.error(path, "expected a 'company' key naming the company it applies to")
        event: dict[str, Any] = {"changes": {}}
        for key, value in item.items():
            if key in params.INTERVENTION:
                event[key] = check.leaf(value, params.INTERVENTION[key], (*path, key))
            elif key in params.COMPANY:
                spec = params.COMPANY[key]
                event["changes"][key] = (check.mapping(value, spec, (*path, key), base={})
                                         if isinstance(spec, dict) else check.leaf(value, spec, (*path, key)))
            else:
                options = [*params.INTERVENTION, *params.COMPANY]
                raise check.error((*path, key), "unknown key" + did_you_mean(str(key), options))
        if event["company"] not in companies:
            raise check.error((*path, "company"), f"no company named {event['company']!r}"
                              + did_you_mean(event["company"], companies))
        if event.get("until") is not None and event["until"] <= event["at"]:
            raise check.error((*path, "until"), f"expected a step after 'at' ({event['at']}), got {event['until']}")
        if "start" in event:
            event["changes"].setdefault("programmes", {})[event["start"]] = {
                "reach": event.get("reach", params.INTERVENTION["reach"].default),
                "target": event.get("target", "all"),
                "frequency": event.get("frequency", params.INTERVENTION["frequency"].default)}
        elif any(k in item for k in ("target", "reach", "frequency")):
            raise check.error(path, "'target', 'reach' and 'frequency' need 'start: PROGRAMME'")
        if "stop" in event:
            event["changes"].setdefault("programmes", {})[event["stop"]] = {"reach": 0.0}
        if not event["changes"] and not event.get("viral_complaint"):
            raise check.error(path, "expected at least one change (a company parameter, start, stop or "
                              "viral_complaint)")
        event.setdefault("until", None)
        event.setdefault("name", _label(item))
        resolved.append(event)
    return resolved


def _label(item: dict) -> str:
    parts = [f"{k}={v}" for k, v in item.items() if k not in ("at", "until", "company")]
    return f"{item['company']}: " + ", ".join(parts)


def _check_consistency(check: Checker, data: dict) -> None:
    levels = data["levels"]
    if levels["passionate"] <= levels["involved"]:
        raise check.error(("levels", "passionate"), f"expected a bond above levels.involved "
                          f"({levels['involved']:g}), got {levels['passionate']:g}")
    for trait, spec in data["traits"].items():
        if "spread" in spec and trait != "trust_rate":
            mean, spread = spec["mean"], spec["spread"]
            limit = math.sqrt(mean * (1 - mean))
            if spread >= limit and spread > 0:
                raise check.error(("traits", trait, "spread"), f"expected a spread below "
                                  f"sqrt(mean*(1-mean)) = {limit:.3g} for a trait on 0..1, got {spread:g}")
    for key in ("trust",):
        mean, spread = data["initial"][key]["mean"], data["initial"][key]["spread"]
        if spread > 0 and spread >= math.sqrt(mean * (1 - mean)):
            raise check.error(("initial", key, "spread"), f"expected a spread below "
                              f"{math.sqrt(mean * (1 - mean)):.3g}, got {spread:g}")
    network = data["network"]
    if network["kind"] == "edge_list":
        if not network["path"]:
            raise check.error(("network", "path"), "expected the path of an edge list file for kind edge_list")
        base = Path(check.source).parent if check.source.endswith((".yaml", ".yml")) else Path.cwd()
        if not (base / network["path"]).is_file():
            raise check.error(("network", "path"), f"no such file {str(base / network['path'])!r}; expected an "
                              "edge list (two customer indices per line)")
    if network["kind"] in ("watts_strogatz", "erdos_renyi") and network["degree"] >= data["customers"]:
        raise check.error(("network", "degree"), f"expected fewer contacts than customers "
                          f"({data['customers']}), got {network['degree']}")
