"""A sweep as data: the base scenario, the varied parameters, the design's points and the outputs.

`Parameter` maps a number in [0, 1) (from a space-filling design) or a grid position to a value of
one scenario key; `Output` turns one run's timeseries into one number; `Sweep` holds it all and
describes itself as plain data (sweep.json), whose hash is the sweep's fingerprint.
"""

from __future__ import annotations

import copy
import hashlib
import json
import math
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ... import scenario as scenarios
from ..metrics import summarize


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
