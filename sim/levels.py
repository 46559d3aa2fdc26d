"""The five levels of engagement: their codes, names and colours, in one place.

A level is a reading of a customer's continuous state (sim.mechanisms.levels), stored as an int8
code per customer. People who are nobody's customer have the code `PROSPECT`.
"""

from __future__ import annotations

from enum import IntEnum


class Level(IntEnum):
    """Codes of the five levels, in the order the tables and plots use."""

    INDIFFERENT = 0
    INVOLVED = 1
    PASSIONATE = 2
    DISENGAGED = 3
    HOSTILE = 4

    @property
    def label(self) -> str:
        return self.name.lower()


LEVELS: tuple[str, ...] = tuple(level.label for level in Level)
PROSPECT = len(Level)  # level code of people who are nobody's customer

COLOURS = {"indifferent": "#9e9e9e", "involved": "#64b5f6", "passionate": "#2e7d32",
           "disengaged": "#ffb300", "hostile": "#c62828", "prospect": "#e0e0e0"}
