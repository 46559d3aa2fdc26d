"""Customer engagement: an agent-based model on Mesa, with state in NumPy arrays.

The names below load on first use (PEP 562), so `import sim` and the command line's start stay cheap:
Mesa, pandas and the compiled kernels are imported by the code that needs them.
"""

from __future__ import annotations

import importlib

__all__ = ["EngagementModel", "STEP_ORDER", "LEVELS", "Level", "Scenario", "ScenarioError", "load", "from_dict"]
__version__ = "0.1.0"

_WHERE = {"EngagementModel": "model", "STEP_ORDER": "mechanisms", "LEVELS": "levels", "Level": "levels",
          "Scenario": "scenario", "ScenarioError": "scenario", "load": "scenario", "from_dict": "scenario"}


def __getattr__(name: str):
    if name in _WHERE:
        value = getattr(importlib.import_module(f".{_WHERE[name]}", __name__), name)
        globals()[name] = value
        return value
    try:  # submodules (sim.agents, sim.scenario, ...) as attributes, as after an eager import
        return importlib.import_module(f".{name}", __name__)
    except ModuleNotFoundError as error:
        if error.name != f"{__name__}.{name}":
            raise
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None


def __dir__():
    return sorted({*globals(), *_WHERE})
