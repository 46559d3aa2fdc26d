"""Compiled kernels (numba), loaded on first use so that importing the model's modules stays cheap.

`sim.kernels.compiled` holds every compiled loop: the kernels the reference mechanisms call (advertising, bond,
leaving pressure, levels, revenue, and the C library's exp and power for NumPy code), the random numbers, the three
passes of the fused step and the set-up's loops. `fast` gives the fused step, the set-up and the streams their
kernels and the fused step's layout: compiled ahead of time where that module is built (`sim.kernels.ahead`), which
spares a process numba's import, else numba's. From `THREADED_FROM` people a pass runs on all threads, its chunks
split between them (`sim.kernels.split`); below it, waking a second thread costs more than it saves. Process pools
(replications, sweeps) call `single_threaded()` in each worker so that processes, not threads, share the cores.
Results never depend on the number of threads, nor on which compilation runs them. `sim.kernels.cache` reads numba's
compiled machine code from its disk cache without setting up numba's compiler.
"""

from __future__ import annotations

import importlib
import os


def _threaded_from(default: int = 20_000) -> int:
    """SIM_THREADED_FROM, or `default` when it is unset or empty; InputError (one line, exit 2) if malformed."""
    text = os.environ.get("SIM_THREADED_FROM", "").strip()
    if not text:
        return default
    try:
        return int(text)
    except ValueError:
        from ..errors import InputError

        raise InputError(f"SIM_THREADED_FROM (environment): expected a whole number of people, got {text!r}") from None


# People from which a pass runs on all threads (override with SIM_THREADED_FROM). `python -m sim bench` on 2 cores:
# numba's threads (prange) x1.40-1.68 at 20,000 people, x0.75-1.30 at 10,000 (five runs of 2026-11-30, the earlier
# machine); split passes x1.35 at 20,000, x1.03 at 10,000 (2026-11-30, the AMD EPYC)
THREADED_FROM = _threaded_from()


def single_threaded() -> None:
    """Run kernels on one thread in this process (for worker processes of a pool). Before numba's import, through
    its environment variable, so that a worker that only needs the kernels compiled ahead of time imports none."""
    import sys

    if "numba" in sys.modules:
        sys.modules["numba"].set_num_threads(1)
    else:
        os.environ["NUMBA_NUM_THREADS"] = "1"


def threads() -> int:
    """Threads a pass may use in this process: numba's setting once it is imported, else NUMBA_NUM_THREADS if set
    (as `single_threaded` sets it), else the cores this process may run on (numba's default), without numba."""
    import sys

    numba = sys.modules.get("numba")
    if numba is not None:
        return int(numba.get_num_threads())
    if os.environ.get("NUMBA_NUM_THREADS", "").strip().isdigit():
        return max(1, int(os.environ["NUMBA_NUM_THREADS"]))
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # no sched_getaffinity (macOS)
        return max(1, os.cpu_count() or 1)


def threaded(people: int) -> bool:
    """Whether work over this many people should run on all threads."""
    return people >= THREADED_FROM and threads() > 1


def _compiled():
    """sim.kernels.compiled (imported here, not with `from . import`, which would ask __getattr__ first)."""
    return importlib.import_module(".compiled", __name__)


class _BySize:
    """A kernel with a serial and a threaded build, picked by the size of its first argument."""

    def __init__(self, name: str, doc: str):
        self.__name__, self.__doc__, self._name = name, doc, name

    @property
    def serial(self):
        return getattr(_compiled(), f"{self._name}_serial")

    @property
    def threaded(self):
        return getattr(_compiled(), f"{self._name}_threaded")

    def __call__(self, *args):
        return (self.threaded if threaded(args[0].size) else self.serial)(*args)


leaving_pressure = _BySize("leaving_pressure", "Pressure to leave (after the cost of leaving), effective price "
                           "sensitivity, and who leaves (leave_draw < 1 - exp(-pressure)), for everyone.")
update_bond = _BySize("update_bond", "Move each bond towards its three-factor target beyond the latitude, then "
                      "apply the trust gate (in place).")


class _Fast:
    """The kernels of the fused step, the streams and a model's set-up, and the constants of the fused step's layout:
    from the module compiled ahead of time (sim.kernels.ahead) where there is one, so that no numba is imported,
    else from sim.kernels.compiled. Decided at the first attribute read in a process."""

    def __init__(self):
        import threading

        self.__dict__["_loading"] = threading.Lock()  # set-up reads it from three threads at once

    def _table(self) -> dict | None:
        table = self.__dict__.get("table", False)
        if table is False:
            with self._loading:
                table = self.__dict__.get("table", False)
                if table is False:
                    table = self.__dict__["table"] = importlib.import_module(".ahead", __name__).load()
        return table

    def __getattr__(self, name: str):
        if name.startswith("__"):
            raise AttributeError(name)
        table = self._table()
        value = table[name] if table is not None and name in table else getattr(_compiled(), name)
        setattr(self, name, value)
        return value

    @property
    def ahead(self) -> bool:
        """Whether the kernels compiled ahead of time are in use."""
        return self._table() is not None


fast = _Fast()


def __getattr__(name: str):
    """The submodules `ahead` and `cache` (`from sim.kernels import ahead` asks here before importing them), and
    every other kernel (advertise, read_levels, revenue, exp, power, ...) from sim.kernels.compiled."""
    if name.startswith("__"):
        raise AttributeError(name)
    if name in ("ahead", "cache"):  # without numba
        return importlib.import_module(f".{name}", __name__)
    compiled = _compiled()
    if name == "compiled":
        return compiled
    try:
        return getattr(compiled, name)
    except AttributeError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
