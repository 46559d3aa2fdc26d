"""Policies files: a baseline and the policies to compare, each validated against every market.

A policy is overrides on scenario key paths and/or interventions added to the market's own, e.g.

    policies:
      baseline: {}
      better_complaint_handling: {companies.focal.complaint_handling: 0.9}
      fan_programme:
        interventions: [{at: 30, company: focal, start: appreciation, target: passionate, reach: 0.2}]

`load_policies` checks the whole file against every market scenario before anything runs; an error
is one line naming the policies file, the line and the key path.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ... import scenario as scenarios
from ...errors import ScenarioError
from ...scenario import Scenario
from ...yaml_input import describe_value, did_you_mean, read_yaml_file

TOP_LEVEL_KEYS = ("question", "baseline", "policies")
# changing these would break the comparison: they define the runs, the population or its network
NOT_A_POLICY = ("seed", "replications", "steps", "name", "customers", "burn_in", "network", "traits", "initial",
                "customer_agents", "focal")


@dataclass
class Policy:
    """One policy: overrides on scenario key paths plus interventions added to the scenario's own."""

    name: str
    overrides: dict[str, Any] = field(default_factory=dict)
    interventions: list[dict] = field(default_factory=list)
    about: str = ""
    lines: dict[tuple, int] = field(default_factory=dict, repr=False)  # scenario key path -> line
    intervention_lines: dict[tuple, int] = field(default_factory=dict, repr=False)  # ("interventions", i, key)
    line: int = 1

    def describe(self) -> str:
        """A one-line account of what the policy changes, for the report."""
        parts = [f"{key} = {value}" for key, value in self.overrides.items()]
        for item in self.interventions:
            when = f"steps {item['at']}-{item['until']}" if item.get("until") is not None else f"from step {item['at']}"
            what = ", ".join(f"{k}: {v}" for k, v in item.items() if k not in ("at", "until", "company", "name"))
            parts.append(f"{item.get('name') or what} ({item['company']}, {when})")
        text = "; ".join(parts) if parts else "no change"
        return f"{self.about} [{text}]" if self.about else text


@dataclass
class PolicySet:
    """A validated policies file: the baseline's name, the policies in file order, the resolved scenarios."""

    source: str
    baseline: str
    policies: dict[str, Policy]
    question: str = ""
    # resolved[scenario name][policy name] -> runnable Scenario
    resolved: dict[str, dict[str, Scenario]] = field(default_factory=dict)

    @property
    def names(self) -> list[str]:
        return list(self.policies)


def load_policies(path: str | Path, markets: list[Scenario]) -> PolicySet:
    """Read a policies file and validate every policy against every market scenario.

    Raises ScenarioError with one line naming the file, the line and the key path.
    """
    path = scenarios.find(path, "policies file", folder="policies")
    source = str(path)
    raw, lines = _read_policies_yaml(path)
    policy_set = _parse_policies(raw, lines, source)
    for market in markets:
        policy_set.resolved[market.name] = {name: apply_policy(market, policy, source, len(markets) > 1)
                                            for name, policy in policy_set.policies.items()}
    return policy_set


def _read_policies_yaml(path: Path) -> tuple[dict, dict[tuple, int]]:
    return read_yaml_file(path, "policies", "policy keys ('baseline:', 'policies:') with a baseline "
                                    "and the policies to compare")


def _parse_policies(raw: dict, lines: dict[tuple, int], source: str) -> PolicySet:
    def fail(path: tuple, message: str) -> ScenarioError:
        probe = path
        while probe and probe not in lines:
            probe = probe[:-1]
        return ScenarioError(f"{source}:{lines.get(probe, 1)}: {'.'.join(map(str, path)) or '(top level)'}: {message}")

    for key in raw:
        if key not in TOP_LEVEL_KEYS:
            raise fail((str(key),), "unknown key" + did_you_mean(str(key), TOP_LEVEL_KEYS))
    entries = raw.get("policies")
    if not isinstance(entries, dict) or not entries:
        raise fail(("policies",), "expected a mapping of policy names to their changes, such as "
                   "{baseline: {}, better_complaints: {companies.focal.complaint_handling: 0.9}}, got "
                   + describe_value(entries))
    baseline = raw.get("baseline", "baseline")
    if not isinstance(baseline, str):
        raise fail(("baseline",), f"expected the name of a policy, got {describe_value(baseline)}")
    if baseline not in entries:
        where = ("baseline",) if "baseline" in raw else ("policies",)
        raise fail(where, f"no policy named {baseline!r} to serve as the baseline; add one (it may be "
                   "empty: 'baseline: {}') or name it with a top-level 'baseline: NAME'")
    question = raw.get("question", "")
    if not isinstance(question, str):
        raise fail(("question",), f"expected text, got {describe_value(question)}")
    policies = {}
    for name, entry in entries.items():
        policies[str(name)] = _parse_policy(str(name), entry, lines, fail)
    return PolicySet(source, baseline, policies, question)


