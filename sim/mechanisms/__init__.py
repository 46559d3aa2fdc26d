"""One module per mechanism, and the order of a step (`STEP_ORDER`). Each stepped mechanism has the same
interface::

    step(state, market, params, stream, tally) -> None

`state` is the CustomerState (arrays, changed in place), `market` the companies' effective
parameters and the network, `params` the resolved scenario, `stream` this mechanism's own random stream
for this step (sim.streams), and `tally` the counts of the step. `trust` and `memory` also hold the pure
functions the others share. These modules are the readable reference of each concept; sim.fused runs the
same step compiled, and is tested against them. Importing them is cheap: their compiled kernels load on
first use.
"""

from . import (
    advertising,
    bond,
    complaints,
    interventions,
    levels,
    memory,
    money,
    programmes,
    service,
    switching,
    word_of_mouth,
)

# The order of a step, written down once. `python -m sim describe` prints it.
STEP_ORDER = (
    ("interventions", interventions),  # scheduled changes to companies; viral complaints
    ("advertising", advertising),  # exposures move identification; prospects may convert
    ("service", service),  # touchpoints, quality, failures; trust and peak-end memory
    ("complaints", complaints),  # voice or silence; recovery (paradox) or escalation (anger)
    ("programmes", programmes),  # participation, appreciation, sensation
    ("word_of_mouth", word_of_mouth),  # praise and warnings along the network; referrals
    ("memory", memory),  # remembered peaks fade
    ("bond", bond),  # the bond moves towards its three-factor target, gated by trust
    ("switching", switching),  # leaving, choosing a new company, winning prospects
    ("levels", levels),  # read the five levels; count transitions
    ("money", money),  # revenue by engagement (costs were counted where incurred)
)
