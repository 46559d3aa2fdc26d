"""The tally of one step: what happened, counted per company, and the signals mechanisms pass on.

The counts and money become the rows of timeseries.csv (`COUNTS`, `MONEY`). The signals are how an
earlier mechanism of a step tells a later one what it did; each is declared here with the mechanism
that writes it and the ones that read it, and is empty (None) until written. The fused step
(sim.fused) passes the signals between its passes inside compiled code; it leaves the ones analyses
read (failed, complaint_outcomes, speakers, warned) as per-customer event codes that are decoded on
first access (`Lazy`), and leaves `ad_seen` and `heard_praise`, which only switching reads, empty.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

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


class Lazy:
    """A signal computed when first read (the fused step's event codes decoded into arrays)."""

    def __init__(self, compute: Callable[[], object]):
        self.compute = compute


def _signal(name: str, doc: str) -> property:
    def get(self):
        value = self._signals.get(name)
        if isinstance(value, Lazy):
            value = self._signals[name] = value.compute()
        return value

    def put(self, value) -> None:
        self._signals[name] = value

    return property(get, put, doc=doc)


class Tally:
    """What happened in one step, per company (one entry per company plus one for "no company").

    Args:
        size: companies + 1.
        company_before: each person's company before the step (model -> levels, analyses).
    """

    def __init__(self, size: int, company_before: np.ndarray | None = None):
        self.size = size
        # one table per kind, and a view of a row for each name (`counts["praise"] += ...` writes the table)
        self.count_table = np.zeros((len(COUNTS), size), np.int64)
        self.money_table = np.zeros((len(MONEY), size), np.float64)
        self.counts = dict(zip(COUNTS, self.count_table))
        self.money = dict(zip(MONEY, self.money_table))
        self.transitions = np.zeros((len(LEVELS), len(LEVELS)), np.int64)  # [from, to] among those who stayed
        # who spoke, by their level at the start of the step (last entry: prospects)
        self.praise_by_level = np.zeros(CODES, np.int64)
        self.warnings_by_level = np.zeros(CODES, np.int64)  # warnings about the speaker's own company
        self.lost_by_level = np.zeros((size, CODES), np.int64)  # [company, level] of the customers who left
        self.warnings_about_former = 0  # warnings by people about a company they have left
        self.company_before = company_before
        self.level_counts: np.ndarray | None = None  # [company, level] after the step, if the step counted them
        self._signals: dict[str, object] = {}

    # signals: written by one mechanism, read by later ones in the same step
    failed = _signal("failed", "service: bool per customer -> complaints")
    ad_seen = _signal("ad_seen", "advertising: (prospect rows, seen per company) -> switching")
    heard_praise = _signal("heard_praise", "word of mouth: brand praised to each person -> switching (referrals)")
    speakers = _signal("speakers", "word of mouth: the speaker of each message sent -> analyses")
    warned = _signal("warned", "word of mouth: (listener, brand) of each warning -> analyses")
    complaint_outcomes = _signal("complaint_outcomes", "complaints -> analyses (validation)")

    def materialise(self) -> None:
        """Decode every signal still waiting to be read (before the buffers it reads from are reused)."""
        for name, value in list(self._signals.items()):
            if isinstance(value, Lazy):
                self._signals[name] = value.compute()

    def count(self, name: str, company: np.ndarray, mask: np.ndarray | None = None, weights=None) -> None:
        """Add per-company counts of the people in `mask` (or weights) to counter `name`."""
        target = self.counts[name]
        chosen = company if mask is None else company[mask]
        w = None if weights is None else (weights if mask is None else weights[mask])
        target += np.bincount(chosen, weights=w, minlength=target.size)[: target.size].astype(target.dtype)

    def add_cost(self, name: str, per_company: np.ndarray) -> None:
        """Add an amount per company (an array of size `size`) to money counter `name`."""
        self.money[name] += per_company
