"""Mesa's Model and Agent without the rest of Mesa's package until something asks for it.

Mesa's package `__init__` imports every tool Mesa has (its DataCollector imports pandas, its spaces
networkx and scipy), which costs a run about a second and 150 MB that the model never uses. `load()`
registers the `mesa` package without running its `__init__`, imports the two modules the model is built
on (mesa.agent and mesa.model; `mesa.Agent` and `mesa.Model` are the usual classes), and leaves a PEP 562
hook on the package: the first access to any other attribute (`mesa.DataCollector`, `mesa.batch_run`,
`mesa.space`, ...) runs Mesa's own `__init__` in place, so from then on `mesa` is exactly the package
Mesa's authors wrote. A process that has already imported Mesa gets it as it is.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from types import ModuleType


def load() -> ModuleType:
    """The `mesa` package, with at least mesa.Agent and mesa.Model ready."""
    if "mesa" in sys.modules:
        return sys.modules["mesa"]
    spec = importlib.util.find_spec("mesa")
    if spec is None or spec.loader is None or spec.submodule_search_locations is None:
        return importlib.import_module("mesa")
    package = importlib.util.module_from_spec(spec)
    sys.modules["mesa"] = package
    try:
        package.Agent = importlib.import_module("mesa.agent").Agent
        package.Model = importlib.import_module("mesa.model").Model
    except BaseException:
        for name in [m for m in sys.modules if m == "mesa" or m.startswith("mesa.")]:
            del sys.modules[name]
        raise

    def complete(name: str):
        """Run Mesa's own __init__ in the package (once), then answer as it would."""
        if name.startswith("__") and name not in ("__all__", "__version__"):
            raise AttributeError(name)
        vars(package).pop("__getattr__", None)
        spec.loader.exec_module(package)
        return getattr(package, name)

    package.__getattr__ = complete
    return package
