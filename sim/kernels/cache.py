"""The compiled kernels read from numba's disk cache without setting up numba's compiler.

numba loads a cached function through `Cache.load_overload`, which first refreshes the target context as a
compilation would need: it imports and registers every typing and lowering registry numba has (some 200
modules, among them numba's probe for BLAS, which imports scipy.linalg, and its cffi support, which imports
cffi and pycparser). Machine code read from the cache needs none of that: only numba's runtime (NRT), for the
arrays it allocates, and the modules its environments name, which numba imports itself as it unpickles them.
`read_lightly` makes the dispatchers of a module load their cached code that way: 0.4 to 0.5 s less of
numba's start in every process that runs the model (`python -m sim bench`, "numba's start"). A function the
cache does not hold (the first run, an edited source, new argument types) is compiled as before, and numba's
compiler then refreshes the context itself.

This reaches into numba's private cache API (as numba 0.68 has it), so it only acts where the cache has the two
methods it calls; elsewhere numba loads as usual. SIM_NUMBA_REFRESH=1 turns it off.
tests/test_kernels.py checks that a fresh process runs the model from the cache this way, without loading
the registries, and gives the bytes it gives with numba's own loading.
"""

from __future__ import annotations

import os


def enabled() -> bool:
    """Whether cached kernels are read without numba's refresh (SIM_NUMBA_REFRESH unset, empty or 0)."""
    return os.environ.get("SIM_NUMBA_REFRESH", "").strip() in ("", "0")


def read_lightly(namespace: dict) -> None:
    """Make every caching numba dispatcher in `namespace` (a module's globals) load its cached machine code
    without refreshing numba's target context first."""
    if not enabled():
        return
    from numba.core.dispatcher import Dispatcher

    for value in namespace.values():
        cache = value._cache if isinstance(value, Dispatcher) else None
        load = getattr(cache, "_load_overload", None)
        guard = getattr(cache, "_guard_against_spurious_io_errors", None)
        if load is not None and guard is not None:  # numba's disk cache as this module knows it
            cache.load_overload = _light_load(load, guard)


def _light_load(load, guard):
    """`Cache.load_overload` without `target_context.refresh()`: numba's runtime is all the code needs."""
    from numba.core.runtime import nrt

    def load_overload(signature, target_context):
        nrt.rtsys.initialize(target_context)  # what refresh does first; once per process, then a no-op
        with guard():
            return load(signature, target_context)
        return None  # the guard swallowed an I/O error: compile instead, as numba does

    return load_overload
