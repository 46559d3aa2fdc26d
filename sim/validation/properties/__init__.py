"""The brief's property table as experiments: one function per row, each returning a Demonstration.

Every experiment drives the model (never a copy of a formula) on a small market built for its property,
with a fixed seed, and says whether the property holds, with the numbers that show it and a figure.
Each takes `changes`, scenario keys written over every model it builds, which is how the mutations of
sim.validation.mutations switch a mechanism or one of its terms off to show that the experiment would
notice. tests/test_properties.py asserts them; `python -m sim validate-model` turns them into
docs/validation.md, and `python -m sim validate-model --mutations` runs every mutation.
"""

from __future__ import annotations

from collections.abc import Callable

from .common import Demonstration
from .complaints import escalation, recovery_paradox
from .money import money
from .relational import appreciation, participation, relationship_capacity, sensation
from .switching import advocacy_lock, habit, promotions, switching_order
from .trust_memory import peak_end_memory, rising_expectations, trust_asymmetry, trust_gate
from .word_of_mouth import introversion, valence

PROPERTIES: dict[str, Callable[..., Demonstration]] = {
    "trust gate": trust_gate,
    "trust asymmetry": trust_asymmetry,
    "peak-end memory": peak_end_memory,
    "rising expectations": rising_expectations,
    "recovery paradox": recovery_paradox,
    "escalation": escalation,
    "introversion": introversion,
    "valence of word of mouth": valence,
    "participation": participation,
    "appreciation": appreciation,
    "sensation": sensation,
    "relationship capacity": relationship_capacity,
    "switching order": switching_order,
    "promotions": promotions,
    "habit": habit,
    "advocacy lock": advocacy_lock,
    "money": money,
}

__all__ = ["PROPERTIES", "Demonstration"]
