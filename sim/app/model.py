"""The model as the classroom app drives it, and the buttons that act on it while it runs.

ClassroomModel is an EngagementModel that also keeps what a class looks at: the events the buttons
added, every customer's history (small populations) and the history of the customer in the
inspector. The buttons (outage, fan_programme, competitor_promotion, viral_complaint) each schedule
one scenario intervention from the next step through `trigger`. SLIDERS name the scenario parameters
the page offers as sliders; `run_settings` says which values the running model was built with.
Nothing here needs a browser or Solara.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .. import scenario as scenarios
from ..model import EngagementModel

DEFAULT_SCENARIO = scenarios.BUNDLED / "classroom.yaml"
HISTORY_LIMIT = 5_000  # keep every customer's history up to this population (14 bytes a step: 25 MB a year)

# The sliders: model keyword (dots written as "__"), label, low, high, step. Defaults come from the scenario.
SLIDERS = (
    ("trust__gate", "Trust gate", 0.0, 1.0, 0.05),
    ("companies__focal__complaint_handling", "Complaint handling", 0.0, 1.0, 0.05),
    ("traits__introversion__mean", "Introversion (mean)", 0.05, 0.95, 0.05),
    ("companies__focal__programmes__appreciation__reach", "Programme reach", 0.0, 1.0, 0.05),
    ("companies__focal__price", "Price", 0.5, 1.5, 0.05),
    ("companies__rival__promotion__discount", "Rival's promotion", 0.0, 0.5, 0.05),
)


def slider_value(params: dict, key: str):
    """The value at slider `key` ("companies__focal__price") in scenario parameters; KeyError if absent."""
    value = params
    for part in key.split("__"):
        value = value[part]
    return value


def run_settings(model) -> str:
    """The slider settings the running model was built with, e.g. "trust gate 0.50, ..."."""
    parts = []
    for key, label, *_ in SLIDERS:
        try:
            value = slider_value(model.params, key)
        except KeyError:
            continue  # e.g. no company named rival in this scenario
        parts.append(f"{label.lower()} {value:.2f}")
    return ", ".join(parts) + f", seed {getattr(model, 'seed_used', model.params['seed'])}"


# --- the model, as the app drives it ------------------------------------------------------------------
class ClassroomModel(EngagementModel):
    """EngagementModel that also remembers what a class needs to see.

    - `events`: (step, label) of each button pressed, numbered on the plots; `event_ends` the last
      step of each (None for a one-off such as a viral complaint);
    - `watched` and `watch_history`: the selected customer's `snapshot()` after every step;
    - `history`: level, company, bond, trust and anger of every customer at every step (small
      populations only), so a customer picked late still shows its whole story.
    Keyword parameters are those of EngagementModel (`trust__gate=0.6`), which is how SolaraViz passes
    its sliders.
    """

    def __init__(self, scenario=None, *, rng=None, seed=None, watch: int = 0, **kwargs):
        scenario = DEFAULT_SCENARIO if scenario is None else scenario
        if kwargs and isinstance(scenario, str | Path):
            # Apply the sliders to the YAML as `--set` would (validated with file and line), which also
            # works for scenarios with interventions.
            scenario = scenarios.load(scenario, [f"{key.replace('__', '.')}={value}" for key, value in kwargs.items()])
            kwargs = {}
        super().__init__(scenario, rng=rng, seed=seed, **kwargs)
        chosen = rng if rng is not None else seed
        self.seed_used = self.params["seed"] if chosen is None else chosen
        # The app appends to the interventions; keep that list to this model, not the scenario.
        self.market.interventions = list(self.market.interventions)
        self.events: list[tuple[int, str]] = []
        self.event_ends: list[int | None] = []  # last step of each event that lasts (outage, promotion)
        self.history: dict[str, list[np.ndarray]] | None = (
            {"level": [], "company": [], "bond": [], "trust": [], "anger": []}
            if self.state.n <= HISTORY_LIMIT else None)
        self.watched = 0
        self.watch_history: list[dict] = []
        self.watch(watch)
        self._remember()

    def step(self) -> None:
        super().step()
        self._remember()
        if self.watched is not None:
            self.watch_history.append(self.customer(self.watched).snapshot())

    def watch(self, index: int) -> None:
        """Select customer `index`; its snapshot is recorded from now on."""
        index = int(np.clip(index, 0, self.state.n - 1))
        if index != self.watched or not self.watch_history:
            self.watched = index
            self.watch_history = [self.customer(index).snapshot()]

    def _remember(self) -> None:
        if self.history is None:
            return
        s = self.state
        self.history["level"].append(s.level.copy())
        self.history["company"].append(s.company.astype(np.int8))
        self.history["bond"].append(s.bond.astype(np.float32))
        self.history["trust"].append(s.current(s.trust).astype(np.float32))
        self.history["anger"].append(s.anger.astype(np.float32))

    def customer_history(self, index: int) -> dict[str, np.ndarray] | None:
        """Arrays over steps 0..now of one customer's level, company, bond, trust and anger."""
        if self.history is None:
            return None
        return {key: np.array([row[index] for row in rows]) for key, rows in self.history.items()}

    def series(self) -> tuple[np.ndarray, dict[str, int]]:
        """The recorded timeseries as an array (one row per step) and the index of each column."""
        return np.vstack(self.records), {name: i for i, name in enumerate(self.columns)}


