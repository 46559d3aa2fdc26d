"""The tally of one step: what happened, counted per company, and the signals mechanisms pass on.

The counts and money become the rows of timeseries.csv (`COUNTS`, `MONEY`). The signals are how an
earlier mechanism of a step tells a later one what it did; each is declared here with the mechanism
that writes it and the ones that read it, and is empty (None) until written.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .levels import LEVELS

COUNTS = ("interactions", "failures", "complaints", "silent_failures", "recoveries", "quick_recoveries",
          "abandoned_complaints", "praise", "warnings", "lost", "gained", "acquired", "referrals",
          "lapsed", "programme_touches", "ad_exposures")
MONEY = ("revenue", "cost_serving", "cost_advertising", "cost_service", "cost_complaints", "cost_programmes")
CODES = len(LEVELS) + 1  # the five levels and "prospect"


@dataclass
class ComplaintOutcomes:
    """Rows of the customers whose complaint took each course this step (complaints -> analyses)."""

    complained: np.ndarray
    resolved: np.ndarray
    quick: np.ndarray
    gave_up: np.ndarray
    recovery_value: np.ndarray  # felt value of each recovery in `resolved`, same order

    @classmethod
    def none(cls) -> ComplaintOutcomes:
        empty = np.zeros(0, np.int64)
        return cls(empty, empty, empty, empty, np.zeros(0, np.float32))


@dataclass
class Tally:
    """What happened in one step, per company (one entry per company plus one for "no company")."""

    size: int  # companies + 1
    counts: dict[str, np.ndarray] = field(init=False)
    money: dict[str, np.ndarray] = field(init=False)
    transitions: np.ndarray = field(init=False)  # [from level, to level] among customers who stayed
    # who spoke, by their level at the start of the step (last entry: prospects)
    praise_by_level: np.ndarray = field(init=False)
    warnings_by_level: np.ndarray = field(init=False)  # warnings about the speaker's own company
    lost_by_level: np.ndarray = field(init=False)  # [company, level] of the customers who left
    warnings_about_former: int = 0  # warnings by people about a company they have left

    # signals: written by one mechanism, read by later ones in the same step
    company_before: np.ndarray | None = None  # model, before the step -> levels (transitions), analyses
    failed: np.ndarray | None = None  # service: bool per customer -> complaints
    ad_seen: tuple[np.ndarray, np.ndarray] | None = None  # advertising: (prospect rows, seen per company) -> switching
    heard_praise: np.ndarray | None = None  # word of mouth: brand praised to each person -> switching (referrals)
    speakers: np.ndarray | None = None  # word of mouth: the speaker of each message sent -> analyses
    warned: tuple[np.ndarray, np.ndarray] | None = None  # word of mouth: (listener, brand) of each warning -> analyses
    complaint_outcomes: ComplaintOutcomes | None = None  # complaints -> analyses (validation)

    def __post_init__(self):
        self.counts = {name: np.zeros(self.size, np.int64) for name in COUNTS}
        self.money = {name: np.zeros(self.size, np.float64) for name in MONEY}
        self.transitions = np.zeros((len(LEVELS), len(LEVELS)), np.int64)
        self.praise_by_level = np.zeros(CODES, np.int64)
        self.warnings_by_level = np.zeros(CODES, np.int64)
        self.lost_by_level = np.zeros((self.size, CODES), np.int64)

    def count(self, name: str, company: np.ndarray, mask: np.ndarray | None = None, weights=None) -> None:
        """Add per-company counts of the people in `mask` (or weights) to counter `name`."""
        target = self.counts[name]
        chosen = company if mask is None else company[mask]
        w = None if weights is None else (weights if mask is None else weights[mask])
        target += np.bincount(chosen, weights=w, minlength=target.size)[: target.size].astype(target.dtype)

    def add_cost(self, name: str, per_company: np.ndarray) -> None:
        """Add an amount per company (an array of size `size`) to money counter `name`."""
        self.money[name] += per_company
