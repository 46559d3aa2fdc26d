"""Reading YAML files safely, with the line of every key, and wording for one-line errors.

Every file a user gives (scenarios, policies, sweeps, calibration targets) is read here: PyYAML's
safe loader (tags that would construct Python objects are refused), one key given twice is an
error, and every failure is one line naming the file and the line.
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any

import yaml

from .errors import InputError, ScenarioError


def read_yaml_file(path: str | Path, kind: str = "scenario",
                   expected: str = "a mapping of scenario keys (at least 'customers:' or 'steps:')",
                   error: type[InputError] = ScenarioError) -> tuple[dict, dict[tuple, int]]:
    """Read a YAML file of some `kind` (scenario, policies, sweep) safely, with the line of every key.

    A missing file, a folder, non-UTF-8 bytes, an empty file and malformed YAML each raise `error`
    with one line naming the file (and line) and saying what was `expected`.
    """
    path = Path(path)
    source = str(path)
    if not path.exists():
        raise error(f"{source}: no such file; expected a {kind} YAML file")
    if path.is_dir():
        raise error(f"{source}: is a folder; expected a {kind} YAML file")
    if path.stat().st_size > MAX_BYTES:
        raise error(f"{source}:1: the file has {path.stat().st_size:,} bytes; expected a {kind} YAML file of at "
                    f"most {MAX_BYTES:,}")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise error(f"{source}:1: the file is not UTF-8 text; expected a {kind} YAML file") from None
    try:
        return parse_yaml(text, source, expected)
    except ScenarioError as problem:
        raise error(str(problem)) from None


def parse_yaml(text: str, source: str,
               expected: str = "a mapping of scenario keys (at least 'customers:' or 'steps:')",
               ) -> tuple[dict, dict[tuple, int]]:
    """Safe-load YAML text, returning the data and the line of every key path."""
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            raise ScenarioError(f"{source}:1: the file is empty; expected {expected}")
        check_size(node, source)
        origins: dict[tuple, int] = {}
        record_lines(node, (), origins, source)
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else 1
        what = (error.problem or "malformed YAML").strip()
        if "could not determine a constructor" in what or str(error.problem).startswith("could not"):
            what = f"tag not allowed ({what.split('tag')[-1].strip()}); scenarios are plain data"
        raise ScenarioError(f"{source}:{line}: malformed YAML: {what}") from None
    except yaml.YAMLError as error:
        raise ScenarioError(f"{source}:1: malformed YAML: {error}") from None
    finally:
        loader.dispose()
    if not isinstance(data, dict):
        raise ScenarioError(f"{source}:{node.start_mark.line + 1}: (top level): expected {expected}, "
                            f"got {describe_value(data)}")
    return data, origins


MAX_VALUES = 100_000  # values in a file once its aliases are expanded: far above any real scenario, sweep or policy
MAX_BYTES = 5_000_000


def check_size(root, source: str) -> None:
    """Refuse alias structures that refer to themselves or expand to more than MAX_VALUES values.

    YAML aliases let a few lines stand for a structure of any size (a "billion laughs" file), or for
    one that contains itself; either would exhaust memory or recursion later, so they end here with one
    line, before anything is built.
    """
    sizes: dict[int, int] = {}

    def size(node, path: set) -> int:
        key = id(node)
        if key in path:
            raise ScenarioError(f"{source}:{node.start_mark.line + 1}: an alias refers to the structure that "
                                "contains it; expected plain data without self-reference")
        if key in sizes:
            return sizes[key]
        total = 1
        if isinstance(node, (yaml.MappingNode, yaml.SequenceNode)):
            path.add(key)
            items = node.value if isinstance(node, yaml.SequenceNode) else [n for pair in node.value for n in pair]
            for item in items:
                total += size(item, path)
                if total > MAX_VALUES:
                    raise ScenarioError(f"{source}:{node.start_mark.line + 1}: aliases expand this file to more "
                                        f"than {MAX_VALUES:,} values; expected a scenario-sized file")
            path.discard(key)
        sizes[key] = total
        return total

    size(root, set())


def record_lines(node, path: tuple, origins: dict, source: str) -> None:
    if isinstance(node, yaml.MappingNode):
        seen = set()
        for key_node, value_node in node.value:
            key = str(key_node.value)
            if key in seen:
                dotted = ".".join(map(str, (*path, key)))
                raise ScenarioError(f"{source}:{key_node.start_mark.line + 1}: {dotted}: key given twice; "
                                    "expected each key once")
            seen.add(key)
            record_lines(value_node, (*path, key), origins, source)
            origins[(*path, key)] = key_node.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            record_lines(item, (*path, str(index)), origins, source)
            origins[(*path, str(index))] = item.start_mark.line + 1


def describe_value(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return f"{str(value).lower()} (a yes/no value)"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return f"the text {value!r}"
    return f"{value!r}"


def did_you_mean(word: str, options) -> str:
    close = difflib.get_close_matches(word, [str(o) for o in options], n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else f"; expected one of: {', '.join(map(str, options))}"
