"""Mutations: each property experiment must fail when its mechanism, or the term it is about, is
switched off. A test that still passes without the thing it guards cannot catch its loss.

A mutation is scenario keys written over every model the experiment builds (a parameter set to the
value that switches a term off), or a patch of the code for the length of the experiment (for terms
that have no parameter, e.g. which levels recommend). `python -m sim validate-model --mutations` runs
them all and prints property x mutation -> caught or survived; tests/test_mutations.py runs them in CI.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import numpy as np

from ..levels import Level
from .properties import PROPERTIES


@contextlib.contextmanager
def patched(owner, name: str, value) -> Iterator[None]:
    """Set `owner.name` to `value` for the duration of the block."""
    before = getattr(owner, name)
    setattr(owner, name, value)
    try:
        yield
    finally:
        setattr(owner, name, before)


def _averaging_memory():
    """The 'peak' becomes a running average of experiences: duration now matters, the peak does not."""
    from ..mechanisms import memory

    def remember(state, rows, experience):
        state.peak[rows] = 0.5 * state.peak[rows] + 0.5 * experience
        state.end[rows] = experience

    return patched(memory, "remember", remember)


def _deaf_companies():
    """Listening has no effect: every company's listening reads as 0."""
    from ..market import Market

    build = Market._build

    def deaf(self, companies):
        build(self, companies)
        self.listening[:] = 0

    return patched(Market, "_build", deaf)


def _linear_appreciation():
    """Each touch adds its full gain (capped at 1): no diminishing returns."""
    from ..mechanisms import programmes

    return patched(programmes, "touch", lambda stock, gain: np.minimum(stock + gain, 1).astype(stock.dtype))


def _praise_from_involved():
    from ..mechanisms import word_of_mouth

    return patched(word_of_mouth, "PRAISING", (Level.INVOLVED, Level.PASSIONATE))


def _warnings_from_disengaged():
    from ..mechanisms import word_of_mouth

    return patched(word_of_mouth, "WARNING", (Level.DISENGAGED, Level.HOSTILE))


@dataclass(frozen=True)
class Mutation:
    """One way of breaking the model that a property's experiment must notice."""

    property: str
    name: str
    changes: dict = field(default_factory=dict)
    patch: Callable[[], contextlib.AbstractContextManager] | None = None

    def run(self, seed: int = 0, scale: float = 1.0):
        """The property's experiment with this mutation: its Demonstration (holds should be False)."""
        experiment = PROPERTIES[self.property]
        with self.patch() if self.patch else contextlib.nullcontext():
            return experiment(seed=seed, scale=scale, changes=self.changes)


MUTATIONS = (
    Mutation("trust gate", "no trust gate (trust.gate 0)", {"trust.gate": 0.0}),
    Mutation("trust asymmetry", "a failure costs what a good interaction gains (trust.loss 0.02)",
             {"trust.loss": 0.02}),
    Mutation("peak-end memory", "only the end is remembered (memory.peak_weight 0)", {"memory.peak_weight": 0.0}),
    Mutation("peak-end memory", "only the peak is remembered (memory.peak_weight 1)", {"memory.peak_weight": 1.0}),
    Mutation("peak-end memory", "memory averages experiences (code)", patch=_averaging_memory),
    Mutation("rising expectations", "expectations do not adapt (traits.adaptation_rate 0)",
             {"traits.adaptation_rate.mean": 0.0, "traits.adaptation_rate.spread": 0.0}),
    Mutation("recovery paradox", "a recovery is worth less than the failure (complaints.recovery_strength 0.15)",
             {"complaints.recovery_strength": 0.15}),
    Mutation("recovery paradox", "a second failure is like the first (no amplification, no recovery fatigue)",
             {"memory.repeat_amplification": 0.0, "complaints.recovery_fatigue": 1.0}),
    Mutation("escalation", "open complaints breed no anger (complaints.escalation 0)", {"complaints.escalation": 0.0}),
    Mutation("escalation", "listening has no effect (code)", patch=_deaf_companies),
    Mutation("introversion", "introversion damps nothing (word_of_mouth.introversion_damping 0)",
             {"word_of_mouth.introversion_damping": 0.0}),
    Mutation("valence of word of mouth", "the involved praise too (code)", patch=_praise_from_involved),
    Mutation("valence of word of mouth", "the disengaged warn too (code)", patch=_warnings_from_disengaged),
    Mutation("participation", "no lock (switching.participation_lock 0)", {"switching.participation_lock": 0.0}),
    Mutation("participation", "no damping of price sensitivity (switching.participation_price_damping 0)",
             {"switching.participation_price_damping": 0.0}),
    Mutation("appreciation", "appreciation does not reach the bond (bond.appreciation_weight 0)",
             {"bond.appreciation_weight": 0.0}),
    Mutation("appreciation", "no diminishing returns (code)", patch=_linear_appreciation),
    Mutation("sensation", "no jump after a peak (bond.sensation_jump 0)", {"bond.sensation_jump": 0.0}),
    Mutation("relationship capacity", "no crowding (bond.crowding 1)", {"bond.crowding": 1.0}),
    Mutation("switching order", "the bond is not in the hazard (switching.bond_sensitivity 0)",
             {"switching.bond_sensitivity": 0.0}),
    Mutation("promotions", "promotions move nobody (switching.promotion_response 0)",
             {"switching.promotion_response": 0.0}),
    Mutation("habit", "no habit (switching.habit 0)", {"switching.habit": 0.0}),
    Mutation("advocacy lock", "no advocacy lock (switching.advocacy_lock 0)", {"switching.advocacy_lock": 0.0}),
    Mutation("money", "engaged customers spend no more (money.engagement_uplift 0)", {"money.engagement_uplift": 0.0}),
    Mutation("money", "recommendations win nobody (referral conversion and pull 0)",
             {"word_of_mouth.referral_conversion": 0.0, "switching.referral_pull": 0.0}),
)


def run_all(seed: int = 0, scale: float = 1.0, tick: Callable = lambda: None, chosen=None) -> list[dict]:
    """Each mutation of `chosen` (default: every one, as MUTATIONS is when called): property, mutation, caught
    (the property no longer holds) and the evidence."""
    rows = []
    for mutation in MUTATIONS if chosen is None else chosen:
        demonstration = mutation.run(seed, scale)
        rows.append({"property": mutation.property, "mutation": mutation.name, "caught": not demonstration.holds,
                     "numbers": demonstration.numbers})
        tick()
    return rows
