"""One module per mechanism. Each stepped mechanism has the same interface::

    step(state, market, params, rng, tally) -> None

`state` is the CustomerState (arrays, changed in place), `market` the companies' effective
parameters and the network, `params` the resolved scenario, `rng` this mechanism's own generator for
this step, and `tally` the counts of the step. `trust` and `memory` also hold the pure functions the
others share. The order of a step is `STEP_ORDER` in sim.model.
"""