# --- the buttons ------------------------------------------------------------------------------------------
def trigger(model: EngagementModel, item: dict, label: str | None = None) -> dict:
    """Add an intervention acting from the next step, validated like one written in a scenario file.

    `item` is an intervention as in YAML without `at` (e.g. {"company": "focal", "viral_complaint": 0.2});
    `until` may be given relative to now as `duration`. Returns the resolved intervention.
    """
    item = dict(item)
    at = model.steps + 1
    duration = item.pop("duration", None)
    item["at"] = at
    if duration is not None:
        item["until"] = at + int(duration)
    companies = {name: {"initial_share": 0.0} for name in model.market.names}
    event = scenarios.validate({"customers": 10_000, "companies": companies, "interventions": [item]},
                               source="<app>").data["interventions"][0]
    model.market.schedule(event)
    if hasattr(model, "events"):
        model.events.append((at, label or event["name"]))
        if hasattr(model, "event_ends"):
            model.event_ends.append(event.get("until"))
    return event


def _focal(model) -> str:
    return model.market.names[model.market.focal]


def _rival(model) -> str:
    names = model.market.names
    return "rival" if "rival" in names else names[(model.market.focal + 1) % len(names)]


def outage(model, share: float = 0.4, failure_rate: float = 0.6, duration: int = 7) -> dict:
    """A week-long outage: `share` of the focal company's customers see `failure_rate` failures."""
    return trigger(model, {"company": _focal(model), "duration": duration,
                           "outage": {"failure_rate": failure_rate, "share": share}}, "outage")


def fan_programme(model, reach: float = 0.6, frequency: float = 0.05) -> dict:
    """Memorable experiences (the sensation driver) for the focal company's involved customers."""
    return trigger(model, {"company": _focal(model), "start": "sensation", "target": "involved",
                           "reach": reach, "frequency": frequency}, "fan programme")


def competitor_promotion(model, discount: float = 0.3, reach: float = 0.15, duration: int = 30) -> dict:
    """A month of the rival's promotion: a price cut seen by `reach` of other customers per step."""
    return trigger(model, {"company": _rival(model), "duration": duration,
                           "promotion": {"discount": discount, "reach": reach}}, "rival promotion")


def viral_complaint(model, share: float = 0.25) -> dict:
    """A complaint goes viral: `share` of the focal company's customers become angry at once."""
    return trigger(model, {"company": _focal(model), "viral_complaint": share}, "viral complaint")


BUTTONS = (("Outage (a week)", outage), ("Start a fan programme", fan_programme),
           ("Competitor's promotion", competitor_promotion), ("Viral complaint", viral_complaint))
