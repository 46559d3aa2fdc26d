"""One module per mechanism. Each stepped mechanism has the same interface::

    step(state, market, params, stream, tally) -> None

`state` is the CustomerState (arrays, changed in place), `market` the companies' effective
parameters and the network, `params` the resolved scenario, `stream` this mechanism's own random stream
for this step (sim.streams), and `tally` the counts of the step. `trust` and `memory` also hold the pure functions the
others share. The order of a step is `STEP_ORDER` in sim.model.
"""
