"""Mesa agents: companies, and customers as light views onto rows of the state arrays.

A Customer agent holds only its row number; every attribute is read from (and written to) the
model's arrays, so the vectorised mechanisms and Mesa's tools see the same customer. Views are built
for every customer in small models and on demand in large ones (see `EngagementModel.customer`).
"""

from __future__ import annotations

import mesa

from .levels import LEVELS


class Customer(mesa.Agent):
    """One person in the market: a view onto row `index` of the model's customer arrays."""

    def __init__(self, model, index: int):
        super().__init__(model)
        self.index = index

    @property
    def _state(self):
        return self.model.state

    @property
    def company(self) -> str | None:
        c = int(self._state.company[self.index])
        return self.model.market.names[c] if c < self.model.market.no_company else None

    @property
    def level(self) -> str:
        code = int(self._state.level[self.index])
        return LEVELS[code] if code < len(LEVELS) else "prospect"

    def _current(self, array):
        c = int(self._state.company[self.index])
        return float(array[self.index, c]) if c < self.model.market.no_company else 0.0

    @property
    def bond(self) -> float:
        return float(self._state.bond[self.index])

    @bond.setter
    def bond(self, value: float) -> None:
        self._state.bond[self.index] = value

    @property
    def trust(self) -> float:
        return self._current(self._state.trust)

    @property
    def identification(self) -> float:
        return self._current(self._state.identification)

    @property
    def anger(self) -> float:
        return float(self._state.anger[self.index])

    def traits(self) -> dict[str, float]:
        s, i = self._state, self.index
        return {"introversion": float(s.introversion[i]), "price_sensitivity": float(s.price_sensitivity[i]),
                "trust_rate": float(s.trust_rate[i]), "complaint_propensity": float(s.complaint_propensity[i]),
                "adaptation_rate": float(s.adaptation_rate[i]), "relationships": int(s.relationships[i])}

    def snapshot(self) -> dict[str, float | str | None]:
        """The customer's current state, e.g. for the app's history of a selected customer."""
        s, i = self._state, self.index
        return {"step": self.model.steps, "company": self.company, "level": self.level, "bond": self.bond,
                "trust": self.trust, "identification": self.identification, "anger": self.anger,
                "expectation": float(s.expectation[i]), "peak": float(s.peak[i]), "end": float(s.end[i]),
                "participation": float(s.participation[i]), "appreciation": float(s.appreciation[i]),
                "sensation": float(s.sensation[i]), "advocacy": float(s.advocacy[i])}


class Company(mesa.Agent):
    """A company in the market; its parameters at this step come from the market (interventions applied)."""

    def __init__(self, model, name: str, index: int):
        super().__init__(model)
        self.name = name
        self.index = index

    @property
    def parameters(self) -> dict:
        return self.model.market.companies[self.index]

    @property
    def customers(self) -> int:
        return int((self.model.state.company == self.index).sum())

    def level_counts(self) -> dict[str, int]:
        counts = self.model.level_counts()[self.index]
        return dict(zip(LEVELS, map(int, counts)))