def _parse_policy(name: str, entry: Any, lines: dict, fail: Callable) -> Policy:
    path = ("policies", name)
    if not re.fullmatch(r"[A-Za-z0-9_][A-Za-z0-9_-]*", name):
        raise fail(path, "expected a policy name made of letters, digits, '_' and '-'")
    if entry is None:
        entry = {}
    if not isinstance(entry, dict):
        raise fail(path, f"expected a mapping of scenario key paths to values (or {{}} for no change), "
                   f"got {describe_value(entry)}")
    policy = Policy(name, line=lines.get(path, 1))
    for key, value in entry.items():
        key = str(key)
        if key == "about":
            if not isinstance(value, str):
                raise fail((*path, key), f"expected text, got {describe_value(value)}")
            policy.about = value
        elif key == "interventions":
            if not isinstance(value, list):
                raise fail((*path, key), f"expected a list of interventions, got {describe_value(value)}")
            policy.interventions = value
            policy.intervention_lines = {("interventions", *keys[3:]): line for keys, line in lines.items()
                                         if keys[:3] == (*path, key)}
        else:
            for dotted, leaf, keys in _flatten(key, value, (*path, key)):
                if dotted.split(".")[0] in NOT_A_POLICY or dotted.startswith("interventions."):
                    raise fail(keys, f"a policy cannot change {dotted.split('.')[0]!r}; it changes company "
                               "parameters and adds 'interventions:' (set steps, seed and replications on "
                               "the command line)")
                policy.overrides[dotted] = leaf
                policy.lines[tuple(dotted.split("."))] = _line_of(keys, lines)
    return policy


def _flatten(key: str, value: Any, keys: tuple) -> Iterable[tuple[str, Any, tuple]]:
    """Nested mappings become dotted leaves, so {promotion: {discount: 0.1}} keeps promotion.reach."""
    if isinstance(value, dict) and value:
        for sub, subvalue in value.items():
            yield from _flatten(f"{key}.{sub}", subvalue, (*keys, str(sub)))
    else:
        yield key, value, keys


def _line_of(keys: tuple, lines: dict) -> int:
    while keys and keys not in lines:
        keys = keys[:-1]
    return lines.get(keys, 1)


def apply_policy(market: Scenario, policy: Policy, source: str, name_market: bool = False) -> Scenario:
    """The market scenario with the policy applied, validated; errors point into the policies file.

    The policy's overrides are applied to the market as written and checked with the policies file's
    line numbers; its interventions are checked against the resulting companies and added to the
    market's own.
    """
    raw = copy.deepcopy(market.raw)
    own_interventions = raw.pop("interventions", None) or []
    origins: dict[tuple, int] = {}
    for dotted in policy.overrides:
        parts = tuple(dotted.split("."))
        for depth in range(1, len(parts) + 1):
            origins.setdefault(parts[:depth], policy.lines.get(parts, policy.line))
    try:
        for dotted, value in policy.overrides.items():
            scenarios.set_path(raw, dotted, value, {}, dotted)
        changed = scenarios.validate(raw, source, origins)
        if policy.interventions:
            scenarios.validate({"companies": changed.data["companies"],
                                "interventions": copy.deepcopy(policy.interventions)},
                               source, dict(policy.intervention_lines))
    except ScenarioError as error:
        raise _in_policy(error, source, policy.name, market if name_market else None) from None
    raw["interventions"] = own_interventions + copy.deepcopy(policy.interventions)
    return scenarios.validate(raw, market.source, market.origins)


def _in_policy(error: ScenarioError, source: str, name: str, market: Scenario | None) -> ScenarioError:
    """Rewrite 'file:line: key.path: message' so the key path starts at policies.NAME."""
    text = str(error)
    head = f"{source}:"
    if text.startswith(head):
        line, _, rest = text[len(head):].partition(": ")
        rest = rest.replace("(top level)", "", 1).lstrip(".")
        text = f"{head}{line}: policies.{name}{'.' if rest and not rest.startswith(':') else ''}{rest}"
    if market is not None:
        text += f" (in market scenario {market.source})"
    return ScenarioError(text)
